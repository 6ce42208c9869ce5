import { BASE32, SyntheticRng } from './synthetic-rng.js';
import { planPolicies, type SynthPolicy } from './synthetic-policy.js';

/** One pod on a synthetic node: its veth, address and CNI container id. */
export interface SynthWorkload {
  ns: string;
  /** The pod's `app` label (its name starts with it). */
  app: string;
  pod: string;
  iface: string;
  ip: string;
  containerId: string;
}

export interface SynthNode {
  index: number;
  hostname: string;
  ip: string;
  /** The node's IPAM block, e.g. `192.168.3.0/26`. */
  block: string;
  /** tunl0 address (first address of the block). */
  tunnelIp: string;
  workloads: SynthWorkload[];
  felixPid: number;
  confdPid: number;
  /** How this node's data reaches the ticket: its own `calicoctl node diags` tarball, or a `calicoctl cluster diags` archive. */
  format: 'node-diags' | 'cluster-diags';
  /** Name of its calico-node pod (`calico-node-x7k2p`). */
  calicoPod: string;
}

export interface SynthService {
  ns: string;
  name: string;
  port: number;
  clusterIp: string;
  svcChain: string;
  endpoints: { sepChain: string; ip: string; port: number }[];
}

/** Faults sprinkled in so the analyzer's rules have something to find. Indexes into `nodes`. */
export interface SynthFaults {
  /** BGP session between the two stuck in `start`; the initiator (greater IP) shows SYN_SENT to :179. */
  bgpStuck?: { initiator: number; passive: number };
  /** `on` lacks the route to `missingBlockOf`'s block although their session is up. */
  routeMissing?: { on: number; missingBlockOf: number };
  /** This node's `cali-nat-outgoing` chain is empty (pool natOutgoing disabled). */
  natOutgoingMissing?: number;
}

export interface SynthCluster {
  seed: number;
  nodes: SynthNode[];
  services: SynthService[];
  /** Cluster-wide network policies (the same YAML for every node; each node renders those selecting its pods). */
  policies: SynthPolicy[];
  faults: SynthFaults;
  /** Time window the logs cover, in ms since the epoch (UTC). */
  startMs: number;
  endMs: number;
}

const NAMESPACES = ['default', 'kube-system', 'payments', 'checkout', 'monitoring', 'ingress-nginx', 'logging', 'search'];
const APPS = ['nginx', 'api', 'frontend', 'cart', 'redis', 'postgres', 'worker', 'prometheus', 'fluentd', 'coredns', 'gateway', 'auth'];

export const MAX_NODES = 240;

/** BIRD protocol name for a mesh peer: `Mesh_10_0_0_12`. */
export function meshName(ip: string): string {
  return 'Mesh_' + ip.replace(/\./g, '_');
}

/**
 * When the BGP session between two nodes came up (µs since the epoch), the same instant on both
 * ends: both BIRDs log `State changed to up` for it within a second, as on a cluster whose clocks agree.
 */
export function pairUpUs(c: SynthCluster, a: number, b: number): number {
  return c.startMs * 1000 + 5_000_000 + SyntheticRng.derive(c.seed, 0xb6, Math.min(a, b), Math.max(a, b)).int(0, 20_000_000);
}

/** BIRD/confd compare peer IPs as strings: the greater string initiates, the other is passive. */
export function initiates(self: SynthNode, peer: SynthNode): boolean {
  return self.ip > peer.ip;
}

/** Deterministic source port of the BGP connection between two nodes. */
export function pairPort(seed: number, a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return SyntheticRng.derive(seed, 0x179, lo, hi).int(32768, 60999);
}

/**
 * Lays out the whole synthetic cluster from a seed: nodes, their pods, the kube-proxy
 * services (same on every node) and where the faults go.
 */
export function planCluster(seed: number, nodeCount: number, servicesCount: number, extra: { clusterDiagsNodes?: number; policyRules?: number; maxPods?: number } = {}): SynthCluster {
  const clusterDiagsNodes = extra.clusterDiagsNodes ?? 0;
  if (nodeCount < 1 || nodeCount + clusterDiagsNodes > MAX_NODES) throw new Error(`nodes must be 1..${MAX_NODES}`);
  const nodes: SynthNode[] = [];
  // Nodes the faults below touch: CoreDNS runs elsewhere, so the broken routes do not also break DNS
  // (the analyzer would rightly report that too, as a further finding).
  const faultNodes = new Set(nodeCount >= 2 ? [0, 1, ...(nodeCount >= 3 ? [nodeCount - 1, nodeCount >= 4 ? nodeCount - 2 : 0] : [])] : []);
  for (let i = 0; i < nodeCount + clusterDiagsNodes; i++) {
    const rng = SyntheticRng.derive(seed, 1, i);
    const hostname = `bench-node-${String(i + 1).padStart(2, '0')}`;
    const workloads: SynthWorkload[] = [];
    const n = Math.min(rng.int(24, 48), extra.maxPods ?? Infinity);
    for (let k = 0; k < n; k++) {
      const picked = rng.pick(APPS);
      const app = picked === 'coredns' && faultNodes.has(i) ? 'nginx' : picked;
      workloads.push({
        app,
        ns: rng.pick(NAMESPACES),
        pod: `${app}-${rng.chars(10, 'bcdfghjklmnpqrstvwxz2456789')}-${rng.chars(5, 'bcdfghjklmnpqrstvwxz2456789')}`,
        iface: 'cali' + rng.hex(11),
        ip: `192.168.${i}.${k + 2}`,
        containerId: rng.hex(64),
      });
    }
    nodes.push({
      index: i,
      hostname,
      ip: `10.0.0.${10 + i}`,
      block: `192.168.${i}.0/26`,
      tunnelIp: `192.168.${i}.0`,
      workloads,
      felixPid: rng.int(40, 120),
      confdPid: rng.int(40, 120),
      format: i < nodeCount ? 'node-diags' : 'cluster-diags',
      calicoPod: 'calico-node-' + rng.chars(5, 'bcdfghjklmnpqrstvwxz2456789'),
    });
  }

  const srng = SyntheticRng.derive(seed, 2);
  const services: SynthService[] = [];
  const allPods = nodes.flatMap((n) => n.workloads);
  for (let s = 0; s < servicesCount; s++) {
    const eps = srng.int(1, 4);
    const endpoints = [];
    for (let e = 0; e < eps; e++) {
      const w = allPods[srng.int(0, allPods.length - 1)] as SynthWorkload;
      endpoints.push({ sepChain: 'KUBE-SEP-' + srng.chars(16, BASE32), ip: w.ip, port: srng.pick([8080, 8443, 9090, 3000, 5432, 6379]) });
    }
    endpoints.sort((a, b) => (a.sepChain < b.sepChain ? -1 : 1));
    services.push({
      ns: srng.pick(NAMESPACES),
      name: `${srng.pick(APPS)}-${s}`,
      port: srng.pick([80, 443, 8080, 9090, 53, 5432]),
      clusterIp: `10.96.${(s >> 8) & 255}.${s & 255}`,
      svcChain: 'KUBE-SVC-' + srng.chars(16, BASE32),
      endpoints,
    });
  }
  services.sort((a, b) => (a.svcChain < b.svcChain ? -1 : 1));

  const namespaces = [...new Set(allPods.map((w) => w.ns))].sort();
  const appsByNs = new Map(namespaces.map((ns) => [ns, [...new Set(allPods.filter((w) => w.ns === ns).map((w) => w.app))].sort()]));
  const policies = planPolicies(seed, namespaces, appsByNs, extra.policyRules ?? 200);

  const faults: SynthFaults = {};
  if (nodeCount >= 2) {
    const [a, b] = [nodes[0] as SynthNode, nodes[1] as SynthNode];
    faults.bgpStuck = initiates(a, b) ? { initiator: 0, passive: 1 } : { initiator: 1, passive: 0 };
  }
  if (nodeCount >= 3) faults.routeMissing = { on: nodeCount - 1, missingBlockOf: nodeCount >= 4 ? nodeCount - 2 : 0 };
  faults.natOutgoingMissing = Math.floor(nodeCount / 2);

  // A fixed day, shifted by the seed so different seeds do not share timestamps.
  const endMs = Date.UTC(2024, 2, 15, 6, 0, 0) + (seed % 1000) * 60_000;
  return { seed, nodes, services, policies, faults, startMs: endMs - 6 * 3600_000, endMs };
}
