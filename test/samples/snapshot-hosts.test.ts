/**
 * Two snapshots of one host (healthy-v3.20 gives node-b twice, 10 minutes apart): one node in the
 * summary, and commands to collect name the host, not the bundle (`node-b#2`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';

const root = new URL('../../../', import.meta.url).pathname;

test('healthy-v3.20: 4 bundles of 3 hosts count as 3 nodes; collect-next runs on node-b, not node-b#2', async () => {
  const report = await analyze([join(root, 'samples/scenarios/healthy-v3.20')], { workers: false });
  assert.is(report.nodes.length, 4);
  assert.ok(report.nodes.some((n) => n.name === 'node-b#2'));
  assert.is(report.summary.nodes, 3);
  const onHosts = report.collectNext.flatMap((c) => c.nodes);
  assert.ok(onHosts.includes('node-b'), JSON.stringify(onHosts));
  assert.not.ok(onHosts.some((n) => n.includes('#')), JSON.stringify(onHosts));
});

test.run();
