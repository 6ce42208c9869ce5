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
  /** ISO-8601 UTC when known, else the raw stamp; corrected by the node's clock offset when one was measured. */
  time: string;
  /** The stamp as the node's clock wrote it, when `time` was corrected by its offset. */
  rawTime?: string;
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
  /** Each node's clock offset (T7) and whether the events were corrected by it; empty when no clock could be compared. */
  offsets?: { node: string; offsetSeconds: number; basis: ClockOffset['basis']; applied: boolean }[];
}

/** T7: one node's clock against the reference node's. */
export interface ClockOffset {
  node: string;
  /**
   * Seconds this node's clock is ahead (+) or behind (-) the reference clock. `bgp`: from both ends of
   * the same BGP transition (`State changed to up` logged by each side of one session); `date`: from
   * the `date` files (or tarball names) alone, which also holds the gap between the collections.
   */
  offsetSeconds: number;
  basis: 'reference' | 'bgp' | 'date';
  /** Node the BGP offset was measured against (a direct peer), when basis is `bgp`. */
  via?: string;
  /** Seconds between this node's `date` and the reference's (undefined without both dates). */
  dateDeltaSeconds?: number;
  evidence: Evidence[];
}

/** T7 time alignment: the clock of every node against one reference node. */
export interface ClockTable {
  /** Node whose clock the offsets are measured against (the one most peers agree with). */
  reference?: string;
  offsets: ClockOffset[];
  /** BGP sessions whose two ends both logged their last `State changed to up` (the pairs compared). */
  pairsCompared: number;
}

export interface Derived {
  blocks: BlockOwnership[];
  routeMatrix: RouteMatrix;
  bgp: BgpMatrix;
  timeline: Timeline;
  /** T7 clock offsets (also applied to the timeline). */
  clock: ClockTable;
  /** Tables that could not be built (a bug meeting unexpected data): the rest is still reported. */
  problems: string[];
}
