import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HTML_EVIDENCE_CAP, HTML_TIMELINE_CAP, renderHtml } from '../../src/report/render-html.js';
import type { Report } from '../../src/report/report-types.js';
import type { Evidence } from '../../src/model/finding.js';
import { sampleReport } from './sample-report.js';

const TEMPLATES = fileURLToPath(new URL('../../../templates/', import.meta.url));
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const MUSTACHE = '{{constructor}}';
const BREAKOUT = '" onmouseover="alert(3)';

/** What Handlebars' `{{ }}` turns text into. */
function esc(s: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' };
  return s.replace(/[&<>"'`=]/g, (c) => map[c]!);
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** A report where every string that came from a bundle is an attack. */
function hostileReport(): Report {
  const r = sampleReport();
  const f = r.findings[0]!;
  f.evidence[0]!.text = HOSTILE;
  f.evidence[1]!.text = MUSTACHE;
  f.evidence[2]!.file = BREAKOUT;
  f.title = HOSTILE;
  f.message = `${MUSTACHE} ${HOSTILE}`;
  f.remediation.push(HOSTILE);
  r.inputs[2]!.problems.push(HOSTILE);
  r.inputs[2]!.path = BREAKOUT;
  r.nodes[3]!.problems.push(HOSTILE);
  r.nodes[3]!.interfaces[0]!.name = HOSTILE;
  r.nodes[3]!.bgpPeers.push({ protocol: HOSTILE, peerIP: MUSTACHE, lastState: BREAKOUT, everUp: false });
  r.routeMatrix.nodes[1] = BREAKOUT;
  r.routeMatrix.rows[0]![1]!.to = BREAKOUT;
  r.routeMatrix.rows[0]![1]!.blocks[0]!.route!.dev = `${BREAKOUT}${HOSTILE}`;
  r.bgp.pairs[3]!.b.errors.push(HOSTILE);
  r.timeline.events[0]!.text = HOSTILE;
  r.rules[0]!.reason = HOSTILE;
  r.tool.version = MUSTACHE;
  return r;
}

// Every tag and attribute the templates may emit. Anything else came from the data.
const ALLOWED_TAGS = new Set([
  '!DOCTYPE', 'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'main', 'section', 'h1', 'h2', 'h3',
  'p', 'ul', 'ol', 'li', 'span', 'strong', 'code', 'div', 'details', 'summary', 'table', 'thead', 'tbody', 'tr',
  'th', 'td', 'dl', 'dt', 'dd',
]);
const ALLOWED_ATTRS = new Set([
  'lang', 'charset', 'http-equiv', 'content', 'name', 'class', 'id', 'title', 'open', 'colspan', 'rowspan', 'aria-label',
]);

function tagsAndAttributes(html: string): { tags: Set<string>; attrs: Set<string> } {
  const tags = new Set<string>();
  const attrs = new Set<string>();
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  for (const m of body.matchAll(/<(!?[A-Za-z][\w-]*)([^>]*)>/g)) {
    tags.add(m[1]!);
    const rest = m[2]!.replace(/"[^"]*"/g, '""');
    for (const a of rest.matchAll(/([A-Za-z][\w-]*)(?==|\s|$)/g)) if (m[1] !== '!DOCTYPE') attrs.add(a[1]!.toLowerCase());
  }
  return { tags, attrs };
}

test('hostile bundle text appears only escaped: no tag, attribute or mustache from the data', () => {
  const html = renderHtml(hostileReport());
  assert.not.ok(html.includes('<script'), 'no <script');
  assert.not.ok(html.includes('<img'), 'no <img');
  assert.not.ok(html.includes('onerror='));
  assert.not.ok(html.includes('" onmouseover'));
  assert.ok(html.includes(esc(HOSTILE)), 'escaped payload is shown');
  assert.ok(html.includes(esc(BREAKOUT)), 'attribute breakout shown escaped');
  // {{constructor}} is printed as text, never evaluated
  assert.ok(html.includes(MUSTACHE));
  assert.not.ok(html.includes('function Object'));
  assert.not.ok(html.includes('[object'));
  const { tags, attrs } = tagsAndAttributes(html);
  for (const t of tags) assert.ok(ALLOWED_TAGS.has(t), `unexpected tag <${t}>`);
  for (const a of attrs) assert.ok(ALLOWED_ATTRS.has(a), `unexpected attribute ${a}`);
});

test('nothing in the page can trigger a request', () => {
  for (const report of [sampleReport(), hostileReport()]) {
    const html = renderHtml(report).toLowerCase();
    for (const bad of ['http://', 'https://', 'src=', 'srcset', 'href=', '<link', '@import', 'url(', '<script', '<iframe', '<object', '<embed', '<img', '<svg', '<base', '<form']) {
      assert.not.ok(html.includes(bad), `found ${bad}`);
    }
  }
  const html = renderHtml(sampleReport());
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`));
});

test('templates never print unescaped ({{{ }}} or {{& }})', () => {
  const files = ['report.hbs', ...readdirSync(join(TEMPLATES, 'partials')).map((f) => join('partials', f))];
  assert.ok(files.length >= 2);
  for (const file of files) {
    const source = readFileSync(join(TEMPLATES, file), 'utf8');
    assert.not.ok(source.includes('{{{'), `${file} has {{{`);
    assert.not.ok(/\{\{~?\s*&/.test(source), `${file} has {{&`);
  }
});

test('header: tool name, version and summary counts', () => {
  const html = renderHtml(sampleReport());
  assert.match(html, /<h1>calico-diags <span class="muted">0\.1\.0<\/span><\/h1>/);
  assert.match(html, /<strong>4<\/strong> nodes/);
  assert.match(html, /<strong>3<\/strong> inputs <span class="st-bad">\(1 unreadable\)<\/span>/);
  assert.match(html, /critical<\/span> <strong>3<\/strong>/);
  assert.match(html, /warning<\/span> <strong>1<\/strong>/);
  assert.match(html, /info<\/span> <strong>1<\/strong>/);
  assert.not.ok(html.includes('Generated '));
  assert.ok(renderHtml({ ...sampleReport(), generatedAt: '2025-03-01T10:20:00Z' }).includes('Generated 2025-03-01T10:20:00Z'));
});

test('inputs table shows the unreadable input and its problem', () => {
  const html = renderHtml(sampleReport());
  assert.match(html, /<td class="st-bad">unreadable<\/td><td class="mono">bundles\/diags-node-e-20250301_101733\.tar\.gz<\/td>/);
  assert.ok(html.includes('gzip: unexpected end of file after 1048576 bytes'));
});

test('root causes first, symptoms folded under their cause and not repeated', () => {
  const report = sampleReport();
  const html = renderHtml(report);
  const section = html.slice(html.indexOf('<section id="root-causes">'), html.indexOf('<section id="nodes">'));
  // every finding id is present exactly once
  for (const f of report.findings) assert.is(count(section, `<code>${esc(f.id)}</code>`), 1, f.id);
  const cause = section.indexOf(esc('bgp-port179-blocked:node-b<->node-c'));
  const fold = section.indexOf('<details class="symptoms">\n<summary>Explains 2 symptoms</summary>');
  const s1 = section.indexOf(esc('block-route-missing:node-b->node-c'));
  const s2 = section.indexOf(esc('block-route-missing:node-c->node-b'));
  const warning = section.indexOf('mtu-mismatch:tunl0');
  const info = section.indexOf('artifact-not-collected:node-d/ipv4_route');
  assert.ok(cause > 0 && cause < fold && fold < s1 && s1 < s2 && s2 < warning && warning < info, 'cause, fold, symptoms, then the warning and the info');
  // the symptoms are inside the cause's <details>: nesting depth 2 where they sit
  const depthAt = (pos: number) => count(section.slice(0, pos), '<details') - count(section.slice(0, pos), '</details>');
  assert.is(depthAt(cause), 1);
  assert.is(depthAt(s1), 3);
  assert.is(depthAt(warning), 1);
});

test('a finding shows badge, title, message, nodes, evidence table, remediation list and rule id', () => {
  const html = renderHtml(sampleReport());
  assert.ok(html.includes('<summary><span class="badge sev-critical">critical</span> BGP session node-b ↔ node-c never established: TCP 179 dropped</summary>'));
  assert.ok(html.includes('rule <code>bgp-port179-blocked</code>'));
  assert.ok(html.includes('nodes: node-b, node-c'));
  assert.ok(html.includes('<td class="mono">diagnostics/logs/bird/current</td><td class="mono nw">12</td><td class="text mono">2025-03-01_10:14:02.11873 bird: Mesh_10_0_0_12: State changed to start</td>'));
  // spaces in evidence text are kept (the cell is white-space: pre-wrap)
  assert.ok(html.includes('tcp        0      1 10.0.0.13:43125         10.0.0.12:179           SYN_SENT'));
  assert.match(html, /td\.text \{ white-space: pre-wrap;/);
  assert.match(html, /<ol class="remediation">\n<li>Allow TCP 179 in both directions/);
  assert.ok(html.includes('… and 37 more'));
});

test('evidence beyond the HTML cap is counted with the dropped ones', () => {
  const report = sampleReport();
  const f = report.findings[3]!;
  const e: Evidence = f.evidence[0]!;
  f.evidence = Array.from({ length: HTML_EVIDENCE_CAP + 7 }, (_, i) => ({ ...e, line: i + 1 }));
  f.evidenceDropped = 5;
  const html = renderHtml(report);
  assert.ok(html.includes('… and 12 more'));
  assert.ok(html.includes(`<td class="mono nw">${HTML_EVIDENCE_CAP}</td>`));
  assert.not.ok(html.includes(`<td class="mono nw">${HTML_EVIDENCE_CAP + 1}</td>`));
});

test('every node has its section with IP, interfaces, peers and highlighted artifacts', () => {
  const report = sampleReport();
  const html = renderHtml(report);
  report.nodes.forEach((n, i) => {
    assert.ok(html.includes(`<details class="node" id="node-${i + 1}" open>\n<summary>${n.name} `), n.name);
  });
  assert.ok(html.includes('<code>10.0.0.13</code> <span class="muted">address of eth0 matching Mesh_ peers</span>'));
  assert.ok(html.includes('<tr><td class="mono">tunl0</td><td>1480</td><td class="">UNKNOWN</td>'));
  assert.ok(html.includes('<tr><td class="mono">Mesh_10_0_0_13</td><td class="mono">10.0.0.13</td><td class="st-bad">start</td><td>no</td></tr>'));
  assert.ok(html.includes('<li class="st-bad"><code>ipv4_route</code> missing</li>'));
  assert.ok(html.includes('<li class="st-bad"><code>ipv4_tables</code> command-failed</li>'));
  assert.ok(html.includes('<li class="st-warn"><code>ss</code> empty</li>'));
  assert.ok(html.includes('<li class="st-ok"><code>ipv4_route</code> ok</li>'));
  assert.ok(html.includes('diagnostics/ipv4_tables: iptables-save: command not found'));
});

test('node sections fold when there are many nodes', () => {
  const report = sampleReport();
  const base = report.nodes[0]!;
  report.nodes = Array.from({ length: 50 }, (_, i) => ({ ...base, name: `node-${String(i).padStart(2, '0')}` }));
  const html = renderHtml(report);
  assert.is(count(html, '<details class="node"'), 50);
  assert.is(count(html, '<details class="node" id="node-50">'), 1);
  assert.not.ok(html.includes('<details class="node" id="node-1" open>'));
});

test('route matrix: rows from, columns to, cells coloured by status with the route in the title', () => {
  const html = renderHtml(sampleReport());
  const section = html.slice(html.indexOf('<section id="route-matrix">'), html.indexOf('<section id="bgp">'));
  assert.ok(section.includes('<div class="scroll">'));
  assert.is(count(section, '<th class="to mono"'), 4);
  assert.is(count(section, '<tr><th class="from mono">'), 4);
  assert.ok(section.includes('<td class="st-ok" title="node-a → node-b: ok\n192.168.20.64/26 via 10.0.0.12 dev tunl0 proto bird onlink (ipip) [diagnostics/ipv4_route:3]"><span aria-label="ok">✓</span></td>'));
  assert.ok(section.includes('<td class="st-bad" title="node-b → node-c: missing\n192.168.30.128/26: no route"><span aria-label="missing">✗</span></td>'));
  assert.is(count(section, '<td class="st-self"'), 4);
  assert.is(count(section, '<td class="st-skip"'), 3);
  assert.is(count(section, '<td class="st-none"'), 3);
  assert.match(html, /\.scroll \{ overflow-x: auto;/);
});

test('BGP pair table: both sides, sockets, listens 179, initiator; peers with no bundle', () => {
  const html = renderHtml(sampleReport());
  const section = html.slice(html.indexOf('<section id="bgp">'), html.indexOf('<section id="timeline">'));
  assert.is(count(section, '\n<tr>\n'), 4);
  assert.ok(section.includes('<td class="st-bad">down</td><td class="nw">node-c</td>\n<td class="nw">node-b</td><td class="mono">10.0.0.12</td><td class="st-bad">start</td><td class="mono">none</td><td>yes</td>'));
  assert.ok(section.includes('<td class="nw">node-c</td><td class="mono">10.0.0.13</td><td class="st-bad">start</td><td class="mono">SYN_SENT</td><td>yes</td>'));
  assert.ok(section.includes('Connect delayed by 5 seconds'));
  assert.ok(section.includes('<td class="st-warn">half</td>'));
  assert.ok(section.includes('<td class="st-skip">no log</td>'));
  assert.ok(section.includes('<td class="mono">10.0.0.99</td><td class="mono">Mesh_10_0_0_99</td>'));
});

test('timeline is capped and says how many were dropped', () => {
  const html = renderHtml(sampleReport());
  assert.ok(html.includes('<summary>Show 4 events</summary>'));
  assert.ok(html.includes('… and 120 more events not shown.'));
  const report = sampleReport();
  const e = report.timeline.events[0]!;
  report.timeline.events = Array.from({ length: HTML_TIMELINE_CAP + 50 }, (_, i) => ({ ...e, line: i + 1 }));
  const capped = renderHtml(report);
  assert.ok(capped.includes('… and 170 more events not shown.'));
  assert.is(count(capped, '<td class="mono">diagnostics/logs/bird/current:'), HTML_TIMELINE_CAP);
});

test('rules table lists every rule with severity, status and reason', () => {
  const report = sampleReport();
  const html = renderHtml(report);
  const section = html.slice(html.indexOf('<section id="rules">'));
  for (const r of report.rules) assert.ok(section.includes(`<td class="mono nw">${r.id}</td>`), r.id);
  assert.ok(section.includes('<td class="st-bad">found</td>'));
  assert.ok(section.includes('<td class="st-ok">passed</td>'));
  assert.ok(section.includes('<td class="st-skip">skipped</td><td>The IP pool has natOutgoing false.</td><td class="text">IPPool resources not collected (node diags carry none)</td>'));
  assert.ok(section.includes('<td class="st-bad">error</td>'));
});

test('no findings: says so instead of an empty section', () => {
  const report = sampleReport();
  report.findings = [];
  const html = renderHtml(report);
  assert.ok(html.includes('<p id="no-findings">No root cause found. 1 of 7 rules checked the data and passed; 1 could not decide from what was given (nat-outgoing-disabled)'));
  assert.ok(html.includes('This is not a clean bill of health'));
  assert.not.ok(html.includes('class="finding'));
});

test('templatesDir override is used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'calico-diags-tpl-'));
  mkdirSync(join(dir, 'partials'));
  writeFileSync(join(dir, 'report.hbs'), '<p>{{toolName}} {{> extra}}</p>');
  writeFileSync(join(dir, 'partials', 'extra.hbs'), '{{summary.nodes}} nodes');
  assert.is(renderHtml(sampleReport(), { templatesDir: dir }), '<p>calico-diags 4 nodes</p>');
});

test('deterministic: same report, same bytes', () => {
  assert.is(renderHtml(sampleReport()), renderHtml(sampleReport()));
});

test('analysis problems (a cross-node table that could not be built) are shown, escaped', () => {
  const report = sampleReport();
  report.problems = ['could not build the route matrix: <b>boom</b>'];
  const html = renderHtml(report);
  assert.match(html, 'Parts of the analysis could not be built');
  assert.match(html, 'could not build the route matrix: &lt;b&gt;boom&lt;/b&gt;');
  assert.not.match(renderHtml(sampleReport()), 'Parts of the analysis could not be built');
});

test.run();
