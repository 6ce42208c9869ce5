import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML, proto, NODES } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { attachStatus, nodeStatus, peerRow } from '../../helpers/bgp-node-status.js';
import { bgpHoldTimerFlapping } from '../../../src/rules/bgp/bgp-hold-timer-flapping.js';

const [A, B] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

/** A session that drops twice: `sent`/`received` say which hold-timer line this side logs each time. */
function flaps(peerIP: string, lines: Array<[string, 'Error' | 'Received']>): string {
  const p = proto(peerIP);
  return lines
    .map(([t, kind]) => [
      `2026-11-27T${t}.10001 bird: ${p}: ${kind}: Hold timer expired`,
      `2026-11-27T${t}.10002 bird: ${p}: State changed to stop`,
      `2026-11-27T${t}.10003 bird: ${p}: State changed to down`,
      `2026-11-27T${t}.10004 bird: ${p}: State changed to start`,
      `2026-11-27T${t}.90001 bird: ${p}: State changed to up`,
    ].join('\n'))
    .join('\n') + '\n';
}

test('silent on the healthy cluster', () => {
  expectRule(bgpHoldTimerFlapping, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires once per pair with counts, both ends and the interval between drops', () => {
  const c = healthyCluster();
  c['node-a']!['logs/bird/current'] += flaps(B.ip, [['10:20:09', 'Error'], ['10:20:48', 'Received']]);
  c['node-b']!['logs/bird/current'] += flaps(A.ip, [['10:20:04', 'Error'], ['10:20:47', 'Error']]);
  const [f] = expectRule(bgpHoldTimerFlapping, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a<->node-b'], nodes: ['node-a', 'node-b'] });
  assert.match(f!.message, "node-a's Mesh_10_77_0_12 went down 2× after being up");
  assert.match(f!.message, "node-b's Mesh_10_77_0_11 went down 2×");
  assert.match(f!.message, '39 s apart');
  assert.match(f!.message, 'Both ends logged 2 of these drops within 10 s');
  assert.match(f!.evidence[0]!.text, 'Hold timer expired');
  assert.equal(f!.pairs, [['node-a', 'node-b']]);
});

test('folds the missing routes of the flapping pair under it', () => {
  const c = healthyCluster();
  c['node-a']!['logs/bird/current'] += flaps(B.ip, [['10:20:09', 'Error'], ['10:20:48', 'Received']]);
  c['node-a']!.ipv4_route = c['node-a']!.ipv4_route!.split('\n').filter((l) => !l.startsWith('10.244.42.64/26')).join('\n');
  const all = runAll(contextFrom(c, POOL_YAML));
  const cause = all.find((f) => f.rule === 'bgp-hold-timer-flapping');
  assert.ok(cause !== undefined);
  assert.ok(cause!.explains.some((id) => id.startsWith('block-route-missing:node-a->node-b')), cause!.explains.join(','));
});

test('one drop without a hold-timer expiry is not a flap', () => {
  const c = healthyCluster();
  const p = proto(B.ip);
  c['node-a']!['logs/bird/current'] += `2026-11-27T10:20:00.10001 bird: ${p}: State changed to stop\n2026-11-27T10:20:00.10002 bird: ${p}: State changed to start\n2026-11-27T10:20:02.10001 bird: ${p}: State changed to up\n`;
  expectRule(bgpHoldTimerFlapping, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('node status that still shows the hold-timer error counts with one logged drop', () => {
  const c = healthyCluster();
  const p = proto(B.ip);
  c['node-a']!['logs/bird/current'] += `2026-11-27T10:20:00.10001 bird: ${p}: State changed to stop\n2026-11-27T10:20:00.10002 bird: ${p}: State changed to start\n`;
  const ctx = contextFrom(c, POOL_YAML);
  attachStatus(ctx, 'node-a', nodeStatus([peerRow(6, B.ip, 'start', 'Active        Received: Hold timer expired')]));
  const [f] = expectRule(bgpHoldTimerFlapping, ctx, { status: 'found', keys: ['node-a<->node-b'] });
  assert.is(f!.evidence[0]!.file, 'node-status.txt');
  assert.match(f!.message, 'node status still shows');
});

test('skipped without BIRD logs and node status, with what to collect', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  expectRule(bgpHoldTimerFlapping, contextFrom(c, POOL_YAML), { status: 'skipped' });
  assert.ok(bgpHoldTimerFlapping.meta.collect?.some((h) => h.command === 'calicoctl node status'));
});

test.run();
