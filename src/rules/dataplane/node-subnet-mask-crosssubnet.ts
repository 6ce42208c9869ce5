/**
 * Catalogue B3 / T1(d) + T3: with a CrossSubnet pool, "same subnet" is decided from the prefix in the
 * Node resource's `spec.bgp.ipv4Address`, not from the interface. A Node prefix wider than the real
 * one makes a routed peer look local, so traffic to it leaves unencapsulated via the NIC and the
 * router/fabric in between drops it. Decided per ordered pair: the peer inside the Node network but
 * outside the interface network.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeEncap } from '../../model/derived.js';

export const nodeSubnetMaskCrosssubnet: Rule = {
  meta: {
    id: 'node-subnet-mask-crosssubnet',
    severity: 'critical',
    summary: 'With CrossSubnet encapsulation, a Node resource\'s address prefix is wider than the node\'s real subnet, so peers in other subnets get unencapsulated traffic that the network in between drops.',
    rationale:
      'CrossSubnet encapsulates only between nodes in different subnets, and Calico decides "same subnet" from the prefix stored in `Node.spec.bgp.ipv4Address` (BIRD: `if defined(bgp_next_hop) && ( bgp_next_hop ~ <this node\'s network> ) then krt_tunnel = "";`; Felix likewise for VXLAN). When that prefix is wider than the real L2 segment (`ipv4Address: 10.1.2.3/16` on a NIC that is really /24), routed peers look local: pod packets are sent unencapsulated via the NIC to an address the router has no route for, and are dropped — often in one direction only, when the two ends have different prefixes.',
    remediation: [
      'Correct the Node prefix to the real subnet: set `IP` with the right CIDR (`IP=10.1.2.3/24`) or use the autodetection method `cidr=`/`interface=` so calico-node writes the interface\'s own prefix; restart calico-node on the node.',
      'Or use `ipipMode`/`vxlanMode: Always` (encapsulate between all nodes) if subnet boundaries are not reliable.',
      'Check afterwards on each node: `ip route | grep <peer block>` goes via the tunnel for peers in other subnets.',
    ],
    explains: ['block-route-missing', 'cloud-fabric-drops-unencapsulated'],
    collect: [{ command: 'calicoctl get nodes -o yaml', why: 'spec.bgp.ipv4Address with its prefix decides which peers CrossSubnet treats as local' }],
  },
  check({ derived }) {
    const t = derived.encap;
    const cross = t.pools.filter((p) => p.ipipMode === 'CrossSubnet' || p.vxlanMode === 'CrossSubnet');
    if (t.pools.length > 0 && cross.length === 0) return { status: 'passed', reason: `no IPPool uses CrossSubnet (${t.pools.map((p) => `${p.name}: ipipMode ${p.ipipMode}, vxlanMode ${p.vxlanMode}`).join('; ')}), so the Node prefix does not decide encapsulation` };
    if (t.pools.length === 0) return { status: 'skipped', reason: 'no IPPool resources were given, so whether CrossSubnet is in use is unknown', collect: [{ command: 'calicoctl get ippool -o yaml', why: 'ipipMode/vxlanMode CrossSubnet makes the Node prefix decide encapsulation' }] };
    const byNode = new Map(t.nodes.map((n) => [n.node, n]));
    if (t.prefixesCompared === 0) return { status: 'skipped', reason: 'CrossSubnet is in use, but no node has both a Node resource address with prefix and that address on an interface in ipv4_addr', collect: nodeSubnetMaskCrosssubnet.meta.collect };
    const wrong = t.pairs.filter((p) => p.sameByNodeResource === true && p.sameByInterface === false);
    if (wrong.length === 0) return { status: 'passed', reason: `${t.prefixesCompared} nodes compared: no Node prefix makes a peer in another subnet look local to CrossSubnet (${t.pairs.length} pairs of nodes whose Node prefix differs from the interface checked)` };
    const findings: FindingDraft[] = [];
    const bySender = new Map<string, string[]>();
    for (const p of wrong) bySender.set(p.from, [...(bySender.get(p.from) ?? []), p.to]);
    for (const [from, tos] of [...bySender].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const a = byNode.get(from) as NodeEncap;
      const evidence: Evidence[] = [];
      if (a.nodeAddressEvidence !== undefined) evidence.push(a.nodeAddressEvidence);
      if (a.realEvidence !== undefined) evidence.push(a.realEvidence);
      // The routes that leave unencapsulated towards the routed peers.
      const row = derived.routeMatrix.rows[derived.routeMatrix.nodes.indexOf(from)] ?? [];
      const direct: string[] = [];
      for (const cell of row) {
        if (!tos.includes(cell.to)) continue;
        for (const b of cell.blocks) {
          if (b.kind === 'direct' && b.evidence !== undefined) {
            evidence.push(b.evidence);
            direct.push(cell.to);
          }
        }
      }
      for (const to of tos) {
        const b = byNode.get(to)!;
        if (b.realEvidence !== undefined && evidence.length < 8) evidence.push(b.realEvidence);
      }
      const peers = tos.map((to) => `${to} (${byNode.get(to)!.nodeIP})`).join(', ');
      const realNet = a.realCidr ?? '?';
      findings.push({
        key: from,
        title: `${from}'s Node prefix ${a.nodeAddress} is wider than its interface ${realNet}: CrossSubnet treats ${tos.join(', ')} as local`,
        message:
          `IPPool ${cross.map((p) => `${p.name} (ipipMode ${p.ipipMode}, vxlanMode ${p.vxlanMode})`).join(', ')} encapsulates only between subnets, and Calico takes ${from}'s subnet from its Node resource: ipv4Address ${a.nodeAddress}. ` +
          `The interface really has ${realNet}, so ${peers} ${tos.length > 1 ? 'are' : 'is'} in another, routed subnet, yet ${from} sends ${tos.length > 1 ? 'them' : 'it'} pod traffic unencapsulated via the NIC` +
          (direct.length > 0 ? ` (its routes to ${[...new Set(direct)].join(', ')} go via the NIC, not the tunnel)` : '') +
          `. Across the subnet boundary that traffic is lost: an on-link next hop in another segment gets no ARP answer, and a router on the way has no route for pod addresses.`,
        nodes: [from, ...tos],
        evidence,
        pairs: tos.map((to) => [from, to] as [string, string]),
        remediation: [`Set ${from}'s address to its real prefix (IP=${a.realCidr ?? '<ip>/<real prefix>'} or IP_AUTODETECTION_METHOD=cidr=...), restart calico-node on ${from}, and check \`calicoctl get node ${from} -o yaml\` shows ${a.realCidr ?? 'the real prefix'}.`],
      });
    }
    return { status: 'found', findings };
  },
};
