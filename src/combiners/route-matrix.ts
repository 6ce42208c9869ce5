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

/** One node's routes of one family, indexed for `findRoute`. */
interface RouteIndex {
  /** Exact destination → the route `findRoute` takes for it (main table; a forwarding one over a blackhole). */
  exact: Map<string, Route>;
  /** BGP/Felix-learned unicast routes of the main table, longest prefix first (route order within a length). */
  aggregates: { route: Route; len: number }[];
}

function indexRoutes(routes: readonly Route[]): RouteIndex {
  const exact = new Map<string, Route>();
  const aggregates: { route: Route; len: number }[] = [];
  for (const r of routes) {
    if (r.table !== undefined && r.table !== 'main') continue;
    const found = exact.get(r.dst);
    // Prefer a forwarding route over a blackhole if both exist.
    if (found === undefined || (found.type !== 'unicast' && r.type === 'unicast')) exact.set(r.dst, r);
    if (r.type !== 'unicast' || (r.proto !== 'bird' && r.proto !== '80')) continue;
    const len = prefixOf(r.dst);
    if (len > 0) aggregates.push({ route: r, len });
  }
  // Stable: among routes of one length, the first in the table stays first.
  aggregates.sort((a, b) => b.len - a.len);
  return { exact, aggregates };
}

/**
 * The route a node has for a block: the exact block route (a forwarding one over a blackhole);
 * else the longest BGP/Felix-learned aggregate that covers it (a ToR advertising the pool,
 * route aggregation), never the default route.
 */
function findRoute(index: RouteIndex, block: string): Route | undefined {
  const found = index.exact.get(block);
  if (found !== undefined) return found;
  const blockLen = prefixOf(block);
  for (const { route, len } of index.aggregates) {
    if (len >= blockLen) continue;
    if (cidrInside(block, route.dst)) return route;
  }
  return undefined;
}

function routesCollected(node: NodeModel, v6: boolean): boolean {
  return node.artifacts[v6 ? 'ipv6_route' : 'ipv4_route'].status === 'ok';
}

/**
 * Every pair of nodes: nodes² cells, each looking up only the blocks of its column node, each block
 * by one map lookup in the row node's routes (a scan of its aggregates only when there is no exact route).
 */
export function routeMatrix(nodes: NodeModel[], blocks: BlockOwnership[]): RouteMatrix {
  const names = nodes.map((n) => n.name);
  const blocksOf = new Map<string, BlockOwnership[]>();
  for (const x of blocks) {
    for (const owner of new Set(x.owners)) {
      const list = blocksOf.get(owner);
      if (list === undefined) blocksOf.set(owner, [x]);
      else list.push(x);
    }
  }
  const rows: RouteCell[][] = nodes.map((a) => {
    let index4: RouteIndex | undefined;
    let index6: RouteIndex | undefined;
    const indexOf = (v6: boolean): RouteIndex => (v6 ? (index6 ??= indexRoutes(a.routes6)) : (index4 ??= indexRoutes(a.routes4)));
    return nodes.map((b): RouteCell => {
      if (a.name === b.name) return { from: a.name, to: b.name, status: 'self', blocks: [] };
      // Blocks owned only by b (a block claimed by both is a conflict, reported elsewhere).
      const owned = (blocksOf.get(b.name) ?? []).filter((x) => !x.owners.includes(a.name));
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
        const r = findRoute(indexOf(v6), x.block);
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
    });
  });
  return { nodes: names, rows };
}
