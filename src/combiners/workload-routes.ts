/**
 * T3 workload routes: pod IP ↔ `cali*` interface ↔ node, from the routes Felix programs for
 * local workloads (`10.233.104.65 dev cali3c73a6b29ba scope link`, `/128` for IPv6), and the
 * borrowed addresses among them: a pod IP on node B that lies in a block whose `blackhole`
 * is on another node C (IPAM borrowing, catalogue C1 (a)). Every node other than B needs a
 * `/32` (`/128`) route to B for it, or its traffic follows the block route to C, where the
 * blackhole swallows it.
 */
import type { BlockOwnership, BorrowedAddress, WorkloadRoute } from '../model/derived.js';
import type { NodeModel } from '../model/node.js';
import type { Route } from '../model/facts.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { ipInCidr } from './cidr.js';

/** `a.b.c.d` masked to `len` bits, as `w.x.y.z/len` (undefined if not a dotted quad). */
function network4(ip: string, len: number): string | undefined {
  const p = ip.split('.');
  if (p.length !== 4) return undefined;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!Number.isInteger(v) || v < 0 || v > 255 || x.length === 0) return undefined;
    n = n * 256 + v;
  }
  const mask = len === 0 ? 0 : 2 ** 32 - 2 ** (32 - len);
  const m = (n - (n % 2 ** (32 - len))) & mask;
  const u = m >>> 0;
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}/${len}`;
}

/** A local workload route: `<pod ip>/32` (or `/128`) `dev cali…`, main table, no next hop. */
export function isWorkloadRoute(r: Route): boolean {
  if (r.type !== 'unicast' || r.via !== undefined || (r.nexthops?.length ?? 0) > 0) return false;
  if (r.table !== undefined && r.table !== 'main') return false;
  if (!(r.dev ?? '').startsWith('cali')) return false;
  return r.dst.endsWith('/32') || r.dst.endsWith('/128');
}

/** Every local workload route of every node, sorted by node then IP. */
export function workloadRoutes(nodes: NodeModel[]): WorkloadRoute[] {
  const out: WorkloadRoute[] = [];
  for (const n of nodes) {
    for (const [routes, id] of [[n.routes4, 'ipv4_route'], [n.routes6, 'ipv6_route']] as const) {
      const file = artifactFile(n, id);
      for (const r of routes) {
        if (!isWorkloadRoute(r)) continue;
        out.push({ node: n.name, ip: r.dst.slice(0, r.dst.lastIndexOf('/')), dst: r.dst, iface: r.dev!, evidence: lineEvidence(n, file, r) });
      }
    }
  }
  return out;
}

/** The route a node uses for exactly `dst` (main table), preferring a forwarding route. */
function exactRoute(node: NodeModel, dst: string): Route | undefined {
  const routes = dst.includes(':') ? node.routes6 : node.routes4;
  let found: Route | undefined;
  for (const r of routes) {
    if (r.dst !== dst || (r.table !== undefined && r.table !== 'main')) continue;
    if (found === undefined || (found.type !== 'unicast' && r.type === 'unicast')) found = r;
  }
  return found;
}

/**
 * Borrowed addresses: workload IPs in a block owned (blackhole, not inferred) by other nodes only,
 * with the host route every other node has for them.
 */
export function borrowedAddresses(nodes: NodeModel[], workloads: WorkloadRoute[], blocks: BlockOwnership[]): BorrowedAddress[] {
  const owned = blocks.filter((b) => b.proto !== 'inferred' && b.owners.length > 0);
  // IPv4 blocks by network, per prefix length: one lookup per length instead of a scan of every block.
  const byNet = new Map<string, BlockOwnership>();
  const lens = new Set<number>();
  for (const b of owned) {
    if (b.block.includes(':')) continue;
    byNet.set(b.block, b);
    lens.add(Number(b.block.slice(b.block.indexOf('/') + 1)));
  }
  const v6 = owned.filter((b) => b.block.includes(':'));
  const blockOf = (ip: string): BlockOwnership | undefined => {
    if (ip.includes(':')) return v6.find((b) => ipInCidr(ip, b.block));
    for (const len of lens) {
      const net = network4(ip, len);
      const b = net !== undefined ? byNet.get(net) : undefined;
      if (b !== undefined) return b;
    }
    return undefined;
  };
  const out: BorrowedAddress[] = [];
  for (const w of workloads) {
    const block = blockOf(w.ip);
    if (block === undefined || block.owners.includes(w.node)) continue;
    const others = nodes.filter((n) => n.name !== w.node).map((n) => {
      const v6 = w.dst.includes(':');
      const collected = n.artifacts[v6 ? 'ipv6_route' : 'ipv4_route'].status === 'ok';
      const r = collected ? exactRoute(n, w.dst) : undefined;
      return {
        node: n.name,
        collected,
        route: r,
        evidence: r !== undefined ? lineEvidence(n, artifactFile(n, v6 ? 'ipv6_route' : 'ipv4_route'), r) : undefined,
      };
    });
    out.push({
      workload: w,
      block: block.block,
      owners: block.owners,
      ownerEvidence: block.evidence,
      hostRoutes: others.map((o) => ({ node: o.node, collected: o.collected, ok: o.route !== undefined && o.route.type === 'unicast', evidence: o.evidence })),
    });
  }
  return out;
}
