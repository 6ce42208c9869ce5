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
  unknownPeers: {
    node: string;
    peerIP: string;
    protocol: string;
    evidence: Evidence;
    /** The session is up on this side (BIRD's last state `up`, or an ESTABLISHED 179 socket to the peer): the peer is alive. */
    up: boolean;
    /** The ESTABLISHED socket that shows it, when netstat/ss has one. */
    socketEvidence?: Evidence;
  }[];
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

/** T6: a Calico policy as exported (GlobalNetworkPolicy / NetworkPolicy YAML), the fields a finding names. */
export interface PolicyInfo {
  kind: 'GlobalNetworkPolicy' | 'NetworkPolicy';
  name: string;
  namespace?: string;
  tier: string;
  /** `spec.order`; undefined means "last" (Calico applies policies without order after those with one). */
  order?: number;
  selector?: string;
  types: string[];
  /** Rule actions per direction, in order (`Allow`, `Deny`, `Pass`, `Log`). */
  ingress: PolicyRuleInfo[];
  egress: PolicyRuleInfo[];
  /** Where the YAML was read. */
  evidence: Evidence;
}

export interface PolicyRuleInfo {
  action: string;
  protocol?: string;
  /** destination ports, as written (`80`, `8000:8080`, `http`). */
  ports: string[];
}

/** A workload or host endpoint whose chains were found in a node's iptables. */
export interface PolicyEndpoint {
  node: string;
  /** `cali1f5a29e647c` (workload) or `eth0` (host endpoint). */
  iface: string;
  kind: 'workload' | 'host';
  /** From `<ip> dev <iface> scope link` (workloads). */
  podIP?: string;
  /** `namespace/name` from an attached `kubectl get pods -o wide`, when it lists the pod IP. */
  pod?: string;
  routeEvidence?: Evidence;
}

/** One policy or profile chain an endpoint chain jumps to, in Felix's evaluation order. */
export interface PolicyStep {
  chain: string;
  kind: 'policy' | 'profile';
  /** The exported policy this chain is, when its name matched. */
  policy?: PolicyInfo;
  /** What the chain name says when no YAML matched (`default/default.deny-all`, `namespace default`, or the hashed id). */
  label: string;
  /** Packets that entered the policy (the jump's counter). */
  packets?: number;
  evidence: Evidence;
}

/**
 * A DROP/REJECT that matched packets on the way to or from an endpoint, tied to the policy responsible:
 * `policy-deny` a Deny rule inside a policy chain; `end-of-tier` the endpoint chain's
 * "Drop if no policies passed packet" (no policy of the tier allowed the flow); `end-of-profiles`
 * "Drop if no profiles matched".
 */
export interface PolicyDrop {
  node: string;
  table: string;
  kind: 'policy-deny' | 'end-of-tier' | 'end-of-profiles';
  direction: 'ingress' | 'egress';
  /** The chain holding the DROP and the rule itself. */
  chain: string;
  ruleText: string;
  /** The rule's `cali:<id>` (or its spec), to find it again in another snapshot. */
  ruleKey: string;
  packets: number;
  bytes?: number;
  /** The endpoint chain(s) this drop happened for (a policy chain can serve several endpoints). */
  endpoints: { endpoint: PolicyEndpoint; chain: string; packets?: number }[];
  /** policy-deny: the policy that dropped; end-of-tier: the policies of the tier, in order, none of which allowed the flow. */
  policy?: PolicyStep;
  policies: PolicyStep[];
  tier?: string;
  /** policy-deny: Allow rules of policies evaluated later for the same endpoint that match the same protocol/port (shadowed). */
  shadows?: { step: PolicyStep; endpointChain: string; allow: Evidence }[];
  /** Packets this rule dropped since an earlier snapshot of the same node, when there is one. */
  delta?: number;
  evidence: Evidence;
}

/** Two bundles of one host taken at different times (same hostname, node IP and MAC, different `date`). */
export interface Snapshot {
  /** The host. */
  host: string;
  /** Node names of the earlier and the later bundle (`node-a`, `node-a#2`). */
  earlier: string;
  later: string;
  earlierTime?: string;
  laterTime?: string;
  /** Calico DROP/REJECT rules whose packet counter moved between the two (by table, chain and rule comment). */
  moved: { table: string; chain: string; key: string; rule: string; before: number; after: number }[];
}

export interface PolicyTable {
  /** Nodes whose iptables-save was read. */
  nodesWithTables: string[];
  /** Whether any GlobalNetworkPolicy/NetworkPolicy YAML was given. */
  policiesExported: boolean;
  policies: PolicyInfo[];
  endpoints: PolicyEndpoint[];
  drops: PolicyDrop[];
  /** For each endpoint chain with policies: the steps in order (used for shadowing). */
  chains: { node: string; table: string; chain: string; direction: 'ingress' | 'egress'; endpoint: PolicyEndpoint; steps: PolicyStep[] }[];
  /** Nodes where policy rules were left out beyond the parser's cap. */
  truncated: string[];
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
  /** Local workload routes of every node. */
  workloads: WorkloadRoute[];
  /** Borrowed pod addresses and the host routes other nodes have for them. */
  borrowed: BorrowedAddress[];
  mtu: MtuTable;
  routeMatrix: RouteMatrix;
  bgp: BgpMatrix;
  timeline: Timeline;
  /** T6: endpoints, policy chains, the exported policies, and what dropped how many packets. */
  policy: PolicyTable;
  /** Bundles that are the same host at two times. */
  snapshots: Snapshot[];
  /** T7 clock offsets (also applied to the timeline). */
  clock: ClockTable;
  /** Encapsulation per node and per pair (catalogue T1, T3, T4). */
  encap: EncapTable;
  /** Tables that could not be built (a bug meeting unexpected data): the rest is still reported. */
  problems: string[];
}
