import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, encapTables, ipipCluster, nodeYaml, poolYaml } from '../../helpers/encap-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { ipipProtocolBlocked as rule } from '../../../src/rules/dataplane/ipip-protocol-blocked.js';

const RES = docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'));

test('passes on the healthy IPIP cluster and on the unencapsulated BGP cluster', () => {
  expectRule(rule, contextFrom(ipipCluster(), RES), { status: 'passed' });
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires from counters: node-a sends protocol 4, never receives any, while the others send', () => {
  const c = ipipCluster((n) => (n.name === 'node-a' ? { allowIn: 0, dropIn: 0, allowOut: 25 } : { allowIn: 18, allowOut: 19 }));
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-a'] });
  assert.match(f!.evidence[0]!.text, 'Allow IPIP packets from Calico hosts');
  assert.is(f!.evidence[0]!.node, 'node-a');
  assert.ok(f!.evidence.some((e) => e.node === 'node-b' && e.text.includes('Allow IPIP packets to other Calico hosts')));
  assert.equal(f!.pairs, [['node-b', 'node-a'], ['node-c', 'node-a']]);
  // Lost on the path: open protocol 4 there or move to VXLAN; the capture on node-a's own NIC.
  const fix = filledFix(f);
  assert.match(fix, 'from node-b (10.77.0.12) and node-c (10.77.0.13) to node-a (10.77.0.11)');
  assert.match(fix, `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"ipipMode":"Never","vxlanMode":"Always"}}'`);
  assert.match(fix, '`tcpdump -ni eth0 ip proto 4 and src host 10.77.0.12` on node-a');
});

test('fires on a host firewall DROP of protocol 4 with counters', () => {
  const c = ipipCluster();
  c['node-b']!.ipv4_tables = encapTables('ipip', { allowIn: 0, allowOut: 10 }, ['[33:3432] -A INPUT -p ipv4 -j DROP']);
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-b'] });
  assert.match(f!.evidence[0]!.text, '-A INPUT -p ipv4 -j DROP');
  // The node's own DROP: accept before it, no pool change.
  const fix = filledFix(f);
  assert.match(fix, 'ahead of the DROP (`-A INPUT -p ipv4 -j DROP`)');
  assert.not.match(fix, 'calicoctl patch ippool');
});

test('fires once when no node receives IP-in-IP at all (fabric blocks protocol 4, e.g. Azure)', () => {
  const [f] = expectRule(rule, contextFrom(ipipCluster(() => ({ allowIn: 0, allowOut: 40 })), RES), { status: 'found', keys: ['all-nodes'] });
  assert.match(f!.message, 'lost between all nodes');
  assert.match(filledFix(f), 'between all nodes (node-a 10.77.0.11, node-b 10.77.0.12 and node-c 10.77.0.13)');
});

test('skipped when no IPIP traffic was counted', () => {
  expectRule(rule, contextFrom(ipipCluster(() => ({})), RES), { status: 'skipped' });
});

test.run();
