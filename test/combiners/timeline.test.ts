import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster } from '../helpers/healthy-cluster.js';
import { timeline, toIso } from '../../src/combiners/timeline.js';

test('stamps of every shape become ISO UTC', () => {
  assert.is(toIso('2024-03-15T00:46:55.80123'), '2024-03-15T00:46:55.801Z');
  assert.is(toIso('2016-03-30_19:50:39.34382'), '2016-03-30T19:50:39.343Z');
  assert.is(toIso('2024-03-15 00:46:55.752'), '2024-03-15T00:46:55.752Z');
  assert.is(toIso('garbage'), undefined);
  assert.is(toIso('2024-03-15T00:46:5x.123'), undefined);
  assert.is(toIso('2024/03/15 00:46:55'), undefined);
});

test('one ordered timeline across nodes, capped with a count of the rest', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] += '2026-11-27T10:14:03.00001 2026-11-27 10:14:03.000 [ERROR][68] felix/route_table.go 623: Failed to sync routes\n';
  const { cluster, derived } = contextFrom(c);
  const ev = derived.timeline.events;
  assert.ok(ev.length > 0);
  for (let i = 1; i < ev.length; i++) assert.ok(ev[i - 1]!.time <= ev[i]!.time, 'sorted by time');
  const err = ev.find((e) => e.level === 'error')!;
  assert.equal([err.node, err.source, err.file, err.line], ['node-b', 'felix', 'diagnostics/logs/felix/current', 2]);
  const capped = timeline(cluster.nodes, 3);
  assert.is(capped.events.length, 3);
  assert.is(capped.dropped, ev.length - 3);
  assert.ok(capped.events.some((e) => e.level === 'error'), 'errors are kept first when capping');
});

test('a node whose clock was measured off at both ends of a BGP session is corrected; dates alone are not applied', () => {
  const { cluster } = contextFrom(healthyCluster());
  const clock = {
    reference: 'node-a',
    pairsCompared: 3,
    offsets: [
      { node: 'node-a', offsetSeconds: 0, basis: 'reference' as const, evidence: [] },
      { node: 'node-b', offsetSeconds: 600, basis: 'date' as const, evidence: [] },
      { node: 'node-c', offsetSeconds: 90, basis: 'bgp' as const, evidence: [] },
    ],
  };
  const t = timeline(cluster.nodes, undefined, clock);
  assert.equal(t.offsets?.map((o) => [o.node, o.applied]), [['node-a', false], ['node-b', false], ['node-c', true]]);
  const c = t.events.filter((e) => e.node === 'node-c');
  assert.ok(c.length > 0);
  for (const e of c) assert.is(Date.parse(e.rawTime!) - Date.parse(e.time), 90_000);
  assert.ok(t.events.filter((e) => e.node !== 'node-c').every((e) => e.rawTime === undefined));
  for (let i = 1; i < t.events.length; i++) assert.ok(t.events[i - 1]!.time <= t.events[i]!.time, 'sorted by corrected time');
});

test.run();
