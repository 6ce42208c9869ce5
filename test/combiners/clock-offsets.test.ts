import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { birdLog, healthyCluster, NODES } from '../helpers/healthy-cluster.js';
import { archiveTime, clockOffsets } from '../../src/combiners/clock-offsets.js';

test('tarball names read as the node clock', () => {
  assert.is(archiveTime('diags-20261127_101507.tar.gz'), Date.UTC(2026, 10, 27, 10, 15, 7));
  assert.is(archiveTime('diags.tar.gz'), undefined);
  assert.is(archiveTime(undefined), undefined);
});

test('the reference is the node most peers agree with; a node 2 minutes behind is measured at both session ends', () => {
  const c = healthyCluster();
  c['node-a']!['logs/bird/current'] = c['node-a']!['logs/bird/current']!.replace(/T10:14:/g, 'T10:12:');
  c['node-a']!.date = 'Fri Nov 27 10:13:01 UTC 2026\n';
  const { cluster } = contextFrom(c);
  const t = clockOffsets(cluster.nodes);
  assert.is(t.reference, 'node-b');
  assert.is(t.pairsCompared, 3);
  const a = t.offsets.find((o) => o.node === 'node-a')!;
  assert.is(a.basis, 'bgp');
  assert.is(a.offsetSeconds, -120);
  assert.is(a.dateDeltaSeconds, -119);
  assert.equal(a.evidence.map((e) => e.node), ['node-a', 'node-b', 'node-a']);
});

test('a node with no BGP session to compare gets a date-only offset', () => {
  const c = healthyCluster();
  c['node-c']!['logs/bird/current'] = birdLog(NODES[2]!, NODES.slice(0, 2), () => ['start']);
  c['node-c']!.date = 'Fri Nov 27 10:25:00 UTC 2026\n';
  const { cluster } = contextFrom(c);
  const o = clockOffsets(cluster.nodes).offsets.find((x) => x.node === 'node-c')!;
  assert.equal([o.basis, o.offsetSeconds], ['date', 600]);
});

test('a date in an ambiguous zone is not used, nor the tarball name beside it; without a date the name stands in', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  c['node-b']!.date = 'Fri Nov 27 12:15:00 CEST 2026\n';
  delete c['node-c']!.date;
  const { cluster } = contextFrom(c);
  const t = clockOffsets(cluster.nodes);
  assert.equal(t.offsets.map((o) => [o.node, o.basis, o.offsetSeconds]), [['node-a', 'reference', 0], ['node-c', 'date', 0]]);
  assert.is(t.offsets[1]!.evidence[0]!.text, 'tarball name diags-20261127_101500.tar.gz');
});

test('no clock at all: an empty table', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) {
    delete n.date;
    delete n['logs/bird/current'];
  }
  const { cluster } = contextFrom(c);
  for (const n of cluster.nodes) delete n.archiveName;
  assert.equal(clockOffsets(cluster.nodes), { offsets: [], pairsCompared: 0 });
});

test.run();
