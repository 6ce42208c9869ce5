/**
 * What a report without root causes must still say (never "healthy"): how many rules could decide
 * and passed, which could not (skipped, errors), and whether there is something to collect.
 */
import type { Report } from './report-types.js';

export interface Coverage {
  passed: number;
  skipped: string[];
  errors: string[];
  /** One or two sentences for a report with no finding. */
  text: string;
}

export function coverage(report: Report): Coverage {
  const passed = report.rules.filter((r) => r.status === 'passed').length;
  const skipped = report.rules.filter((r) => r.status === 'skipped').map((r) => r.id);
  const errors = report.rules.filter((r) => r.status === 'error').map((r) => r.id);
  const partial = report.rules.filter((r) => r.status === 'passed' && (r.unchecked?.length ?? 0) > 0).map((r) => ({ id: r.id, nodes: r.unchecked! }));
  const byNodes = new Map<string, string[]>();
  for (const p of partial) byNodes.set(p.nodes.join(', '), [...(byNodes.get(p.nodes.join(', ')) ?? []), p.id]);
  const partly = [...byNodes].map(([nodes, ids]) => `${ids.join(', ')} not on ${nodes}`).join('; ');
  const parts = [`${passed} of ${report.rules.length} rules checked the data and passed${partial.length > 0 ? ` (${partial.length} of them without some nodes' logs or attachments: ${partly})` : ''}`];
  if (skipped.length > 0) parts.push(`${skipped.length} could not decide from what was given (${skipped.join(', ')})`);
  if (errors.length > 0) parts.push(`${errors.length} failed (${errors.join(', ')})`);
  const text =
    `No root cause found. ${parts.join('; ')}.` +
    (skipped.length + errors.length + partial.length > 0
      ? ` This is not a clean bill of health${report.collectNext.length > 0 ? ': collect what is listed under "What to collect next" and analyze again' : ''}.`
      : ' Every rule could decide; the faults it does not know (outside the catalogue) are not ruled out.');
  return { passed, skipped, errors, text };
}
