import pc from 'picocolors';
import type { Colors } from 'picocolors/types.js';
import type { Evidence, Finding, Severity } from '../model/finding.js';
import type { Report } from './report-types.js';
import { findingTree, symptomsOf } from './finding-tree.js';
import { coverage } from './coverage.js';
import { markdown } from './markdown.js';

export interface RenderTextOptions {
  /** Decided once by the caller (see `shouldColour`). */
  colour: boolean;
}

/** Longest bundle text printed on one terminal line; the rest is cut with `…`. */
const MAX_TEXT = 200;
const INDENT = '          ';

/**
 * Bundle text made safe for a terminal: control characters (ESC, CR, BEL, C1 …) become `\xNN`
 * so a hostile log line cannot move the cursor, recolour or retitle the terminal, and bidirectional
 * overrides and isolates become a visible `<U+202E>` so it cannot reorder what is read; then cut.
 */
export function clean(text: string, max = MAX_TEXT): string {
  const safe = text
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

/**
 * Rule text (Markdown: code spans, fenced or manifest blocks) on one terminal line, cut at `max` visible
 * characters: code spans in cyan with colour, plain (no backticks) without, so it reads the same in a
 * pipe; each code block becomes a short pointer (`[12-line code block: see the report]`).
 */
export function mdLine(source: string, c: Colors, max = Number.POSITIVE_INFINITY): string {
  const spans: { text: string; code: boolean }[] = [];
  for (const b of markdown(source)) {
    if (spans.length > 0) spans.push({ text: ' ', code: false });
    if (b.pre) {
      const n = b.text.split('\n').length;
      spans.push({ text: `[${plural(n, 'line')} code block: see the report]`, code: false });
      continue;
    }
    b.lines.forEach((line, i) => {
      if (i > 0) spans.push({ text: ' ', code: false });
      for (const s of line) spans.push({ text: clean(s.text, Number.POSITIVE_INFINITY), code: s.code });
    });
  }
  let out = '';
  let left = max;
  for (const s of spans) {
    if (left <= 0) break;
    const cut = s.text.length > left;
    const text = cut ? `${s.text.slice(0, Math.max(0, left - 1))}…` : s.text;
    left -= s.text.length;
    out += s.code ? c.cyan(text) : text;
  }
  return out;
}

/**
 * Rule text (Markdown) as terminal lines for `explain`: paragraphs keep their line breaks, code spans as in
 * `mdLine`, code blocks indented by four spaces (cyan with colour). Every line starts with `indent` but the
 * first (which follows a label such as `1. `).
 */
export function mdLines(source: string, c: Colors, indent = ''): string {
  const lines: string[] = [];
  for (const b of markdown(source)) {
    if (b.pre) {
      for (const l of b.text.split('\n')) lines.push(`    ${c.cyan(clean(l, Number.POSITIVE_INFINITY))}`);
      continue;
    }
    for (const l of b.lines) lines.push(l.map((s) => (s.code ? c.cyan(clean(s.text, Number.POSITIVE_INFINITY)) : clean(s.text, Number.POSITIVE_INFINITY))).join(''));
  }
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n');
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `node-a diagnostics/logs/bird/current:12: bird: Mesh_...` (no `:line` when the whole file is meant). */
export function evidenceLine(e: Evidence): string {
  const where = e.file === '' ? '' : e.line > 0 ? `${e.file}:${e.line}` : e.file;
  const prefix = [clean(e.node, 64), clean(where, 120)].filter((p) => p !== '').join(' ');
  return prefix === '' ? clean(e.text) : `${prefix}: ${clean(e.text)}`;
}

/** `block-route-missing (node-a, node-b); mtu-mismatch (node-d)`: symptoms grouped by rule, rules in first-seen order. */
export function symptomLine(symptoms: readonly Finding[]): string {
  const byRule = new Map<string, Set<string>>();
  for (const s of symptoms) {
    const nodes = byRule.get(s.rule) ?? new Set<string>();
    for (const n of s.nodes) nodes.add(n);
    byRule.set(s.rule, nodes);
  }
  return [...byRule].map(([rule, nodes]) => (nodes.size > 0 ? `${rule} (${[...nodes].sort().join(', ')})` : rule)).join('; ');
}

/**
 * A terminal summary of the report: one count line (root causes by severity, then symptoms), then
 * each root cause (most severe first) with its nodes, its first evidence line, its first fix step
 * and the symptoms it explains in one line, then what to collect and the inputs that could not be read.
 *
 * ```
 * calico-diags: 4 nodes, 3 inputs (1 unreadable): 2 root causes (1 critical, 1 warning), 2 symptoms, 1 note
 *
 * CRITICAL  BGP session node-b ↔ node-c never established: TCP 179 dropped  [bgp-port179-blocked]
 *           nodes: node-b, node-c
 *           node-c diagnostics/logs/bird/current:12: 2025-03-01_10:14:02.11873 bird: Mesh_10_0_0_12: State changed to start
 *           … and 40 more evidence lines
 *           fix: On node-b, delete the rule that drops TCP 179: `iptables -D INPUT -p tcp --dport 179 -j DROP`.
 *           symptoms (2): block-route-missing (node-b, node-c)
 * ```
 */
export function renderText(report: Report, opts: RenderTextOptions): string {
  const c: Colors = pc.createColors(opts.colour);
  const sevLabel: Record<Severity, (s: string) => string> = {
    critical: (s) => c.bold(c.red(s)),
    warning: (s) => c.bold(c.yellow(s)),
    info: (s) => c.bold(c.blue(s)),
  };
  const s = report.summary;
  const out: string[] = [];

  const inputs =
    plural(s.inputs, 'input') + (s.unreadableInputs > 0 ? ` (${c.red(`${s.unreadableInputs} unreadable`)})` : '');
  const roots = findingTree(report.findings);
  // Root causes are critical/warning roots; info roots are notes (as on the page and in the ticket summary).
  const rootCounts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const r of roots) if (r.finding.severity in rootCounts) rootCounts[r.finding.severity]++;
  const causeCount = rootCounts.critical + rootCounts.warning;
  const symptomCount = roots.reduce((n, r) => n + r.symptomCount, 0);
  const bySeverity = [
    rootCounts.critical > 0 ? c.red(`${rootCounts.critical} critical`) : '',
    rootCounts.warning > 0 ? c.yellow(plural(rootCounts.warning, 'warning')) : '',
  ].filter((x) => x !== '');
  const parts = [
    causeCount > 0 ? `${plural(causeCount, 'root cause')} (${bySeverity.join(', ')})` : roots.length > 0 ? 'no root cause' : '',
    symptomCount > 0 ? plural(symptomCount, 'symptom') : '',
    rootCounts.info > 0 ? plural(rootCounts.info, 'note') : '',
  ].filter((x) => x !== '');
  const counts = roots.length === 0 ? 'no finding' : parts.join(', ');
  out.push(`${c.bold(clean(report.tool.name, 64))}: ${plural(s.nodes, 'node')}, ${inputs}: ${counts}`);
  if (report.redacted !== undefined) out.push(c.dim(`Redacted report: ${clean(report.redacted.note, 300)}`));

  // Notes alone are no root cause: say what was checked and what could not be, as with no finding at all.
  if (causeCount === 0) out.push('', coverage(report).text);
  for (const root of roots) {
    const f = root.finding;
    const label = (sevLabel[f.severity] ?? ((x: string) => x))(f.severity.toUpperCase().padEnd(INDENT.length - 1));
    out.push('', `${label} ${c.bold(clean(f.title))}  ${c.dim(`[${clean(f.rule, 80)}]`)}`);
    if (f.nodes.length > 0) out.push(`${INDENT}nodes: ${clean(f.nodes.join(', '))}`);
    const first = f.evidence[0];
    if (first) out.push(`${INDENT}${c.dim(evidenceLine(first))}`);
    const more = Math.max(0, f.evidence.length - 1) + (f.evidenceDropped ?? 0);
    if (more > 0) out.push(`${INDENT}${c.dim(`… and ${plural(more, 'more evidence line', 'more evidence lines')}`)}`);
    const fix = f.remediation[0];
    if (fix !== undefined) out.push(`${INDENT}${c.green('fix:')} ${mdLine(fix, c, 300)}`);
    if (root.symptomCount > 0) out.push(`${INDENT}symptoms (${root.symptomCount}): ${clean(symptomLine(symptomsOf(root)), 300)}`);
  }

  const byStatus = { found: 0, passed: 0, skipped: 0, error: 0 };
  for (const r of report.rules) if (r.status in byStatus) byStatus[r.status]++;
  if (report.rules.length > 0) {
    out.push(
      '',
      `rules: ${byStatus.found} found, ${byStatus.passed} passed, ` +
        `${byStatus.skipped > 0 ? c.yellow(`${byStatus.skipped} skipped`) : '0 skipped'}, ` +
        `${byStatus.error > 0 ? c.red(plural(byStatus.error, 'error')) : '0 errors'}`,
    );
  }

  if (report.collectNext.length > 0) {
    out.push('', c.bold('What to collect next:'));
    for (const x of report.collectNext.slice(0, 8)) {
      out.push(`  ${clean(x.command, 160)}${x.nodes.length > 0 ? c.dim(` (on ${clean(x.nodes.join(', '), 120)})`) : ''}`);
      out.push(`${INDENT}${c.dim(mdLine(x.why, c, 200))}`);
    }
    if (report.collectNext.length > 8) out.push(`  ${c.dim(`… and ${report.collectNext.length - 8} more in the report`)}`);
  }

  const ignored = report.inputs.filter((i) => i.status === 'ignored');
  if (ignored.length > 0) {
    out.push('', c.dim('Ignored (not recognised as a bundle, resources or command output):'));
    for (const i of ignored) out.push(`  ${clean(i.path, 160)}${i.attachment?.guess !== undefined ? c.dim(`: ${clean(i.attachment.guess, 120)}`) : ''}`);
  }

  const unreadable = report.inputs.filter((i) => i.status === 'unreadable');
  if (unreadable.length > 0) {
    out.push('', c.red(c.bold('Unreadable inputs:')));
    for (const i of unreadable) {
      // problems often start with the path already: `<path>: cannot read: no such file`
      const problems = i.problems.map((p) => (p.startsWith(`${i.path}: `) ? p.slice(i.path.length + 2) : p));
      out.push(`  ${clean(i.path, 160)}${problems.length > 0 ? `: ${clean(problems.join('; '))}` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}
