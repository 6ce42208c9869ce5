/**
 * Node-specific BGP peers as confd renders them for the lab's route-reflector topology: one BGPPeer
 * `peer-with-route-reflectors` (nodeSelector `all()`, peerSelector `route-reflector == 'true'`). confd
 * gives every node a `Node_<ip>` protocol to each reflector and, by the reverse peering it adds for
 * symmetry (client.go updatePeersV1), every reflector one to each other node. A reflector marks a peer
 * that is not in its own cluster as `rr client` (bird.cfg.template: same AS, this node has a cluster ID,
 * the peer's differs), so clients peer only with reflectors and reflectors with everyone.
 */
import { calicoIp, nodeAs, type NodeSpec, type Scenario } from './scenario.js';

export const RR_PEER_NAME = 'peer-with-route-reflectors';

export function nodeSpecificPeers(s: Scenario, node: NodeSpec): string[] {
  if (!s.rrPeering) return ['# No node-specific peers configured.'];
  const me = calicoIp(node);
  const live = s.nodes.filter((o) => o !== node);
  const peers = node.routeReflector !== undefined ? live : live.filter((o) => o.routeReflector !== undefined);
  const out: string[] = [];
  for (const p of peers) {
    const ip = calicoIp(p);
    out.push('', `# For peer /host/${node.hostname}/peer_v4/${ip}`);
    out.push(`protocol bgp Node_${ip.split('.').join('_')} from bgp_template {`);
    out.push(`  neighbor ${ip} as ${nodeAs(s, p)};`);
    out.push(`  source address ${me};  # The local address we use for the TCP connection`);
    if (node.routeReflector !== undefined && nodeAs(s, p) === nodeAs(s, node) && p.routeReflector !== node.routeReflector) {
      out.push('  rr client;', `  rr cluster id ${node.routeReflector};`);
    }
    // Lab deviation (Calico renders no `passive` for node-specific peers): with vanilla BIRD 1.6.8 two
    // nodes that both connect keep taking the second connection for a graceful restart of the first
    // (the session goes up -> start every few seconds, no error logged), so the lab keeps these
    // sessions one-way like the mesh: the greater IP string connects.
    if (ip > me) out.push('  passive on; # Peering is unidirectional in the lab, peer will connect to us.');
    out.push('}');
  }
  return out.length > 0 ? out : ['# No node-specific peers configured.'];
}

/** The BGPPeer resource the topology comes from (calicoctl get bgppeer -o yaml item). */
export function rrPeerResource(): Record<string, unknown> {
  return { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" };
}
