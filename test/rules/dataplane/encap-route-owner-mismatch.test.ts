import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, felixConfigYaml, ipipCluster, nodeYaml, poolYaml, vxlanCluster, vxlanRoutes } from '../../helpers/encap-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { encapRouteOwnerMismatch as rule } from '../../../src/rules/dataplane/encap-route-owner-mismatch.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('passes on healthy BGP, VXLAN and IPIP clusters', () => {
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
  expectRule(rule, contextFrom(vxlanCluster(), docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan'))), { status: 'passed' });
  expectRule(rule, contextFrom(ipipCluster(), docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'))), { status: 'passed' });
});

test('fires when the pool is VXLAN but the routes still go via tunl0 (pool switched)', () => {
  const [f] = expectRule(rule, contextFrom(ipipCluster(), docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('ipip'))), { status: 'found', keys: ['mode:default-ipv4-ippool'] });
  assert.match(f!.title, 'go via tunl0 (IP-in-IP) on node-a, node-b, node-c, but the pool is ipipMode Never, vxlanMode Always');
  assert.ok(f!.evidence[0]!.text.includes('vxlanMode: Always'));
  assert.ok(f!.evidence.some((e) => e.text.includes('dev tunl0 proto bird onlink')));
  // Keep VXLAN, or set IP-in-IP back (the routes show it); restart; a block route to check.
  const fix = filledFix(f);
  assert.match(fix, `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"ipipMode":"Always","vxlanMode":"Never"}}'`);
  assert.match(fix, 'Restart calico-node on node-a, node-b and node-c');
  assert.match(fix, /Verify on node-a: `ip route show 10\.244\.\S+` goes via vxlan\.calico/);
});

test('fires when an IPIP pool runs on a VXLAN-only install (no BIRD anywhere): nobody programs the routes', () => {
  const c = vxlanCluster();
  for (const n of NODES) c[n.name]!.ipv4_route = vxlanRoutes(n, NODES.filter((p) => p !== n), () => undefined);
  const ctx = contextFrom(c, docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip')));
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['no-route-source'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.message, 'Felix\'s proto 80');
  assert.ok(f!.evidence.some((e) => e.text.includes('no socket in LISTEN on TCP 179')));
  const fix = filledFix(f);
  assert.match(fix, `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"ipipMode":"Never","vxlanMode":"Always"}}'`);
  assert.match(fix, '"calico_backend":"bird"');
  assert.match(fix, /Verify on node-a: `ip route show 10\.244\.\S+`/);
  const all = runAll(ctx);
  assert.is(all[0]!.rule, 'encap-route-owner-mismatch');
  assert.ok(all[0]!.explains.filter((id) => id.startsWith('block-route-missing:')).length === 6, all[0]!.explains.join(', '));
});

test('silent for Felix-programmed IPIP routes when programClusterRoutes is Enabled', () => {
  const c = vxlanCluster();
  for (const n of NODES) c[n.name]!.ipv4_route = vxlanRoutes(n, NODES.filter((p) => p !== n), () => undefined);
  const res = docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'), felixConfigYaml({ programClusterRoutes: 'Enabled' }));
  expectRule(rule, contextFrom(c, res), { status: 'passed' });
});

test('BIRD down on one node only is not this rule\'s (bird-confd-not-running)', () => {
  const c = healthyCluster();
  delete c['node-c']!['logs/bird/current'];
  c['node-c']!.netstat = c['node-c']!.netstat!.replace(/^tcp .*0\.0\.0\.0:179 .*\n/m, '');
  expectRule(rule, contextFrom(c, POOL_YAML), { status: 'passed' });
  void A; void B; void C;
});

test('a covering aggregate (ToR advertising the pool via the NIC) is not judged against an IPIP pool', () => {
  const c = ipipCluster();
  for (const n of NODES) c[n.name]!.ipv4_route = c[n.name]!.ipv4_route!.split('\n').filter((l) => !l.includes('dev tunl0')).join('\n') + '10.244.0.0/16 via 10.77.0.1 dev eth0 proto bird \n';
  expectRule(rule, contextFrom(c, docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'))), { status: 'passed' });
});

test('skipped without IPPool resources', () => {
  expectRule(rule, contextFrom(healthyCluster()), { status: 'skipped' });
});

test.run();
