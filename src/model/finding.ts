export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

/** One line of proof: which node, which input, which file inside it, which line, and its text. */
export interface Evidence {
  node: string;
  input: string;
  file: string;
  /** 1-based; 0 when the evidence is the file as a whole (e.g. "absent"). */
  line: number;
  text: string;
  /**
   * A few lines around this one from the same file, where they help a reader (an iptables rule: its chain's
   * declaration and the rules just before it; an `ip route` line: its neighbours on the same device or
   * prefix; an ipset line: its set's `Name:` line). At most 3 each side, in file order; absent when none helps.
   */
  context?: EvidenceContext;
}

export interface EvidenceContext {
  before: { line: number; text: string }[];
  after: { line: number; text: string }[];
}

export interface Finding {
  /** Stable id: `<rule>:<key>` (e.g. `block-route-missing:node-a->node-c`). */
  id: string;
  /** Only in a report of several clusters (top-level `findings`): the cluster it belongs to. */
  cluster?: string;
  rule: string;
  severity: Severity;
  title: string;
  message: string;
  nodes: string[];
  evidence: Evidence[];
  /** Evidence lines left out beyond the cap. */
  evidenceDropped?: number;
  remediation: string[];
  /** Ids of findings this one explains (this is the root cause of those symptoms). */
  explains: string[];
}

/** A command whose output would decide what a rule could not (collected on the nodes named, or all). */
export interface CollectHint {
  /** The command to run, as a support engineer would paste it (`calicoctl node status`). */
  command: string;
  /** What its output decides. */
  why: string;
  /** Nodes to run it on; absent or empty: every node involved. */
  nodes?: string[];
}

export interface RuleMeta {
  id: string;
  severity: Severity;
  summary: string;
  rationale: string;
  remediation: string[];
  /**
   * Rule ids whose findings this rule's finding can be the root cause of (a node-level cause explains
   * symptoms on its nodes, a pair-level cause symptoms about the same pair). Declared by the cause, so a
   * new cause needs no central table.
   */
  explains?: string[];
  /** What to collect when the rule is skipped or cannot confirm its cause (default for every skip). */
  collect?: CollectHint[];
}

/** One entry of the report's "What to collect next": commands merged across the rules that need them. */
export interface CollectNext {
  command: string;
  why: string;
  rules: string[];
  /** Nodes to run it on; empty: every node. */
  nodes: string[];
}

export type RuleStatus = 'found' | 'passed' | 'skipped' | 'error';

export interface RuleOutcome {
  id: string;
  status: RuleStatus;
  reason: string;
  /** A pass that could not look at these nodes (their logs or attachments are not in the input). */
  unchecked?: string[];
}
