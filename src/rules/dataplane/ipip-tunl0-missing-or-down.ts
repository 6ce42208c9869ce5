/**
 * Catalogue D3: IPIP in use, but a node has no `tunl0` with its tunnel address, or tunl0 is down,
 * while other nodes have it: the node cannot install routes via tunl0 (`Netlink: Network is down`)
 * or send IP-in-IP. Cross-node: nodes with and without an UP tunl0 carrying a pool address.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import { ipInCidr } from '../../combiners/cidr.js';
import { stripPrefix } from '../../combiners/node-identity.js';
import { onlySelectedNodes, usesIpip } from '../../combiners/encapsulation.js';
import { fileEvidence, lineEvidence } from '../../combiners/evidence.js';
import type { EncapPool, NodeEncap } from '../../model/derived.js';
import { andList, restartCalicoNode } from '../fix-steps.js';

const NM_UNMANAGED = '`printf \'[keyfile]\\nunmanaged-devices=interface-name:tunl*;interface-name:cali*;interface-name:vxlan.calico\\n\' > /etc/NetworkManager/conf.d/calico.conf && systemctl reload NetworkManager`';

/** Steps for one node: see the device and the module, fix what the finding shows, check the device and its routes. */
function tunlSteps(e: NodeEncap, pools: EncapPool[], noResourceAddr: boolean, peerBlocks: string[]): string[] {
  const n = e.node;
  const steps = [`Confirm on ${n}: \`ip -d link show tunl0\` (exists? \`ipip\`, UP?) and \`lsmod | grep ipip\` (module loaded?).`];
  if (e.tunl0 === undefined) {
    steps.push(`If the module is missing, load it and keep it loaded: \`modprobe ipip && echo ipip > /etc/modules-load.d/calico-ipip.conf\` on ${n}; then restart calico-node there so Felix creates tunl0 with its tunnel address: ${restartCalicoNode([n])}.`);
  } else if (!e.tunl0.up) {
    steps.push(`Bring it up and find who took it down: \`ip link set tunl0 up\` on ${n}; if NetworkManager manages it, keep it away from Calico's devices: ${NM_UNMANAGED}; then restart calico-node there: ${restartCalicoNode([n])}.`);
  } else {
    steps.push(`Let calico-node on ${n} allocate its IP-in-IP tunnel address again${pools.length > 0 ? ` from ${andList(pools.map((p) => `${p.name} (${p.cidr})`))}` : ''}: ${restartCalicoNode([n])}; if it gets none, the pool must allow \`Tunnel\` in allowedUses (\`calicoctl get ippool -o yaml\`) and have free addresses (\`calicoctl ipam show\`).`);
  }
  const checks = [`\`ip -4 addr show dev tunl0\` shows UP and a /32 from ${pools.length > 0 ? andList(pools.map((p) => p.cidr)) : 'the IP-in-IP pool'}`];
  if (peerBlocks.length > 0) checks.push(`${peerBlocks.slice(0, 2).map((b) => `\`ip route show ${b}\``).join(', ')} a route via tunl0`);
  if (noResourceAddr) checks.push(`\`calicoctl get node ${n} -o yaml\` an ipv4IPIPTunnelAddr (its Node resource has none now)`);
  steps.push(`Verify on ${n}: ${andList(checks)}.`);
  return steps;
}

/** Whether another node routes one of `node`'s blocks via tunl0. */
function routedViaTunl0(derived: { routeMatrix: { nodes: string[]; rows: { blocks: { kind?: string }[] }[][] } }, node: string): boolean {
  const col = derived.routeMatrix.nodes.indexOf(node);
  return derived.routeMatrix.rows.some((row) => row[col]?.blocks.some((b) => b.kind === 'ipip') ?? false);
}

export const ipipTunl0MissingOrDown: Rule = {
  meta: {
    id: 'ipip-tunl0-missing-or-down',
    severity: 'critical',
    summary: 'A node of an IP-in-IP cluster has no tunl0 with its tunnel address, or tunl0 is down, so routes via tunl0 cannot be installed there.',
    rationale:
      'With an IPIP pool every node needs `tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480` carrying its tunnel address (Node `spec.bgp.ipv4IPIPTunnelAddr`, a /32 from the pool). Routes to other nodes\' blocks are `<block> via <node IP> dev tunl0 onlink`; without an UP tunl0 the kernel refuses them (BIRD logs `Netlink: Network is down`) and the node\'s pods cannot reach other nodes. Causes: the `ipip` kernel module missing (minimal kernels), module state differing between nodes (calico #4273), the tunnel address never allocated, or NetworkManager/another tool downing `tunl*`.',
    remediation: [
      'On the node: `lsmod | grep ipip` / `modprobe ipip`, then restart calico-node so Felix configures tunl0 (`ip -d link show tunl0` must show `ipip`, UP, the tunnel address).',
      'If the Node resource lacks `ipv4IPIPTunnelAddr`, let calico-node allocate it (restart; `calicoctl ipam check`), and check the pool allows `Tunnel` in allowedUses.',
      'Keep NetworkManager away from Calico devices (`unmanaged-devices=interface-name:tunl*;interface-name:cali*` in /etc/NetworkManager/conf.d/calico.conf); if the fabric cannot carry IP-in-IP anyway, use VXLAN.',
    ],
    explains: ['block-route-missing', 'route-netlink-conflict', 'ipip-protocol-blocked'],
    collect: [{ command: 'ip -d link show tunl0; lsmod | grep ipip', why: 'shows whether tunl0 exists without an address (ip -4 addr lists only interfaces with an IPv4 address) and whether the ipip module is loaded' }],
  },
  check({ cluster, derived }) {
    const t = derived.encap;
    const ipipPools = t.pools.filter(usesIpip);
    const routing = t.nodes.filter((n) => n.routes.ipip.length > 0 || n.tunl0 !== undefined);
    if (ipipPools.length === 0 && routing.length === 0) {
      return { status: 'passed', reason: `IP-in-IP is not in use: no IPPool has ipipMode Always/CrossSubnet and none of ${t.nodes.length} nodes has tunl0 or routes via it` };
    }
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const good = t.nodes.filter((n) => n.tunl0 !== undefined && n.tunl0.up && n.tunl0.addresses.length > 0);
    const findings: FindingDraft[] = [];
    let checked = 0;
    for (const e of t.nodes) {
      const n = byName.get(e.node)!;
      if (n.artifacts.ipv4_addr.status !== 'ok') continue;
      checked++;
      const problems: string[] = [];
      const evidence: Evidence[] = [];
      if (e.tunl0 === undefined) {
        problems.push('has no tunl0 with an IPv4 address in ipv4_addr');
        evidence.push(fileEvidence(n, 'ipv4_addr', `no tunl0 among ${n.interfaces4.length} interfaces with an IPv4 address`));
      } else if (!e.tunl0.up) {
        problems.push(`has tunl0 but it is down (${e.tunl0.state ?? 'no UP flag'})`);
        evidence.push(e.tunl0.evidence);
      } else if (e.tunl0.addresses.length === 0) {
        problems.push('has tunl0 without an IPv4 tunnel address');
        evidence.push(e.tunl0.evidence);
      } else if (ipipPools.length > 0 && !e.tunl0.addresses.some((a) => ipipPools.some((p) => ipInCidr(stripPrefix(a), p.cidr)))) {
        problems.push(`has tunl0 with ${e.tunl0.addresses.join(', ')}, outside every IPIP pool (${ipipPools.map((p) => p.cidr).join(', ')})`);
        evidence.push(e.tunl0.evidence);
      }
      if (problems.length === 0) continue;
      // Only a fault when IPIP is expected on this node: an IPIP pool exists or its peers route via tunl0.
      const peersTunnel = t.nodes.some((o) => o !== e && o.routes.ipip.length > 0);
      if (ipipPools.length === 0 && !peersTunnel) continue;
      // Pools with a nodeSelector may not cover this node: then only routes via tunl0 to or from it prove it needs one.
      if (onlySelectedNodes(ipipPools) && e.routes.ipip.length === 0 && !routedViaTunl0(derived, e.node)) continue;
      const r = cluster.resources.nodes.find((x) => x.name === n.hostname || x.name === e.node);
      const noResourceAddr = r !== undefined && r.ipv4IPIPTunnelAddr === undefined && cluster.resources.nodes.some((x) => x.ipv4IPIPTunnelAddr !== undefined);
      if (noResourceAddr) {
        problems.push('its Node resource has no ipv4IPIPTunnelAddr');
        evidence.push({ node: e.node, input: r.ref.input, file: r.ref.file, line: r.ref.line, text: `Node ${r.name}: spec.bgp.ipv4IPIPTunnelAddr not set` });
      }
      for (const s of [n.bird, n.containerBird]) {
        for (const ev of (s?.events ?? []).filter((x) => x.kind === 'netlink-error' && /Network is down/.test(x.text)).slice(0, 2)) evidence.push(lineEvidence(n, ev.file, ev));
      }
      // What the others have, and who lacks routes because of it.
      const col = derived.routeMatrix.nodes.indexOf(e.node);
      const row = derived.routeMatrix.rows[col] ?? [];
      const noRoutesFrom = row.filter((c) => c.status === 'missing').map((c) => c.to);
      const noRoutesTo = derived.routeMatrix.rows.map((rw) => rw[col]).filter((c) => c !== undefined && c.status === 'missing').map((c) => c!.from);
      for (const g of good.slice(0, 2)) evidence.push(g.tunl0!.evidence);
      const missingRoutes = noRoutesFrom.length > 0 ? ` ${e.node} has no route to the blocks of ${noRoutesFrom.join(', ')} (routes via tunl0 cannot be installed without it).` : '';
      findings.push({
        key: e.node,
        title: `${e.node} ${e.tunl0 === undefined ? 'has no tunl0' : e.tunl0.up ? 'has tunl0 without a usable tunnel address' : 'has tunl0 down'}${good.length > 0 ? ` (${good.map((g) => g.node).join(', ')} ${good.length > 1 ? 'have' : 'has'} it up)` : ''}`,
        message:
          `IP-in-IP is in use (${ipipPools.length > 0 ? ipipPools.map((p) => `IPPool ${p.name} ipipMode ${p.ipipMode}`).join(', ') : `routes via tunl0 on ${routing.map((x) => x.node).join(', ')}`}), but ${e.node} ${problems.join('; ')}.` +
          missingRoutes +
          (noRoutesTo.length > 0 ? ` ${noRoutesTo.join(', ')} also ${noRoutesTo.length > 1 ? 'lack' : 'lacks'} routes to ${e.node}'s blocks.` : '') +
          ` Pods on ${e.node} cannot exchange IP-in-IP traffic with the other nodes.`,
        nodes: [e.node, ...new Set([...noRoutesFrom, ...noRoutesTo])],
        evidence,
        // Every pair with this node: its routes to them and theirs to it depend on the device.
        pairs: t.nodes.filter((o) => o !== e).map((o) => [e.node, o.node] as [string, string]),
        fix: tunlSteps(e, ipipPools, noResourceAddr, row.filter((c) => c.status === 'missing').flatMap((c) => c.blocks.filter((b) => b.route === undefined).map((b) => b.block))),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (checked === 0) return { status: 'skipped', reason: 'IP-in-IP is in use but no node\'s ipv4_addr was collected' };
    return { status: 'passed', reason: `${checked} nodes have tunl0 UP with a tunnel address` };
  },
};
