import type {
  BirdLogSummary,
  CalicoLogSummary,
  DateFact,
  IpSetDump,
  IptablesDump,
  JournalSummary,
  NetInterface,
  ResourceSet,
  Route,
  SocketTable,
} from './facts.js';
import type { ClusterAttachments, NodeAttachments } from './attachments.js';

/**
 * Artifact ids are the file names calicoctl writes; logs are `<daemon>_log`.
 * `container_logs` covers `logs/<container>.log` written from `docker logs`.
 */
export const ARTIFACT_IDS = [
  'date',
  'hostname',
  'netstat',
  'ss',
  'ipv4_route',
  'ipv6_route',
  'ipv4_addr',
  'ipv6_addr',
  'ipv4_tables',
  'ipv6_tables',
  'nft_ruleset',
  'ipsets',
  'ipset_container',
  'journalctl_calico_node',
  'bird_log',
  'bird6_log',
  'confd_log',
  'felix_log',
  'cni_log',
  'container_logs',
] as const;
export type ArtifactId = (typeof ARTIFACT_IDS)[number];

/** Commands whose output may legitimately be empty (no IPv6, no nftables tables, no journal). */
export const MAY_BE_EMPTY: ReadonlySet<ArtifactId> = new Set<ArtifactId>([
  'ipv6_route',
  'ipv6_addr',
  'ipv6_tables',
  'nft_ruleset',
  'journalctl_calico_node',
  'ipset_container',
  'cni_log',
  'bird6_log',
]);

/**
 * - ok: present with data
 * - missing: not in the bundle (not collected, or the command failed on v3.22+)
 * - empty: zero bytes (the binary was missing on ≤ v3.21)
 * - command-failed: holds an error message instead of the command's output
 */
export type ArtifactStatus = 'ok' | 'missing' | 'empty' | 'command-failed';

export interface ArtifactInfo {
  status: ArtifactStatus;
  /** Paths inside the bundle that made up this artifact. */
  files: string[];
  bytes: number;
  /** For command-failed: the first line of the error text. */
  error?: string;
  /** Whether this artifact was expected for the layout (e.g. nft_ruleset only from v3.31). */
  expected: boolean;
}

/** Everything read from one node's bundle. Plain data: produced per bundle, possibly in a worker. */
export interface NodeFacts {
  /** The input (as given on the command line) this bundle came from. */
  input: string;
  /** Folder inside the input that holds the bundle (`diagnostics` for node diags). */
  root: string;
  /** `node-diags` (calicoctl node diags) or `cluster-diags` (calicoctl cluster diags, per node). */
  format: 'node-diags' | 'cluster-diags';
  /** Bundle file name (e.g. `diags-20250301_101500.tar.gz`) when it came from an archive. */
  archiveName?: string;
  hostname?: string;
  hostnameRef?: { file: string; line: number; text: string };
  date?: DateFact & { file: string };
  artifacts: Record<ArtifactId, ArtifactInfo>;
  routes4: Route[];
  routes6: Route[];
  interfaces4: NetInterface[];
  interfaces6: NetInterface[];
  iptables4?: IptablesDump;
  /**
   * Every IPv4 iptables dump read, when there is more than one (cluster diags: `iptables-legacy-save.txt`
   * and `iptables-nft-save.txt`); `iptables4` is the one holding Calico's chains.
   */
  iptables4Dumps?: { file: string; variant?: string; dump: IptablesDump }[];
  iptables6?: IptablesDump;
  ipsets?: IpSetDump;
  sockets?: SocketTable & { file: string };
  bird?: BirdLogSummary;
  bird6?: BirdLogSummary;
  felix?: CalicoLogSummary;
  confd?: CalicoLogSummary;
  cni?: CalicoLogSummary;
  /** Calico lines found in container logs (`logs/*.log` from docker logs): startup, felix, confd, bird. */
  containerLog?: CalicoLogSummary;
  containerBird?: BirdLogSummary;
  /** calico-node's other svlogd services (monitor-addresses, allocate-tunnel-addrs, node-status-reporter, node-services). */
  agent?: CalicoLogSummary;
  journal?: JournalSummary;
  /** Best guess of the Calico version window from the file set and line shapes. */
  layout: LayoutGuess;
  /** Command output the customer attached for this node (see attachments.ts); absent when none. */
  attachments?: NodeAttachments;
  /** Problems reading this bundle (one line each, naming the file). */
  problems: string[];
}

export interface LayoutGuess {
  /** e.g. `>=v3.31`, `v3.22–v3.30`, `<=v3.21`. */
  versionHint: string;
  /** Reasons for the guess (`nft_ruleset present`, `svlogd -ttt stamps`). */
  reasons: string[];
  /** True when `logs/` had no bird/felix/confd dirs (CALICO_DISABLE_FILE_LOGGING). */
  fileLoggingDisabled: boolean;
}

/** A node after cross-node identification. */
export interface NodeModel extends NodeFacts {
  /** Display name: the hostname, made unique with a suffix when two bundles share it. */
  name: string;
  /** The IPv4 address Calico uses for this node (BGP source / router id), if known. */
  nodeIP?: string;
  /** How nodeIP was decided, for the report. */
  nodeIPSource?: string;
  /** Interface that holds nodeIP. */
  nodeIPInterface?: string;
}

export interface InputInfo {
  path: string;
  kind: 'archive' | 'directory' | 'yaml' | 'attachment';
  nodes: string[];
  /** `ignored`: a file given or found beside the bundles that nothing recognised (not an error). */
  status: 'ok' | 'partial' | 'unreadable' | 'ignored';
  problems: string[];
  /** For kind `attachment`: what the file was taken to be, and for which node. */
  attachment?: InputAttachment;
  /** Only with several clusters: the cluster this input (or part of it) went to. */
  cluster?: string;
  /** Why it was not read although readable: `same bytes as <path>` (status `ignored`). */
  note?: string;
  /**
   * The YAML files read from it as Calico resources, each with what it held (`prod/resources/node.yaml: 3 Node`),
   * so a YAML inside an archive or folder is accounted for like every other file.
   */
  resources?: string[];
}

/** What a pasted file was taken to be (inputs table, JSON `inputs[].attachment`, `inspect`). */
export interface InputAttachment {
  /** The kinds recognised in it, in file order (several commands may share one file). */
  takenAs: string[];
  /** The node its node-scoped facts went to; absent for cluster-wide output or when undecided. */
  node?: string;
  /** How the node was decided: `--node`, `content: …`, `file name`, `folder`. */
  nodeFrom?: string;
  /** One entry per recognised segment: kind, line range, what it holds, and its node when the segments of one file belong to different nodes. */
  parts: { kind: string; lines: string; summary: string; node?: string; nodeFrom?: string }[];
  /** When nothing was recognised (status `ignored`): what the file looks like. */
  guess?: string;
  /** Why the facts are not used (node not decided, named node has no bundle). */
  note?: string;
}

export interface ClusterModel {
  inputs: InputInfo[];
  nodes: NodeModel[];
  resources: ResourceSet;
  /**
   * Earlier snapshots of hosts also given later (same host, an earlier date): not nodes of the
   * cluster; the combiners read their counters for the deltas of the later bundle.
   */
  snapshots?: NodeModel[];
  /** Cluster-wide attachments (`kubectl get nodes/pods -o wide`) and those no node could be decided for. */
  attachments?: ClusterAttachments;
}
