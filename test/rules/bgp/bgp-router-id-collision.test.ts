import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML, proto, NODES } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { attachStatus, nodeStatus, peerRow } from '../../helpers/bgp-node-status.js';
import { bgpRouterIdCollision } from '../../../src/rules/bgp/bgp-router-id-collision.js';

const [, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

function collide(c: ReturnType<typeof healthyCluster>): void {
  c['node-c']!['logs/bird/current'] += `2026-11-27T10:14:30.10001 bird: ${proto(B.ip)}: Error: Bad BGP identifier: 0a4d00c8\n2026-11-27T10:14:30.10002 bird: ${proto(B.ip)}: State changed to stop\n`;
  c['node-b']!['logs/bird/current'] += `2026-11-27T10:14:30.10101 bird: ${proto(C.ip)}: Received: Bad BGP identifier\n`;
}

test('silent on the healthy cluster', () => {
  expectRule(bgpRouterIdCollision, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on Bad BGP identifier from both ends: one finding per pair, the id decoded', () => {
  const c = healthyCluster();
  collide(c);
  const [f] = expectRule(bgpRouterIdCollision, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b<->node-c'], nodes: ['node-b', 'node-c'] });
  assert.match(f!.title, 'same BGP router id 10.77.0.200');
  assert.match(f!.message, 'CALICO_ROUTER_ID');
  assert.match(f!.message, "node-c rejected node-b's OPEN");
  assert.ok(f!.evidence.some((e) => e.node === 'node-b' && e.text.includes('Received: Bad BGP identifier')));
  assert.equal(f!.pairs, [['node-b', 'node-c']]);
});

test('explains the missing routes between the two nodes', () => {
  const c = healthyCluster();
  collide(c);
  c['node-b']!.ipv4_route = c['node-b']!.ipv4_route!.split('\n').filter((l) => !l.startsWith('10.244.99.128/26')).join('\n');
  const cause = runAll(contextFrom(c, POOL_YAML)).find((f) => f.rule === 'bgp-router-id-collision');
  assert.ok(cause!.explains.some((id) => id.startsWith('block-route-missing:node-b->node-c')), cause!.explains.join(','));
});

test('node status alone decides it (Idle BGP Error: Bad BGP identifier)', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  const ctx = contextFrom(c, POOL_YAML);
  attachStatus(ctx, 'node-c', nodeStatus([peerRow(6, B.ip, 'start', 'Idle          BGP Error: Bad BGP identifier', 'node specific')]));
  const [f] = expectRule(bgpRouterIdCollision, ctx, { status: 'found', keys: ['node-b<->node-c'] });
  assert.is(f!.evidence[0]!.file, 'node-status.txt');
  assert.match(f!.message, 'node status attachment');
  // No id in node status: the rendered bird.cfg of the two nodes decides which id each announces.
  const r = bgpRouterIdCollision.check(ctx);
  assert.equal(r.collect?.[0]?.nodes, ['node-b', 'node-c']);
});

test('skipped without BIRD logs or node status', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  expectRule(bgpRouterIdCollision, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
