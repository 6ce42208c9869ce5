import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, ipRoute, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { ipamBlockRouteInconsistency } from '../../../src/rules/dataplane/ipam-block-route-inconsistency.js';
import { filledFix } from '../../helpers/fix-steps.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('silent on the healthy cluster', () => {
  expectRule(ipamBlockRouteInconsistency, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('two owners: node-b also has node-a\'s blackhole, node-c holds an ECMP route to both', () => {
  const c = healthyCluster();
  c['node-b']!.ipv4_route = ipRoute(B, [C]) + `blackhole ${A.block} proto bird \n`;
  c['node-c']!.ipv4_route = ipRoute(C, [B]) + `${A.block} proto bird \n\tnexthop via ${A.ip} dev eth0 weight 1 \n\tnexthop via ${B.ip} dev eth0 weight 1 \n`;
  const [f] = expectRule(ipamBlockRouteInconsistency, contextFrom(c, POOL_YAML), { status: 'found', keys: [`two-owners:${A.block}`], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.title, 'blackhole routes on node-a and node-b');
  // Both blackholes first, then the ECMP route.
  assert.ok(f!.evidence[0]!.text.includes(`blackhole ${A.block}`) && f!.evidence[1]!.text.includes(`blackhole ${A.block}`));
  assert.ok(f!.evidence.some((e) => e.node === 'node-c' && e.text.startsWith(`${A.block} proto bird`)));
  // The pods are on node-a: node-b's blackhole is the stale one.
  assert.match(f!.message, 'node-b has the blackhole but no pod in it');
  const fix = filledFix(f);
  assert.match(fix, "keep node-a's, which has the block's pods");
  assert.match(fix, 'the row whose NODE is node-b');
  assert.match(fix, 'restart calico-node on node-b');
  assert.match(fix, `\`ip route show ${A.block}\` on node-b no longer shows \`blackhole\``);
});

test('ECMP route alone (one blackhole): a peer without a bundle is the second owner, a gateway is not', () => {
  const c = healthyCluster();
  const ecmp = (hop: string) => ipRoute(C, [B]) + `${A.block} proto bird \n\tnexthop via ${A.ip} dev eth0 weight 1 \n\tnexthop via ${hop} dev eth0 weight 1 \n`;
  c['node-c']!.ipv4_route = ecmp('10.77.0.14');
  c['node-c']!['logs/bird/current'] += '2026-11-27T10:14:09.20002 bird: Mesh_10_77_0_14: State changed to up\n';
  const [f] = expectRule(ipamBlockRouteInconsistency, contextFrom(c, POOL_YAML), { status: 'found', count: 1 });
  assert.match(f!.title, 'ECMP next hops on 10.77.0.14 and node-a');
  filledFix(f);
  // The gateway re-advertising a static route is route-netlink-conflict's business.
  c['node-c']!.ipv4_route = ecmp('10.77.0.1');
  expectRule(ipamBlockRouteInconsistency, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('borrowed address: pod on node-b inside node-c\'s block, no /32 on node-a and node-c', () => {
  const c = healthyCluster();
  c['node-b']!.ipv4_route = ipRoute(B, [A, C]) + '10.244.99.140 dev cali0b0b0b0b0b0 scope link \n';
  const ctx = contextFrom(c, POOL_YAML);
  const [f] = expectRule(ipamBlockRouteInconsistency, ctx, { status: 'found', keys: ['borrowed:node-b:10.244.99.128/26'] });
  assert.match(f!.message, "node-c's own `blackhole 10.244.99.128/26` drops it");
  assert.equal(f!.pairs, [['node-b', 'node-a'], ['node-b', 'node-c']]);
  assert.ok(f!.evidence[0]!.text.includes('10.244.99.140 dev cali0b0b0b0b0b0'));
  const fix = filledFix(f);
  assert.match(fix, 'show route for 10.244.99.140');
  assert.match(fix, 'calicoctl ipam configure --strictaffinity=true');
  assert.match(fix, `\`ip route get 10.244.99.140\` must lead to node-b (${B.ip})`);
  // With /32 routes on both others, it passes and counts the borrowed address.
  c['node-a']!.ipv4_route += `10.244.99.140 via ${B.ip} dev eth0 proto bird \n`;
  c['node-c']!.ipv4_route += `10.244.99.140 via ${B.ip} dev eth0 proto bird \n`;
  const r = ipamBlockRouteInconsistency.check(contextFrom(c, POOL_YAML));
  assert.is(r.status, 'passed');
  assert.match((r as { reason: string }).reason, '1 borrowed address with /32 routes on every other node');
});

test('CNI "already exists for an interface other than" alone gives a warning on that node', () => {
  const c = healthyCluster();
  c['node-a']!['logs/cni/cni.log'] += '2026-11-27 10:14:11.000 [ERROR][2360] cni-plugin/plugin.go 580: error adding host side routes for interface: calicfa03c2c5b1, error: route (Ifindex: 436, Dst: 10.244.17.9/32, Scope: 253) already exists for an interface other than \'calicfa03c2c5b1\'\n';
  const [f] = expectRule(ipamBlockRouteInconsistency, contextFrom(c, POOL_YAML), { status: 'found', keys: ['cni-route-exists:node-a'] });
  assert.is(f!.severity, 'warning');
  // The address from the CNI line fills the steps.
  const fix = filledFix(f);
  assert.match(fix, 'calicoctl ipam show --ip=10.244.17.9');
  assert.match(fix, 'calicoctl ipam release --ip=10.244.17.9');
});

test('skipped without any block or workload route, naming what to collect', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) n.ipv4_route = '10.77.0.0/24 dev eth0 proto kernel scope link src 10.77.0.11\n';
  const r = ipamBlockRouteInconsistency.check(contextFrom(c));
  assert.is(r.status, 'skipped');
  assert.ok(r.collect?.some((h) => h.command.startsWith('calicoctl ipam check')));
});

test('full run: the two-owner cause is the top finding', () => {
  const c = healthyCluster();
  c['node-b']!.ipv4_route = ipRoute(B, [C]) + `blackhole ${A.block} proto bird \n`;
  const findings = runAll(contextFrom(c, POOL_YAML));
  assert.is(findings[0]!.rule, 'ipam-block-route-inconsistency');
});

test.run();
