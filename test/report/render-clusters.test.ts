/**
 * A page of several clusters: each cluster section's ids carry their own prefix, so that no id repeats
 * and every in-page link (cluster nav, TOC, verdict → finding) and SVG `url(#…)` lands on one element.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderHtmlClusters } from '../../src/report/render-clusters.js';
import { sampleReport } from './sample-report.js';
import { assertIdsResolve, idsAndRefs } from './page-ids.js';

const root = new URL('../../../', import.meta.url).pathname;

test('idPrefix: every id and in-page link of one report carries the prefix; without it the ids stay as they were', () => {
  const plain = renderHtml(sampleReport());
  const prefixed = renderHtml(sampleReport(), { idPrefix: 'c2-' });
  const a = idsAndRefs(plain);
  const b = idsAndRefs(prefixed);
  assert.ok(a.ids.includes('root-causes') && a.ids.includes('finding-1') && a.ids.includes('node-1') && a.ids.includes('f-node'));
  assert.equal(b.ids, a.ids.map((id) => `c2-${id}`));
  assert.equal(b.refs, a.refs.map((r) => `c2-${r}`));
  assertIdsResolve(prefixed, 'prefixed');
  assert.throws(() => renderHtml(sampleReport(), { idPrefix: 'x" onclick="y' }), /idPrefix/);
});

test('two sample scenarios on one page: ids unique, every link and url(#) resolves, one script for every filter bar', async () => {
  const report = await analyze(
    [join(root, 'samples', 'scenarios', 'bgp-port179-blocked'), join(root, 'samples', 'scenarios', 'bgp-session-flapping')],
    { workers: false },
  );
  assert.is(report.clusters?.length, 2, 'two clusters');
  const html = renderHtmlClusters(report);
  assertIdsResolve(html, 'multi-cluster page');
  const { ids, refs } = idsAndRefs(html);
  for (const c of ['c1-', 'c2-']) {
    for (const id of ['top', 'verdict', 'root-causes', 'filters', 'f-node', 'f-rule', 'f-q', 'f-count', 'ticket', 'bgp', 'timeline', 'nodes', 'finding-1', 'node-1']) {
      assert.ok(ids.includes(`${c}${id}`), `${c}${id}`);
    }
    assert.ok(refs.includes(`${c}root-causes`), `TOC of ${c}`);
    assert.ok(refs.includes(`${c}finding-1`), `verdict link of ${c}`);
  }
  assert.ok(refs.includes('cluster-1') && refs.includes('cluster-2'), 'cluster nav');
  assert.is((html.match(/class="filters"/g) ?? []).length, 2, 'a filter bar per cluster');
  // one script for the page, allowed by its hash in the CSP
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
  assert.is(scripts.length, 1);
  const hash = createHash('sha256').update(scripts[0]![1]!, 'utf8').digest('base64').replace(/=/g, '&#x3D;');
  assert.ok(html.includes(`script-src 'sha256-${hash}'`));
  assert.ok(html.lastIndexOf('<section class="cluster" id="cluster-2">') < scripts[0]!.index!, 'the script runs after every section');
});

test('a single-cluster page: ids unique and every in-page link resolves', () => {
  const html = renderHtml(sampleReport());
  assertIdsResolve(html, 'sample report');
});

test.run();
