/**
 * A redacted report of every sample scenario keeps its root causes (same rule ids and counts, same rule
 * outcomes) and holds none of the original node names, hostnames, addresses or input paths anywhere in
 * its HTML, JSON or terminal text.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { maskReportSecrets, redactReport } from '../../src/report/redact.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderJson } from '../../src/report/render-json.js';
import { renderText } from '../../src/report/render-text.js';
import { renderHtmlClusters, renderTextClusters } from '../../src/report/render-clusters.js';
import { ticketSummary } from '../../src/report/ticket-summary.js';
import type { Report } from '../../src/report/report-types.js';

const root = new URL('../../../', import.meta.url).pathname;
const scenariosDir = join(root, 'samples', 'scenarios');
const ids = existsSync(scenariosDir) ? readdirSync(scenariosDir).filter((d) => !d.startsWith('.')).sort() : [];

function ruleCounts(r: Report): string[] {
  const counts = new Map<string, number>();
  for (const f of r.findings) {
    const k = `${f.rule}/${f.severity}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, v]) => `${k}=${v}`).sort();
}

/** Kept by design: Calico's and IANA's own addresses, and the range networks themselves (`192.168.0.0/16`, the default pool, is not personal). */
const KEPT_V4 = (ip: string): boolean =>
  /^\d+\.0\.0\.0$|^(192\.168|172\.16|100\.64)\.0\.0$/.test(ip) || /^(0|127|169\.254|22[4-9]|2[3-5]\d)\./.test(ip);

/** The identifiers of the unredacted report: node names, hostnames, every IPv4 address, input paths. */
export function originalsOf(r: Report): { names: Set<string>; addresses: Set<string>; paths: Set<string> } {
  const names = new Set<string>();
  for (const n of r.nodes) {
    names.add(n.name.replace(/#\d+$/, ''));
    if (n.hostname !== undefined) names.add(n.hostname);
  }
  for (const f of r.findings) for (const n of f.nodes) if (n !== 'cluster') names.add(n.replace(/#\d+$/, ''));
  const addresses = new Set<string>();
  const json = JSON.stringify(r);
  for (const m of json.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d]|\.\d)/g)) if (!KEPT_V4(m[1]!)) addresses.add(m[1]!);
  for (const n of r.nodes) for (const a of n.addresses) if (a.includes(':') && !a.startsWith('::1')) addresses.add(a.split('/')[0]!);
  const paths = new Set<string>([...r.inputs.map((i) => i.path), ...r.nodes.map((n) => n.input)]);
  return { names, addresses, paths };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where an original still occurs (bounded so `10.0.0.1` does not match inside `10.0.0.12`). */
export function leaks(text: string, o: ReturnType<typeof originalsOf>): string[] {
  const found: string[] = [];
  for (const n of o.names) if (new RegExp(`(?<![A-Za-z0-9_])(?<![A-Za-z0-9_]-)${escape(n)}(?![A-Za-z0-9_]|-[A-Za-z0-9_])`).test(text)) found.push(`name ${n}`);
  for (const a of o.addresses) if (new RegExp(`(?<![\\d.:A-Fa-f])${escape(a)}(?![\\d:A-Fa-f]|\\.\\d)`).test(text)) found.push(`address ${a}`);
  for (const p of o.paths) if (text.includes(p)) found.push(`path ${p}`);
  return found;
}

test('there are sample scenarios to redact', () => {
  assert.ok(ids.length >= 10, `samples/scenarios has ${ids.length}`);
});

for (const id of ids) {
  test(`scenario ${id}: redacted report keeps its root causes and leaks no original identifier`, async () => {
    const dir = relative(process.cwd(), join(scenariosDir, id)) || '.';
    const plain = maskReportSecrets(await analyze([dir], { workers: false }));
    const { report, map } = redactReport(plain, { key: 'test-key' });
    assert.equal(ruleCounts(report), ruleCounts(plain), 'same rule ids, severities and counts');
    assert.equal(report.rules.map((x) => `${x.id}:${x.status}`), plain.rules.map((x) => `${x.id}:${x.status}`));
    assert.equal(report.findings.map((f) => f.explains.length), plain.findings.map((f) => f.explains.length));
    // links between causes and symptoms survive the renaming
    const fids = new Set(report.findings.map((f) => f.id));
    for (const f of report.findings) for (const e of f.explains) assert.ok(fids.has(e), `${f.id} explains ${e}, which exists`);
    assert.is(report.nodes.length, plain.nodes.length);
    const o = originalsOf(plain);
    assert.ok(o.names.size > 0 && o.paths.size > 0);
    const outputs = { html: renderHtml(report), json: renderJson(report), text: renderText(report, { colour: false }), summary: ticketSummary(report) };
    for (const [kind, text] of Object.entries(outputs)) assert.equal(leaks(text, o), [], `${kind} of ${id}`);
    assert.match(outputs.html, 'Redacted report');
    assert.match(outputs.text, 'Redacted report');
    assert.ok(JSON.parse(outputs.json).redacted !== undefined);
    // the map names every node
    for (const n of plain.nodes) assert.ok(Object.values(map.names).includes(n.name.replace(/#\d+$/, '')), `map has ${n.name}`);
  });
}

test('every scenario at once: per cluster the same root causes redacted, no original in HTML, JSON, summary or terminal text', async () => {
  const plain = maskReportSecrets(await analyze([relative(process.cwd(), scenariosDir)], { workers: false }));
  assert.is(plain.clusters?.length, ids.length);
  const { report } = redactReport(plain, { key: 'test-key' });
  assert.equal(report.clusters!.map((c) => ruleCounts(c)), plain.clusters!.map((c) => ruleCounts(c)));
  // the originals of every cluster (the top level holds no node of its own)
  const o = originalsOf({ ...plain, nodes: plain.clusters!.flatMap((c) => c.nodes), findings: plain.clusters!.flatMap((c) => c.findings) });
  for (const c of plain.clusters!) for (const w of c.cluster!.why) for (const m of w.matchAll(/samples\/scenarios[^\s,;:)]*/g)) o.paths.add(m[0]);
  assert.ok(o.names.size >= 4 && o.addresses.size >= 20 && o.paths.size >= 150, `${o.names.size} names, ${o.addresses.size} addresses, ${o.paths.size} paths`);
  const outputs = { html: renderHtmlClusters(report), json: renderJson(report), text: renderTextClusters(report, { colour: false }), summary: ticketSummary(report) };
  for (const [kind, text] of Object.entries(outputs)) assert.equal(leaks(text, o), [], kind);
  // and every cluster's section says it is redacted
  assert.is(outputs.html.match(/Redacted report/g)?.length, ids.length);
  assert.ok(report.clusters!.every((c) => c.redacted !== undefined));
});

test('the ticket zip: folder names inside the archives are pseudonyms too, the bundle layout names are kept', async () => {
  const plain = maskReportSecrets(await analyze(['samples/intake/ticket-01234.zip'], { workers: false }));
  const { report } = redactReport(plain, { key: 'test-key' });
  assert.equal(report.clusters!.map((c) => ruleCounts(c)), plain.clusters!.map((c) => ruleCounts(c)));
  const o = originalsOf({ ...plain, nodes: plain.clusters!.flatMap((c) => c.nodes), findings: plain.clusters!.flatMap((c) => c.findings) });
  for (const name of ['case-01234', 'ticket-01234', 'staging-bundles', 'prod']) o.names.add(name);
  const outputs = { html: renderHtmlClusters(report), json: renderJson(report), text: renderTextClusters(report, { colour: false }), summary: ticketSummary(report) };
  for (const [kind, text] of Object.entries(outputs)) assert.equal(leaks(text, o), [], kind);
  assert.match(outputs.json, '/resources/node.yaml: 3 Node', 'the layout names stay readable');
  assert.match(outputs.text, /grouped by folder input-\d+\.zip!\/folder-\d+\/cluster-\d+/);
});

test.run();
