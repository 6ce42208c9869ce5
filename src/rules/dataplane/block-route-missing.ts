/**
 * The runbook's "every node has a `proto bird` route to every other node's block", made exact:
 * the owner of a block is the node with `blackhole <block> proto bird|80`; every other node
 * needs a route to it — IPIP `via <owner> dev tunl0 proto bird onlink`, VXLAN Felix
 * `via <VTEP> dev vxlan.calico proto 80 onlink`, unencapsulated `via <owner> dev <nic> proto bird`.
 */
import type { Rule } from '../rule.js';
import type { FindingDraft } from '../rule.js';
import type { NodeModel } from '../../model/node.js';
import type { IPPoolResource } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import { cidrInside, ipInCidr, networkOf } from '../../combiners/cidr.js';
import { artifactFile, fieldEvidence } from '../../combiners/evidence.js';
import { nodeAddresses4 } from '../../combiners/node-identity.js';
import { NOT_UNDERLAY, underlayNic } from './fix-steps-dataplane.js';

function poolFor(pools: IPPoolResource[], block: string): IPPoolResource | undefined {
  return pools.find((p) => cidrInside(block, p.cidr));
}

/**
 * Where `from` should send the owner's blocks: the owner's address on a network `from` is on (its node
 * IP when that is one; another of its addresses when its node IP is not, as when autodetection picked
 * docker0 or a NAT address), through `from`'s interface on that network.
 */
export function nextHop(from: NodeModel, owner: NodeModel | undefined): { ip?: string; dev?: string; note?: string } {
  if (owner === undefined) return {};
  const mine = nodeAddresses4(from).filter((a) => !NOT_UNDERLAY.test(a.iface));
  // An address `from` has itself (the NAT address every Vagrant VM has) is no way to the owner.
  const own = new Set(nodeAddresses4(from).map((a) => a.address));
  const onMyNet = (ip: string) => (own.has(ip) ? undefined : mine.find((a) => { const net = networkOf(a.address, a.prefix); return net !== undefined && ipInCidr(ip, net); }));
  if (owner.nodeIP !== undefined) {
    const m = onMyNet(owner.nodeIP);
    if (m !== undefined) return { ip: owner.nodeIP, dev: m.iface };
  }
  for (const b of nodeAddresses4(owner)) {
    if (NOT_UNDERLAY.test(b.iface) || b.address === owner.nodeIP) continue;
    const m = onMyNet(b.address);
    if (m !== undefined) {
      return {
        ip: b.address,
        dev: m.iface,
        ...(owner.nodeIP !== undefined
          ? { note: `${owner.name}'s node IP ${owner.nodeIP} is ${own.has(owner.nodeIP) ? `${from.name}'s own address too` : `not on ${from.name}'s networks`}; its address on ${from.name}'s network is ${b.address} (${b.iface})` }
          : {}),
      };
    }
  }
  return { ip: owner.nodeIP, dev: underlayNic(from) };
}

function expectedRoute(block: string, owner: NodeModel | undefined, pool: IPPoolResource | undefined, from: NodeModel, hop: { ip?: string; dev?: string }): string {
  const via = hop.ip ?? '<owner node IP>';
  const nic = hop.dev ?? '<nic>';
  if (pool !== undefined) {
    if (pool.vxlanMode !== undefined && pool.vxlanMode !== 'Never') return `${block} via <${owner?.name ?? 'owner'} VXLAN tunnel address> dev vxlan.calico proto 80 onlink (pool ${pool.name}, vxlanMode ${pool.vxlanMode})`;
    if (pool.ipipMode === 'Always') return `${block} via ${via} dev tunl0 proto bird onlink (pool ${pool.name}, ipipMode Always)`;
    if (pool.ipipMode === 'CrossSubnet') return `${block} via ${via} dev tunl0 proto bird onlink, or dev ${nic} when in the same subnet (pool ${pool.name}, ipipMode CrossSubnet)`;
    return `${block} via ${via} dev ${nic} proto bird (pool ${pool.name}, no encapsulation)`;
  }
  // No pool exported: infer the encapsulation from the routes this node does have.
  const devs = new Set(from.routes4.filter((r) => r.proto === 'bird' || r.proto === '80').map((r) => r.dev).filter((d) => d !== undefined));
  if (devs.has('tunl0')) return `${block} via ${via} dev tunl0 proto bird onlink (IPIP, as this node's other block routes)`;
  if (devs.has('vxlan.calico')) return `${block} via <VTEP> dev vxlan.calico proto 80 onlink (VXLAN, as this node's other block routes)`;
  return `${block} via ${via} dev ${nic} proto bird`;
}

const FIND_CAUSE = 'Find why the route was not learned: look at the root cause listed above this finding (BGP session down, BIRD not running, wrong node IP); if none, check that the block lies inside an IPPool with BGP export enabled (BIRD exports only pool CIDRs) and that the peer is Established (`calicoctl node status`).';

/** The finding's steps: the cause to look for, Felix's part for VXLAN blocks, and the check on the node that lacked the route. */
function fixSteps(from: NodeModel, to: NodeModel, blocks: string[], pools: IPPoolResource[], sessionUp: boolean, hop: { ip?: string }): string[] {
  const vxlan = blocks.some((b) => { const p = poolFor(pools, b); return p !== undefined && p.vxlanMode !== undefined && p.vxlanMode !== 'Never'; });
  const steps = [
    sessionUp
      ? `The BGP session between ${from.name} and ${to.name} is Established, so look at why ${to.name} does not export ${blocks.join(', ')}: the block must lie inside an IPPool (${pools.length > 0 ? pools.map((p) => `${p.name} ${p.cidr}`).join(', ') : 'the pools are not in the bundle: `calicoctl get ippool -o wide`'}) without \`disableBGPExport\` and not be rejected by a BGPFilter; \`calicoctl ipam show --show-blocks\` shows its affinity.`
      : FIND_CAUSE,
  ];
  if (vxlan) steps.push(`${blocks.join(', ')} ${blocks.length > 1 ? 'are' : 'is'} in a VXLAN pool, so Felix programs the route, not BIRD: on ${from.name}, look for route_table errors in the Felix log; on ${to.name}, \`ip -d link show vxlan.calico\` must show the device and \`calicoctl get node ${to.name} -o yaml\` its \`ipv4VXLANTunnelAddr\`.`);
  steps.push(`After the fix, on ${from.name}: ${blocks.map((b) => `\`ip route show ${b}\``).join(', ')} must show a route ${vxlan ? `on vxlan.calico via ${to.name}'s VTEP` : `via ${to.name}${hop.ip !== undefined ? ` (${hop.ip})` : ''}`}.`);
  return steps;
}

export const blockRouteMissing: Rule = {
  meta: {
    id: 'block-route-missing',
    severity: 'critical',
    summary: 'A node has no route to another node\'s pod block, so pods on the two nodes cannot reach each other.',
    rationale:
      'Each node owns IPAM blocks (marked by `blackhole <block> proto bird` in its route table, or `proto 80` when Felix programs VXLAN routes). Every other node must route each block to its owner: over tunl0 (IPIP), vxlan.calico (VXLAN) or the NIC (no encapsulation). A missing route black-holes traffic from pods on this node to pods on the owner. The runbook checks this with `ip route | grep bird`; here every (node, block) cell is checked exactly.',
    remediation: [
      FIND_CAUSE,
      'For VXLAN pools, routes are programmed by Felix, not BIRD: check the Felix log on the node lacking the route for route_table errors and that the owner has a vxlan.calico interface and VTEP.',
      'After the fix, confirm with `ip route show <block>` on the node that lacked it.',
    ],
    explains: ['dns-resolution-failure'],
    collect: [
      { command: 'ip -4 route', why: 'the node\'s routes to other nodes\' pod blocks' },
      { command: 'calicoctl ipam show --show-blocks', why: 'which node owns which IPAM block when no blackhole route shows it' },
    ],
  },
  check({ cluster, derived }) {
    const { rows } = derived.routeMatrix;
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    if (derived.blocks.length === 0) {
      return { status: 'skipped', reason: 'no node\'s ipv4_route holds a `blackhole <block>` route, so block ownership is unknown' };
    }
    const findings: FindingDraft[] = [];
    let checked = 0;
    for (const row of rows) {
      for (const cell of row) {
        if (cell.status === 'ok') checked++;
        if (cell.status !== 'missing') continue;
        checked++;
        const from = byName.get(cell.from)!;
        const to = byName.get(cell.to)!;
        const missing = cell.blocks.filter((b) => b.route === undefined || b.route.type !== 'unicast');
        const evidence: Evidence[] = [];
        const expected: string[] = [];
        const hop = nextHop(from, to);
        for (const b of missing) {
          const own = derived.blocks.find((x) => x.block === b.block);
          const ownEv = own?.evidence.find((e) => e.node === to.name);
          if (ownEv !== undefined) evidence.push(ownEv);
          if (b.evidence !== undefined) evidence.push(b.evidence);
          else evidence.push({ node: from.name, input: from.input, file: artifactFile(from, b.block.includes(':') ? 'ipv6_route' : 'ipv4_route'), line: 0, text: `no route to ${b.block} among ${b.block.includes(':') ? from.routes6.length : from.routes4.length} routes` });
          expected.push(expectedRoute(b.block, to, poolFor(cluster.resources.ippools, b.block), from, hop));
        }
        const blocks = missing.map((b) => b.block);
        const conflict = missing.filter((b) => b.route !== undefined);
        const inferred = missing.some((b) => derived.blocks.find((x) => x.block === b.block)?.proto === 'inferred');
        // Session up yet route missing: say why BIRD did not export it, when the resources show it.
        const pair = derived.bgp.pairs.find((p) => [p.a.node, p.b.node].includes(from.name) && [p.a.node, p.b.node].includes(to.name));
        let why = '';
        if (pair?.status === 'up') {
          const pools = cluster.resources.ippools;
          const outside = blocks.filter((b) => pools.length > 0 && poolFor(pools, b) === undefined);
          const noExport = blocks.filter((b) => poolFor(pools, b)?.spec['disableBGPExport'] === true);
          why = ` The BGP session between them is Established, so ${to.name} did not export the route` +
            (outside.length > 0
              ? `: ${outside.join(', ')} lies outside every IPPool (${pools.map((p) => p.cidr).join(', ')}), and BIRD exports only pool CIDRs and confirmed blocks.`
              : noExport.length > 0
                ? `: the pool has disableBGPExport: true.`
                : ' (check that the block is inside an IPPool, not excluded by a BGPFilter or disableBGPExport, and that its affinity is confirmed).');
          if (outside.length > 0) evidence.push(...pools.map((p) => fieldEvidence(`IPPool ${p.name}`, p, 'spec.cidr', `IPPool ${p.name}: cidr: ${p.cidr}`)));
          evidence.push(...(pair.a.node === from.name ? pair.a : pair.b).evidence.slice(0, 1));
        }
        findings.push({
          key: `${from.name}->${to.name}`,
          title: `${from.name} has no route to ${to.name}'s pod block${blocks.length > 1 ? 's' : ''} ${blocks.join(', ')}`,
          message:
            `${to.name} owns ${blocks.join(', ')} (${inferred ? `its workloads' IPs are in it; ${to.name} has no blackhole route for it, so BIRD is not exporting its own block either` : 'blackhole route in its ipv4_route'}), but ${from.name}'s route table has ` +
            (conflict.length > 0 ? `only a ${conflict[0]!.route!.type} route for ${conflict.map((b) => b.block).join(', ')}` : 'no route for it') +
            `. Pods on ${from.name} cannot reach pods in ${blocks.length > 1 ? 'these blocks' : 'this block'} on ${to.name}. Expected: ${expected.join('; ')}${hop.note !== undefined ? ` (${hop.note})` : ''}.` +
            why,
          nodes: [from.name, to.name],
          evidence,
          pairs: [[from.name, to.name]],
          fix: fixSteps(from, to, blocks, cluster.resources.ippools, pair?.status === 'up', hop),
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (checked === 0) return { status: 'skipped', reason: 'no node pair with both a block owner and collected routes' };
    return { status: 'passed', reason: `${checked} node pairs have a route to every block of the other node` };
  },
};
