/** Runs every rule over the model, turns drafts into findings, and links causes to symptoms. */
import type { CollectHint, CollectNext, Finding, RuleOutcome } from '../model/finding.js';
import { SEVERITY_RANK } from '../model/finding.js';
import type { Rule, RuleContext } from './rule.js';
import type { Linkable } from './link-causes.js';
import { causesOf, linkCauses } from './link-causes.js';
import type { Timings } from '../timings.js';

/** Evidence lines kept per finding; the rest are counted in `evidenceDropped`. */
export const EVIDENCE_CAP = 25;

export interface RuleRun {
  findings: Finding[];
  outcomes: RuleOutcome[];
  /** What to collect next: the commands skipped rules (and unconfirmed causes) need, merged by command. */
  collectNext: CollectNext[];
}

/** Merges hints by command: one entry per command with every rule that asked for it and the union of nodes. */
export function mergeCollect(hints: { rule: string; hint: CollectHint }[]): CollectNext[] {
  const byCommand = new Map<string, CollectNext & { all: boolean }>();
  for (const { rule, hint } of hints) {
    let e = byCommand.get(hint.command);
    if (e === undefined) {
      e = { command: hint.command, why: hint.why, rules: [], nodes: [], all: false };
      byCommand.set(hint.command, e);
    } else if (!e.why.includes(hint.why)) {
      e.why = `${e.why}; ${hint.why}`;
    }
    if (!e.rules.includes(rule)) e.rules.push(rule);
    if (hint.nodes === undefined || hint.nodes.length === 0) e.all = true;
    else for (const n of hint.nodes) if (!e.nodes.includes(n)) e.nodes.push(n);
  }
  return [...byCommand.values()]
    .map(({ all, ...e }) => ({ ...e, rules: e.rules.sort(), nodes: all ? [] : e.nodes.sort() }))
    .sort((a, b) => b.rules.length - a.rules.length || (a.command < b.command ? -1 : a.command > b.command ? 1 : 0));
}

/** `timings` (`analyze --timings`): each rule's check time. */
export function runRules(rules: readonly Rule[], ctx: RuleContext, timings?: Timings): RuleRun {
  const items: Linkable[] = [];
  const outcomes: RuleOutcome[] = [];
  const hints: { rule: string; hint: CollectHint }[] = [];
  // Commands run on a machine: a bundle named `node-b#2` (a second snapshot of node-b) is host node-b.
  const hostOf = new Map(ctx.cluster.nodes.map((n) => [n.name, n.hostname ?? n.name]));
  const onHosts = (h: CollectHint): CollectHint => (h.nodes === undefined ? h : { ...h, nodes: [...new Set(h.nodes.map((n) => hostOf.get(n) ?? n))] });
  for (const rule of rules) {
    let result;
    try {
      result = timings === undefined ? rule.check(ctx) : timings.part(rule.meta.id, () => rule.check(ctx));
    } catch (err) {
      outcomes.push({ id: rule.meta.id, status: 'error', reason: `rule failed: ${(err as Error)?.message ?? String(err)}` });
      continue;
    }
    const collect = result.collect ?? (result.status === 'skipped' ? rule.meta.collect : undefined);
    for (const hint of collect ?? []) hints.push({ rule: rule.meta.id, hint: onHosts(hint) });
    if (result.status !== 'found') {
      const unchecked = result.status === 'passed' && result.unchecked !== undefined && result.unchecked.length > 0 ? [...new Set(result.unchecked.map((n) => hostOf.get(n) ?? n))].sort() : undefined;
      outcomes.push({ id: rule.meta.id, status: result.status, reason: result.reason, ...(unchecked !== undefined ? { unchecked } : {}) });
      continue;
    }
    outcomes.push({ id: rule.meta.id, status: 'found', reason: result.reason ?? `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}` });
    const seen = new Set<string>();
    for (const d of result.findings) {
      let id = `${rule.meta.id}:${d.key}`;
      for (let k = 2; seen.has(id); k++) id = `${rule.meta.id}:${d.key}#${k}`;
      seen.add(id);
      // Unique evidence, in the rule's order (most telling first), capped.
      const seenEvidence = new Set<string>();
      const ev = d.evidence.filter((e) => {
        const k = `${e.node}\u0000${e.file}\u0000${e.line}\u0000${e.text}`;
        if (seenEvidence.has(k)) return false;
        seenEvidence.add(k);
        return true;
      });
      const finding: Finding = {
        id,
        rule: rule.meta.id,
        severity: d.severity ?? rule.meta.severity,
        title: d.title,
        message: d.message,
        nodes: [...new Set(d.nodes)].sort(),
        evidence: ev.slice(0, EVIDENCE_CAP),
        remediation: d.fix !== undefined ? [...d.fix] : [...(d.remediation ?? []), ...rule.meta.remediation],
        explains: [],
      };
      if (ev.length > EVIDENCE_CAP) finding.evidenceDropped = ev.length - EVIDENCE_CAP;
      items.push({ finding, pairs: d.pairs });
    }
  }
  linkCauses(items, causesOf(rules.map((r) => r.meta)));
  const findings = items.map((i) => i.finding).sort(compareFindings);
  return { findings, outcomes, collectNext: mergeCollect(hints) };
}

export function compareFindings(a: Finding, b: Finding): number {
  const s = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  if (s !== 0) return s;
  // Causes before symptoms.
  const c = Number(b.explains.length > 0) - Number(a.explains.length > 0);
  if (c !== 0) return c;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
