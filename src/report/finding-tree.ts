import { SEVERITY_RANK } from '../model/finding.js';
import type { Finding } from '../model/finding.js';

/** A finding with the symptoms it explains folded under it. */
export interface FindingTreeNode {
  finding: Finding;
  symptoms: FindingTreeNode[];
  /** Every finding folded under this one, at any depth. */
  symptomCount: number;
}

/** Most severe first, then by rule id, then by finding id (code-point order: no locale). */
export function compareFindings(x: Finding, y: Finding): number {
  const bySeverity = (SEVERITY_RANK[y.severity] ?? 0) - (SEVERITY_RANK[x.severity] ?? 0);
  if (bySeverity !== 0) return bySeverity;
  if (x.rule !== y.rule) return x.rule < y.rule ? -1 : 1;
  if (x.id !== y.id) return x.id < y.id ? -1 : 1;
  return 0;
}

/**
 * Root causes with their symptoms folded under them. A finding whose id is listed in another
 * finding's `explains` is a symptom of the first such finding (in `compareFindings` order) and
 * appears only there, never again at top level. Every finding appears exactly once, even when
 * `explains` forms a cycle (the most severe finding of the cycle is then taken as its root).
 */
export function findingTree(findings: readonly Finding[]): FindingTreeNode[] {
  const sorted = [...findings].sort(compareFindings);
  const indexById = new Map<string, number[]>();
  sorted.forEach((f, i) => {
    const list = indexById.get(f.id);
    if (list) list.push(i);
    else indexById.set(f.id, [i]);
  });

  // cause[i]: the first finding (sorted order) that explains finding i.
  const cause = new Array<number>(sorted.length).fill(-1);
  sorted.forEach((f, j) => {
    for (const explained of f.explains) {
      for (const i of indexById.get(explained) ?? []) {
        if (i !== j && cause[i] === -1) cause[i] = j;
      }
    }
  });
  const children: number[][] = sorted.map(() => []);
  cause.forEach((j, i) => {
    if (j !== -1) children[j]!.push(i);
  });

  const placed = new Array<boolean>(sorted.length).fill(false);
  const build = (i: number): FindingTreeNode => {
    placed[i] = true;
    const symptoms: FindingTreeNode[] = [];
    for (const c of children[i]!) if (!placed[c]) symptoms.push(build(c));
    const symptomCount = symptoms.reduce((n, s) => n + 1 + s.symptomCount, 0);
    return { finding: sorted[i]!, symptoms, symptomCount };
  };

  const roots: FindingTreeNode[] = [];
  for (let i = 0; i < sorted.length; i++) if (cause[i] === -1) roots.push(build(i));
  // Whatever is left sits on an `explains` cycle: root it at its first (most severe) member.
  for (let i = 0; i < sorted.length; i++) if (!placed[i]) roots.push(build(i));
  roots.sort((x, y) => compareFindings(x.finding, y.finding));
  return roots;
}

/** Every finding folded under `node`, at any depth, depth first. */
export function symptomsOf(node: FindingTreeNode): Finding[] {
  return node.symptoms.flatMap((s) => [s.finding, ...symptomsOf(s)]);
}
