/**
 * The ticket summary: a short Markdown/plain-text block a support engineer pastes into a ticket or a
 * chat. Root causes first (each with its nodes, the few evidence lines that prove it and the fix
 * steps), the symptoms they explain in one line each, then the notes. The HTML page shows the same
 * text in a selectable block; `--summary <file>` writes it. Pure: reads the Report only.
 *
 * ```
 * ## Calico diagnostics: TCP 179 to node-a is dropped: node-b, node-c keep connecting, node-a never sees it
 *
 * 3 nodes (node-a, node-b, node-c), bundles of 2026-11-27 · 1 root cause (1 critical), 4 symptoms · calico-diags 0.1.0
 *
 * ### 1. [critical] TCP 179 to node-a is dropped: node-b, node-c keep connecting, node-a never sees it
 * Nodes: node-a, node-b, node-c · rule `bgp-port179-blocked`
 *
 * node-b, node-c have a socket in SYN_SENT to 10.77.0.11:179 …
 *
 * Evidence:
 * ```text
 * node-a diagnostics/ipv4_tables:23  [524:31440] -A INPUT -p tcp -m tcp --dport 179 -j DROP
 * ```
 * Fix:
 * 1. On node-a, remove or precede the DROP: …
 *
 * Explains 4 symptoms: node-a has no route to node-b's pod block 10.244.150.64/26; …
 * ```
 */
import type { Evidence, Finding } from '../model/finding.js';
import type { Report } from './report-types.js';
import { distinctSteps, flatten, reportCase } from './case.js';
import type { FindingTreeNode } from './finding-tree.js';
import { coverage } from './coverage.js';

/** Evidence lines quoted per cause. */
export const TICKET_EVIDENCE_LINES = 5;
/** Fix steps quoted per cause. */
export const TICKET_FIX_STEPS = 4;
/** Symptoms named one by one per cause; the rest are counted. */
const TICKET_SYMPTOMS_NAMED = 6;
/** Longest bundle text quoted on one line. */
const MAX_LINE = 220;

/**
 * Bundle text made safe for a paste: control characters (ESC, CR, …) become `\xNN`, and bidirectional
 * overrides/isolates (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) become a visible `<U+202E>`
 * so a hostile hostname cannot reorder the text a reader sees.
 */
export function plainText(text: string, max = MAX_LINE): string {
  const safe = text
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

/** Text that may hold line breaks (a message, a step with a manifest): each line made safe, continuation lines indented. */
function multiline(text: string, indent: string, max = 1200): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l, i) => `${i === 0 ? '' : indent}${plainText(l, max)}`)
    .join('\n');
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `node-a diagnostics/netstat:4  tcp …` (no `:line` when the whole file is meant). */
function evidenceLine(e: Evidence): string {
  const where = e.line > 0 ? `${e.file}:${e.line}` : e.file;
  return `${plainText(e.node, 64)} ${plainText(where, 120)}  ${plainText(e.text.trimEnd())}`;
}

/** A fence longer than any backtick run inside the block, so a log line cannot close it. */
function fence(lines: string[]): string {
  let longest = 2;
  for (const l of lines) for (const m of l.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(longest + 1);
}

function causeBlock(node: FindingTreeNode, index: number): string[] {
  const f: Finding = node.finding;
  const out: string[] = [];
  out.push(`### ${index}. [${f.severity}] ${plainText(f.title)}`);
  out.push(`Nodes: ${f.nodes.length > 0 ? plainText(f.nodes.join(', ')) : 'cluster-wide'} · rule \`${plainText(f.rule, 80)}\``);
  out.push('');
  out.push(multiline(f.message, ''));
  const lines = f.evidence.slice(0, TICKET_EVIDENCE_LINES).map(evidenceLine);
  if (lines.length > 0) {
    const more = f.evidence.length - lines.length + (f.evidenceDropped ?? 0);
    const tick = fence(lines);
    out.push('', 'Evidence:', `${tick}text`, ...lines, tick);
    if (more > 0) out.push(`(${plural(more, 'more line')} in the report)`);
  }
  const steps = distinctSteps(f.remediation).slice(0, TICKET_FIX_STEPS);
  if (steps.length > 0) {
    out.push('', 'Fix:');
    steps.forEach((s, i) => out.push(`${i + 1}. ${multiline(s, '   ')}`));
  }
  const symptoms = node.symptoms.flatMap(flatten);
  if (symptoms.length > 0) {
    const named = symptoms.slice(0, TICKET_SYMPTOMS_NAMED).map((s) => plainText(s.title, 160));
    const rest = symptoms.length - named.length;
    out.push('', `Explains ${plural(symptoms.length, 'symptom')}: ${named.join('; ')}${rest > 0 ? `; and ${rest} more` : ''}.`);
  }
  return out;
}

/** The ticket summary of a report (Markdown that reads as plain text), ending with a newline. */
export function ticketSummary(report: Report): string {
  const c = reportCase(report);
  const nodes = report.nodes.map((n) => n.name);
  const nodeList = nodes.length <= 8 ? ` (${plainText(nodes.join(', '))})` : '';
  const sev = (['critical', 'warning'] as const).filter((s) => c.causesBySeverity[s] > 0).map((s) => `${c.causesBySeverity[s]} ${s}`);
  const counts =
    `${plural(c.causes.length, 'root cause')}${sev.length > 0 ? ` (${sev.join(', ')})` : ''}, ` +
    `${plural(c.symptoms, 'symptom')}${c.notes.length > 0 ? `, ${plural(c.notes.length, 'note')}` : ''}`;
  const out: string[] = [];
  out.push(`## Calico diagnostics: ${plainText(c.title, 400)}`);
  out.push('');
  out.push(
    `${plural(report.summary.nodes, 'node')}${nodeList}${c.dates !== '' ? `, bundles of ${c.dates}` : ''} · ${counts} · ` +
      `${plainText(report.tool.name, 64)} ${plainText(report.tool.version, 64)}`,
  );
  if (report.summary.unreadableInputs > 0) out.push(`${plural(report.summary.unreadableInputs, 'input')} could not be read (see the report's inputs).`);
  if (c.causes.length === 0) {
    out.push('', plainText(coverage(report).text, 2000));
  }
  c.causes.forEach((cause, i) => out.push('', ...causeBlock(cause, i + 1)));
  if (c.notes.length > 0) {
    out.push('', `### Notes (info)`);
    for (const n of c.notes) {
      const f = n.finding;
      out.push(`- ${plainText(f.title)}${f.nodes.length > 0 ? ` (${plainText(f.nodes.join(', '))})` : ''}`);
    }
  }
  // With a confirmed critical cause the list of further outputs is noise in a ticket; without one it is the next step.
  const collect = c.causesBySeverity.critical === 0 ? report.collectNext.slice(0, 5) : [];
  if (collect.length > 0) {
    out.push('', 'To decide what could not be decided, collect:');
    for (const x of collect) {
      out.push(`- \`${plainText(x.command, 200)}\` on ${x.nodes.length > 0 ? plainText(x.nodes.join(', ')) : 'every node'}`);
    }
    if (report.collectNext.length > collect.length) out.push(`- and ${report.collectNext.length - collect.length} more (see the report)`);
  }
  return `${out.join('\n')}\n`;
}
