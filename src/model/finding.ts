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
}

export interface Finding {
  /** Stable id: `<rule>:<key>` (e.g. `block-route-missing:node-a->node-c`). */
  id: string;
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

export interface RuleMeta {
  id: string;
  severity: Severity;
  summary: string;
  rationale: string;
  remediation: string[];
}

export type RuleStatus = 'found' | 'passed' | 'skipped' | 'error';

export interface RuleOutcome {
  id: string;
  status: RuleStatus;
  reason: string;
}
