import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, ipipAddr, ipipCluster, ipipRoutes, nodeYaml, poolYaml } from '../../helpers/encap-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { ipipTunl0MissingOrDown as rule } from '../../../src/rules/dataplane/ipip-tunl0-missing-or-down.js';

const RES = docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'));
const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('passes on the healthy IPIP cluster and (not in use) on the BGP cluster', () => {
  expectRule(rule, contextFrom(ipipCluster(), RES), { status: 'passed' });
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on a node without tunl0 that has no routes via it, citing BIRD\'s Netlink error; folds block-route-missing', () => {
  const c = ipipCluster();
  c['node-c']!.ipv4_addr = ipipAddr(C, { tunl0: 'absent' });
  c['node-c']!.ipv4_route = ipipRoutes(C, [A, B], () => false);
  c['node-c']!['logs/bird/current'] += '2026-11-27T10:14:09.30003 bird: Netlink: Network is down\n';
  const ctx = contextFrom(c, docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip', { noTunnel: ['node-c'] })));
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['node-c'] });
  assert.match(f!.title, 'node-c has no tunl0 (node-a, node-b have it up)');
  assert.match(f!.message, 'no route to the blocks of node-a, node-b');
  assert.match(f!.message, 'no ipv4IPIPTunnelAddr');
  assert.ok(f!.evidence.some((e) => e.text.includes('Netlink: Network is down')));
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.startsWith('3: tunl0@NONE')));
  const all = runAll(ctx);
  assert.is(all[0]!.rule, 'ipip-tunl0-missing-or-down');
  assert.ok(all[0]!.explains.includes('block-route-missing:node-c->node-a'), all[0]!.explains.join(','));
});

test('fires on tunl0 down', () => {
  const c = ipipCluster();
  c['node-b']!.ipv4_addr = ipipAddr(B, { tunl0: 'down' });
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-b'] });
  assert.match(f!.title, 'tunl0 down');
  assert.match(f!.evidence[0]!.text, 'state DOWN');
});

test('skipped without ipv4_addr', () => {
  const c = ipipCluster();
  for (const n of Object.values(c)) delete n.ipv4_addr;
  expectRule(rule, contextFrom(c, RES), { status: 'skipped' });
});

test.run();
