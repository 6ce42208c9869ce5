/**
 * A report of several clusters (Report.clusters): each cluster is rendered by the usual renderers and the
 * results are put side by side. HTML: one page, a section per cluster (each cluster's body as the single
 * report renders it). Text: each cluster's summary under a heading with the reasons for the grouping.
 */
import Handlebars from 'handlebars';
import type { Report } from './report-types.js';
import { renderHtml } from './render-html.js';
import type { RenderHtmlOptions } from './render-html.js';
import { clean, renderText } from './render-text.js';

const esc = (s: string): string => Handlebars.escapeExpression(s);

/** The page's own inline script (bundle text is escaped, so `<script>` can only be ours). */
const SCRIPT = /<script>[\s\S]*?<\/script>/;
function withoutScript(body: string): string {
  return body.replace(SCRIPT, '');
}

function heading(r: Report): string {
  return r.cluster?.name ?? 'cluster';
}

export function renderHtmlClusters(report: Report, opts: RenderHtmlOptions = {}): string {
  const clusters = report.clusters ?? [];
  if (clusters.length === 0) return renderHtml(report, opts);
  // Each cluster's ids get their own prefix (c1-, c2-, …) so that anchors, TOC links and filters stay
  // unique on the shared page; the filter script runs once for every section's filter bar.
  const pages = clusters.map((c, i) => renderHtml(c, { ...opts, idPrefix: `c${i + 1}-` }));
  const first = pages[0]!;
  const bodyAt = first.indexOf('<body>');
  const head = bodyAt >= 0 ? first.slice(0, bodyAt) : '<!doctype html><html><head><meta charset="utf-8"></head>';
  const nav = clusters
    .map((c, i) => {
      const s = c.summary.findings;
      return `<li><a href="#cluster-${i + 1}">${esc(heading(c))}</a>: ${c.summary.nodes} nodes, ${s.critical} critical, ${s.warning} warning, ${s.info} info</li>`;
    })
    .join('\n');
  const sections = pages.map((page, i) => {
    const c = clusters[i]!;
    const from = page.indexOf('<body>');
    const to = page.lastIndexOf('</body>');
    const body = withoutScript(from >= 0 && to > from ? page.slice(from + '<body>'.length, to) : page);
    const why = (c.cluster?.why ?? []).map((w) => `<li>${esc(w)}</li>`).join('');
    return `<section class="cluster" id="cluster-${i + 1}">\n<h1 class="cluster-name">Cluster ${esc(heading(c))}</h1>\n<p>Why these inputs are one cluster:</p><ul>${why}</ul>\n${body}\n</section>`;
  });
  const script = SCRIPT.exec(first)?.[0] ?? '';
  return `${head}<body>\n<nav class="clusters"><p>The inputs hold ${clusters.length} clusters, each analyzed on its own:</p><ul>\n${nav}\n</ul></nav>\n${sections.join('\n<hr>\n')}\n${script}\n</body>\n</html>\n`;
}

export function renderTextClusters(report: Report, opts: { colour: boolean }): string {
  const clusters = report.clusters ?? [];
  if (clusters.length === 0) return renderText(report, opts);
  const out: string[] = [`${clusters.length} clusters in the inputs, each analyzed on its own.`, ''];
  for (const c of clusters) {
    out.push(`== Cluster ${clean(heading(c), 80)}`);
    for (const w of c.cluster?.why ?? []) out.push(`   (${clean(w, 400)})`);
    out.push(renderText(c, opts).trimEnd(), '');
  }
  return out.join('\n') + '\n';
}
