/**
 * Scenario files for the namespace lab (`samples/lab/scenarios/<id>.yaml`): the readable
 * description of one mini-cluster, its fault and the findings the analyzer must (not) report.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { LabFailsafe, LabPolicy } from './policy.js';

export type Layout = 'v3.20' | 'v3.31';

export interface PodSpec {
  name: string;
  ip: string;
  mtu?: number;
}

export interface ExtraInterface {
  /** Interface name inside the node namespace, e.g. `docker0`. */
  name: string;
  /** Address with prefix, e.g. `172.17.0.1/16`. */
  cidr: string;
}

export interface NodeSpec {
  hostname: string;
  /** Underlay address (the node's real address on the 10.77.0.0/24 network). */
  ip: string;
  /** Interface holding the underlay address (default `eth0`). */
  underlayInterface?: string;
  /** Address Calico chose for the node (Node resource, BIRD router id); default `<ip>/24`. */
  calicoAddress?: string;
  /** Interface the autodetection picked (for the monitor-addresses/startup lines); default the underlay one. */
  autodetectInterface?: string;
  block: string;
  /** IPAM block affinity state as confd sees it (default `confirmed`). */
  blockState?: string;
  asNumber?: number;
  /** AS numbers this node's confd rendered for the other nodes (hostname → AS); default their Node AS. */
  peerAsOverride?: Record<string, number>;
  pods: PodSpec[];
  interfaces?: ExtraInterface[];
  /** Vagrant-like NAT NIC (`eth0` with 10.0.2.15/24) into a private namespace of its own. */
  natNic?: { name: string; cidr: string; gateway: string };
  /** iptables lines the customer added (`-I INPUT ...`), applied after Calico's rules. */
  firewall?: string[];
  /** BGP `debug all` (BGPConfiguration logSeverityScreen Debug) instead of `debug { states }`. */
  debugAll?: boolean;
  /** Start BIRD with a configuration path that does not exist (confd never rendered it). */
  birdConfigMissing?: boolean;
  /** Keep this node's bundle in samples (default true). */
  keepBundle?: boolean;
  /** CALICO_DISABLE_FILE_LOGGING=true: logs/ holds only cni/ (cni.log). */
  fileLoggingDisabled?: boolean;
  /** Per-node layout (mixed-version clusters); default the scenario's. */
  layout?: Layout;
  /** Binaries absent on the node (exec fails: v3.20 writes an empty file, v3.22+ no file). */
  missingBinaries?: string[];
  /** Docker is present: container logs and `ipset_container` are collected. */
  docker?: boolean;
  /** BGP hold time for this node's sessions (`hold time N;` in bgp_template; BIRD default 240). */
  holdTime?: number;
  /** iptables rule (INPUT, without -I/-D) inserted and deleted in turn, `period` seconds each. */
  toggleRule?: { rule: string; period: number };
  /** Source addresses an ingress policy on this node's workloads DROPs (`cali-pi-*` rule). */
  policyDenyFrom?: string[];
  /** MTU of the underlay interface (`ip link set <if> mtu N`); default 1500. */
  underlayMtu?: number;
  /** `ip route add` arguments installed before BIRD starts (foreign routes for Calico prefixes). */
  staticRoutes?: string[];
  /** More IPAM blocks confd renders for this node (blackhole + calico_aggr), e.g. a block two nodes hold. */
  extraBlocks?: string[];
  /** Felix-layer faults (samples/lab/felix-faults.ts): real iptables/socket parts and written Felix/confd/CNI lines. */
  felixLab?: {
    /** Calico's chains go to iptables-legacy; kube-proxy-like rules (FORWARD policy DROP) to iptables-nft. */
    calicoBackend?: 'legacy';
    /** kube-proxy's KUBE-SERVICES portal jumps in the nat table. */
    kubeProxy?: boolean;
    /** firewalld-like chains and a blanket REJECT inserted ahead of Calico's INPUT/FORWARD jumps. */
    firewalld?: boolean;
    /** A Typha-like listener on 0.0.0.0:5473. */
    typhaHost?: boolean;
    /** `host:port` this node keeps connecting to (SYN_SENT when the path drops it). */
    connectTo?: string[];
    /** Which written Felix/confd/CNI lines the node gets. */
    felix?: 'backend-legacy' | 'datastore-unreachable' | 'typha-unreachable' | 'crashloop' | 'tls-expired' | 'ipset-mismatch';
  };
  /** `CALICO_ROUTER_ID` for this node (`router id` in bird.cfg); default the node IP. */
  routerId?: string;
  /** The node IP comes from the `IP` env var (no autodetection): startup logs it and warns when it is not local. */
  ipFromEnv?: boolean;
  /** Route reflector cluster ID (Node spec.bgp.routeReflectorClusterID, label `route-reflector: 'true'`). */
  routeReflector?: string;
  /** The machine is gone: only its Node resource remains (others still render a mesh peer for it). */
  gone?: boolean;
  /**
   * The node's clock runs this many seconds ahead (negative: behind). Written after collection
   * (`clock-skew.ts`): its `date`, tarball name, log stamps and file mtimes are moved by the offset.
   */
  clockOffsetSeconds?: number;
  /** Felix-programmed encapsulation (see vxlan.ts): this node has no tunnel device and no tunnel address. */
  tunnelMissing?: boolean;
  /** The node sits in a second routed subnet (its own bridge and gateway in the switch namespace). */
  subnet?: { cidr: string; gateway: string };
  /** VXLAN: a second address on the underlay interface that vxlan.calico uses as its `local` source (encap-lab.ts). */
  vxlanLocal?: string;
  /** Written Felix features line (`Updating detected iptables features … kernelVersion=…`), ChecksumOffloadBroken for kernels <= 5.7. */
  kernelVersion?: string;
  /** Host-layer faults (samples/lab/host-faults.ts): real per-netns sysctls, a real conntrack flood, written Felix lines. */
  hostLab?: {
    /** `sysctl -w` settings in the node namespace after the dataplane is programmed (e.g. `net.ipv4.ip_forward=0`). */
    sysctls?: string[];
    /** Written Felix lines: `rpf-loose` = Felix v3.11 exits on `rp_filter = 2` and runit restarts it. */
    felix?: 'rpf-loose';
    /** A pod of this node sends UDP to this many distinct ports of the underlay gateway (real conntrack entries). */
    conntrackFlood?: { pod: string; flows: number };
    /** A pod of this node sends `count` TCP SYN-ACKs (no SYN before) to `to`: conntrack marks them INVALID. */
    strayReplies?: { pod: string; to: string; count: number };
  };
}

export interface PoolSpec {
  name: string;
  cidr: string;
  blockSize: number;
  ipipMode: 'Never' | 'Always' | 'CrossSubnet';
  vxlanMode: 'Never' | 'Always' | 'CrossSubnet';
  natOutgoing: boolean;
}

export interface Scenario {
  id: string;
  title: string;
  layout: Layout;
  asNumber: number;
  underlay: { cidr: string; gateway: string };
  pool: PoolSpec;
  nodes: NodeSpec[];
  fault: { summary: string; how: string };
  real: string[];
  written: string[];
  /** Rule ids the analyzer must report, must not report, and may report as symptoms of the fault. */
  expect: { fire: string[]; silent: string[]; mayFire?: string[] };
  /** CALICO_NETWORKING_BACKEND (default bird): `vxlan` runs no BIRD/confd, whatever the pool modes. */
  networkingBackend?: 'bird' | 'vxlan';
  /** FelixConfiguration/BGPConfiguration `programClusterRoutes` (v3.31+): `Enabled` = Felix programs IPIP routes, no BIRD. */
  programClusterRoutes?: 'Enabled' | 'Disabled';
  /** Seconds BIRD runs before the snapshot (default 35). */
  settleSeconds?: number;
  /** GlobalNetworkPolicies rendered into Felix-like policy chains (samples/lab/policy.ts) and exported as YAML. */
  policies?: LabPolicy[];
  /** FelixConfiguration failsafe ports (`tcp:22`) when overridden; default Felix's. */
  failsafe?: LabFailsafe;
  /** Collect this node once more `seconds` earlier than the others (two snapshots of one host), into `<node>-earlier/`. */
  snapshot?: { node: string; seconds: number };
  /**
   * Bundles derived from a collected one instead of collected (labelled so in the scenario), into `<node>-later/`:
   * `rotated-felix-log` is a snapshot `minutes` later whose Felix log svlogd rotated in between
   * (samples/lab/derive-rotated-snapshot.ts).
   */
  derived?: { node: string; how: 'rotated-felix-log'; minutes: number; note?: string }[];
  /** BGPConfiguration default `nodeToNodeMeshEnabled: false` (confd renders no Mesh_ protocol). */
  meshDisabled?: boolean;
  /** Command output pasted beside the bundles (see attachments.ts), written before the snapshot. */
  attachments?: { file: string; node: string; commands: string[]; prompt?: boolean; text?: string }[];
  /** Pods outside Calico's lab nodes that `kubectl get pods -A -o wide` pastes list (CoreDNS), see host-faults.ts. */
  kubePods?: { namespace: string; name: string; ready: string; status: string; restarts: string; ip: string; node: string }[];
  /** BGPPeer `peer-with-route-reflectors`: every node peers with the nodes that have `routeReflector` set. */
  rrPeering?: boolean;
  /** Real IP-in-IP (protocol 4) packets between the nodes from a python3 raw socket (no ipip module here; encap-lab.ts). */
  ipipTraffic?: boolean;
  /** iptables rules (without the leading `iptables`) in the switch namespace, which routes between subnets: the underlay's firewall. */
  underlayFirewall?: string[];
  /** The switch drops frames whose IPv4 source/destination is not the port's node address (EC2 source/destination check). */
  srcDstCheck?: boolean;
  /** Extra FelixConfiguration `default` spec keys, exported in resources/felixconfiguration.yaml. */
  felixConfig?: Record<string, string | number | boolean>;
}

const ID_RE = /^[a-z0-9][a-z0-9.-]{0,40}$/;

export function loadScenario(path: string): Scenario {
  const s = parse(readFileSync(path, 'utf8')) as Scenario;
  if (!s || typeof s !== 'object') throw new Error(`${path}: not a YAML mapping`);
  if (!ID_RE.test(String(s.id))) throw new Error(`${path}: bad id ${String(s.id)}`);
  if (s.layout !== 'v3.20' && s.layout !== 'v3.31') throw new Error(`${path}: layout must be v3.20 or v3.31`);
  if (!Array.isArray(s.nodes) || s.nodes.length === 0) throw new Error(`${path}: no nodes`);
  for (const n of s.nodes) {
    if (!/^[a-z0-9-]{1,20}$/.test(n.hostname)) throw new Error(`${path}: bad hostname ${n.hostname}`);
    if (!Array.isArray(n.pods)) n.pods = [];
  }
  if (!s.expect) s.expect = { fire: [], silent: [] };
  return s;
}

export function nodeLayout(s: Scenario, n: NodeSpec): Layout {
  return n.layout ?? s.layout;
}

/** Address (without prefix) Calico uses for the node. */
export function calicoIp(n: NodeSpec): string {
  return (n.calicoAddress ?? `${n.ip}/24`).split('/')[0]!;
}

export function nodeAs(s: Scenario, n: NodeSpec): number {
  return n.asNumber ?? s.asNumber;
}
