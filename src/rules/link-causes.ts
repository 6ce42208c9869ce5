/**
 * Root cause over symptom: decides which findings explain which. A node-level cause
 * (BIRD down on node-c, wrong node IP) explains symptoms that involve that node; a pair-level
 * cause (TCP 179 dropped between node-a and node-c) explains symptoms about the same pair.
 * Which rule can cause which is declared by each cause rule (`meta.explains`).
 */
import type { Finding, RuleMeta } from '../model/finding.js';

/** For each symptom rule, the rules that can be its cause (inverted from the causes' `meta.explains`). */
export function causesOf(metas: readonly RuleMeta[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of metas) {
    for (const symptom of m.explains ?? []) {
      if (!out.has(symptom)) out.set(symptom, new Set());
      out.get(symptom)!.add(m.id);
    }
  }
  return out;
}

export interface Linkable {
  finding: Finding;
  pairs?: [string, string][];
}

const pairKey = (p: [string, string]) => [...p].sort().join('\u0000');

function explains(cause: Linkable, symptom: Linkable): boolean {
  const symptomNodes = new Set(symptom.pairs?.flat() ?? symptom.finding.nodes);
  if (cause.pairs === undefined || cause.pairs.length === 0) {
    return cause.finding.nodes.some((n) => symptomNodes.has(n));
  }
  if (symptom.pairs === undefined) return false;
  const keys = new Set(cause.pairs.map(pairKey));
  return symptom.pairs.some((p) => keys.has(pairKey(p)));
}

/** Fills `explains` on cause findings. A symptom explained by a cause that is itself explained keeps only the deepest cause. */
export function linkCauses(items: Linkable[], causes: Map<string, Set<string>>): void {
  const explainedBy = new Map<string, Set<string>>();
  for (const s of items) {
    const possible = causes.get(s.finding.rule);
    if (possible === undefined) continue;
    for (const c of items) {
      if (c === s || !possible.has(c.finding.rule)) continue;
      if (c.finding.severity === 'info') continue;
      if (!explains(c, s)) continue;
      explainedBy.set(s.finding.id, new Set([...(explainedBy.get(s.finding.id) ?? []), c.finding.id]));
    }
  }
  for (const [symptom, byCauses] of explainedBy) {
    // Drop a cause that is itself explained by another cause of the same symptom.
    const direct = [...byCauses].filter((c) => ![...byCauses].some((o) => o !== c && (explainedBy.get(c)?.has(o) ?? false)));
    for (const c of direct) {
      const f = items.find((i) => i.finding.id === c)!.finding;
      if (!f.explains.includes(symptom)) f.explains.push(symptom);
    }
  }
  for (const i of items) i.finding.explains.sort();
}
