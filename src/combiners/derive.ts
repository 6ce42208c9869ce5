import type { Derived } from '../model/derived.js';
import type { ClusterModel } from '../model/node.js';
import { blockOwnership } from './block-ownership.js';
import { routeMatrix } from './route-matrix.js';
import { bgpPairs } from './bgp-pairs.js';
import { timeline } from './timeline.js';
import { borrowedAddresses, workloadRoutes } from './workload-routes.js';
import { mtuTable } from './mtu-table.js';
import { applySnapshotDeltas, policyDrops, snapshots as findSnapshots } from './policy-drops.js';
import type { PolicyTable, Snapshot } from '../model/derived.js';
import { clockOffsets } from './clock-offsets.js';
import { encapsulation } from './encapsulation.js';
import type { Timings } from '../timings.js';

/**
 * Builds every cross-node table once; rules and the report read them. A table that fails on data
 * nobody foresaw is replaced by an empty one and named in `problems`, so one bad bundle cannot take
 * the whole analysis down (rules depending on it then skip or pass on what is left).
 */
/**
 * The cluster the cross-node tables and the rules look at: each host once. A bundle that is an earlier
 * snapshot of a host also given later (same hostname, node IP and addresses, an earlier date) is moved
 * to `snapshots`: its counters feed the deltas of the later one, it is not a second node.
 */
export function withoutEarlierSnapshots(cluster: ClusterModel, snaps: readonly Snapshot[]): ClusterModel {
  const earlier = new Set(snaps.map((s) => s.earlier));
  if (earlier.size === 0) return cluster;
  return {
    ...cluster,
    nodes: cluster.nodes.filter((n) => !earlier.has(n.name)),
    snapshots: [...(cluster.snapshots ?? []), ...cluster.nodes.filter((n) => earlier.has(n.name))],
  };
}

/** `timings` (`analyze --timings`): each table's build time. */
export function derive(all: ClusterModel, timings?: Timings): Derived {
  const problems: string[] = [];
  const guard = <T>(name: string, build: () => T, empty: T): T => {
    try {
      return timings === undefined ? build() : timings.part(name, build);
    } catch (err) {
      problems.push(`could not build the ${name}: ${(err as Error)?.message ?? String(err)}`);
      return empty;
    }
  };
  const snapshots = guard('snapshot table', () => findSnapshots(all.nodes), []);
  const cluster = withoutEarlierSnapshots(all, snapshots);
  const blocks = guard('block ownership table', () => blockOwnership(cluster.nodes, cluster.resources.ippools), []);
  const workloads = guard('workload route table', () => workloadRoutes(cluster.nodes), []);
  const emptyPolicy: PolicyTable = { nodesWithTables: [], policiesExported: false, policies: [], endpoints: [], drops: [], chains: [], truncated: [] };
  const policy = guard('policy drop table', () => policyDrops(cluster.nodes, cluster.resources, cluster.attachments), emptyPolicy);
  guard('snapshot counter deltas', () => applySnapshotDeltas(policy, snapshots), undefined);
  const clock = guard('clock offsets', () => clockOffsets(cluster.nodes), { offsets: [], pairsCompared: 0 });
  const matrix = guard('route matrix', () => routeMatrix(cluster.nodes, blocks), { nodes: [], rows: [] });
  return {
    blocks,
    workloads,
    borrowed: guard('borrowed address table', () => borrowedAddresses(cluster.nodes, workloads, blocks), []),
    mtu: guard('MTU table', () => mtuTable(cluster.nodes, cluster.resources.ippools), { rows: [], pathNodes: [] }),
    routeMatrix: matrix,
    bgp: guard('BGP pair matrix', () => bgpPairs(cluster.nodes), { pairs: [], unknownPeers: [] }),
    timeline: guard('timeline', () => timeline(cluster.nodes, undefined, clock), { events: [], dropped: 0 }),
    clock,
    policy,
    snapshots,
    encap: guard('encapsulation table', () => encapsulation(cluster, blocks, matrix), { pools: [], nodes: [], pairs: [], prefixesCompared: 0, vxlanPort: 4789, felixConfig: {} }),
    problems,
  };
}
