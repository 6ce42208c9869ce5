import type { Derived } from '../model/derived.js';
import type { ClusterModel } from '../model/node.js';
import { blockOwnership } from './block-ownership.js';
import { routeMatrix } from './route-matrix.js';
import { bgpPairs } from './bgp-pairs.js';
import { timeline } from './timeline.js';
import { encapsulation } from './encapsulation.js';

/**
 * Builds every cross-node table once; rules and the report read them. A table that fails on data
 * nobody foresaw is replaced by an empty one and named in `problems`, so one bad bundle cannot take
 * the whole analysis down (rules depending on it then skip or pass on what is left).
 */
export function derive(cluster: ClusterModel): Derived {
  const problems: string[] = [];
  const guard = <T>(name: string, build: () => T, empty: T): T => {
    try {
      return build();
    } catch (err) {
      problems.push(`could not build the ${name}: ${(err as Error)?.message ?? String(err)}`);
      return empty;
    }
  };
  const blocks = guard('block ownership table', () => blockOwnership(cluster.nodes, cluster.resources.ippools), []);
  const matrix = guard('route matrix', () => routeMatrix(cluster.nodes, blocks), { nodes: [], rows: [] });
  return {
    blocks,
    routeMatrix: matrix,
    bgp: guard('BGP pair matrix', () => bgpPairs(cluster.nodes), { pairs: [], unknownPeers: [] }),
    timeline: guard('timeline', () => timeline(cluster.nodes), { events: [], dropped: 0 }),
    encap: guard('encapsulation table', () => encapsulation(cluster, blocks, matrix), { pools: [], nodes: [], pairs: [], prefixesCompared: 0, vxlanPort: 4789, felixConfig: {} }),
    problems,
  };
}
