import { createHash } from 'node:crypto';
import { templatesDir } from '../paths.js';
import Handlebars from 'handlebars';
import { COMPILE_OPTIONS, precompiledFor, readTemplateSources } from './template-sources.js';
import { ARTIFACT_IDS } from '../model/node.js';
import type { Evidence, Finding, Severity } from '../model/finding.js';
import type { BgpSide } from '../model/derived.js';
import type { Report, ReportNode } from './report-types.js';
import type { FindingTreeNode } from './finding-tree.js';
import { coverage } from './coverage.js';
import { distinctSteps, reportCase } from './case.js';
import { ticketSummary } from './ticket-summary.js';
import { markdown } from './markdown.js';
import { mapStrings } from './secrets.js';
import type { MdBlock } from './markdown.js';
import { bgpMesh, flappingPairs, sessionConfigured, sideState, SIDE_STATES } from './bgp-mesh.js';
import type { BgpMesh } from './bgp-mesh.js';
import { routeCoverage } from './route-coverage.js';
import type { CoverageMatrix } from './route-coverage.js';
import { timelineChart } from './timeline-chart.js';
import type { TimelineChart } from './timeline-chart.js';

/** Evidence rows shown per finding; the rest are counted as "… and N more". */
export const HTML_EVIDENCE_CAP = 25;
/** Timeline events shown; the rest are counted with the ones the report already dropped. */
export const HTML_TIMELINE_CAP = 300;
/** Symptoms shown in full under one cause; the rest are listed by title only. */
export const HTML_SYMPTOMS_CAP = 30;
/** Symptoms listed by title under one cause beyond the ones shown in full; the rest are counted. */
const HTML_SYMPTOM_TITLES_CAP = 300;
/** Root findings shown in full; the rest are listed by title. */
export const HTML_ROOTS_CAP = 200;
/** BGP pair rows (problem pairs first); the rest are counted. */
export const HTML_BGP_PAIRS_CAP = 150;
/** Above this many nodes the per-node sections start folded. */
const NODES_OPEN_MAX = 4;

export interface RenderHtmlOptions {
  /** Folder holding `report.hbs` and `partials/*.hbs`; defaults to the project's `templates/`. */
  templatesDir?: string;
  /**
   * Put before every element id and in-page link of this report (letters, digits and `-` only), so that
   * several reports can share one page (a page of several clusters: `c1-`, `c2-`, …). Default: none.
   */
  idPrefix?: string;
}

/**
 * The report as one self-contained HTML file: inline CSS and SVG, one small inline script (filters and
 * search) allowed by its sha256 in the Content-Security-Policy, no request of any kind. All decisions
 * (folding symptoms under causes, caps, colours by status, picture geometry) are made here, in the view
 * model; the templates only print it, and only through escaped `{{ }}`.
 */
export function renderHtml(report: Report, opts: RenderHtmlOptions = {}): string {
  const { template, scriptHash } = loadTemplate(opts.templatesDir ?? templatesDir());
  const prefix = opts.idPrefix ?? '';
  if (!/^[A-Za-z0-9-]*$/.test(prefix)) throw new Error(`idPrefix must be letters, digits and '-', got '${prefix}'`);
  return template(visibleControls(htmlView(report, scriptHash, prefix)));
}


interface Loaded {
  template: Handlebars.TemplateDelegate<HtmlView>;
  /** `sha256-…` of the `script` partial, exactly as it is printed inside `<script>`; '' without one. */
  scriptHash: string;
  /** Made from the build's precompiled specs (false: compiled at run time). */
  precompiled: boolean;
}

const compiled = new Map<string, Loaded>();

/** Whether the page templates of `dir` run from the build's precompiled specs (else compiled at run time). */
export function templatesPrecompiled(dir: string = templatesDir()): boolean {
  return loadTemplate(dir).precompiled;
}

function loadTemplate(dir: string): Loaded {
  const cached = compiled.get(dir);
  if (cached) return cached;
  const hb = Handlebars.create();
  const sources = readTemplateSources(dir);
  // The build's precompiled specs when they come from exactly these sources; else compiled here.
  const pre = precompiledFor(sources);
  const make = (name: string | null, source: string): Handlebars.TemplateDelegate =>
    pre !== undefined
      ? hb.template((name === null ? pre.report : pre.partials[name]) as Parameters<typeof hb.template>[0])
      : hb.compile(source, { ...COMPILE_OPTIONS });
  let scriptHash = '';
  for (const [name, source] of sources.partials) {
    if (name === 'script') {
      // The script is static text: printed as written, so its hash is the hash of the source.
      if (source.includes('{{') || source.includes('</')) throw new Error('templates/partials/script.hbs must be static text without "{{" or "</"');
      scriptHash = `sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}`;
    }
    hb.registerPartial(name, make(name, source));
  }
  const template = make(null, sources.report) as Handlebars.TemplateDelegate<HtmlView>;
  const loaded = { template, scriptHash, precompiled: pre !== undefined };
  compiled.set(dir, loaded);
  return loaded;
}


/**
 * Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) shown as a
 * visible `<U+202E>` everywhere on the page, so a hostile hostname, interface name or log line cannot
 * reorder what the reader sees (the escape of `{{ }}` does not touch them).
 */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
const HAS_BIDI = new RegExp(BIDI.source);
/** Every string of the view with those characters shown; only what changes is copied (`mapStrings`). */
function visibleControls<T>(value: T): T {
  return mapStrings(value, (s) => (HAS_BIDI.test(s) ? s.replace(BIDI, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`) : s));
}

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

function sevClass(s: string): string {
  return SEVERITY_CLASS[s as Severity] ?? 'sev-info';
}
function statusClass(s: string | undefined): string {
  return (s !== undefined && STATUS_CLASS[s]) || 'st-other';
}
function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
/** Last path segment (`/` or `\`), for an input shown once per node; the full path goes in a tooltip. */
function shortName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

interface EvidenceGroupView {
  node: string;
  input: string;
  inputFull: string;
  /** `cls` is `ctx` for a line of context around the evidence (dimmed), '' for the evidence itself. */
  files: { file: string; lines: { line: string; text: string; cls: string }[] }[];
}

interface FindingView {
  anchor: string;
  id: string;
  rule: string;
  severity: string;
  sevClass: string;
  title: string;
  message: MdBlock[];
  nodes: string;
  /** Space-separated, for the filter script. */
  dataNodes: string;
  evidence: EvidenceGroupView[];
  hasEvidence: boolean;
  moreEvidence: number;
  remediation: MdBlock[][];
  hasRemediation: boolean;
  symptoms: FindingView[];
  /** Symptoms beyond the cap: title and severity only. */
  symptomTitles: { title: string; severity: string; sevClass: string; id: string }[];
  moreSymptoms: number;
  symptomCount: number;
  symptomLabel: string;
}

interface NodeView {
  anchor: string;
  open: boolean;
  name: string;
  hostname: string;
  input: string;
  inputFull: string;
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

interface VerdictView {
  anchor: string;
  severity: string;
  sevClass: string;
  title: string;
  nodes: string;
  fix: MdBlock[];
  hasFix: boolean;
  symptoms: string;
}

interface BgpSideView {
  node: string;
  ip: string;
  lastState: string;
  stateClass: string;
  picture: string;
  pictureClass: string;
  socket: string;
  listens179: string;
  errors: string[];
}

interface HtmlView {
  /** Prefix of every element id and in-page link (see RenderHtmlOptions.idPrefix). */
  p: string;
  title: string;
  scriptHash: string;
  hasScript: boolean;
  toolName: string;
  toolVersion: string;
  generatedAt: string;
  hasGeneratedAt: boolean;
  /** `--redact`: what was replaced (shown under the title). */
  redactedNote: string;
  caseLine: string;
  counts: {
    causes: number;
    causesLabel: string;
    critical: number;
    warning: number;
    symptoms: number;
    symptomsLabel: string;
    notes: number;
    notesLabel: string;
    nodes: number;
    inputs: number;
    unreadableInputs: number;
  };
  summary: { nodes: number; inputs: number; unreadableInputs: number; critical: number; warning: number; info: number };
  verdicts: VerdictView[];
  hasVerdicts: boolean;
  ticket: string;
  filters: { severities: { value: string; sevClass: string }[]; nodes: string[]; rules: string[] };
  inputs: { path: string; kind: string; nodes: string; status: string; statusClass: string; problems: string[] }[];
  analysisProblems: string[];
  hasAnalysisProblems: boolean;
  rootCauses: FindingView[];
  notes: FindingView[];
  hasNotes: boolean;
  moreRoots: { title: string; severity: string; sevClass: string; id: string }[];
  hasMoreRoots: boolean;
  hasFindings: boolean;
  /** Said instead of findings: what was checked, what could not be, what to collect. */
  noFindings: string;
  nodes: NodeView[];
  blocks: { block: string; owners: string; proto: string; ownersClass: string }[];
  hasBlocks: boolean;
  coverage: CoverageMatrix;
  hasCoverage: boolean;
  coverageCut: number;
  mesh: BgpMesh;
  hasMesh: boolean;
  bgpPairs: { a: BgpSideView; b: BgpSideView; initiator: string; status: string; statusClass: string }[];
  hasBgpPairs: boolean;
  moreBgpPairs: number;
  unknownPeers: { node: string; peerIP: string; protocol: string; file: string; line: string; text: string }[];
  hasUnknownPeers: boolean;
  chart: TimelineChart;
  hasChart: boolean;
  timeline: {
    events: { time: string; node: string; source: string; level: string; levelClass: string; file: string; line: string; text: string; rawTime: string }[];
    hasEvents: boolean;
    shown: number;
    dropped: number;
    offsets: { node: string; offset: string; basis: string; applied: string }[];
    hasOffsets: boolean;
  };
  rules: { id: string; severity: string; sevClass: string; status: string; statusClass: string; summary: MdBlock[]; reason: MdBlock[] }[];
  collectNext: { command: string; why: MdBlock[]; rules: string; nodes: string }[];
}

/**
 * Evidence grouped as it reads best: by node (in the order the rule gave them, most telling first),
 * the input named once per node (short name, full path in the tooltip), then by file with its lines
 * in file order.
 */
function evidenceGroups(evidence: readonly Evidence[]): EvidenceGroupView[] {
  const groups: { node: string; input: string; files: Map<string, Evidence[]> }[] = [];
  for (const e of evidence) {
    let g = groups.find((x) => x.node === e.node && x.input === e.input);
    if (!g) {
      g = { node: e.node, input: e.input, files: new Map() };
      groups.push(g);
    }
    const list = g.files.get(e.file) ?? [];
    list.push(e);
    g.files.set(e.file, list);
  }
  return groups.map((g) => ({
    node: g.node,
    input: shortName(g.input),
    inputFull: g.input,
    files: [...g.files].map(([file, lines]) => ({
      file,
      lines: withContext(
        [...lines]
          .sort((a, b) => a.line - b.line)
          .filter((e, i, all) => i === 0 || e.line !== all[i - 1]!.line || e.line === 0 || e.text !== all[i - 1]!.text),
      ),
    })),
  }));
}

/** Evidence lines with their context lines (dimmed) in file order, each line number once. */
function withContext(lines: readonly Evidence[]): { line: string; text: string; cls: string }[] {
  const evidence = new Set(lines.filter((e) => e.line > 0).map((e) => e.line));
  const context = new Map<number, string>();
  for (const e of lines) {
    for (const c of [...(e.context?.before ?? []), ...(e.context?.after ?? [])]) if (!evidence.has(c.line)) context.set(c.line, c.text);
  }
  const rows = [
    ...lines.map((e) => ({ n: e.line, text: e.text, cls: '' })),
    ...[...context].map(([n, text]) => ({ n, text, cls: 'ctx' })),
  ].sort((a, b) => a.n - b.n);
  return rows.map((r) => ({ line: r.n > 0 ? String(r.n) : '', text: r.text, cls: r.cls }));
}

function titleEntry(f: Finding): FindingView['symptomTitles'][number] {
  return { title: f.title, severity: f.severity, sevClass: sevClass(f.severity), id: f.id };
}

function findingView(node: FindingTreeNode, counter: { n: number; prefix: string }): FindingView {
  const f: Finding = node.finding;
  const anchor = `${counter.prefix}finding-${++counter.n}`;
  const shown = f.evidence.slice(0, HTML_EVIDENCE_CAP);
  const moreEvidence = f.evidence.length - shown.length + (f.evidenceDropped ?? 0);
  const full = node.symptoms.slice(0, HTML_SYMPTOMS_CAP);
  const rest = node.symptoms.slice(HTML_SYMPTOMS_CAP).flatMap(function all(s): Finding[] {
    return [s.finding, ...s.symptoms.flatMap(all)];
  });
  const steps = distinctSteps(f.remediation);
  return {
    anchor,
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    sevClass: sevClass(f.severity),
    title: f.title,
    message: markdown(f.message),
    nodes: f.nodes.join(', '),
    dataNodes: f.nodes.join(' '),
    evidence: evidenceGroups(shown),
    hasEvidence: shown.length > 0,
    moreEvidence,
    remediation: steps.map(markdown),
    hasRemediation: steps.length > 0,
    symptoms: full.map((s) => findingView(s, counter)),
    symptomTitles: rest.slice(0, HTML_SYMPTOM_TITLES_CAP).map(titleEntry),
    moreSymptoms: Math.max(0, rest.length - HTML_SYMPTOM_TITLES_CAP),
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

function nodeView(n: ReportNode, anchor: string, open: boolean): NodeView {
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
    anchor,
    open,
    name: n.name,
    hostname: n.hostname ?? '',
    input: shortName(n.input),
    inputFull: n.input,
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
      lastState: `${p.lastState ?? 'no log'}${(p.downsAfterUp ?? 0) > 0 ? ` (went down ${p.downsAfterUp}× after up)` : ''}`,
      stateClass: p.lastState === undefined ? 'st-skip' : p.lastState.toLowerCase() === 'up' && (p.downsAfterUp ?? 0) < 2 ? 'st-ok' : 'st-bad',
      everUp: p.everUp ? 'yes' : 'no',
    })),
    hasBgpPeers: n.bgpPeers.length > 0,
    artifacts,
  };
}

const PICTURE_CLASS: Record<string, string> = { up: 'st-ok', 'not-collected': 'st-skip', never: 'st-skip', passive: 'st-warn', connecting: 'st-warn', flapping: 'st-bad', refused: 'st-bad' };

function sideView(s: BgpSide, ip: string | undefined, state: string): BgpSideView {
  const label = SIDE_STATES.find((x) => x.state === state)?.label ?? state;
  return {
    node: s.node,
    ip: ip ?? '',
    lastState: s.lastState ?? (s.logCollected ? 'never logged' : 'no log'),
    stateClass: s.lastState === undefined ? 'st-skip' : s.lastState.toLowerCase() === 'up' && state !== 'flapping' ? 'st-ok' : 'st-bad',
    picture: label,
    pictureClass: PICTURE_CLASS[state] ?? 'st-other',
    socket: s.socket ?? 'not collected',
    listens179: s.listens179 === undefined ? 'not collected' : s.listens179 ? 'yes' : 'NO',
    errors: s.errors,
  };
}

function bgpPairViews(report: Report): { rows: HtmlView['bgpPairs']; more: number } {
  const flaps = flappingPairs(report.findings);
  const downs = new Map<string, number>();
  for (const node of report.nodes) for (const p of node.bgpPeers) downs.set(`${node.name}\u0000${p.protocol}`, p.downsAfterUp ?? 0);
  const rows = report.bgp.pairs.map((p) => {
    const flapping = flaps.has(p.a.node < p.b.node ? `${p.a.node}\u0000${p.b.node}` : `${p.b.node}\u0000${p.a.node}`);
    const st = (s: BgpSide) => sideState(s, p, flapping, s.protocol !== undefined ? downs.get(`${s.node}\u0000${s.protocol}`) : undefined);
    const sa = st(p.a);
    const sb = st(p.b);
    const configured = sessionConfigured(p);
    const status = !configured ? 'no session configured' : flapping && p.status === 'up' ? 'flapping' : p.status;
    return {
      row: {
        a: sideView(p.a, p.aIP, sa),
        b: sideView(p.b, p.bIP, sb),
        initiator: configured ? (p.initiator ?? 'unknown') : '',
        status,
        statusClass: !configured ? 'st-none' : status === 'flapping' ? 'st-bad' : statusClass(p.status),
      },
      healthy: !configured || (sa === 'up' && sb === 'up'),
    };
  });
  // Problem pairs first (stable), then the healthy ones, up to the cap.
  const ordered = [...rows.filter((r) => !r.healthy), ...rows.filter((r) => r.healthy)];
  const shown = ordered.slice(0, HTML_BGP_PAIRS_CAP).map((r) => r.row);
  return { rows: shown, more: rows.length - shown.length };
}

const EMPTY_CHART: TimelineChart = {
  width: 0, height: 0, rows: [], ticks: [], marks: [], axisY: 0, x0: 0, x1: 0, unplaced: 0,
  hasFirst: false, first: { x: 0, y1: 0, y2: 0, label: '', lx: 0, anchor: 'start', title: '' },
};

function htmlView(report: Report, scriptHash: string, prefix: string): HtmlView {
  const counter = { n: 0, prefix };
  const c = reportCase(report);
  const roots = [...c.causes, ...c.notes];
  const full = new Set(roots.slice(0, HTML_ROOTS_CAP));
  const causeViews = c.causes.filter((r) => full.has(r)).map((t) => findingView(t, counter));
  const noteViews = c.notes.filter((r) => full.has(r)).map((t) => findingView(t, counter));
  const moreRoots = roots.filter((r) => !full.has(r)).map((r) => titleEntry(r.finding));
  const s = report.summary;
  const events = report.timeline.events.slice(0, HTML_TIMELINE_CAP);
  const verdicts: VerdictView[] = causeViews.map((v, i) => {
    const cause = c.causes[i]!.finding;
    const fix = distinctSteps(cause.remediation)[0];
    return {
      anchor: v.anchor,
      severity: v.severity,
      sevClass: v.sevClass,
      title: cause.title,
      nodes: cause.nodes.join(', '),
      fix: fix !== undefined ? markdown(fix) : [],
      hasFix: fix !== undefined,
      symptoms: v.symptomCount > 0 ? `explains ${v.symptomLabel}` : '',
    };
  });
  const allFindings = report.findings;
  const sevOrder: Severity[] = ['critical', 'warning', 'info'];
  const mesh = bgpMesh(report);
  const cov = routeCoverage(report);
  const chart = timelineChart(report, HTML_TIMELINE_CAP);
  const pairs = bgpPairViews(report);
  const sevLabels = (['critical', 'warning'] as const).filter((x) => c.causesBySeverity[x] > 0).map((x) => `${c.causesBySeverity[x]} ${x}`);
  return {
    p: prefix,
    title: `${c.title} · ${report.tool.name}`,
    scriptHash,
    hasScript: scriptHash !== '',
    toolName: report.tool.name,
    toolVersion: report.tool.version,
    generatedAt: report.generatedAt ?? '',
    hasGeneratedAt: report.generatedAt !== undefined,
    redactedNote: report.redacted?.note ?? '',
    caseLine: `${plural(s.nodes, 'node')}${c.dates !== '' ? `, bundles of ${c.dates}` : ''}${sevLabels.length > 0 ? ` · causes: ${sevLabels.join(', ')}` : ''}`,
    counts: {
      causes: c.causes.length,
      causesLabel: c.causes.length === 1 ? 'root cause' : 'root causes',
      critical: c.causesBySeverity.critical,
      warning: c.causesBySeverity.warning,
      symptoms: c.symptoms,
      symptomsLabel: c.symptoms === 1 ? 'symptom (folded)' : 'symptoms (folded)',
      notes: c.notes.length,
      notesLabel: c.notes.length === 1 ? 'note' : 'notes',
      nodes: s.nodes,
      inputs: s.inputs,
      unreadableInputs: s.unreadableInputs,
    },
    summary: {
      nodes: s.nodes,
      inputs: s.inputs,
      unreadableInputs: s.unreadableInputs,
      critical: s.findings.critical,
      warning: s.findings.warning,
      info: s.findings.info,
    },
    verdicts,
    hasVerdicts: verdicts.length > 0,
    ticket: ticketSummary(report),
    filters: {
      severities: sevOrder.filter((x) => allFindings.some((f) => f.severity === x)).map((x) => ({ value: x, sevClass: sevClass(x) })),
      nodes: [...new Set(allFindings.flatMap((f) => f.nodes))].sort(),
      rules: [...new Set(allFindings.map((f) => f.rule))].sort(),
    },
    inputs: report.inputs.map((i) => ({
      path: i.path,
      kind: i.note !== undefined ? `${i.kind}: ${i.note}` : i.attachment === undefined ? i.kind : `${i.kind}: ${i.attachment.takenAs.length > 0 ? i.attachment.takenAs.join(', ') : (i.attachment.guess ?? 'not recognised')}`,
      nodes: i.nodes.join(', ') || (i.attachment?.note !== undefined ? `none (${i.attachment.note})` : 'none'),
      status: i.status,
      statusClass: statusClass(i.status),
      problems: i.problems,
      resources: i.resources ?? [],
    })),
    analysisProblems: report.problems ?? [],
    hasAnalysisProblems: (report.problems ?? []).length > 0,
    rootCauses: causeViews,
    notes: noteViews,
    hasNotes: noteViews.length > 0,
    moreRoots,
    hasMoreRoots: moreRoots.length > 0,
    hasFindings: roots.length > 0,
    noFindings: coverage(report).text,
    nodes: report.nodes.map((n, i) => nodeView(n, `${prefix}node-${i + 1}`, report.nodes.length <= NODES_OPEN_MAX)),
    blocks: report.blocks.map((b) => ({
      block: b.block,
      owners: b.owners.join(', ') || 'none',
      proto: b.proto ?? '',
      ownersClass: b.owners.length > 1 ? 'st-bad' : '',
    })),
    hasBlocks: report.blocks.length > 0,
    coverage: cov,
    hasCoverage: cov.cells.length > 0,
    coverageCut: Math.max(0, report.routeMatrix.nodes.length - cov.rows.length),
    mesh,
    hasMesh: mesh.halves.length > 0,
    bgpPairs: pairs.rows,
    hasBgpPairs: pairs.rows.length > 0,
    moreBgpPairs: pairs.more,
    unknownPeers: report.bgp.unknownPeers.map((u) => ({
      node: u.node,
      peerIP: u.peerIP,
      protocol: u.protocol,
      file: u.evidence.file,
      line: u.evidence.line > 0 ? String(u.evidence.line) : '',
      text: u.evidence.text,
    })),
    hasUnknownPeers: report.bgp.unknownPeers.length > 0,
    chart: chart ?? EMPTY_CHART,
    hasChart: chart !== undefined,
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
      summary: markdown(r.summary),
      reason: markdown(r.reason),
    })),
    collectNext: report.collectNext.map((x) => ({ command: x.command, why: markdown(x.why), rules: x.rules.join(', '), nodes: x.nodes.length > 0 ? x.nodes.join(', ') : 'every node' })),
  };
}
