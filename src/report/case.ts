/**
 * The case as a support engineer states it: the root causes (with their symptoms folded under them),
 * the notes (info-level roots), counts split into causes and symptoms, the nodes involved and the
 * date of the bundles. Shared by the HTML page, the ticket summary and the terminal summary so all
 * three tell the same story. Pure: reads the Report only.
 */
import type { Finding, Severity } from '../model/finding.js';
import type { Report } from './report-types.js';
import { findingTree } from './finding-tree.js';
import type { FindingTreeNode } from './finding-tree.js';

export interface ReportCase {
  /** Root findings at critical or warning, most severe first, symptoms folded under each. */
  causes: FindingTreeNode[];
  /** Root findings at info (nothing broken, but worth knowing: a gap in the data, a hint). */
  notes: FindingTreeNode[];
  /** Findings folded under a cause or a note, at any depth. */
  symptoms: number;
  /** Root causes per severity (critical/warning; info roots are the notes). */
  causesBySeverity: Record<Severity, number>;
  /** Nodes named by the causes (sorted, code-point order). */
  affectedNodes: string[];
  /** The bundles' collection dates: `2026-11-27` or `2026-11-27 – 2026-11-28`; empty when none is known. */
  dates: string;
  /** One line naming the case: `<first cause> (+N more causes) — 3 nodes, bundles of 2026-11-27`. */
  title: string;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `2026-11-27T18:27:32.000Z` → `2026-11-27`; anything else as written (first 10 chars when it looks like a date). */
function day(date: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(date) ? date.slice(0, 10) : date;
}

export function bundleDates(report: Report): string {
  const days = [...new Set(report.nodes.map((n) => n.date).filter((d): d is string => d !== undefined && d !== '').map(day))].sort();
  if (days.length === 0) return '';
  return days.length === 1 ? days[0]! : `${days[0]} – ${days[days.length - 1]}`;
}

export function reportCase(report: Report): ReportCase {
  const roots = findingTree(report.findings);
  const causes = roots.filter((r) => r.finding.severity !== 'info');
  const notes = roots.filter((r) => r.finding.severity === 'info');
  const symptoms = roots.reduce((n, r) => n + r.symptomCount, 0);
  const causesBySeverity: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const c of causes) causesBySeverity[c.finding.severity]++;
  const affectedNodes = [...new Set(causes.flatMap((c) => c.finding.nodes))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const dates = bundleDates(report);
  const head =
    causes.length === 0
      ? roots.length === 0
        ? 'No root cause found'
        : `No root cause found (${plural(notes.length, 'note')})`
      : `${causes[0]!.finding.title}${causes.length > 1 ? ` (+${causes.length - 1} more ${causes.length === 2 ? 'cause' : 'causes'})` : ''}`;
  const where = [plural(report.summary.nodes, 'node'), ...(dates !== '' ? [`bundles of ${dates}`] : [])].join(', ');
  return { causes, notes, symptoms, causesBySeverity, affectedNodes, dates, title: `${head} — ${where}` };
}

/** Whitespace-, case- and final-punctuation-insensitive key of a remediation step. */
function stepKey(step: string): string {
  return step.replace(/\s+/g, ' ').trim().replace(/[.;:]+$/, '').toLowerCase();
}

/**
 * Remediation steps without repeats: a step equal to an earlier one (ignoring whitespace, case and the
 * final full stop), or wholly contained in an earlier one, is dropped; the first wording is kept.
 */
export function distinctSteps(steps: readonly string[]): string[] {
  const kept: string[] = [];
  const keys: string[] = [];
  for (const step of steps) {
    const k = stepKey(step);
    if (k === '') continue;
    if (keys.some((x) => x === k || (k.length >= 24 && x.includes(k)))) continue;
    // A later, longer step that contains an earlier one replaces it in place (more concrete wording).
    const shorter = keys.findIndex((x) => x.length >= 24 && k.includes(x));
    if (shorter !== -1) {
      kept[shorter] = step;
      keys[shorter] = k;
      continue;
    }
    kept.push(step);
    keys.push(k);
  }
  return kept;
}

/** The first fix step of a finding (after de-duplication), or '' when it has none. */
export function firstStep(f: Finding): string {
  return distinctSteps(f.remediation)[0] ?? '';
}

/** Every finding of a tree node, the node first, then its symptoms depth-first. */
export function flatten(node: FindingTreeNode): Finding[] {
  return [node.finding, ...node.symptoms.flatMap(flatten)];
}
