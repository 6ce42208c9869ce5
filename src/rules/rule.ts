import type { ClusterModel } from '../model/node.js';
import type { Derived } from '../model/derived.js';
import type { CollectHint, Evidence, Finding, RuleMeta } from '../model/finding.js';

/** What a rule sees: the cluster model and the cross-node tables. Never files or text. */
export interface RuleContext {
  cluster: ClusterModel;
  derived: Derived;
}

/** A finding as a rule reports it; severity, remediation and id prefix come from the rule's meta. */
export interface FindingDraft {
  /** Unique within the rule (e.g. `node-a->node-c`); the finding id becomes `<rule>:<key>`. */
  key: string;
  title: string;
  message: string;
  nodes: string[];
  evidence: Evidence[];
  /** Extra, finding-specific steps placed before the rule's generic remediation. */
  remediation?: string[];
  /**
   * The finding's whole list of fix steps, filled with the values the analysis knows (node names, IPs,
   * CIDRs, interfaces): it replaces both `remediation` and the rule's generic `meta.remediation` (which
   * has placeholders and is what `rules`/`explain` show). Rules move to it one by one.
   */
  fix?: string[];
  /** Severity override (rare: e.g. info when the fault is only suspected). */
  severity?: Finding['severity'];
  /**
   * Node pairs this finding is about (unordered). Without pairs, the finding is about
   * its nodes as a whole. Used to decide which root cause explains which symptom.
   */
  pairs?: [string, string][];
}

/**
 * `collect`: commands that would decide what this check could not (a skip, or a cause it could only
 * suspect). A skipped rule without its own `collect` uses `meta.collect`.
 */
export type CheckResult =
  | { status: 'found'; findings: FindingDraft[]; reason?: string; collect?: CollectHint[] }
  /** `unchecked`: nodes the check could not look at (no log, no attachment): it passed for the others only. */
  | { status: 'passed'; reason: string; collect?: CollectHint[]; unchecked?: string[] }
  | { status: 'skipped'; reason: string; collect?: CollectHint[] };

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): CheckResult;
}
