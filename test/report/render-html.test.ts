import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { HTML_EVIDENCE_CAP, HTML_TIMELINE_CAP, renderHtml } from '../../src/report/render-html.js';
import type { Report } from '../../src/report/report-types.js';
import type { Evidence } from '../../src/model/finding.js';
import { sampleReport } from './sample-report.js';

const TEMPLATES = fileURLToPath(new URL('../../../templates/', import.meta.url));
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const MUSTACHE = '{{constructor}}';
const BREAKOUT = '" onmouseover="alert(3)';
const JS_URL = 'javascript:alert(4)';
const BIDI = 'eth0\u202Egnp.exe';

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
  f.evidence[3]!.text = `${JS_URL} ${BIDI}`;
  f.remediation.push(`Run \`${HOSTILE}\` then:\n\`\`\`yaml\nname: ${BREAKOUT}\n\`\`\``);
  r.nodes[1]!.name = BIDI;
  return r;
}

// Every tag and attribute the templates may emit. Anything else came from the data.
const ALLOWED_TAGS = new Set([
  '!DOCTYPE', 'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'main', 'section', 'h1', 'h2', 'h3',
  'p', 'ul', 'ol', 'li', 'span', 'strong', 'code', 'div', 'details', 'summary', 'table', 'thead', 'tbody', 'tr',
  'th', 'td', 'dl', 'dt', 'dd', 'h4', 'nav', 'a', 'label', 'input', 'select', 'option', 'pre', 'br', 'script',
  'svg', 'line', 'circle', 'text', 'g', 'rect',
]);
const ALLOWED_ATTRS = new Set([
  'lang', 'charset', 'http-equiv', 'content', 'name', 'class', 'id', 'title', 'open', 'colspan', 'rowspan', 'aria-label',
  'href', 'hidden', 'type', 'value', 'checked', 'placeholder', 'data-sev', 'data-rule', 'data-nodes', 'data-a', 'data-b',
  'data-state', 'viewbox', 'width', 'height', 'role', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'dy',
  'text-anchor', 'transform', 'aria-hidden',
]);

function tagsAndAttributes(html: string): { tags: Set<string>; attrs: Set<string> } {
  const tags = new Set<string>();
  const attrs = new Set<string>();
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '<style></style>').replace(/<script>[\s\S]*?<\/script>/, '<script></script>');
  for (const m of body.matchAll(/<(!?[A-Za-z][\w-]*)([^>]*)>/g)) {
    tags.add(m[1]!);
    const rest = m[2]!.replace(/"[^"]*"/g, '""');
    for (const a of rest.matchAll(/([A-Za-z][\w-]*)(?==|\s|$)/g)) if (m[1] !== '!DOCTYPE') attrs.add(a[1]!.toLowerCase());
  }
  return { tags, attrs };
}

test('hostile bundle text appears only escaped: no tag, attribute or mustache from the data', () => {
  const html = renderHtml(hostileReport());
  assert.is(count(html, '<script'), 1, 'only the page\'s own script');
  assert.not.ok(html.includes('<script>alert'), 'no <script from the data');
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
  // markdown from the data: backtick spans become <code> around escaped text, fenced YAML a <pre>, no raw backtick
  assert.ok(html.includes(`<li><p class="md">Run <code>${esc(HOSTILE)}</code> then:</p><pre class="code"><code>name: ${esc(BREAKOUT)}</code></pre>`));
  // javascript: only as text; every link stays inside the page
  for (const m of html.matchAll(/href="([^"]*)"/g)) assert.ok(m[1]!.startsWith('#'), m[1]);
  // bidi overrides shown as a visible code point, never as the control itself
  assert.not.ok(html.includes('\u202E'));
  assert.ok(html.includes('eth0&lt;U+202E&gt;gnp.exe'));
  for (const a of attrs) assert.ok(ALLOWED_ATTRS.has(a), `unexpected attribute ${a}`);
});

test('nothing in the page can trigger a request', () => {
  for (const report of [sampleReport(), hostileReport()]) {
    const html = renderHtml(report).toLowerCase();
    for (const bad of ['http://', 'https://', 'src=', 'srcset', '<link', '@import', 'url(', '<iframe', '<object', '<embed', '<img', '<base', '<form', 'xlink', '<use', '<image', '<foreignobject']) {
      assert.not.ok(html.includes(bad), `found ${bad}`);
    }
    for (const m of html.matchAll(/href="([^"]*)"/g)) assert.ok(m[1]!.startsWith('#'), m[1]);
    assert.is(count(html, '<script'), 1, 'one inline script');
  }
  // the one script runs only because its hash is in the CSP, computed from what is printed
  const html = renderHtml(sampleReport());
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const hash = createHash('sha256').update(script, 'utf8').digest('base64').replace(/=/g, '&#x3D;');
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'">`));
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
  assert.ok(html.includes('<p class="tool">calico-diags <span class="muted">0.1.0</span> · 4 nodes, bundles of 2025-03-01 · causes: 1 critical, 1 warning</p>'));
  // counts split into root causes and symptoms: one cause with two symptoms is not "3 critical"
  assert.ok(html.includes('<li><strong>2</strong> root causes <span class="muted">(1 critical, 1 warning)</span></li>'));
  assert.ok(html.includes('<li><strong>2</strong> symptoms (folded)</li>'));
  assert.ok(html.includes('<li><strong>1</strong> note</li>'));
  assert.match(html, /<strong>4<\/strong> nodes/);
  assert.match(html, /<strong>3<\/strong> inputs <span class="st-bad">\(1 unreadable\)<\/span>/);
  assert.ok(html.includes('<title>BGP session node-b ↔ node-c never established: TCP 179 dropped (+1 more cause) — 4 nodes, bundles of 2025-03-01 · calico-diags</title>'));
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
  // evidence: the input once per node (short name, full path in the tooltip), then each file with its lines
  assert.ok(html.includes('<div class="ev-head"><strong>node-c</strong> <span class="mono muted ev-input" title="bundles/cluster-diags-20250301_101500.tar.gz">cluster-diags-20250301_101500.tar.gz</span></div>\n<div class="ev-file mono">diagnostics/logs/bird/current</div>'));
  assert.ok(html.includes('<tr><td class="ln mono">12</td><td class="tx mono">2025-03-01_10:14:02.11873 bird: Mesh_10_0_0_12: State changed to start</td></tr>'));
  // spaces in evidence text are kept and fixed-width output scrolls instead of wrapping
  assert.ok(html.includes('tcp        0      1 10.0.0.13:43125         10.0.0.12:179           SYN_SENT'));
  assert.match(html, /table\.ev-lines td\.tx \{ white-space: pre; \}/);
  assert.match(html, /<ol class="remediation">\n<li><p class="md">Allow TCP 179 in both directions/);
  assert.ok(html.includes('… and 37 more'));
});

test('evidence context: dimmed rows around the evidence line, in file order, own line numbers, escaped, each line once', () => {
  const report = sampleReport();
  const f = report.findings[0]!;
  const drop = f.evidence.findIndex((e) => e.file === 'diagnostics/ipv4_tables');
  assert.ok(drop >= 0);
  const line = f.evidence[drop]!.line;
  f.evidence[drop] = {
    ...f.evidence[drop]!,
    context: {
      before: [
        { line: line - 2, text: ':INPUT ACCEPT [0:0]' },
        { line: line - 1, text: '-A INPUT -m comment --comment "<b>x</b>" -j ACCEPT' },
      ],
      after: [{ line: line + 1, text: '-A INPUT -j cali-INPUT' }],
    },
  };
  // a second evidence line whose context overlaps the first: each line shown once
  f.evidence.push({ ...f.evidence[drop]!, line: line + 3, text: '-A INPUT -j LAST', context: { before: [{ line: line + 1, text: '-A INPUT -j cali-INPUT' }], after: [] } });
  const html = renderHtml(report);
  const table = html.slice(html.indexOf('<div class="ev-file mono">diagnostics/ipv4_tables</div>'));
  const rows = table.slice(0, table.indexOf('</tbody>'));
  const expected = [
    `<tr class="ctx"><td class="ln mono">${line - 2}</td><td class="tx mono">:INPUT ACCEPT [0:0]</td></tr>`,
    `<tr class="ctx"><td class="ln mono">${line - 1}</td><td class="tx mono">-A INPUT -m comment --comment &quot;&lt;b&gt;x&lt;/b&gt;&quot; -j ACCEPT</td></tr>`,
    `<tr><td class="ln mono">${line}</td>`,
    `<tr class="ctx"><td class="ln mono">${line + 1}</td><td class="tx mono">-A INPUT -j cali-INPUT</td></tr>`,
    `<tr><td class="ln mono">${line + 3}</td><td class="tx mono">-A INPUT -j LAST</td></tr>`,
  ];
  let at = 0;
  for (const e of expected) {
    const i = rows.indexOf(e, at);
    assert.ok(i >= at, `in order: ${e}`);
    at = i + e.length;
  }
  assert.is(rows.split(`<td class="ln mono">${line + 1}</td>`).length, 2, 'a context line shared by two evidence lines is shown once');
  assert.not.ok(html.includes('<b>x</b>'));
  assert.match(html, /table\.ev-lines tr\.ctx td \{ color: var\(--muted\)/);
});

test('evidence beyond the HTML cap is counted with the dropped ones', () => {
  const report = sampleReport();
  const f = report.findings[3]!;
  const e: Evidence = f.evidence[0]!;
  f.evidence = Array.from({ length: HTML_EVIDENCE_CAP + 7 }, (_, i) => ({ ...e, line: i + 1 }));
  f.evidenceDropped = 5;
  const html = renderHtml(report);
  assert.ok(html.includes('… and 12 more'));
  assert.ok(html.includes(`<td class="ln mono">${HTML_EVIDENCE_CAP}</td>`));
  assert.not.ok(html.includes(`<td class="ln mono">${HTML_EVIDENCE_CAP + 1}</td>`));
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

test('route coverage: an SVG square per pair coloured by state, the routes in its tooltip', () => {
  const html = renderHtml(sampleReport());
  const section = html.slice(html.indexOf('<section id="route-matrix">'), html.indexOf('<section id="timeline">'));
  assert.ok(section.includes('<svg class="pic coverage"'));
  assert.is(count(section, '<g class="cell rc-') - count(section, '<li><svg'), 16);
  assert.ok(section.includes('<g class="cell rc-present" data-state="present"><title>node-a → node-b: route present\n192.168.20.64/26 via 10.0.0.12 dev tunl0 proto bird onlink (ipip) [diagnostics/ipv4_route:3]</title>'));
  assert.ok(section.includes('<g class="cell rc-missing" data-state="missing"><title>node-b → node-c: route missing\n192.168.30.128/26: no route</title>'));
  assert.is(count(section, 'data-state="self"'), 4);
  assert.is(count(section, 'data-state="unknown"'), 3);
  assert.is(count(section, 'data-state="no-block"'), 3);
  assert.ok(section.includes('✗ route missing</li>'));
  // a route to a remote block that ends in a blackhole is present but on the wrong device
  const report = sampleReport();
  report.routeMatrix.rows[0]![1]!.blocks[0]!.kind = 'blackhole';
  assert.ok(renderHtml(report).includes('<g class="cell rc-wrong-device" data-state="wrong-device"><title>node-a → node-b: wrong device'));
});

test('BGP mesh: one line per side coloured by what that side reports; flapping is never drawn up', () => {
  const html = renderHtml(sampleReport());
  const section = html.slice(html.indexOf('<section id="bgp">'), html.indexOf('<section id="route-matrix">'));
  assert.is(count(section, '<line class="edge bgp-'), 8 + 3, 'two halves per pair, plus the legend');
  assert.ok(section.includes('data-a="node-c" data-b="node-b" data-state="connecting"><title>node-c → node-b: connecting (BIRD start, socket SYN_SENT)</title>'));
  assert.ok(section.includes('data-a="node-b" data-b="node-c" data-state="passive">'));
  assert.ok(section.includes('data-a="node-a" data-b="node-b" data-state="up">'));
  // a flapping finding for node-a <-> node-b turns both halves of that session flapping, never green
  const report = sampleReport();
  report.findings.push({ id: 'bgp-hold-timer-flapping:node-a<->node-b', rule: 'bgp-hold-timer-flapping', severity: 'warning', title: 'BGP session node-a <-> node-b flaps', message: '', nodes: ['node-a', 'node-b'], evidence: [], remediation: [], explains: [] });
  const flapped = renderHtml(report);
  assert.ok(flapped.includes('data-a="node-a" data-b="node-b" data-state="flapping">'));
  assert.ok(flapped.includes('data-a="node-b" data-b="node-a" data-state="flapping">'));
  assert.not.ok(flapped.includes('data-a="node-a" data-b="node-b" data-state="up">'));
  assert.match(flapped, /<td class="st-bad">flapping<\/td>/);
  // BIRD's own count of downs after up does the same without the finding
  const counted = sampleReport();
  counted.nodes[0]!.bgpPeers = counted.nodes[0]!.bgpPeers.map((p) => (p.peerIP === '10.0.0.12' ? { ...p, downsAfterUp: 3 } : p));
  const bird = counted.bgp.pairs.find((p) => p.a.node === 'node-a' && p.b.node === 'node-b')!;
  counted.nodes[0]!.bgpPeers.push({ protocol: bird.a.protocol!, peerIP: '10.0.0.12', lastState: 'up', everUp: true, downsAfterUp: 3 });
  assert.ok(renderHtml(counted).includes('data-a="node-a" data-b="node-b" data-state="flapping">'));
  // a pair where neither side configures a session (route-reflector clients) is no line, and says so in the table
  const rr = sampleReport();
  const p = rr.bgp.pairs.find((x) => x.a.node === 'node-a' && x.b.node === 'node-b')!;
  delete p.a.protocol;
  delete p.b.protocol;
  p.status = 'down';
  const rrHtml = renderHtml(rr);
  assert.not.ok(rrHtml.includes('data-a="node-a" data-b="node-b"'));
  assert.ok(rrHtml.includes('<td class="st-none">no session configured</td>'));
});

test('BGP pair table: both sides in one cell each (fits A4), problem pairs first; peers with no bundle', () => {
  const html = renderHtml(sampleReport());
  const section = html.slice(html.indexOf('<h3>BGP pairs</h3>'), html.indexOf('<section id="route-matrix">'));
  assert.is(count(section, '\n<tr>\n'), 4);
  assert.ok(section.includes('<thead><tr><th>status</th><th>initiator</th><th>side A</th><th>side B</th></tr></thead>'));
  const first = section.indexOf('\n<tr>\n');
  assert.ok(section.slice(first).startsWith('\n<tr>\n<td class="st-bad">down</td><td class="nw">node-c</td>'), 'the down pair first');
  assert.ok(section.includes('<div><strong>node-c</strong> <span class="mono">10.0.0.13</span> <span class="st-warn">connecting</span></div><div>BIRD <span class="st-bad">start</span> · socket <span class="mono">SYN_SENT</span> · listens 179: yes</div>'));
  assert.ok(section.includes('Connect delayed by 5 seconds'));
  assert.ok(section.includes('<td class="st-warn">half</td>'));
  assert.ok(section.includes('<span class="st-skip">no log</span>'));
  assert.ok(section.includes('<td class="mono">10.0.0.99</td><td class="mono">Mesh_10_0_0_99</td>'));
});

test('timeline: events on one UTC axis with the first failure marked; the table is capped', () => {
  const html = renderHtml(sampleReport());
  const section = html.slice(html.indexOf('<section id="timeline">'), html.indexOf('<section id="nodes">'));
  assert.ok(section.includes('<svg class="pic chart"'));
  assert.is(count(section, '<circle class="mark tl-'), 4 + 3, 'events plus the legend');
  assert.match(section, /<g class="first-failure"><title>[^<]*<\/title><line [^>]*><\/line><text [^>]*>first failure \d\d:\d\d:\d\d UTC on node-/);
  assert.ok(html.includes('<summary>Show 4 events</summary>'));
  assert.ok(html.includes('… and 120 more events not shown.'));
  const report = sampleReport();
  const e = report.timeline.events[0]!;
  report.timeline.events = Array.from({ length: HTML_TIMELINE_CAP + 50 }, (_, i) => ({ ...e, line: i + 1 }));
  const capped = renderHtml(report);
  assert.ok(capped.includes('… and 170 more events not shown.'));
  const table = capped.slice(capped.indexOf('<summary>Show '), capped.indexOf('<section id="nodes">'));
  assert.is(count(table, '<td class="mono">diagnostics/logs/bird/current:'), HTML_TIMELINE_CAP);
});

test('rules table lists every rule with severity, status and reason', () => {
  const report = sampleReport();
  const html = renderHtml(report);
  const section = html.slice(html.indexOf('<section id="rules">'));
  for (const r of report.rules) assert.ok(section.includes(`<td class="mono nw">${r.id}</td>`), r.id);
  assert.ok(section.includes('<td class="st-bad">found</td>'));
  assert.ok(section.includes('<td class="st-ok">passed</td>'));
  assert.ok(section.includes('<td class="st-skip">skipped</td><td><p class="md">The IP pool has natOutgoing false.</p>\n</td><td class="text"><p class="md">IPPool resources not collected (node diags carry none)</p>\n</td>'));
  assert.ok(section.includes('<td class="st-bad">error</td>'));
});

test('verdict first: each root cause with its first fix step, above everything else', () => {
  const html = renderHtml(sampleReport());
  const verdict = html.indexOf('<section id="verdict">');
  assert.ok(verdict > 0 && verdict < html.indexOf('<section id="root-causes">') && verdict < html.indexOf('<section id="inputs">'));
  assert.ok(html.includes('<h1>2 root causes</h1>'));
  assert.ok(html.includes('<li class="verdict"><span class="badge sev-critical">critical</span> <a href="#finding-1"><strong>BGP session node-b ↔ node-c never established: TCP 179 dropped</strong></a> <span class="muted">(node-b, node-c · explains 2 symptoms)</span>\n<div class="fix"><span class="fix-label">Fix:</span> <div><p class="md">Allow TCP 179 in both directions'));
  // the ticket summary sits on the page as selectable text
  assert.match(html, /<pre class="ticket">## Calico diagnostics: BGP session node-b ↔ node-c never established/);
  // the filters exist but stay hidden until the script shows them
  assert.ok(html.includes('<div id="filters" class="filters" hidden>'));
  assert.ok(html.includes('<option>node-b</option>'));
});

test('markdown in messages and remediation: code spans, fenced blocks, de-duplicated steps', () => {
  const report = sampleReport();
  const f = report.findings[0]!;
  f.message = 'Run `calicoctl node status` on node-c.\nThen this:\n```yaml\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n```';
  f.remediation = ['Allow TCP 179 between the nodes.', 'allow tcp 179 between the nodes', 'Use ``a `b` c``.'];
  const html = renderHtml(report);
  assert.ok(html.includes('<div class="message"><p class="md">Run <code>calicoctl node status</code> on node-c.<br>Then this:</p><pre class="code"><code>apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy</code></pre>\n</div>'));
  const start = html.indexOf('<ol class="remediation">');
  const list = html.slice(start, html.indexOf('</ol>', start));
  assert.is(count(list, '<li>'), 2, list);
  assert.ok(list.includes('<code>a &#x60;b&#x60; c</code>'));
});

test('a 50-node report stays well under 5 MB', () => {
  const report = sampleReport();
  const base = report.nodes[0]!;
  const names = Array.from({ length: 50 }, (_, i) => `node-${String(i).padStart(2, '0')}`);
  report.nodes = names.map((name) => ({ ...base, name }));
  const pair = report.bgp.pairs[0]!;
  report.bgp.pairs = names.flatMap((a, i) => names.slice(i + 1).map((b) => ({ ...pair, a: { ...pair.a, node: a }, b: { ...pair.b, node: b } })));
  const cell = report.routeMatrix.rows[0]![1]!;
  report.routeMatrix = { nodes: names, rows: names.map((from) => names.map((to) => ({ ...cell, from, to }))) };
  const f = report.findings[1]!;
  report.findings.push(...names.flatMap((a) => names.map((b) => ({ ...f, id: `block-route-missing:${a}->${b}`, nodes: [a, b] }))));
  report.findings[0]!.explains = report.findings.filter((x) => x.rule === 'block-route-missing').map((x) => x.id);
  const html = renderHtml(report);
  assert.ok(html.length < 5_000_000, `${html.length} bytes`);
  assert.match(html, /more symptoms \(see the JSON output\)|<ul class="titles">/);
  assert.match(html, /more pairs, all up on both sides/);
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
  try {
    assert.is(renderHtml(sampleReport(), { templatesDir: dir }), '<p>calico-diags 4 nodes</p>');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
