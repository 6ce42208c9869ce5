/**
 * The Report: built once from the cluster model, the combiners and the rule results,
 * then rendered as JSON (schemaVersion 1), HTML and terminal text. Knows nothing of archives.
 */
import type { ArtifactId, ArtifactStatus, InputInfo } from '../model/node.js';
import type { CollectNext, Finding, RuleOutcome, Severity } from '../model/finding.js';
import type { BgpMatrix, BlockOwnership, RouteMatrix, Timeline } from '../model/derived.js';

export interface ReportNodeInterface {
  name: string;
  mtu?: number;
  state?: string;
  addresses: string[];
}

export interface ReportBgpPeer {
  protocol: string;
  peerIP?: string;
  lastState?: string;
  everUp: boolean;
  /** Times BIRD logged this session going down after it had been up (only when > 0): it flaps. */
  downsAfterUp?: number;
}

export interface ReportNode {
  name: string;
  hostname?: string;
  input: string;
  nodeIP?: string;
  nodeIPSource?: string;
  /** Every IPv4/IPv6 address with prefix and interface: `10.0.0.11/24 (eth0)`. */
  addresses: string[];
  artifacts: Record<ArtifactId, ArtifactStatus>;
  /** Artifacts whose absence (or emptiness) is normal for this node's layout: not a gap. */
  notExpected: ArtifactId[];
  versionHint: string;
  date?: string;
  blocks: string[];
  interfaces: ReportNodeInterface[];
  bgpPeers: ReportBgpPeer[];
  /** Pasted command output filed on this node (absent when none). */
  attachments?: ReportAttachment[];
  problems: string[];
}

/** One pasted segment filed on a node: what it is, where, and how the node was decided. */
export interface ReportAttachment {
  kind: string;
  file: string;
  lines?: string;
  summary?: string;
  nodeFrom?: string;
}

export interface ReportRule extends RuleOutcome {
  severity: Severity;
  summary: string;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  /** Only when asked (--timestamp): ISO time the report was generated. */
  generatedAt?: string;
  summary: {
    inputs: number;
    unreadableInputs: number;
    nodes: number;
    findings: Record<Severity, number>;
  };
  inputs: InputInfo[];
  nodes: ReportNode[];
  /** Most severe first, then by rule id and finding id. */
  findings: Finding[];
  rules: ReportRule[];
  blocks: BlockOwnership[];
  routeMatrix: RouteMatrix;
  bgp: BgpMatrix;
  timeline: Timeline;
  /** Analysis problems not tied to one input (a cross-node table that could not be built). */
  problems: string[];
  /**
   * What to collect next: for every skipped rule and every cause that could not be confirmed, the command
   * whose output would decide it, merged by command (most rules first), with the nodes to run it on
   * (empty: every node).
   */
  collectNext: CollectNext[];
  /** In a per-cluster report of several clusters: its name and why its inputs were grouped together. */
  cluster?: ReportCluster;
  /**
   * Only when the inputs hold several clusters: one full report per cluster (each with `cluster`). The
   * top level then sums `summary`, lists every input (with `cluster`) and every finding (with `cluster`),
   * and leaves `nodes`, `rules`, `blocks`, the matrices, the timeline and `collectNext` empty.
   */
  clusters?: Report[];
  /** Present when the report was made with `--redact`: identifiers are pseudonyms (src/report/redact.ts). */
  redacted?: { note: string };
}

export interface ReportCluster {
  name: string;
  why: string[];
}
