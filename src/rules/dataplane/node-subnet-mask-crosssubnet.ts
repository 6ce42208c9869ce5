/**
 * Catalogue B3 / T1(d) + T3: with a CrossSubnet pool, "same subnet" is decided from the prefix in the
 * Node resource's `spec.bgp.ipv4Address`, not from the interface. A Node prefix wider than the real
 * one makes a routed peer look local, so traffic to it leaves unencapsulated via the NIC and the
 * router/fabric in between drops it. Decided per ordered pair: the peer inside the Node network but
 * outside the interface network.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { EncapPool, NodeEncap } from '../../model/derived.js';
import type { ClusterModel, NodeModel } from '../../model/node.js';
import { networkOf } from '../../combiners/cidr.js';
import { nodeResourceFor } from '../../combiners/node-identity.js';
import { restartCalicoNode } from '../fix-steps.js';
import { autodetectCidrs, encapsulateAlways, patchPool, underlayNic } from './fix-steps-dataplane.js';

/** The real networks (interface prefixes) of every node whose interface address is known. */
function realNetworks(nodes: NodeEncap[]): string[] {
  const nets = new Set<string>();
  for (const n of nodes) {
    if (n.realCidr === undefined) continue;
    const [ip, len] = n.realCidr.split('/');
    const net = networkOf(ip!, Number(len));
    if (net !== undefined) nets.add(net);
  }
  return [...nets].sort();
}

/** Steps for one sender: correct its Node address, keep calico-node from writing it back, or encapsulate always; verify on its routes. */
function fixSteps(cluster: ClusterModel, a: NodeEncap, node: NodeModel | undefined, cross: EncapPool[], nets: string[], peerBlocks: string[]): string[] {
  const from = a.node;
  const resName = (node !== undefined ? nodeResourceFor(cluster, node)?.name : undefined) ?? node?.hostname ?? from;
  const nic = underlayNic(node);
  const steps: string[] = [];
  steps.push(a.realCidr !== undefined
    ? `Correct ${from}'s Node address to its interface prefix: \`calicoctl patch node ${resName} -p '{"spec":{"bgp":{"ipv4Address":"${a.realCidr}"}}}'\` (it is ${a.nodeAddress ?? 'wider'} now).`
    : `Correct ${from}'s Node address (${a.nodeAddress ?? 'with a wider prefix'}) to the prefix of ${a.nodeIP ?? 'its node IP'} on ${nic ?? 'its underlay NIC'} (not in the bundle: \`ip -4 addr show${nic !== undefined ? ` dev ${nic}` : ''}\` on ${from} shows it) with \`calicoctl patch node ${resName}\` on \`spec.bgp.ipv4Address\`.`);
  steps.push(
    `Keep calico-node from writing the wider prefix back at its next start: if its \`IP\` variable holds an address with a prefix${a.nodeAddress !== undefined ? ` (\`IP=${a.nodeAddress}\`)` : ''}, let autodetection read the interface instead` +
      (nets.length > 0 ? `, limited to the nodes' real subnets: ${autodetectCidrs(nets)}` : ` (\`IP=autodetect\` with \`IP_AUTODETECTION_METHOD=interface=${nic ?? 'eth0'}\`)`) +
      `. Then restart calico-node on ${from}: ${restartCalicoNode([from])}.`,
  );
  const pool = cross[0];
  if (pool !== undefined) steps.push(`Or, if the subnet boundaries are not reliable, encapsulate between all nodes: ${cross.map((p) => patchPool(p.name, encapsulateAlways(p))).join(', ')}.`);
  const dev = pool !== undefined && pool.vxlanMode === 'CrossSubnet' ? 'vxlan.calico' : 'tunl0';
  steps.push(peerBlocks.length > 0
    ? `Check afterwards on ${from}: ${peerBlocks.slice(0, 3).map((b) => `\`ip route show ${b}\``).join(', ')} must go via ${dev}, not ${nic ?? 'the NIC'}.`
    : `Check afterwards on ${from}: its routes to the pod blocks of the peers in other subnets (\`ip route show dev ${dev}\`) must go via ${dev}.`);
  return steps;
}

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
  check({ cluster, derived }) {
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
      const peerBlocks: string[] = [];
      for (const cell of row) {
        if (!tos.includes(cell.to)) continue;
        for (const b of cell.blocks) {
          peerBlocks.push(b.block);
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
        fix: fixSteps(cluster, a, cluster.nodes.find((n) => n.name === from), cross, realNetworks(t.nodes), peerBlocks),
      });
    }
    return { status: 'found', findings };
  },
};
