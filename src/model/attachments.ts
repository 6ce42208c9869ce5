/**
 * Facts from command output a customer attached beside the bundles (recognised by content, not by
 * name; see `../shared/reference/pastes.md`): `calicoctl node status`, `birdc show protocols`, sysctls,
 * `ethtool -k`, `kubectl describe pod calico-node-…`, and so on. Each parsed attachment is tied to
 * one node (by its content, file name, folder, or `--node <name>=<file>`) and lands in that node's
 * `NodeFacts.attachments`; rules use it where the bundle falls short.
 *
 * Every fact keeps the attachment's input path, its file and the 1-based line, so a rule cites it as
 * evidence like any bundle line. Plain data (structured-clone safe).
 */
import type { LineRef } from './facts.js';

/** What an attachment was recognised as. */
export type AttachmentKind =
  | 'calicoctl-node-status'
  | 'birdc-show-protocols'
  | 'birdc-show-route'
  | 'kubectl-logs-calico-node'
  | 'kubectl-describe-pod'
  | 'kubectl-get-nodes'
  | 'kubectl-get-pods'
  | 'sysctl'
  | 'ethtool-k'
  | 'ip-d-link'
  | 'bridge-fdb'
  | 'ip-neigh'
  | 'conntrack-s'
  | 'dmesg'
  | 'resolv-conf'
  | 'dns-lookup'
  | 'iptables-version'
  | 'uname';

/** Where one attachment came from. */
export interface AttachmentSource {
  kind: AttachmentKind;
  /** The input as given (a file, or an archive/folder holding it). */
  input: string;
  /** Path of the file inside the input (equal to `input` for a plain file). */
  file: string;
  /** How the node was decided: `content`, `file name`, `folder`, `--node`. */
  nodeFrom?: string;
  /** Lines of the file this segment spans (`4-15`) and what it holds (`2 peers: 1 start, 1 up`). */
  lines?: string;
  summary?: string;
}

/** A fact from an attachment: where it came from (input, file, line) and the line's text. */
export interface AttachedLine extends LineRef {
  input: string;
  file: string;
}

/** One BGP peer row of `calicoctl node status` or one protocol of `birdc show protocols`. */
export interface PeerStatusRow extends AttachedLine {
  /** Peer address when printed (undefined when redacted: `x.x.x.N`, `<node-ip>`). */
  peerIP?: string;
  /** `node-to-node mesh`, `node specific`, `global`, or BIRD's protocol name (`Mesh_10_0_0_12`). */
  peerType?: string;
  /** `up`, `start`, `down`, ... (the STATE column). */
  state: string;
  since?: string;
  /** The INFO column: `Established`, `Active Socket: Connection refused`, `Idle BGP Error: Bad peer AS: 64513`. */
  info?: string;
  /** The address as printed when it was redacted (`xxx.xxx.xx.48`, `<node-ip>`). */
  redactedPeer?: string;
  /** 6 for rows under `IPv6 BGP status` (absent: IPv4). */
  family?: 4 | 6;
  /** `show protocols all`: `Source address:` (this node's BGP address) and `Neighbor AS:`. */
  sourceAddress?: string;
  neighborAS?: number;
}

export interface NodeStatusFacts {
  source: AttachmentSource;
  /** `Calico process is running.` / `… is not running.`, when printed. */
  calicoRunning?: boolean;
  /** False when the output says `The BGP backend process (BIRD) is not running.` */
  birdRunning?: boolean;
  /** True when it says `No IPv4 peers found.` */
  noPeers?: boolean;
  peers: PeerStatusRow[];
  /** The lines that gave `calicoRunning`/`birdRunning`/`noPeers`. */
  lines: AttachedLine[];
}

export interface SysctlFacts {
  source: AttachmentSource;
  /** `net.ipv4.ip_forward` → its value and line (keys as printed, `/` normalised to `.`). */
  values: Record<string, AttachedLine & { value: string }>;
}

export interface EthtoolFeature extends AttachedLine {
  name: string;
  on: boolean;
  fixed: boolean;
}

export interface EthtoolFacts {
  source: AttachmentSource;
  /** `Features for vxlan.calico:` */
  interface: string;
  features: Record<string, EthtoolFeature>;
}

export interface ConntrackStats {
  source: AttachmentSource;
  /** Totals over the per-CPU lines of `conntrack -S` (`found`, `invalid`, `insert_failed`, `drop`, `early_drop`, ...). */
  totals: Record<string, number>;
  lines: AttachedLine[];
}

export interface KernelLogFacts {
  source: AttachmentSource;
  /** Lines worth a rule: `nf_conntrack: table full, dropping packet`, martians, NIC resets, OOM kills, ipip/vxlan module errors. */
  notable: AttachedLine[];
  lines: number;
  /** Of `lines`, how many are NetworkManager's journal lines (`journalctl -u NetworkManager`), not the kernel's. */
  networkManagerLines?: number;
}

/** `kubectl describe pod calico-node-…`: state, restarts and the Events table. */
export interface PodDescription {
  source: AttachmentSource;
  pod: string;
  /** `Node: worker-1/10.0.0.12` → `worker-1`. */
  node?: string;
  restartCount?: number;
  /** `Last State: Terminated  Reason: OOMKilled` and the like. */
  lastTerminationReason?: string;
  /** Event rows (`Warning  Unhealthy  3m  kubelet  Readiness probe failed: …`). */
  events: (AttachedLine & { type: string; reason: string; message: string })[];
}

export interface KubeNodeRow extends AttachedLine {
  name: string;
  status: string;
  internalIP?: string;
  externalIP?: string;
  kernel?: string;
  os?: string;
  containerRuntime?: string;
}

export interface KubePodRow extends AttachedLine {
  namespace?: string;
  name: string;
  ready?: string;
  status: string;
  restarts?: number;
  ip?: string;
  node?: string;
}

export interface DnsFacts {
  source: AttachmentSource;
  /** `nameserver` lines of resolv.conf. */
  nameservers: AttachedLine[];
  /** `search`/`options` lines. */
  other: AttachedLine[];
  /** nslookup/dig results: the name asked, and the failure text (`connection timed out; no servers could be reached`, `SERVFAIL`, `NXDOMAIN`). */
  lookups: (AttachedLine & { name?: string; server?: string; ok: boolean; error?: string })[];
}

export interface LinkDetail extends AttachedLine {
  /** `ip -d link` device: `vxlan.calico`, `tunl0`. */
  name: string;
  mtu?: number;
  state?: string;
  /** `vxlan id 4096 local 10.0.0.11 dev eth0 srcport 0 0 dstport 4789 nolearning …`. */
  vxlan?: { id?: number; local?: string; dev?: string; dstport?: number };
  ipip?: { remote?: string; local?: string };
  /** The `vxlan …` / `ipip …` detail line itself (evidence for the local address). */
  tunnelLine?: AttachedLine;
}

/** All attachments of one node, by kind. */
export interface NodeAttachments {
  sources: AttachmentSource[];
  nodeStatus?: NodeStatusFacts;
  /** `birdc show protocols [all]` (same rows as node status, BIRD's names). */
  birdProtocols?: NodeStatusFacts;
  /** `birdc show route`: prefixes BIRD holds, with next hop. */
  birdRoutes?: (AttachedLine & { prefix: string; via?: string; dev?: string; protocol?: string; primary: boolean; /** `blackhole`, `unreachable` */ type?: string })[];
  sysctl?: SysctlFacts;
  ethtool?: EthtoolFacts[];
  links?: LinkDetail[];
  fdb?: (AttachedLine & { mac: string; dev: string; dst?: string })[];
  neigh?: (AttachedLine & { address: string; dev?: string; lladdr?: string; state: string })[];
  conntrack?: ConntrackStats;
  dmesg?: KernelLogFacts;
  podDescription?: PodDescription;
  dns?: DnsFacts;
  iptablesVersion?: AttachedLine & { version: string; backend?: 'legacy' | 'nf_tables' };
  uname?: AttachedLine & { kernel: string; /** `uname -a`'s node name. */ hostname?: string };
}

/** Attachments that belong to the cluster rather than one node. */
export interface ClusterAttachments {
  sources: AttachmentSource[];
  kubeNodes?: KubeNodeRow[];
  kubePods?: KubePodRow[];
  /** Node-scoped attachments whose node could not be decided (listed in the report, used by no rule). */
  unassigned: AttachmentSource[];
}
