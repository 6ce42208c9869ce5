/**
 * Cross-node tables built by the combiners (catalogue tables T1–T3, T7).
 * Plain data: the report renders them as tables; rules read them.
 */
import type { Evidence } from './finding.js';

/** T3: a block (IPAM /26 etc.) and the node(s) whose `ipv4_route` holds `blackhole <block>`. */
export interface BlockOwnership {
  block: string;
  owners: string[];
  /** `bird` (BGP modes) or `80` (Felix, VXLAN) or whatever proto the blackhole had. */
  proto?: string;
  evidence: Evidence[];
}

export type RouteCellStatus =
  /** the row node is the column node */
  | 'self'
  /** a route to every block of the column node exists */
  | 'ok'
  /** at least one block of the column node has no route on the row node */
  | 'missing'
  /** the row node's routes were not collected */
  | 'unknown'
  /** the column node owns no block (nothing to check) */
  | 'no-block';

export interface RouteToBlock {
  block: string;
  /** The route that covers the block on the row node, if any. */
  route?: { dst: string; via?: string; dev?: string; proto?: string; onlink: boolean; type: string };
  evidence?: Evidence;
  /** How the route reaches the block: `ipip` (tunl0), `vxlan` (vxlan.calico), `direct` (NIC), `blackhole`, `other`. */
  kind?: 'ipip' | 'vxlan' | 'direct' | 'blackhole' | 'other';
}

export interface RouteCell {
  from: string;
  to: string;
  status: RouteCellStatus;
  blocks: RouteToBlock[];
}

export interface RouteMatrix {
  nodes: string[];
  /** rows[i][j]: routes on nodes[i] to the blocks of nodes[j]. */
  rows: RouteCell[][];
}

/** One side of a BGP pair, as that node saw it. */
export interface BgpSide {
  node: string;
  /** BIRD protocol name for the peer (`Mesh_10_0_0_12`), if configured. */
  protocol?: string;
  /** Last `State changed to` seen, or undefined if no log. */
  lastState?: string;
  everUp: boolean;
  /** Errors and notifications logged for this peer (last few). */
  errors: string[];
  /** TCP state of the socket to the peer's :179 (or from it), from netstat/ss: ESTABLISHED, SYN_SENT, ... or `none`. */
  socket?: string;
  /** Whether this node listens on TCP 179 (undefined: netstat/ss not collected). */
  listens179?: boolean;
  /** Whether this side's bird log was collected. */
  logCollected: boolean;
  evidence: Evidence[];
}

export interface BgpPair {
  /** Node names in sorted order. */
  a: BgpSide;
  b: BgpSide;
  /** IPs used for the pair. */
  aIP?: string;
  bIP?: string;
  /** Node expected to open the TCP connection (greater IP string, v3.22+ mesh), if known. */
  initiator?: string;
  /** Overall: `up` (both sides up or ESTABLISHED), `down`, `half` (one side only), `unknown`. */
  status: 'up' | 'down' | 'half' | 'unknown';
}

export interface BgpMatrix {
  pairs: BgpPair[];
  /** Peers named by BIRD protocols (or resources) with no bundle. */
  unknownPeers: { node: string; peerIP: string; protocol: string; evidence: Evidence }[];
}

export interface TimelineEvent {
  /** ISO-8601 UTC when known, else the raw stamp. */
  time: string;
  node: string;
  source: string;
  text: string;
  file: string;
  line: number;
  level: 'error' | 'warning' | 'info';
}

export interface Timeline {
  events: TimelineEvent[];
  /** Events beyond the cap, not listed. */
  dropped: number;
}

/** A tunnel device of one node, from `ip addr` (`tunl0`, `vxlan.calico`, `vxlan-v6.calico`, `wireguard.cali`). */
export interface TunnelDevice {
  name: string;
  /** `UP` in the flags and the state is not DOWN. */
  up: boolean;
  state?: string;
  mtu?: number;
  /** Addresses with prefix (`10.244.97.0/32`). */
  addresses: string[];
  /** `ipip`, `ether`, ... from the `link/` line (a `tunl0` of another type is not an IP-in-IP tunnel). */
  linkType?: string;
  evidence: Evidence;
}

/** One of Felix's fixed encapsulation rules (felix/rules/static.go) with its counters. */
export interface EncapRule {
  packets?: number;
  bytes?: number;
  /** `ACCEPT`, `DROP`, ... */
  target?: string;
  /** Destination port of a VXLAN rule (`--dports 4789`). */
  port?: number;
  evidence: Evidence;
}

/** Felix's IPIP/VXLAN admission rules on one node (cali-INPUT / cali-OUTPUT of ipv4_tables). */
export interface EncapRules {
  ipipAllowIn?: EncapRule;
  ipipDropIn?: EncapRule;
  ipipAllowOut?: EncapRule;
  vxlanAllowIn?: EncapRule;
  vxlanDropIn?: EncapRule;
  vxlanAllowOut?: EncapRule;
  /** Non-Felix DROP/REJECT rules of the filter table on UDP <vxlanPort> or protocol 4 (host firewall). */
  foreignDrops: (EncapRule & { proto: 'udp' | 'ipip' })[];
}

/** An ipset Felix builds for encapsulation admission, with its members (kept for Calico's sets). */
export interface EncapHostSet {
  name: string;
  members: string[];
  evidence: Evidence;
}

/** How the routes of one node reach other nodes' blocks (T3 per node). */
export interface EncapRoutes {
  /** Routes to other nodes' blocks, by device class. */
  ipip: Evidence[];
  vxlan: Evidence[];
  direct: Evidence[];
  /** Block routes (remote or blackhole) programmed by BIRD (`proto bird`) and by Felix (`proto 80`). */
  bird: number;
  felix: number;
  /** Proto of this node's own block blackholes (`bird`, `80`), when it has any. */
  blackholeProto?: string;
}

/** Catalogue T1/T3/T4 for one node: configured encapsulation against what the node shows. */
export interface NodeEncap {
  node: string;
  nodeIP?: string;
  /** Node resource `spec.bgp.ipv4Address` (with prefix) and where it came from. */
  nodeAddress?: string;
  nodeAddressEvidence?: Evidence;
  /** The address with prefix on the interface that holds nodeIP (`ip addr`). */
  realCidr?: string;
  realEvidence?: Evidence;
  routes: EncapRoutes;
  tunl0?: TunnelDevice;
  vxlan?: TunnelDevice;
  vxlanV6?: TunnelDevice;
  wireguard?: TunnelDevice;
  /** VTEP: the vxlan.calico address from ip addr, and the Node resource `ipv4VXLANTunnelAddr`. */
  vtepAddress?: string;
  vtepResource?: string;
  ipipTunnelResource?: string;
  /** Whether BIRD runs here: true/false when something shows it, undefined when nothing does. */
  birdRunning?: boolean;
  birdEvidence?: Evidence[];
  rules: EncapRules;
  /** Whether ipv4_tables was collected with Calico chains in it. */
  rulesCollected: boolean;
  hostsNet?: EncapHostSet;
  vxlanNet?: EncapHostSet;
  /** Kernel version from Felix's `Updating detected iptables features … kernelVersion=…` or an attached `uname -r`. */
  kernelVersion?: string;
  kernelEvidence?: Evidence;
  /** Felix's detected `ChecksumOffloadBroken` (from the same log line). */
  checksumOffloadBroken?: boolean;
  /** `tx-checksum-ip-generic` of vxlan.calico from an attached `ethtool -k vxlan.calico`. */
  vxlanTxChecksum?: { on: boolean; evidence: Evidence };
}

/** Encapsulation configured by one IPPool. */
export interface EncapPool {
  name: string;
  cidr: string;
  ipipMode: string;
  vxlanMode: string;
  vxlanModeV6?: string;
  /** `spec.nodeSelector` when it is not `all()`: the pool (and its tunnel addresses) may cover some nodes only. */
  nodeSelector?: string;
  evidence: Evidence;
}

/** CrossSubnet decision for an ordered pair: does `from` consider `to` in its own subnet? */
export interface EncapPairDecision {
  from: string;
  to: string;
  /** `to`'s node IP inside the network of `from`'s Node resource ipv4Address. */
  sameByNodeResource?: boolean;
  /** `to`'s node IP inside the network of `from`'s real interface prefix. */
  sameByInterface?: boolean;
}

export interface EncapTable {
  pools: EncapPool[];
  nodes: NodeEncap[];
  /** Ordered pairs whose sender's Node prefix differs from its interface prefix (the only ones that can disagree). */
  pairs: EncapPairDecision[];
  /** Nodes whose Node resource prefix and interface prefix were both known and compared. */
  prefixesCompared: number;
  /** FelixConfiguration `vxlanPort` (default 4789) and the line that set it. */
  vxlanPort: number;
  vxlanPortEvidence?: Evidence;
  /** FelixConfiguration flags that matter here (`vxlanEnabled`, `ipipEnabled`, `awsSrcDstCheck`, `programClusterRoutes`), with evidence. */
  felixConfig: Record<string, { value: string; evidence: Evidence }>;
}

export interface Derived {
  blocks: BlockOwnership[];
  routeMatrix: RouteMatrix;
  bgp: BgpMatrix;
  timeline: Timeline;
  /** Encapsulation per node and per pair (catalogue T1, T3, T4). */
  encap: EncapTable;
  /** Tables that could not be built (a bug meeting unexpected data): the rest is still reported. */
  problems: string[];
}
