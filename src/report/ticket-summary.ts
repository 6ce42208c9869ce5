/**
 * The ticket summary: a short plain-text block to paste into a support ticket or a chat — each root
 * cause with its nodes, its first evidence lines and its fix steps, the symptoms it explains in one
 * line, then what could not be decided. Bundle text is made terminal-safe (`clean`).
 *
 * ```
 * calico-diags: 1 root cause, 4 symptoms on 3 nodes (node-a, node-b, node-c)
 *
 * 1. [critical] TCP 179 to node-a is dropped: node-b, node-c keep connecting, node-a never sees it
 *    nodes: node-a, node-b, node-c
 *    evidence:
 *      node-b diagnostics/netstat:4: tcp        0      1 10.77.0.12:60157        10.77.0.11:179          SYN_SENT
 *    fix:
 *      1. On node-a, find the rule that drops TCP 179 …
 *    explains: block-route-missing (node-a, node-b, node-c)
 * ```
 */
import type { Report } from './report-types.js';
import { findingTree, symptomsOf } from './finding-tree.js';
import { clean, evidenceLine, symptomLine } from './render-text.js';

const EVIDENCE_LINES = 3;
const FIX_STEPS = 4;

function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}


export function ticketSummary(report: Report): string {
  const roots = findingTree(report.findings);
  const symptomCount = roots.reduce((n, r) => n + r.symptomCount, 0);
  const affected = [...new Set(report.findings.flatMap((f) => f.nodes))].sort();
  const out: string[] = [];
  if (roots.length === 0) {
    const passed = report.rules.filter((r) => r.status === 'passed').length;
    const skipped = report.rules.filter((r) => r.status === 'skipped').length;
    out.push(`${clean(report.tool.name, 64)}: no problem found on ${plural(report.summary.nodes, 'node')} (${passed} rules passed, ${skipped} skipped)`);
  } else {
    out.push(
      `${clean(report.tool.name, 64)}: ${plural(roots.length, 'root cause')}, ${plural(symptomCount, 'symptom')} on ` +
        `${plural(affected.length, 'node')}${affected.length > 0 ? ` (${clean(affected.join(', '), 400)})` : ''}`,
    );
  }
  roots.forEach((root, i) => {
    const f = root.finding;
    out.push('', `${i + 1}. [${f.severity}] ${clean(f.title, 400)}`);
    if (f.nodes.length > 0) out.push(`   nodes: ${clean(f.nodes.join(', '), 400)}`);
    if (f.evidence.length > 0) {
      out.push('   evidence:');
      for (const e of f.evidence.slice(0, EVIDENCE_LINES)) out.push(`     ${evidenceLine(e)}`);
      const more = f.evidence.length - EVIDENCE_LINES + (f.evidenceDropped ?? 0);
      if (more > 0) out.push(`     … and ${more} more in the report`);
    }
    const steps = [...new Set(f.remediation)].slice(0, FIX_STEPS);
    if (steps.length > 0) {
      out.push('   fix:');
      steps.forEach((s, j) => out.push(`     ${j + 1}. ${clean(s, 600)}`));
    }
    const symptoms = symptomsOf(root);
    if (symptoms.length > 0) out.push(`   explains: ${clean(symptomLine(symptoms), 600)}`);
  });
  const unreadable = report.inputs.filter((x) => x.status === 'unreadable');
  if (unreadable.length > 0) out.push('', `unreadable inputs: ${clean(unreadable.map((x) => x.path).join(', '), 600)}`);
  if (report.collectNext.length > 0) {
    out.push('', 'to collect next:');
    for (const c of report.collectNext.slice(0, 5)) out.push(`  ${clean(c.command, 300)}${c.nodes.length > 0 ? ` (on ${clean(c.nodes.join(', '), 200)})` : ''}`);
  }
  return out.join('\n') + '\n';
}
