/**
 * Catalogue C1 / T3: IPAM block ownership and the routes disagree. (b) a block with two owners
 * (`blackhole <block>` on two nodes, or an ECMP route whose next hops are two nodes): the stale
 * owner's blackhole swallows traffic to the real owner's pods; (a) borrowed addresses: a pod
 * `/32 dev cali*` on node B inside a block whose blackhole is on C≠B, without a `/32` route to B
 * on every other node, so traffic follows the block route to C and dies in C's blackhole.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { Route } from '../../model/facts.js';
import type { BlockOwnership, BorrowedAddress } from '../../model/derived.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { ipInCidr } from '../../combiners/cidr.js';
import { nodeAddresses4 } from '../../combiners/node-identity.js';
import { andList, calicoNodeExec, NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';

const AFFINITIES = 'kubectl get blockaffinities.crd.projectcalico.org -o custom-columns=NAME:.metadata.name,NODE:.spec.node,CIDR:.spec.cidr,STATE:.spec.state';

/** Two owners: see both affinities, delete the stale one, restart its calico-node, check the blackhole is gone. */
function twoOwnerSteps(nodes: NodeModel[], block: string, withPods: string[], stale: string[], owners: string[]): string[] {
  const host = (name: string): string => nodes.find((n) => n.name === name)?.hostname ?? name;
  const keep = withPods.length > 0 ? andList(withPods) : undefined;
  const realOwner = nodes.find((n) => n.name === withPods[0]);
  const steps = [
    `See both claims: \`calicoctl ipam check --show-problem-ips\` and \`${AFFINITIES} | grep ${block}\` (two rows for ${block}, one per node${keep !== undefined ? `; keep ${keep}'s, which has the block's pods` : `; keep the one of the node whose pods use the block: \`calicoctl get workloadendpoints -A -o wide\` shows where they are`}).`,
    stale.length > 0
      ? `Delete the stale BlockAffinity, the row whose NODE is ${andList(stale.map(host))}: \`kubectl delete blockaffinities.crd.projectcalico.org\` with its NAME; then restart calico-node on ${andList(stale)} so confd drops its blackhole: ${restartCalicoNode(stale)}.`
      : `Delete the BlockAffinity of the node that has no pod in ${block} (its NAME from the list above) with \`kubectl delete blockaffinities.crd.projectcalico.org\`; then restart calico-node on that node (one of ${andList(owners)}) so confd drops its blackhole.`,
    `Verify: ${stale.length > 0 ? `\`ip route show ${block}\` on ${andList(stale)} no longer shows \`blackhole\`, ` : ''}the other nodes route ${block} to ${keep ?? 'the remaining owner'}${realOwner?.nodeIP !== undefined ? ` (${realOwner.nodeIP})` : ''} only, and the IPAM check of the first step reports no problem for ${block}. If the duplicate comes back, upgrade Calico (duplicate affinities: calico#6486).`,
  ];
  return steps;
}

/** Borrowed addresses without /32 routes: find where the /32 is lost, stop the borrowing, recreate the pods, check the routes. */
function borrowedSteps(nodes: NodeModel[], borrower: string, lacking: string[], dsts: string[], ips: string[]): string[] {
  const b = nodes.find((n) => n.name === borrower);
  return [
    `Check that ${borrower} exports the /32: ${calicoNodeExec(borrower, `birdcl -s /var/run/calico/bird.ctl show route for ${dsts[0]!} all`)} ${NAMESPACE_NOTE}, and that ${andList(lacking)} learn${lacking.length > 1 ? '' : 's'} it (the same birdcl command there); with a ToR or route reflector in between, make sure it accepts /32s inside the pool CIDRs.`,
    `Stop the borrowing: give the nodes free blocks (enlarge the pool or add one; \`calicoctl ipam check\` finds leaked addresses to release) or set strict affinity: \`calicoctl ipam configure --strictaffinity=true\`.`,
    `Then recreate the pods with borrowed addresses (${andList(ips)}) so they get addresses from ${borrower}'s own blocks, and verify on ${andList(lacking)}: ${ips.slice(0, 2).map((ip) => `\`ip route get ${ip}\``).join(', ')} must lead to ${borrower}${b?.nodeIP !== undefined ? ` (${b.nodeIP})` : ''}.`,
  ];
}

/** An IP handed out twice: find the holder, release a leaked allocation, check the CNI succeeds. */
function reusedIpSteps(node: string, ips: string[]): string[] {
  const ip = ips[0];
  return [
    ip !== undefined
      ? `See which pod holds ${ip} and whether IPAM knows it: \`calicoctl get workloadendpoints -A -o wide | grep -w ${ip}\`, \`calicoctl ipam show --ip=${ip}\`, and \`ip route show ${ip}\` on ${node} (the cali interface it is routed to now).`
      : `See which addresses IPAM handed out twice: \`calicoctl ipam check --show-problem-ips\` (the CNI log line on ${node} names the route's Dst).`,
    ip !== undefined
      ? `If the holder no longer exists (a leaked allocation), release it: \`calicoctl ipam release --ip=${ip}\`; delete a stale \`ip route del ${ip}\` on ${node} if its cali interface is gone; then recreate the pod that failed.`
      : `Release the leaked allocations it lists with \`calicoctl ipam release\` (one \`--ip=\` per address), then recreate the pod that failed.`,
  ];
}

const COLLECT = [
  { command: 'calicoctl ipam check --show-problem-ips', why: 'lists blocks with conflicting affinities, leaked and borrowed IPs as IPAM records them' },
  { command: 'calicoctl get blockaffinities -o yaml', why: 'shows which node(s) hold an affinity for each block (two affinities = two owners)' },
  { command: 'calicoctl get ipamblocks -o wide', why: 'shows each block\'s affinity and allocations, to tell the real owner from a stale one' },
];

/** Node whose address is `ip` (node IP first, then any interface address). */
function nodeByAddress(nodes: NodeModel[], ip: string): NodeModel | undefined {
  return nodes.find((n) => n.nodeIP === ip) ?? nodes.find((n) => nodeAddresses4(n).some((a) => a.address === ip));
}

/**
 * ECMP routes for a block whose next hops are two or more owners: a node that has the block's
 * blackhole, or a peer without a bundle (a BGP peer or Node resource address). A next hop that is a
 * bundle node without the blackhole, or no node at all (a gateway), re-advertises a foreign route
 * (route-netlink-conflict), not a second affinity.
 */
function ecmpRoutes(nodes: NodeModel[], b: BlockOwnership, candidates: Map<string, { node: NodeModel; route: Route }[]>, outsiders: Set<string>): { node: NodeModel; route: Route; owners: string[] }[] {
  const out: { node: NodeModel; route: Route; owners: string[] }[] = [];
  for (const { node: n, route: r } of candidates.get(b.block) ?? []) {
    const owners = new Set<string>();
    for (const h of r.nexthops!) {
      if (h.via === undefined) continue;
      const node = nodeByAddress(nodes, h.via);
      if (node !== undefined ? b.owners.includes(node.name) : outsiders.has(h.via)) owners.add(node?.name ?? h.via);
    }
    if (owners.size >= 2) out.push({ node: n, route: r, owners: [...owners].sort() });
  }
  return out;
}

/** Every multi-nexthop route of the main table, by destination (scanned once, not once per block). */
function multipathRoutes(nodes: NodeModel[]): Map<string, { node: NodeModel; route: Route }[]> {
  const out = new Map<string, { node: NodeModel; route: Route }[]>();
  for (const n of nodes) {
    for (const r of [...n.routes4, ...n.routes6]) {
      if (r.type !== 'unicast' || (r.nexthops?.length ?? 0) < 2) continue;
      if (r.table !== undefined && r.table !== 'main') continue;
      out.set(r.dst, [...(out.get(r.dst) ?? []), { node: n, route: r }]);
    }
  }
  return out;
}

function twoOwnerFinding(nodes: NodeModel[], b: BlockOwnership, ecmp: { node: NodeModel; route: Route; owners: string[] }[], workloadsIn: Map<string, number>): FindingDraft {
  const owners = [...new Set([...b.owners, ...ecmp.flatMap((e) => e.owners)])].sort();
  const known = owners.filter((o) => nodes.some((n) => n.name === o));
  const withPods = owners.filter((o) => (workloadsIn.get(o) ?? 0) > 0);
  const stale = withPods.length > 0 ? b.owners.filter((o) => !withPods.includes(o)) : [];
  const evidence: Evidence[] = [...b.evidence];
  for (const e of ecmp) {
    const file = artifactFile(e.node, b.block.includes(':') ? 'ipv6_route' : 'ipv4_route');
    evidence.push(lineEvidence(e.node, file, e.route));
    // iproute2 prints each next hop on its own line right below the route.
    e.route.nexthops!.forEach((h, i) => evidence.push({ node: e.node.name, input: e.node.input, file, line: e.route.line + 1 + i, text: `\tnexthop via ${h.via ?? '?'}${h.dev !== undefined ? ` dev ${h.dev}` : ''}${h.weight !== undefined ? ` weight ${h.weight}` : ''}` }));
  }
  const ecmpText = ecmp.length > 0
    ? ` ${ecmp.map((e) => e.node.name).join(', ')} ${ecmp.length > 1 ? 'hold' : 'holds'} an ECMP route for it with next hops on ${ecmp[0]!.owners.join(' and ')}, so about half of the connections to its pods go to a node that does not have them.`
    : '';
  const podText = withPods.length > 0
    ? ` Its pods are on ${withPods.join(', ')} (${withPods.map((o) => `${workloadsIn.get(o)} workload route${workloadsIn.get(o) === 1 ? '' : 's'}`).join(', ')})` +
      (stale.length > 0 ? `; ${stale.join(', ')} ${stale.length > 1 ? 'have' : 'has'} the blackhole but no pod in it, so ${stale.join(', ')} drops all traffic to those pods locally.` : '.')
    : '';
  return {
    key: `two-owners:${b.block}`,
    title: `Block ${b.block} has two owners: ${b.owners.length >= 2 ? `blackhole routes on ${b.owners.join(' and ')}` : `ECMP next hops on ${owners.join(' and ')}`}`,
    message:
      `IPAM block ${b.block} is claimed by ${owners.join(' and ')} (duplicate block affinity): ` +
      (b.owners.length >= 2 ? `each has \`blackhole ${b.block}\` and advertises it over BGP.` : `${b.owners.join(', ')} has the blackhole and ${owners.filter((o) => !b.owners.includes(o)).join(', ')} also advertises it.`) +
      ecmpText + podText,
    nodes: known.concat(ecmp.map((e) => e.node.name)),
    evidence,
    pairs: known.flatMap((o, i) => known.slice(i + 1).map((p) => [o, p] as [string, string])).concat(ecmp.flatMap((e) => known.map((o) => [e.node.name, o] as [string, string]))),
    fix: twoOwnerSteps(nodes, b.block, withPods, stale, owners),
  };
}

function borrowedFindings(nodes: NodeModel[], borrowed: BorrowedAddress[]): FindingDraft[] {
  const groups = new Map<string, BorrowedAddress[]>();
  for (const b of borrowed) {
    if (!b.hostRoutes.some((h) => h.collected && !h.ok)) continue;
    const k = `${b.workload.node}\u0000${b.block}`;
    groups.set(k, [...(groups.get(k) ?? []), b]);
  }
  const out: FindingDraft[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const borrower = first.workload.node;
    const lacking = [...new Set(list.flatMap((b) => b.hostRoutes.filter((h) => h.collected && !h.ok).map((h) => h.node)))].sort();
    const ownersLacking = lacking.filter((n) => first.owners.includes(n));
    const ips = list.map((b) => b.workload.ip);
    const evidence: Evidence[] = [];
    evidence.push(...list.map((b) => b.workload.evidence));
    evidence.push(...first.ownerEvidence);
    for (const n of lacking) {
      const node = nodes.find((x) => x.name === n)!;
      const v6 = first.workload.dst.includes(':');
      evidence.push({ node: n, input: node.input, file: artifactFile(node, v6 ? 'ipv6_route' : 'ipv4_route'), line: 0, text: `no host route for ${ips.join(', ')} (expected \`${first.workload.dst} via ${nodes.find((x) => x.name === borrower)?.nodeIP ?? borrower} …\`)` });
    }
    out.push({
      key: `borrowed:${borrower}:${first.block}`,
      title: `${borrower} uses borrowed address${ips.length > 1 ? 'es' : ''} ${ips.join(', ')} from ${first.owners.join(', ')}'s block ${first.block}, with no host route on ${lacking.join(', ')}`,
      message:
        `${ips.join(', ')} ${ips.length > 1 ? 'are' : 'is'} routed to local pods on ${borrower} (\`dev ${list.map((b) => b.workload.iface).join(', ')}\`) but lie${ips.length > 1 ? '' : 's'} in block ${first.block}, whose blackhole is on ${first.owners.join(', ')}: IPAM lent ${ips.length > 1 ? 'them' : 'it'} to ${borrower} (borrowing, allowed unless strictAffinity). ` +
        `${lacking.join(', ')} ${lacking.length > 1 ? 'have' : 'has'} no \`/32\` route to ${borrower} for ${ips.length > 1 ? 'them' : 'it'}, so traffic follows the block route to ${first.owners.join(', ')}` +
        (ownersLacking.length > 0 ? `, where ${ownersLacking.join(', ')}'s own \`blackhole ${first.block}\` drops it.` : ' and is dropped there.'),
      nodes: [borrower, ...first.owners, ...lacking],
      evidence,
      pairs: lacking.map((n) => [borrower, n] as [string, string]),
      fix: borrowedSteps(nodes, borrower, lacking, [...new Set(list.map((b) => b.workload.dst))], ips),
    });
  }
  return out;
}

export const ipamBlockRouteInconsistency: Rule = {
  meta: {
    id: 'ipam-block-route-inconsistency',
    severity: 'critical',
    summary: 'IPAM block ownership and the routes disagree: a block with two owners (two blackholes or an ECMP route), or borrowed pod addresses without `/32` routes on the other nodes.',
    rationale:
      'The owner of an IPAM block is the node with `blackhole <block> proto bird` (catalogue T3); every block must have exactly one. Two owners (a duplicate BlockAffinity, calico#6486, calico/node#1032) show as two blackholes or as an ECMP route `nexthop via <node1> … nexthop via <node2>` on the other nodes, and the stale owner\'s blackhole drops traffic to the real owner\'s pods. When a node\'s blocks are full IPAM lends it addresses from another node\'s block (borrowing, allowed unless strictAffinity): the pod route `<ip> dev cali…` is on the borrower, the blackhole stays on the owner, and every other node needs a `/32` route to the borrower (maintainer in calico#2612: "you should also have a /32 route from the new host"), or the traffic ends in the owner\'s blackhole (calico#3246).',
    remediation: [
      'Run `calicoctl ipam check --show-problem-ips` and compare with `calicoctl get blockaffinities -o yaml` / `calicoctl get ipamblocks -o wide`: one affinity per block.',
      'Release leaked or conflicting allocations (`calicoctl ipam release --ip=<ip>`), delete stale BlockAffinities, and consider `strictAffinity: true` where borrowing is not wanted; upgrade releases with known IPAM bugs.',
    ],
    explains: ['block-route-missing'],
    collect: COLLECT,
  },
  check({ cluster, derived }) {
    const nodes = cluster.nodes;
    const real = derived.blocks.filter((b) => b.proto !== 'inferred');
    if (real.length === 0 && derived.workloads.length === 0) {
      return { status: 'skipped', reason: 'no node\'s route table holds a `blackhole <block>` or a workload route: block ownership unknown', collect: COLLECT };
    }
    const findings: FindingDraft[] = [];
    // Addresses of peers that have no bundle (BIRD protocols, Node resources): possible owners too.
    const outsiders = new Set<string>(derived.bgp.unknownPeers.map((p) => p.peerIP));
    for (const r of cluster.resources.nodes) if (r.ipv4Address !== undefined && !nodes.some((n) => n.hostname === r.name)) outsiders.add(r.ipv4Address.split('/')[0]!);
    const multipath = multipathRoutes(nodes);
    for (const b of real) {
      const ecmp = ecmpRoutes(nodes, b, multipath, outsiders);
      if (b.owners.length < 2 && ecmp.length === 0) continue;
      const workloadsIn = new Map<string, number>();
      for (const w of derived.workloads) if (ipInCidr(w.ip, b.block)) workloadsIn.set(w.node, (workloadsIn.get(w.node) ?? 0) + 1);
      findings.push(twoOwnerFinding(nodes, b, ecmp, workloadsIn));
    }
    findings.push(...borrowedFindings(nodes, derived.borrowed));
    // CNI: the host route for a pod's IP already points at another interface (IP reused or borrowed twice).
    for (const n of nodes) {
      const refs = [n.cni, n.containerLog, n.felix].flatMap((l) => l?.signatures['route-add-failed']?.refs ?? []).filter((r) => r.text.includes('already exists for an interface other than'));
      if (refs.length === 0) continue;
      if (findings.some((f) => f.nodes.includes(n.name))) {
        const f = findings.find((x) => x.nodes.includes(n.name))!;
        f.evidence.push(...refs.map((r) => lineEvidence(n, r.file, r)));
        continue;
      }
      findings.push({
        key: `cni-route-exists:${n.name}`,
        title: `The CNI plugin on ${n.name} found a pod IP already routed to another interface`,
        message: `The CNI plugin could not add the host route for a new pod on ${n.name} because a route for the same IP points at another cali* interface (${refs.length} line${refs.length > 1 ? 's' : ''}). The IP was handed out twice (a leaked allocation, or borrowing on an exhausted pool; calico#3940, #8180).`,
        nodes: [n.name],
        evidence: refs.map((r) => lineEvidence(n, r.file, r)),
        severity: 'warning',
        fix: reusedIpSteps(n.name, [...new Set(refs.flatMap((r) => [...r.text.matchAll(/Dst: (\d{1,3}(?:\.\d{1,3}){3})\/32/g)].map((m) => m[1]!)))]),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    const borrowed = derived.borrowed.length;
    return {
      status: 'passed',
      reason: `${real.length} block${real.length === 1 ? '' : 's'} with one owner each, no ECMP block route, ${derived.workloads.length} workload routes checked${borrowed > 0 ? `, ${borrowed} borrowed address${borrowed === 1 ? '' : 'es'} with /32 routes on every other node` : ', none borrowed'}`,
    };
  },
};
