import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, encapTables, ipipCluster, nodeYaml, poolYaml } from '../../helpers/encap-cluster.js';
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
});

test('fires on a host firewall DROP of protocol 4 with counters', () => {
  const c = ipipCluster();
  c['node-b']!.ipv4_tables = encapTables('ipip', { allowIn: 0, allowOut: 10 }, ['[33:3432] -A INPUT -p ipv4 -j DROP']);
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-b'] });
  assert.match(f!.evidence[0]!.text, '-A INPUT -p ipv4 -j DROP');
});

test('fires once when no node receives IP-in-IP at all (fabric blocks protocol 4, e.g. Azure)', () => {
  const [f] = expectRule(rule, contextFrom(ipipCluster(() => ({ allowIn: 0, allowOut: 40 })), RES), { status: 'found', keys: ['all-nodes'] });
  assert.match(f!.message, 'lost between all nodes');
});

test('skipped when no IPIP traffic was counted', () => {
  expectRule(rule, contextFrom(ipipCluster(() => ({})), RES), { status: 'skipped' });
});

test.run();
