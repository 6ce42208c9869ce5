/**
 * Whether the cluster runs BGP at all. With `CALICO_NETWORKING_BACKEND=vxlan` (or `none`) calico-node
 * starts neither BIRD nor confd, and every pool is VXLAN (or IPIP whose routes Felix programs, v3.31
 * `programClusterRoutes`): the BGP rules then have nothing to check, which is a pass, not a gap to
 * collect more for (catalogue A11: a missing BIRD is expected there).
 */
import type { Derived } from '../model/derived.js';
import type { ClusterModel } from '../model/node.js';

/** Every enabled pool is one whose routes need no BIRD (VXLAN, or IPIP with Felix programming the routes). */
export function noPoolNeedsBird(derived: Derived): boolean {
  const pools = derived.encap.pools;
  const felixProgramsIpip = /^Enabled/.test(derived.encap.felixConfig['programClusterRoutes']?.value ?? '');
  return pools.length > 0 && pools.every((p) => (p.vxlanMode !== 'Never' && p.ipipMode === 'Never') || (p.ipipMode !== 'Never' && felixProgramsIpip));
}

/**
 * The reason the BGP rules pass when BGP is not in use: no pool needs BIRD, BIRD runs on no node
 * (each decided: no LISTEN on 179 and no bird log, or node status saying so) and no BGPPeer exists.
 * Undefined when BGP is or may be in use.
 */
export function bgpNotInUse(cluster: ClusterModel, derived: Derived): string | undefined {
  if (cluster.nodes.length === 0 || cluster.resources.bgpPeers.length > 0 || !noPoolNeedsBird(derived)) return undefined;
  const states = cluster.nodes.map((n) => derived.encap.nodes.find((e) => e.node === n.name)?.birdRunning);
  if (!states.every((s) => s === false)) return undefined;
  return `not applicable: BGP is not in use (every enabled IPPool is ${derived.encap.pools.every((p) => p.vxlanMode !== 'Never') ? 'VXLAN' : 'routed by Felix'}, no BGPPeer, and BIRD runs on none of the ${cluster.nodes.length} nodes: CALICO_NETWORKING_BACKEND=vxlan)`;
}
