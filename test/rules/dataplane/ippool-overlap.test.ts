import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { CONFD, healthyCluster, ipsets, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { ippoolOverlap } from '../../../src/rules/dataplane/ippool-overlap.js';
import { filledFix } from '../../helpers/fix-steps.js';

test('silent on the healthy cluster', () => {
  expectRule(ippoolOverlap, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('pool containing the host subnet: every node, with the address and subnet route', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML.replace('cidr: 10.244.0.0/16', 'cidr: 10.0.0.0/8'));
  const [f] = expectRule(ippoolOverlap, ctx, { status: 'found', keys: ['host:default-ipv4-ippool'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.is(f!.severity, undefined);
  assert.ok(f!.evidence[0]!.text.includes('cidr: 10.0.0.0/8'));
  assert.ok(f!.evidence.some((e) => e.text.includes('inet 10.77.0.11/24')));
  assert.ok(f!.evidence.some((e) => e.text.startsWith('10.77.0.0/24 dev eth0 proto kernel')));
  const fix = filledFix(f);
  assert.match(fix, 'outside 10.77.0.0/24 (the host subnet of node-a, node-b and node-c)');
  assert.match(fix, 'ipipMode Never, vxlanMode Never, natOutgoing true');
  assert.match(fix, `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"disabled":true}}'`);
  assert.match(fix, 'calicoctl delete ippool default-ipv4-ippool');
  assert.not.match(fix, '10.244.');
  assert.is(runAll(ctx)[0]!.rule, 'ippool-overlap');
});

test('pool only overlapping a wider host subnet is a warning', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_addr = c['node-a']!.ipv4_addr!.replace('10.77.0.11/24', '10.77.0.11/8');
  const [f] = expectRule(ippoolOverlap, contextFrom(c, POOL_YAML), { status: 'found', keys: ['host:default-ipv4-ippool'], nodes: ['node-a'] });
  assert.is(f!.severity, 'warning');
});

test('the kubernetes ClusterIP calico-node dials lies inside the pool', () => {
  const c = healthyCluster();
  c['node-a']!['logs/confd/current'] = CONFD + '2026-11-27T10:14:01.50001 2026-11-27 10:14:01.500 [ERROR][81] confd/watchercache.go 125: Failed to perform list of current data during resync ListRoot="/calico/resources/v3/projectcalico.org/bgpconfigurations" error=Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations?limit=500": dial tcp 10.96.0.1:443: i/o timeout\n';
  const ctx = contextFrom(c, POOL_YAML.replace('cidr: 10.244.0.0/16', 'cidr: 10.96.0.0/12'));
  const [f] = expectRule(ippoolOverlap, ctx, { status: 'found', keys: ['service:default-ipv4-ippool'] });
  assert.match(f!.title, '10.96.0.1');
  assert.match(filledFix(f), 'outside the service range that holds 10.96.0.1');
  // Outside the pool: passed, and the reason names the service address it checked.
  const r = ippoolOverlap.check(contextFrom(c, POOL_YAML));
  assert.is(r.status, 'passed');
  assert.match((r as { reason: string }).reason, '10.96.0.1');
});

test('BGPConfiguration serviceClusterIPs overlapping the pool', () => {
  const bgp = `---\napiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  serviceClusterIPs:\n  - cidr: 10.244.128.0/20\n`;
  const [f] = expectRule(ippoolOverlap, contextFrom(healthyCluster(), POOL_YAML + bgp), { status: 'found', keys: ['service:default-ipv4-ippool'] });
  // The evidence is the list item's own line, quoted as written.
  const ev = f!.evidence[1]!;
  assert.is(ev.text, 'cidr: 10.244.128.0/20');
  assert.is((POOL_YAML + bgp).split('\n')[ev.line - 1]!.trim(), '- cidr: 10.244.128.0/20');
  assert.match(filledFix(f), 'outside the service range 10.244.128.0/20');
});

test('two overlapping pools', () => {
  const second = `---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: extra\nspec:\n  cidr: 10.244.128.0/17\n  ipipMode: Never\n  vxlanMode: Never\n  natOutgoing: true\n`;
  const [f] = expectRule(ippoolOverlap, contextFrom(healthyCluster(), POOL_YAML + second), { status: 'found', keys: ['pools:default-ipv4-ippool:extra'] });
  assert.is(f!.severity, 'warning');
  const fix = filledFix(f);
  assert.match(fix, `calicoctl patch ippool extra -p '{"spec":{"disabled":true}}'`);
  assert.match(fix, `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"disabled":true}}'`);
});

test('no pool exported: the cali40all-ipam-pools ipset gives the pool', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) n.ipsets = ipsets().replace(/10\.244\.0\.0\/16/g, '10.77.0.0/16');
  const [f] = expectRule(ippoolOverlap, contextFrom(c), { status: 'found', count: 1 });
  assert.ok(f!.evidence[0]!.text.includes('cali40all-ipam-pools'));
  // The pool's name is not in the ipset: the steps say how to find it instead of inventing one.
  const fix = filledFix(f);
  assert.match(fix, 'the pool with CIDR 10.77.0.0/16 (its name is not in the bundle: `calicoctl get ippool -o wide` lists it)');
  assert.not.match(fix, 'calicoctl patch ippool 10.77.0.0/16');
});

test('skipped without pools and ipsets', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.ipsets;
  expectRule(ippoolOverlap, contextFrom(c), { status: 'skipped' });
});

test.run();
