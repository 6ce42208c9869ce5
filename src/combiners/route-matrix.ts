/**
 * T3 route matrix: for every node A and every block owned by another node B, the route
 * A has to that block (exact destination, main table): via tunl0 (IPIP, `proto bird ... onlink`),
 * via vxlan.calico (VXLAN, Felix `proto 80`), via the NIC (no encapsulation), or none.
 */
import type { BlockOwnership, RouteCell, RouteMatrix, RouteToBlock } from '../model/derived.js';
import type { NodeModel } from '../model/node.js';
import type { Route } from '../model/facts.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { cidrInside } from './cidr.js';

export function routeKind(r: Route): RouteToBlock['kind'] {
  if (r.type === 'blackhole' || r.type === 'unreachable' || r.type === 'prohibit') return 'blackhole';
  const dev = r.dev ?? r.nexthops?.[0]?.dev;
  if (dev === 'tunl0') return 'ipip';
  if (dev === 'vxlan.calico' || dev === 'vxlan-v6.calico') return 'vxlan';
  if (r.via !== undefined || (r.nexthops?.length ?? 0) > 0) return 'direct';
  return 'other';
}

function prefixOf(cidr: string): number {
  const i = cidr.indexOf('/');
  return i === -1 ? -1 : Number(cidr.slice(i + 1));
}

/**
 * The route a node has for a block: the exact block route (a forwarding one over a blackhole);
 * else the longest BGP/Felix-learned aggregate that covers it (a ToR advertising the pool,
 * route aggregation), never the default route.
 */
function findRoute(node: NodeModel, block: string): Route | undefined {
  const routes = block.includes(':') ? node.routes6 : node.routes4;
  let found: Route | undefined;
  for (const r of routes) {
    if (r.dst !== block) continue;
    if (r.table !== undefined && r.table !== 'main') continue;
    // Prefer a forwarding route over a blackhole if both exist.
    if (found === undefined || (found.type !== 'unicast' && r.type === 'unicast')) found = r;
  }
  if (found !== undefined) return found;
  const blockLen = prefixOf(block);
  let best: Route | undefined;
  for (const r of routes) {
    if (r.type !== 'unicast' || (r.proto !== 'bird' && r.proto !== '80')) continue;
    if (r.table !== undefined && r.table !== 'main') continue;
    const len = prefixOf(r.dst);
    if (len <= 0 || len >= blockLen || !cidrInside(block, r.dst)) continue;
    if (best === undefined || len > prefixOf(best.dst)) best = r;
  }
  return best;
}

function routesCollected(node: NodeModel, v6: boolean): boolean {
  return node.artifacts[v6 ? 'ipv6_route' : 'ipv4_route'].status === 'ok';
}

export function routeMatrix(nodes: NodeModel[], blocks: BlockOwnership[]): RouteMatrix {
  const names = nodes.map((n) => n.name);
  const rows: RouteCell[][] = nodes.map((a) =>
    nodes.map((b): RouteCell => {
      if (a.name === b.name) return { from: a.name, to: b.name, status: 'self', blocks: [] };
      // Blocks owned only by b (a block claimed by both is a conflict, reported elsewhere).
      const owned = blocks.filter((x) => x.owners.includes(b.name) && !x.owners.includes(a.name));
      if (owned.length === 0) return { from: a.name, to: b.name, status: 'no-block', blocks: [] };
      const cells: RouteToBlock[] = [];
      let missing = false;
      let unknown = false;
      for (const x of owned) {
        const v6 = x.block.includes(':');
        if (!routesCollected(a, v6)) {
          unknown = true;
          cells.push({ block: x.block });
          continue;
        }
        const r = findRoute(a, x.block);
        if (r === undefined || r.type !== 'unicast') {
          missing = true;
          cells.push(r === undefined ? { block: x.block } : {
            block: x.block,
            route: { dst: r.dst, via: r.via, dev: r.dev, proto: r.proto, onlink: r.onlink, type: r.type },
            evidence: lineEvidence(a, artifactFile(a, v6 ? 'ipv6_route' : 'ipv4_route'), r),
            kind: routeKind(r),
          });
          continue;
        }
        cells.push({
          block: x.block,
          route: { dst: r.dst, via: r.via ?? r.nexthops?.[0]?.via, dev: r.dev ?? r.nexthops?.[0]?.dev, proto: r.proto, onlink: r.onlink, type: r.type },
          evidence: lineEvidence(a, artifactFile(a, v6 ? 'ipv6_route' : 'ipv4_route'), r),
          kind: routeKind(r),
        });
      }
      const status = missing ? 'missing' : unknown ? 'unknown' : 'ok';
      return { from: a.name, to: b.name, status, blocks: cells };
    }),
  );
  return { nodes: names, rows };
}
