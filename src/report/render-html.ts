import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { ARTIFACT_IDS } from '../model/node.js';
import type { Evidence, Finding, Severity } from '../model/finding.js';
import type { BgpSide, RouteCell, RouteToBlock } from '../model/derived.js';
import type { Report, ReportNode } from './report-types.js';
import { findingTree } from './finding-tree.js';
import type { FindingTreeNode } from './finding-tree.js';
import { coverage } from './coverage.js';

/** Evidence rows shown per finding; the rest are counted as "… and N more". */
export const HTML_EVIDENCE_CAP = 25;
/** Timeline events shown; the rest are counted with the ones the report already dropped. */
export const HTML_TIMELINE_CAP = 300;
/** Above this many nodes the per-node sections start folded. */
const NODES_OPEN_MAX = 8;

export interface RenderHtmlOptions {
  /** Folder holding `report.hbs` and `partials/*.hbs`; defaults to the project's `templates/`. */
  templatesDir?: string;
}

/**
 * The report as one self-contained HTML file: inline CSS, no script, no request of any kind
 * (a Content-Security-Policy meta tag forbids them too). All decisions (folding symptoms under
 * causes, caps, colours by status) are made here, in the view model; the templates only print it,
 * and only through escaped `{{ }}`.
 */
export function renderHtml(report: Report, opts: RenderHtmlOptions = {}): string {
  const template = loadTemplate(opts.templatesDir ?? defaultTemplatesDir());
  return template(htmlView(report));
}

/** `dist/src/report/render-html.js` → `templates/` at the package root. */
function defaultTemplatesDir(): string {
  return fileURLToPath(new URL('../../../templates/', import.meta.url));
}

const compiled = new Map<string, Handlebars.TemplateDelegate<HtmlView>>();

function loadTemplate(dir: string): Handlebars.TemplateDelegate<HtmlView> {
  const cached = compiled.get(dir);
  if (cached) return cached;
  const hb = Handlebars.create();
  const options: CompileOptions = { strict: true, knownHelpersOnly: true, preventIndent: true };
  const partialsDir = join(dir, 'partials');
  let partialFiles: string[] = [];
  try {
    partialFiles = readdirSync(partialsDir).filter((f) => f.endsWith('.hbs')).sort();
  } catch {
    partialFiles = [];
  }
  for (const file of partialFiles) {
    const source = readFileSync(join(partialsDir, file), 'utf8');
    hb.registerPartial(basename(file, '.hbs'), hb.compile(source, options));
  }
  const template = hb.compile<HtmlView>(readFileSync(join(dir, 'report.hbs'), 'utf8'), options);
  compiled.set(dir, template);
  return template;
}

type CompileOptions = NonNullable<Parameters<typeof Handlebars.compile>[1]>;

// ---------------------------------------------------------------------------------------------
// View model: plain strings, numbers, booleans and arrays; every field always present (the
// templates compile in strict mode). CSS classes come from fixed maps, never from report text.

const SEVERITY_CLASS: Record<Severity, string> = { critical: 'sev-critical', warning: 'sev-warning', info: 'sev-info' };
const STATUS_CLASS: Record<string, string> = {
  ok: 'st-ok',
  up: 'st-ok',
  passed: 'st-ok',
  found: 'st-bad',
  missing: 'st-bad',
  down: 'st-bad',
  unreadable: 'st-bad',
  ignored: 'st-none',
  'command-failed': 'st-bad',
  error: 'st-bad',
  partial: 'st-warn',
  empty: 'st-warn',
  half: 'st-warn',
  skipped: 'st-skip',
  unknown: 'st-skip',
  self: 'st-self',
  'no-block': 'st-none',
};
const CELL_SYMBOL: Record<RouteCell['status'], string> = {
  ok: '✓',
  missing: '✗',
  self: '■',
  unknown: '?',
  'no-block': '·',
};

function sevClass(s: string): string {
  return SEVERITY_CLASS[s as Severity] ?? 'sev-info';
}
function statusClass(s: string | undefined): string {
  return (s !== undefined && STATUS_CLASS[s]) || 'st-other';
}
function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

interface EvidenceView {
  node: string;
  input: string;
  file: string;
  line: string;
  text: string;
}

interface FindingView {
  anchor: string;
  id: string;
  rule: string;
  severity: string;
  sevClass: string;
  title: string;
  message: string;
  nodes: string;
  evidence: EvidenceView[];
  hasEvidence: boolean;
  moreEvidence: number;
  remediation: string[];
  hasRemediation: boolean;
  symptoms: FindingView[];
  symptomCount: number;
  symptomLabel: string;
}

interface NodeView {
  anchor: string;
  open: boolean;
  name: string;
  hostname: string;
  input: string;
  nodeIP: string;
  nodeIPSource: string;
  versionHint: string;
  date: string;
  headline: string;
  hasProblems: boolean;
  problems: string[];
  addresses: string;
  blocks: string;
  interfaces: { name: string; mtu: string; state: string; stateClass: string; addresses: string }[];
  hasInterfaces: boolean;
  bgpPeers: { protocol: string; peerIP: string; lastState: string; stateClass: string; everUp: string }[];
  hasBgpPeers: boolean;
  artifacts: { id: string; status: string; statusClass: string }[];
  attachments: { kind: string; file: string; lines: string; summary: string; nodeFrom: string }[];
  hasAttachments: boolean;
}

interface HtmlView {
  title: string;
  toolName: string;
  toolVersion: string;
  generatedAt: string;
  hasGeneratedAt: boolean;
  /** `--redact`: what was replaced (shown under the title). */
  redactedNote: string;
  summary: { nodes: number; inputs: number; unreadableInputs: number; critical: number; warning: number; info: number };
  inputs: { path: string; kind: string; nodes: string; status: string; statusClass: string; problems: string[] }[];
  analysisProblems: string[];
  hasAnalysisProblems: boolean;
  rootCauses: FindingView[];
  hasFindings: boolean;
  /** Said instead of findings: what was checked, what could not be, what to collect. */
  noFindings: string;
  nodes: NodeView[];
  blocks: { block: string; owners: string; proto: string; ownersClass: string }[];
  hasBlocks: boolean;
  matrix: {
    cols: { name: string; index: number }[];
    rows: { from: string; index: number; cells: { symbol: string; statusClass: string; title: string; label: string }[] }[];
    hasRows: boolean;
  };
  bgpPairs: {
    a: BgpSideView;
    b: BgpSideView;
    aIP: string;
    bIP: string;
    initiator: string;
    status: string;
    statusClass: string;
  }[];
  hasBgpPairs: boolean;
  unknownPeers: { node: string; peerIP: string; protocol: string; evidence: EvidenceView }[];
  hasUnknownPeers: boolean;
  timeline: {
    events: { time: string; node: string; source: string; level: string; levelClass: string; file: string; line: string; text: string; rawTime: string }[];
    hasEvents: boolean;
    shown: number;
    dropped: number;
    offsets: { node: string; offset: string; basis: string; applied: string }[];
    hasOffsets: boolean;
  };
  rules: { id: string; severity: string; sevClass: string; status: string; statusClass: string; summary: string; reason: string }[];
  collectNext: { command: string; why: string; rules: string; nodes: string }[];
}

interface BgpSideView {
  node: string;
  protocol: string;
  lastState: string;
  stateClass: string;
  everUp: string;
  socket: string;
  listens179: string;
  log: string;
  errors: string[];
}

function evidenceView(e: Evidence): EvidenceView {
  return { node: e.node, input: e.input, file: e.file, line: e.line > 0 ? String(e.line) : '', text: e.text };
}

function findingView(node: FindingTreeNode, counter: { n: number }): FindingView {
  const f: Finding = node.finding;
  const anchor = `finding-${++counter.n}`;
  const shown = f.evidence.slice(0, HTML_EVIDENCE_CAP).map(evidenceView);
  const moreEvidence = f.evidence.length - shown.length + (f.evidenceDropped ?? 0);
  return {
    anchor,
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    sevClass: sevClass(f.severity),
    title: f.title,
    message: f.message,
    nodes: f.nodes.join(', '),
    evidence: shown,
    hasEvidence: shown.length > 0,
    moreEvidence,
    remediation: f.remediation,
    hasRemediation: f.remediation.length > 0,
    symptoms: node.symptoms.map((s) => findingView(s, counter)),
    symptomCount: node.symptomCount,
    symptomLabel: plural(node.symptomCount, 'symptom'),
  };
}

function artifactViews(artifacts: ReportNode['artifacts'], notExpected: readonly string[] = []): NodeView['artifacts'] {
  const known = new Set<string>(ARTIFACT_IDS);
  const record = artifacts as Record<string, string>;
  const ids = [
    ...ARTIFACT_IDS.filter((id) => record[id] !== undefined),
    ...Object.keys(record).filter((id) => !known.has(id)).sort(),
  ];
  const normal = new Set(notExpected);
  return ids.map((id) =>
    normal.has(id) && record[id] !== 'ok'
      ? { id, status: record[id] === 'empty' ? 'empty (normal)' : 'not collected (normal for this version)', statusClass: 'st-none' }
      : { id, status: record[id]!, statusClass: statusClass(record[id]) },
  );
}

function nodeView(n: ReportNode, index: number, open: boolean): NodeView {
  const artifacts = artifactViews(n.artifacts, n.notExpected);
  const notOk = artifacts.filter((a) => a.status !== 'ok' && a.statusClass !== 'st-none').length;
  const headline = [
    n.nodeIP ?? 'node IP unknown',
    n.versionHint,
    plural(n.blocks.length, 'block'),
    notOk > 0 ? `${notOk} artifact${notOk === 1 ? '' : 's'} not ok` : 'all artifacts ok',
    ...(n.problems.length > 0 ? [plural(n.problems.length, 'problem')] : []),
  ].join(' · ');
  return {
    anchor: `node-${index + 1}`,
    open,
    name: n.name,
    hostname: n.hostname ?? '',
    input: n.input,
    nodeIP: n.nodeIP ?? 'unknown',
    nodeIPSource: n.nodeIPSource ?? '',
    versionHint: n.versionHint,
    date: n.date ?? '',
    headline,
    hasProblems: n.problems.length > 0,
    problems: n.problems,
    attachments: (n.attachments ?? []).map((a) => ({ kind: a.kind, file: a.file, lines: a.lines ?? '', summary: a.summary ?? '', nodeFrom: a.nodeFrom ?? '' })),
    hasAttachments: (n.attachments ?? []).length > 0,
    addresses: n.addresses.join(', ') || 'none',
    blocks: n.blocks.join(', ') || 'none',
    interfaces: n.interfaces.map((i) => ({
      name: i.name,
      mtu: i.mtu !== undefined ? String(i.mtu) : '',
      state: i.state ?? '',
      stateClass: i.state === 'DOWN' ? 'st-bad' : '',
      addresses: i.addresses.join(', '),
    })),
    hasInterfaces: n.interfaces.length > 0,
    bgpPeers: n.bgpPeers.map((p) => ({
      protocol: p.protocol,
      peerIP: p.peerIP ?? '',
      lastState: p.lastState ?? 'no log',
      stateClass: p.lastState === undefined ? 'st-skip' : p.lastState.toLowerCase() === 'up' ? 'st-ok' : 'st-bad',
      everUp: p.everUp ? 'yes' : 'no',
    })),
    hasBgpPeers: n.bgpPeers.length > 0,
    artifacts,
  };
}

function routeText(b: RouteToBlock): string {
  if (!b.route) return `${b.block}: no route`;
  const r = b.route;
  const parts = [r.type !== 'unicast' ? `${r.type} ${r.dst}` : r.dst];
  if (r.via) parts.push(`via ${r.via}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.proto) parts.push(`proto ${r.proto}`);
  if (r.onlink) parts.push('onlink');
  const where = b.evidence ? ` [${b.evidence.file}:${b.evidence.line}]` : '';
  const head = r.dst === b.block ? '' : `${b.block} ← `;
  return `${head}${parts.join(' ')}${b.kind ? ` (${b.kind})` : ''}${where}`;
}

function cellView(c: RouteCell): HtmlView['matrix']['rows'][number]['cells'][number] {
  const head = `${c.from} → ${c.to}: ${c.status}`;
  const lines = c.blocks.map(routeText);
  return {
    symbol: CELL_SYMBOL[c.status] ?? '?',
    statusClass: statusClass(c.status),
    title: [head, ...lines].join('\n'),
    label: c.status,
  };
}

function sideView(s: BgpSide): BgpSideView {
  return {
    node: s.node,
    protocol: s.protocol ?? '',
    lastState: s.lastState ?? (s.logCollected ? 'never logged' : 'no log'),
    stateClass: s.lastState === undefined ? 'st-skip' : s.lastState.toLowerCase() === 'up' ? 'st-ok' : 'st-bad',
    everUp: s.everUp ? 'yes' : 'no',
    socket: s.socket ?? 'not collected',
    listens179: s.listens179 === undefined ? 'not collected' : s.listens179 ? 'yes' : 'NO',
    log: s.logCollected ? 'collected' : 'not collected',
    errors: s.errors,
  };
}

function htmlView(report: Report): HtmlView {
  const counter = { n: 0 };
  const rootCauses = findingTree(report.findings).map((t) => findingView(t, counter));
  const s = report.summary;
  const events = report.timeline.events.slice(0, HTML_TIMELINE_CAP);
  const title =
    `${report.tool.name} report: ${plural(s.nodes, 'node')}, ` +
    `${s.findings.critical} critical, ${plural(s.findings.warning, 'warning')}, ${s.findings.info} info`;
  return {
    title,
    toolName: report.tool.name,
    toolVersion: report.tool.version,
    generatedAt: report.generatedAt ?? '',
    hasGeneratedAt: report.generatedAt !== undefined,
    redactedNote: report.redacted?.note ?? '',
    summary: {
      nodes: s.nodes,
      inputs: s.inputs,
      unreadableInputs: s.unreadableInputs,
      critical: s.findings.critical,
      warning: s.findings.warning,
      info: s.findings.info,
    },
    inputs: report.inputs.map((i) => ({
      path: i.path,
      kind: i.note !== undefined ? `${i.kind}: ${i.note}` : i.attachment === undefined ? i.kind : `${i.kind}: ${i.attachment.takenAs.length > 0 ? i.attachment.takenAs.join(', ') : (i.attachment.guess ?? 'not recognised')}`,
      nodes: i.nodes.join(', ') || (i.attachment?.note !== undefined ? `none (${i.attachment.note})` : 'none'),
      status: i.status,
      statusClass: statusClass(i.status),
      problems: i.problems,
    })),
    analysisProblems: report.problems ?? [],
    hasAnalysisProblems: (report.problems ?? []).length > 0,
    rootCauses,
    hasFindings: rootCauses.length > 0,
    noFindings: coverage(report).text,
    nodes: report.nodes.map((n, i) => nodeView(n, i, report.nodes.length <= NODES_OPEN_MAX)),
    blocks: report.blocks.map((b) => ({
      block: b.block,
      owners: b.owners.join(', ') || 'none',
      proto: b.proto ?? '',
      ownersClass: b.owners.length > 1 ? 'st-bad' : '',
    })),
    hasBlocks: report.blocks.length > 0,
    matrix: {
      cols: report.routeMatrix.nodes.map((name, i) => ({ name, index: i + 1 })),
      rows: report.routeMatrix.rows.map((row, i) => ({
        from: report.routeMatrix.nodes[i] ?? row[0]?.from ?? '',
        index: i + 1,
        cells: row.map(cellView),
      })),
      hasRows: report.routeMatrix.rows.length > 0,
    },
    bgpPairs: report.bgp.pairs.map((p) => ({
      a: sideView(p.a),
      b: sideView(p.b),
      aIP: p.aIP ?? '',
      bIP: p.bIP ?? '',
      initiator: p.initiator ?? 'unknown',
      status: p.status,
      statusClass: statusClass(p.status),
    })),
    hasBgpPairs: report.bgp.pairs.length > 0,
    unknownPeers: report.bgp.unknownPeers.map((u) => ({
      node: u.node,
      peerIP: u.peerIP,
      protocol: u.protocol,
      evidence: evidenceView(u.evidence),
    })),
    hasUnknownPeers: report.bgp.unknownPeers.length > 0,
    timeline: {
      events: events.map((e) => ({
        time: e.time,
        node: e.node,
        source: e.source,
        level: e.level,
        levelClass: e.level === 'error' ? 'st-bad' : e.level === 'warning' ? 'st-warn' : '',
        file: e.file,
        line: e.line > 0 ? String(e.line) : '',
        text: e.text,
        rawTime: e.rawTime ?? '',
      })),
      hasEvents: events.length > 0,
      offsets: (report.timeline.offsets ?? []).map((o) => ({
        node: o.node,
        offset: `${o.offsetSeconds >= 0 ? '+' : ''}${Math.round(o.offsetSeconds * 10) / 10} s`,
        basis: o.basis === 'bgp' ? 'both ends of a BGP session' : o.basis === 'date' ? 'date file only (includes the gap between collections)' : 'reference clock',
        applied: o.applied ? 'corrected' : 'not corrected',
      })),
      hasOffsets: (report.timeline.offsets ?? []).length > 0,
      shown: events.length,
      dropped: report.timeline.dropped + (report.timeline.events.length - events.length),
    },
    rules: report.rules.map((r) => ({
      id: r.id,
      severity: r.severity,
      sevClass: sevClass(r.severity),
      status: r.status,
      statusClass: statusClass(r.status),
      summary: r.summary,
      reason: r.reason,
    })),
    collectNext: report.collectNext.map((x) => ({ command: x.command, why: x.why, rules: x.rules.join(', '), nodes: x.nodes.length > 0 ? x.nodes.join(', ') : 'every node' })),
  };
}
