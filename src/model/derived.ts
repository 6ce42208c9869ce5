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

/** T3: a local workload route (`<pod ip> dev cali… scope link`): pod IP ↔ interface ↔ node. */
export interface WorkloadRoute {
  node: string;
  /** Pod IP without prefix. */
  ip: string;
  /** As routed: `<ip>/32` or `<ip>/128`. */
  dst: string;
  iface: string;
  evidence: Evidence;
}

/** T3: a pod IP on one node inside a block whose blackhole is on other nodes (IPAM borrowing). */
export interface BorrowedAddress {
  workload: WorkloadRoute;
  block: string;
  owners: string[];
  ownerEvidence: Evidence[];
  /** Every other node's host route for the pod IP (`ok`: a forwarding `/32`/`/128` route exists). */
  hostRoutes: { node: string; collected: boolean; ok: boolean; evidence?: Evidence }[];
}

/** Encapsulation whose overhead the pod MTU must leave room for. */
export type EncapKind = 'ipip' | 'vxlan' | 'vxlan-v6' | 'wireguard' | 'wireguard-v6';

/** One link of the MTU table, merged from `ip -4 addr` and `ip -6 addr`. */
export interface MtuLink {
  name: string;
  mtu: number;
  state?: string;
  evidence: Evidence;
}

/** T5: MTUs of one node. */
export interface MtuRow {
  node: string;
  /** The underlay NIC (holds the node IP, else carries the default route). */
  nic?: MtuLink;
  /** How the NIC was chosen. */
  nicFrom?: string;
  /** Calico tunnel devices present: tunl0, vxlan.calico, vxlan-v6.calico, wireguard.cali, wg-v6.cali. */
  tunnels: (MtuLink & { encap: EncapKind })[];
  /** Workload veths (`cali*`), with the pod IP routed to each and the overhead its pool's encapsulation needs. */
  cali: (MtuLink & { podIP?: string; overhead: number })[];
  caliMin?: MtuLink & { overhead: number };
  caliMax?: MtuLink & { overhead: number };
  /** Encapsulations in use on this node (IPPool modes, tunnel routes, WireGuard device). */
  encaps: EncapKind[];
  /** How `encaps` was decided. */
  encapFrom: string;
  /** Largest overhead of the encapsulations in use (0 without encapsulation). */
  overhead: number;
}

export interface MtuTable {
  rows: MtuRow[];
  /** Smallest NIC MTU over the nodes, and the node(s) holding it. */
  pathMtu?: number;
  pathNodes: string[];
}

export interface Derived {
  blocks: BlockOwnership[];
  /** Local workload routes of every node. */
  workloads: WorkloadRoute[];
  /** Borrowed pod addresses and the host routes other nodes have for them. */
  borrowed: BorrowedAddress[];
  mtu: MtuTable;
  routeMatrix: RouteMatrix;
  bgp: BgpMatrix;
  timeline: Timeline;
  /** Tables that could not be built (a bug meeting unexpected data): the rest is still reported. */
  problems: string[];
}
