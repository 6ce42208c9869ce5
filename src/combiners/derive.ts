import type { Derived } from '../model/derived.js';
import type { ClusterModel } from '../model/node.js';
import { blockOwnership } from './block-ownership.js';
import { routeMatrix } from './route-matrix.js';
import { bgpPairs } from './bgp-pairs.js';
import { timeline } from './timeline.js';

/** Builds every cross-node table once; rules and the report read them. */
export function derive(cluster: ClusterModel): Derived {
  const blocks = blockOwnership(cluster.nodes, cluster.resources.ippools);
  return {
    blocks,
    routeMatrix: routeMatrix(cluster.nodes, blocks),
    bgp: bgpPairs(cluster.nodes),
    timeline: timeline(cluster.nodes),
  };
}
