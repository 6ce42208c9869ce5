import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML, proto, NODES } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { attachStatus, nodeStatus, peerRow } from '../../helpers/bgp-node-status.js';
import { bgpStaleNodePeers } from '../../../src/rules/bgp/bgp-stale-node-peers.js';

const GONE = '10.77.0.14';
const NODE_D = `---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-d
spec:
  bgp:
    ipv4Address: ${GONE}/24
`;

/** Every node has a Mesh protocol to the gone node, `start` since BIRD's start, and the log runs on for `minutes`. */
function withGone(minutes = 5) {
  const c = healthyCluster();
  for (const n of Object.values(c)) {
    n['logs/bird/current'] += `2026-11-27T10:14:02.30001 bird: ${proto(GONE)}: State changed to start\n2026-11-27T10:${14 + minutes}:02.10001 bird: device1: Scanning interfaces\n2026-11-27T10:${14 + minutes}:02.20001 bird: ${proto(NODES[0]!.ip)}: Sending KEEPALIVE\n`;
  }
  return c;
}

test('silent on the healthy cluster', () => {
  expectRule(bgpStaleNodePeers, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on a mesh peer no bundle has, never up on any node, with its Node resource', () => {
  const [f] = expectRule(bgpStaleNodePeers, contextFrom(withGone(), POOL_YAML + NODE_D), { status: 'found', keys: [GONE], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.title, `Stale BGP peer Node node-d (${GONE})`);
  assert.match(f!.message, 'never up in the 5m 00s between its start and the bundle');
  assert.ok(f!.evidence.some((e) => e.node === 'node-d' && e.text === `ipv4Address: ${GONE}/24` && e.line > 0));
  assert.match(f!.evidence[0]!.text, `${proto(GONE)}: State changed to start`);
  const r = bgpStaleNodePeers.check(contextFrom(withGone(), POOL_YAML + NODE_D));
  assert.ok(r.collect?.some((h) => h.command === 'kubectl get nodes -o wide'), 'asks for the machine list that decides stale vs missing');
});

test('folds node-bundle-missing for the same peer, so the two do not both lead', () => {
  const all = runAll(contextFrom(withGone(), POOL_YAML + NODE_D));
  const stale = all.find((f) => f.rule === 'bgp-stale-node-peers');
  const missing = all.filter((f) => f.rule === 'node-bundle-missing');
  assert.ok(missing.length > 0, 'node-bundle-missing also sees the peer');
  for (const m of missing) assert.ok(stale!.explains.includes(m.id), `${m.id} folded under ${stale!.id}`);
});

test('a peer without a bundle that is up somewhere is alive: left to node-bundle-missing', () => {
  const c = withGone();
  c['node-b']!['logs/bird/current'] += `2026-11-27T10:19:03.10001 bird: ${proto(GONE)}: State changed to up\n`;
  expectRule(bgpStaleNodePeers, contextFrom(c, POOL_YAML + NODE_D), { status: 'passed' });
});

test('a log too short to tell is not enough', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) n['logs/bird/current'] += `2026-11-27T10:14:02.30001 bird: ${proto(GONE)}: State changed to start\n`;
  expectRule(bgpStaleNodePeers, contextFrom(c, POOL_YAML + NODE_D), { status: 'passed' });
});

test('node status decides it without logs', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  const ctx = contextFrom(c, POOL_YAML + NODE_D);
  attachStatus(ctx, 'node-a', nodeStatus([peerRow(6, NODES[1]!.ip, 'up', 'Established'), peerRow(7, GONE, 'start', 'Passive')]));
  const [f] = expectRule(bgpStaleNodePeers, ctx, { status: 'found', keys: [GONE], nodes: ['node-a'] });
  assert.is(f!.evidence[0]!.file, 'node-status.txt');
});

test('skipped without BIRD logs or node status', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  expectRule(bgpStaleNodePeers, contextFrom(c, POOL_YAML + NODE_D), { status: 'skipped' });
});

test.run();
