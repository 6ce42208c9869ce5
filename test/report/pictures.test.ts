import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bgpMesh, sideState } from '../../src/report/bgp-mesh.js';
import { timelineChart } from '../../src/report/timeline-chart.js';
import { coverageState } from '../../src/report/route-coverage.js';
import type { BgpPair, BgpSide } from '../../src/model/derived.js';
import { sampleReport } from './sample-report.js';

const side = (over: Partial<BgpSide>): BgpSide => ({ node: 'node-a', protocol: 'Mesh_10_0_0_12', everUp: false, errors: [], logCollected: true, evidence: [], ...over });
const pair = (a: BgpSide, b: BgpSide, initiator?: string): BgpPair => ({ a, b, status: 'down', ...(initiator ? { initiator } : {}) });

test('side state: each side in its own words; flapping wins over up', () => {
  const b = side({ node: 'node-b' });
  assert.is(sideState(side({ lastState: 'up' }), pair(side({}), b), false), 'up');
  assert.is(sideState(side({ lastState: 'up' }), pair(side({}), b), true), 'flapping');
  assert.is(sideState(side({ lastState: 'up' }), pair(side({}), b), false, 3), 'flapping');
  assert.is(sideState(side({ lastState: 'start', socket: 'SYN_SENT' }), pair(side({}), b), false), 'connecting');
  assert.is(sideState(side({ lastState: 'start', socket: 'none' }), pair(side({}), b, 'node-b'), false), 'passive');
  assert.is(sideState(side({ lastState: 'start', errors: ['Error: Connection refused'] }), pair(side({}), b), false), 'refused');
  assert.is(sideState(side({ lastState: undefined }), pair(side({}), b), false), 'never');
  assert.is(sideState(side({ lastState: undefined, logCollected: false }), pair(side({}), b), false), 'not-collected');
});

test('mesh: nodes on a circle inside the picture, two halves per session meeting in the middle', () => {
  const m = bgpMesh(sampleReport());
  assert.is(m.nodes.length, 4);
  for (const n of m.nodes) assert.ok(n.x > 0 && n.x < m.width && n.y > 0 && n.y < m.height, n.name);
  assert.is(m.halves.length, 8);
  const [h1, h2] = m.halves.filter((h) => (h.a === 'node-b' && h.b === 'node-c') || (h.a === 'node-c' && h.b === 'node-b'));
  assert.equal([h1!.x2, h1!.y2], [h2!.x2, h2!.y2]);
  assert.is(m.dense, false);
});

test('timeline chart: one row per node, events placed by UTC time, the first error marked, clock offset named', () => {
  const r = sampleReport();
  r.timeline.offsets = [{ node: 'node-c', offsetSeconds: 420, basis: 'bgp', applied: true }];
  const c = timelineChart(r, 300)!;
  assert.equal(c.rows.map((x) => x.label), ['node-a', 'node-b', 'node-c (clock +420 s, corrected)']);
  const xs = c.marks.map((m) => m.x);
  assert.equal(xs, [...xs].sort((a, b) => a - b), 'events in time order left to right');
  assert.is(c.hasFirst, true);
  assert.is(c.first.label, 'first failure 10:14:02 UTC on node-c');
  r.timeline.events = r.timeline.events.map((e) => ({ ...e, time: 'Mar  1 10:14:02' }));
  assert.is(timelineChart(r, 300), undefined, 'stamps without a date are not placed');
});

test('coverage state: present, missing, wrong device', () => {
  const r = sampleReport();
  const cell = r.routeMatrix.rows[0]![1]!;
  assert.is(coverageState(cell), 'present');
  assert.is(coverageState({ ...cell, blocks: [{ ...cell.blocks[0]!, kind: 'other' }] }), 'wrong-device');
  assert.is(coverageState({ ...cell, status: 'missing' }), 'missing');
});

test.run();
