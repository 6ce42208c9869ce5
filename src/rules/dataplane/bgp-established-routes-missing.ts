/**
 * Catalogue A10 / T2×T3: the BGP session between two nodes is Established on both sides, yet
 * one lacks the route to the other's block: the owner does not export it (block outside every
 * IPPool, `disableBGPExport`, a BGPFilter, affinity not confirmed) or the receiver's kernel
 * protocol did not install it. Not for VXLAN pools (BIRD's kernel filter skips them: Felix
 * programs those routes) nor when Felix programs IPIP routes (v3.31+ `programClusterRoutes`).
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { IPPoolResource } from '../../model/facts.js';
import type { BgpPair, RouteCell } from '../../model/derived.js';
import { cidrInside } from '../../combiners/cidr.js';
import { artifactFile, fieldEvidence } from '../../combiners/evidence.js';
import { andList, calicoNodeExec, NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';
import { patchPool } from './fix-steps-dataplane.js';

interface Why {
  outside: string[];
  /** Other nodes' blocks outside every pool (`<block> (<owner>)`), fixed the same way. */
  alsoOutside: string[];
  noExport: IPPoolResource | undefined;
  learned: string[];
  notInOwner: string[];
  netlink: string[];
}

/** Steps for one owner: what BIRD holds on both ends, the fix for each reason found, the route on the receivers. */
function fixSteps(owner: NodeModel, receivers: NodeModel[], blocks: string[], pools: IPPoolResource[], why: Why): string[] {
  const b = blocks[0]!;
  const show = `birdcl -s /var/run/calico/bird.ctl show route for ${b} all`;
  const r0 = receivers[0]!;
  const steps = [
    `See what BIRD holds for ${b}: on ${owner.name} ${calicoNodeExec(owner.name, show)} (the owner: BIRD must hold it to export it), and on ${r0.name} ${calicoNodeExec(r0.name, show)} (learned but not in the kernel: the kernel refused it; not learned: ${owner.name} did not export it) ${NAMESPACE_NOTE}.`,
  ];
  if (why.outside.length > 0) {
    const all = [...why.outside, ...why.alsoOutside];
    steps.push(`${andList(all)} ${all.length > 1 ? 'lie' : 'lies'} outside every IPPool (${pools.map((p) => `${p.name} ${p.cidr}`).join(', ')}): cover ${all.length > 1 ? 'them' : 'it'} with a pool again (restore the pool ${all.length > 1 ? 'they' : 'it'} came from), or move the pods in ${all.length > 1 ? 'them' : 'it'} into a current pool (recreate them) so the block${all.length > 1 ? 's are' : ' is'} released; \`calicoctl ipam show --show-blocks\` shows ${all.length > 1 ? 'their' : 'its'} allocations (docs "Migrate from one IP pool to another").`);
  }
  if (why.noExport !== undefined) {
    steps.push(`If the routes of ${why.noExport.name} are meant to be advertised, remove its disableBGPExport: ${patchPool(why.noExport.name, { disableBGPExport: false })}.`);
  }
  if (why.notInOwner.length > 0) {
    steps.push(`BIRD on ${owner.name} does not hold ${andList(why.notInOwner)}: check that ${owner.name}'s affinity for ${why.notInOwner.length > 1 ? 'them' : 'it'} is confirmed (\`kubectl get blockaffinities.crd.projectcalico.org -o custom-columns=NODE:.spec.node,CIDR:.spec.cidr,STATE:.spec.state | grep ${why.notInOwner[0]!}\` must show state confirmed), then restart calico-node on ${owner.name} so confd renders it again: ${restartCalicoNode([owner.name])}.`);
  }
  if (why.learned.length > 0 || why.netlink.length > 0) {
    const on = [...new Set([...why.learned, ...why.netlink])];
    steps.push(`On ${andList(on)} the kernel does not take the route BIRD learned: look for a competing route (\`ip route show table all | grep ${b.split('/')[0]!}\`) and for \`Netlink:\` errors in the BIRD log, and remove what conflicts (see route-netlink-conflict).`);
  }
  if (steps.length === 1) {
    steps.push(`Nothing in the bundles shows why: check for a BGPFilter that rejects ${b} (\`calicoctl get bgpfilter -o yaml\`, and the filters of the BGPPeers: \`calicoctl get bgppeer -o yaml\`), and whether ${owner.name}'s affinity for ${b} is confirmed (\`calicoctl ipam show --show-blocks\`).`);
  }
  const dev = owner.routes4.some((r) => r.proto === 'bird' && r.dev === 'tunl0') || receivers.some((n) => n.routes4.some((r) => r.proto === 'bird' && r.dev === 'tunl0')) ? 'tunl0' : undefined;
  steps.push(`After the fix, on ${andList(receivers.map((n) => n.name))}: ${blocks.slice(0, 3).map((x) => `\`ip route show ${x}\``).join(', ')} must show a \`proto bird\` route via ${owner.name}${owner.nodeIP !== undefined ? ` (${owner.nodeIP})` : ''}${dev !== undefined ? ` on ${dev}` : ''}.`);
  return steps;
}

const COLLECT = [
  { command: 'birdcl -s /var/run/calico/bird.ctl show route for <block> all', why: 'on the owner: whether BIRD has the block and which filter rejects its export; on the receiver: whether it was learned but not installed' },
  { command: 'calicoctl get ippool,bgpfilter,bgppeer -o yaml', why: 'pool CIDRs, disableBGPExport and BGPFilters decide what BIRD exports' },
  { command: 'calicoctl node status', why: 'confirms the sessions are Established on both ends' },
];

function poolFor(pools: IPPoolResource[], block: string): IPPoolResource | undefined {
  return pools.find((p) => !p.disabled && cidrInside(block, p.cidr));
}

function isVxlanPool(p: IPPoolResource | undefined): boolean {
  return p !== undefined && (p.vxlanMode ?? 'Never') !== 'Never' && (p.ipipMode ?? 'Never') === 'Never';
}

/** FelixConfiguration says Felix programs the cluster routes (v3.31+). */
function felixProgramsRoutes(cluster: { resources: { felixConfigurations: { spec: Record<string, unknown> }[] } }): string | undefined {
  for (const fc of cluster.resources.felixConfigurations) {
    const v = fc.spec['programClusterRoutes'];
    if (typeof v === 'string' && v !== 'Disabled') return v;
  }
  return undefined;
}

/** Whether a node's other block routes are Felix's (`proto 80` / no proto over a tunnel), not BIRD's. */
function felixOwnsRoutes(n: NodeModel): boolean {
  const blockRoutes = n.routes4.filter((r) => r.type === 'unicast' && /\/(2[0-9]|3[01])$/.test(r.dst) && (r.dev === 'tunl0' || r.dev === 'vxlan.calico'));
  return blockRoutes.length > 0 && blockRoutes.every((r) => r.proto !== 'bird');
}

function pairOf(pairs: BgpPair[], a: string, b: string): BgpPair | undefined {
  return pairs.find((p) => (p.a.node === a && p.b.node === b) || (p.a.node === b && p.b.node === a));
}

export const bgpEstablishedRoutesMissing: Rule = {
  meta: {
    id: 'bgp-established-routes-missing',
    severity: 'critical',
    summary: 'BGP sessions are Established on both sides, but a node still lacks the route to its peer\'s block: the owner does not export it or the receiver does not install it.',
    rationale:
      'An Established session proves the transport and the OPEN negotiation, not the routes. BIRD exports only what `calico_export_to_bgp_peers` accepts: the node\'s confirmed blocks (`calico_aggr`) and `if ( net ~ <pool cidr> ) then { accept; }` for each IPPool without `disableBGPExport`; a block outside every current pool (a pool deleted or shrunk), a pool with `disableBGPExport: true`, a BGPFilter, or an unconfirmed affinity keeps the block off the wire (catalogue A10). The receiver may also refuse to install it (kernel protocol filter, `Netlink: File exists`). For VXLAN pools BIRD intentionally programs nothing ("Don\'t program VXLAN routes into the kernel - these are handled by Felix"), and from v3.31 Felix may program IPIP routes itself, so those are not this cause.',
    remediation: [
      'Make the block exportable: put it back inside an IPPool (restore or extend the pool; migrate pods out of blocks of deleted pools, docs "Migrate from one IP pool to another"), remove `disableBGPExport`, or fix the BGPFilter that rejects it.',
      'Check on the owner with `birdcl -s /var/run/calico/bird.ctl show route for <block> all` and `show route export <peer protocol>`, and on the receiver with `show route for <block> all` (learned but not in the kernel: see route-netlink-conflict).',
    ],
    explains: ['block-route-missing'],
    collect: COLLECT,
  },
  check({ cluster, derived }) {
    const pairs = derived.bgp.pairs;
    if (pairs.length === 0) return { status: 'skipped', reason: 'no BGP pair could be built (node IPs or BIRD logs missing)', collect: COLLECT };
    const upPairs = pairs.filter((p) => p.status === 'up');
    if (upPairs.length === 0) return { status: 'passed', reason: `no BGP pair is Established on both sides (${pairs.length} pairs): missing routes there are explained by the session, not by export` };
    const felixMode = felixProgramsRoutes(cluster);
    if (felixMode !== undefined) return { status: 'passed', reason: `FelixConfiguration programClusterRoutes: ${felixMode}: Felix, not BIRD, programs the block routes` };
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const pools = cluster.resources.ippools;
    // Missing cells on Established pairs, grouped by the block owner.
    const byOwner = new Map<string, { cell: RouteCell; pair: BgpPair; blocks: string[] }[]>();
    let checked = 0;
    let vxlanSkipped = 0;
    for (const row of derived.routeMatrix.rows) {
      for (const cell of row) {
        if (cell.status !== 'missing' && cell.status !== 'ok') continue;
        const pair = pairOf(upPairs, cell.from, cell.to);
        if (pair === undefined) continue;
        checked++;
        if (cell.status !== 'missing') continue;
        const from = byName.get(cell.from)!;
        const blocks = cell.blocks.filter((b) => b.route === undefined || b.route.type !== 'unicast').map((b) => b.block).filter((b) => {
          const own = derived.blocks.find((x) => x.block === b);
          const vx = isVxlanPool(poolFor(pools, b)) || own?.proto === '80' || felixOwnsRoutes(from);
          if (vx) vxlanSkipped++;
          return !vx && own?.proto !== 'inferred';
        });
        if (blocks.length === 0) continue;
        byOwner.set(cell.to, [...(byOwner.get(cell.to) ?? []), { cell, pair, blocks }]);
      }
    }
    if (byOwner.size === 0) {
      return {
        status: 'passed',
        reason: `${checked} node→peer directions over Established sessions checked: each has the routes to the peer's blocks${vxlanSkipped > 0 ? ` (${vxlanSkipped} block routes of VXLAN/Felix-programmed pools left to Felix)` : ''}`,
      };
    }
    const findings: FindingDraft[] = [];
    for (const [ownerName, list] of [...byOwner].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const owner = byName.get(ownerName)!;
      const blocks = [...new Set(list.flatMap((x) => x.blocks))].sort();
      const receivers = [...new Set(list.map((x) => x.cell.from))].sort();
      const evidence: Evidence[] = [];
      for (const b of blocks) evidence.push(...(derived.blocks.find((x) => x.block === b)?.evidence.filter((e) => e.node === ownerName) ?? []));
      for (const r of receivers) {
        const n = byName.get(r)!;
        evidence.push({ node: r, input: n.input, file: artifactFile(n, 'ipv4_route'), line: 0, text: `no route to ${blocks.join(', ')} among ${n.routes4.length} routes` });
      }
      // Why: block outside every pool, disableBGPExport, kernel errors on the receiver.
      const outside = pools.length > 0 ? blocks.filter((b) => poolFor(pools, b) === undefined) : [];
      const noExport = blocks.filter((b) => poolFor(pools, b)?.spec['disableBGPExport'] === true);
      const netlink = receivers.filter((r) => [byName.get(r)!.bird, byName.get(r)!.containerBird].some((s) => s?.events.some((e) => e.kind === 'netlink-error')));
      const reasons: string[] = [];
      // Other nodes' blocks outside every pool: still routed when their affinity is confirmed, but their pods share the rest.
      const alsoOutside = outside.length > 0 ? derived.blocks.filter((b) => !blocks.includes(b.block) && !b.block.includes(':') && poolFor(pools, b.block) === undefined) : [];
      if (outside.length > 0) {
        reasons.push(`${outside.join(', ')} ${outside.length > 1 ? 'lie' : 'lies'} outside every IPPool (${pools.map((p) => `${p.name} ${p.cidr}`).join(', ')}): BIRD on ${ownerName} exports only its confirmed blocks and pool CIDRs, so a block left over from a deleted or shrunk pool is never advertised`);
        if (alsoOutside.length > 0) {
          reasons.push(`outside every pool too: ${alsoOutside.map((b) => `${b.block} on ${b.owners.join(', ')}`).join(', ')} (advertised, its affinity being confirmed); the pods in all of these blocks also miss what Calico gives pool addresses: natOutgoing (\`cali40masq-ipam-pools\` lists pool CIDRs only) and policy rules that admit pool addresses (\`cali40all-ipam-pools\`)`);
          for (const b of alsoOutside) evidence.push(...b.evidence.slice(0, 1));
        }
        for (const p of pools) evidence.push(fieldEvidence(`IPPool ${p.name}`, p, 'spec.cidr', `IPPool ${p.name}: cidr: ${p.cidr}`));
      }
      if (noExport.length > 0) {
        const p = poolFor(pools, noExport[0]!)!;
        reasons.push(`IPPool ${p.name} (${p.cidr}) has disableBGPExport: true, so confd renders "# Skip ${p.cidr} as BGP export is disabled for it"`);
        evidence.push(fieldEvidence(`IPPool ${p.name}`, p, 'spec.disableBGPExport', `IPPool ${p.name}: cidr: ${p.cidr}, disableBGPExport: true`));
      }
      // Attached `birdc show route` output, when the customer added it: learned but not installed, or never exported.
      const learned = receivers.filter((r) => byName.get(r)!.attachments?.birdRoutes?.some((x) => blocks.includes(x.prefix)) === true);
      for (const r of learned) {
        const n = byName.get(r)!;
        const row = n.attachments!.birdRoutes!.find((x) => blocks.includes(x.prefix))!;
        evidence.push({ node: r, input: row.input, file: row.file, line: row.line, text: row.text });
      }
      if (learned.length > 0) reasons.push(`BIRD on ${learned.join(', ')} did learn ${learned.length > 1 ? 'them' : 'it'} (birdc show route) but the kernel table lacks ${blocks.length > 1 ? 'them' : 'it'}: the kernel protocol's export filter or the kernel refused ${blocks.length > 1 ? 'them' : 'it'}`);
      const ownerBird = owner.attachments?.birdRoutes;
      const notInOwner = ownerBird !== undefined && ownerBird.length > 0 ? blocks.filter((b) => !ownerBird.some((x) => x.prefix === b)) : [];
      if (notInOwner.length > 0) reasons.push(`BIRD on ${ownerName} does not hold ${notInOwner.join(', ')} at all (birdc show route), so confd did not render the block into bird_aggr.cfg (affinity not confirmed, or the block is not this node's)`);
      if (netlink.length > 0) reasons.push(`BIRD on ${netlink.join(', ')} logs Netlink errors: the kernel refused routes there (see route-netlink-conflict)`);
      if (reasons.length === 0) reasons.push(`nothing in the bundles shows why: check BGPFilters, whether ${ownerName}'s affinity for the block is confirmed, and BIRD's own table on both ends`);
      for (const x of list) evidence.push(...(x.pair.a.node === x.cell.from ? x.pair.a : x.pair.b).evidence.slice(0, 1));
      findings.push({
        key: ownerName,
        title: `${receivers.join(', ')} ${receivers.length > 1 ? 'have' : 'has'} no route to ${ownerName}'s block${blocks.length > 1 ? 's' : ''} ${blocks.join(', ')} although BGP is Established`,
        message:
          `The BGP session${receivers.length > 1 ? 's' : ''} between ${ownerName} (${owner.nodeIP ?? '?'}) and ${receivers.join(', ')} ${receivers.length > 1 ? 'are' : 'is'} Established on both sides, and ${ownerName} holds \`blackhole ${blocks.join('`, `blackhole ')}\`, yet ${receivers.join(', ')} never installed a route to ${blocks.length > 1 ? 'them' : 'it'}. ` +
          `Why: ${reasons.join('; ')}.`,
        nodes: [ownerName, ...receivers],
        evidence,
        pairs: receivers.map((r) => [r, ownerName] as [string, string]),
        fix: fixSteps(owner, receivers.map((r) => byName.get(r)!), blocks, pools, { outside, alsoOutside: alsoOutside.map((b) => `${b.block} (${b.owners.join(', ')})`), noExport: noExport.length > 0 ? poolFor(pools, noExport[0]!) : undefined, learned, notInOwner, netlink }),
      });
    }
    return { status: 'found', findings };
  },
};
