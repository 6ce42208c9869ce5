/**
 * Catalogue D6: VXLAN in use, but a node has no `vxlan.calico` (or it is down, or has no VTEP
 * address), or no VTEP in its Node resource (`ipv4VXLANTunnelAddr`), so it cannot send VXLAN and/or
 * no other node can program a route to it. Also a stale VTEP: other nodes route the node's block
 * via an address that is not its vxlan.calico address.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { onlySelectedNodes, usesVxlan } from '../../combiners/encapsulation.js';
import { stripPrefix } from '../../combiners/node-identity.js';
import { fileEvidence, lineEvidence } from '../../combiners/evidence.js';
import type { NodeEncap } from '../../model/derived.js';
import { calicoNodeLogs, NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';

/** Steps for one node: see the device and Felix's complaint, fix the device or the VTEP, check the routes to its block. */
function vxlanSteps(e: NodeEncap, resName: string, missingDevice: boolean, others: string[], block: string | undefined): string[] {
  const n = e.node;
  const check = others[0];
  const route = check !== undefined && block !== undefined ? `on ${check}, \`ip route show ${block}\` goes via ${e.vtepAddress ?? `${n}'s VTEP`} dev vxlan.calico onlink` : undefined;
  if (missingDevice) {
    return [
      `Confirm on ${n}: \`ip -d link show vxlan.calico\` (exists? UP?) and Felix's complaint: ${calicoNodeLogs(n, { grep: 'vxlan|vtep' })} ${NAMESPACE_NOTE}.`,
      `Make sure VXLAN is not disabled for ${n} (\`calicoctl get felixconfiguration -o yaml | grep -E 'name:|vxlanEnabled'\`: neither default nor node.${resName} may set \`vxlanEnabled: false\`), that the module loads (\`modprobe vxlan\` on ${n}) and that NetworkManager leaves the device alone (\`unmanaged-devices=interface-name:vxlan.calico;interface-name:cali*;interface-name:tunl*\` in /etc/NetworkManager/conf.d/calico.conf); then restart calico-node on ${n}: ${restartCalicoNode([n])}.`,
      `Verify: on ${n}, \`ip -4 addr show dev vxlan.calico\` shows UP and its VTEP address${route !== undefined ? `; ${route}` : ''}.`,
    ];
  }
  return [
    `Compare ${n}'s VTEP: \`calicoctl get node ${resName} -o yaml | grep -i vxlan\` (ipv4VXLANTunnelAddr${e.vtepResource !== undefined ? ` ${e.vtepResource}` : ', none now'}) against its vxlan.calico address${e.vtepAddress !== undefined ? ` ${e.vtepAddress}` : ''}.`,
    `Restart calico-node on ${n} so it allocates and advertises its tunnel address again: ${restartCalicoNode([n])}; if it gets none, the VXLAN pool must allow \`Tunnel\` in allowedUses (\`calicoctl get ippool -o yaml\`) and have free addresses (\`calicoctl ipam show\`).`,
    `Verify: the Node's ipv4VXLANTunnelAddr equals its vxlan.calico address${route !== undefined ? `, and ${route}` : `, and the other nodes route ${n}'s block via it`}.`,
  ];
}

function felixVtepLines(n: NodeModel): Evidence[] {
  const out: Evidence[] = [];
  for (const s of [n.felix, n.containerLog]) {
    for (const sig of ['vtep-missing', 'interface-missing'] as const) {
      for (const r of s?.signatures[sig]?.refs ?? []) {
        if (sig === 'interface-missing' && !r.text.includes('vxlan.calico')) continue;
        out.push(lineEvidence(n, r.file, r));
      }
    }
  }
  return out.slice(0, 3);
}

export const vxlanDeviceOrVtepMissing: Rule = {
  meta: {
    id: 'vxlan-device-or-vtep-missing',
    severity: 'critical',
    summary: 'A node of a VXLAN cluster has no usable vxlan.calico device or no VTEP, so it cannot send VXLAN or the other nodes have no route to it.',
    rationale:
      'With a VXLAN pool Felix creates `vxlan.calico` (MTU = underlay - 50) on every node, gives it the node\'s tunnel address (Node `spec.ipv4VXLANTunnelAddr`) and programs on every other node `<block> via <that VTEP> dev vxlan.calico onlink` plus a static ARP/FDB entry. A node whose device is missing or down cannot reach any remote pod (Felix logs `Interface missing, will retry if it appears. ifaceName="vxlan.calico"`); a node without VTEP data gets no route from anybody (`Missing both IPv4 and IPv6 VTEP information for node, cannot send VTEP yet`, felix/calc/vxlan_resolver.go). Causes: VXLAN disabled in FelixConfiguration, the vxlan kernel module, NetworkManager taking the device, a failed tunnel-address allocation.',
    remediation: [
      'On the node, check Felix: `kubectl -n calico-system logs <calico-node-pod> -c calico-node | grep -iE "vxlan|VTEP"`; make sure FelixConfiguration does not set `vxlanEnabled: false` and the `vxlan` kernel module loads (`modprobe vxlan`).',
      'If the Node resource lacks `ipv4VXLANTunnelAddr`, let calico-node allocate it (restart calico-node; `calicoctl ipam check` for leaked tunnel addresses) and check that the pool allows `Tunnel` in allowedUses.',
      'Keep NetworkManager away from Calico devices (`unmanaged-devices=interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico;interface-name:wireguard.cali` in /etc/NetworkManager/conf.d/calico.conf).',
    ],
    explains: ['block-route-missing', 'route-netlink-conflict', 'vxlan-udp-port-blocked-or-conflict'],
    collect: [{ command: 'ip -d link show vxlan.calico; bridge fdb show dev vxlan.calico; ip neigh show dev vxlan.calico', why: 'shows whether the VXLAN device, its VNI/port and the VTEP entries of the other nodes exist' }],
  },
  check({ cluster, derived }) {
    const t = derived.encap;
    const poolsUse = t.pools.some(usesVxlan);
    const routesUse = t.nodes.filter((n) => n.routes.vxlan.length > 0 || n.vxlan !== undefined);
    if (!poolsUse && routesUse.length === 0) {
      return { status: 'passed', reason: `VXLAN is not in use: no IPPool has vxlanMode Always/CrossSubnet and none of ${t.nodes.length} nodes has vxlan.calico or routes via it` };
    }
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const findings: FindingDraft[] = [];
    let checked = 0;
    const vtepKnown = t.nodes.some((n) => n.vtepResource !== undefined);
    for (const e of t.nodes) {
      const n = byName.get(e.node)!;
      if (n.artifacts.ipv4_addr.status !== 'ok') continue;
      // A node of a CrossSubnet pool whose peers are all in its subnet still gets vxlan.calico from Felix.
      checked++;
      const problems: string[] = [];
      const evidence: Evidence[] = [];
      if (e.vxlan === undefined) {
        problems.push('has no vxlan.calico device with an address (not in ipv4_addr nor ipv6_addr)');
        evidence.push(fileEvidence(n, 'ipv4_addr', `no vxlan.calico among ${n.interfaces4.length} interfaces with an IPv4 address`));
      } else if (!e.vxlan.up) {
        problems.push(`has vxlan.calico but it is down (state ${e.vxlan.state ?? 'unknown'})`);
        evidence.push(e.vxlan.evidence);
      } else if (e.vtepAddress === undefined) {
        problems.push('has vxlan.calico without an IPv4 address (no VTEP address)');
        evidence.push(e.vxlan.evidence);
      }
      if (vtepKnown && e.vtepResource === undefined && cluster.resources.nodes.some((r) => r.name === n.hostname || r.name === e.node)) {
        problems.push('its Node resource has no ipv4VXLANTunnelAddr (no VTEP to advertise)');
        const r = cluster.resources.nodes.find((x) => x.name === n.hostname || x.name === e.node)!;
        evidence.push({ node: e.node, input: r.ref.input, file: r.ref.file, line: r.ref.line, text: `Node ${r.name}: spec.ipv4VXLANTunnelAddr not set` });
      }
      if (e.vtepAddress !== undefined && e.vtepResource !== undefined && e.vtepAddress !== e.vtepResource) {
        problems.push(`its vxlan.calico address ${e.vtepAddress} differs from its Node resource ipv4VXLANTunnelAddr ${e.vtepResource}`);
        if (e.vxlan !== undefined) evidence.push(e.vxlan.evidence);
      }
      // Who lacks a route to this node, and who routes it via a stale VTEP.
      const col = derived.routeMatrix.nodes.indexOf(e.node);
      const lacking: string[] = [];
      const stale: string[] = [];
      let block: string | undefined;
      for (const row of derived.routeMatrix.rows) {
        const cell = row[col];
        if (cell === undefined || cell.from === e.node) continue;
        block ??= cell.blocks[0]?.block;
        if (cell.status === 'missing') {
          lacking.push(cell.from);
          const b = cell.blocks.find((x) => x.route === undefined);
          const other = byName.get(cell.from)!;
          if (b !== undefined && evidence.length < 8) evidence.push(fileEvidence(other, 'ipv4_route', `no route to ${e.node}'s block ${b.block} among ${other.routes4.length} routes`));
        }
        for (const b of cell.blocks) {
          if (b.kind !== 'vxlan' || b.route?.via === undefined || e.vtepAddress === undefined) continue;
          if (!(e.vxlan?.addresses ?? []).some((a) => stripPrefix(a) === b.route!.via)) {
            stale.push(cell.from);
            if (b.evidence !== undefined) evidence.push(b.evidence);
          }
        }
      }
      if (stale.length > 0) problems.push(`${[...new Set(stale)].join(', ')} route${stale.length > 1 ? '' : 's'} its block via a VTEP address that is not its vxlan.calico address ${e.vtepAddress}`);
      if (problems.length === 0) continue;
      // Pools with a nodeSelector may not cover this node: without routes to or from it via vxlan.calico nothing says it needs a VTEP.
      if (onlySelectedNodes(t.pools.filter(usesVxlan)) && e.routes.vxlan.length === 0 && lacking.length === 0 && stale.length === 0) continue;
      evidence.push(...felixVtepLines(n));
      const missingDevice = e.vxlan === undefined || !e.vxlan.up;
      findings.push({
        key: e.node,
        title: `${e.node} ${missingDevice ? (e.vxlan === undefined ? 'has no vxlan.calico' : 'has vxlan.calico down') : 'has no usable VTEP'}${lacking.length > 0 ? `; ${lacking.join(', ')} ${lacking.length > 1 ? 'have' : 'has'} no route to it` : ''}`,
        message:
          `VXLAN is in use (${poolsUse ? `IPPool ${t.pools.filter(usesVxlan).map((p) => `${p.name} vxlanMode ${p.vxlanMode}`).join(', ')}` : `routes via vxlan.calico on ${routesUse.map((x) => x.node).join(', ')}`}), but ${e.node} ${problems.join('; ')}.` +
          (lacking.length > 0 ? ` ${lacking.join(', ')} ${lacking.length > 1 ? 'have' : 'has'} no route to ${e.node}'s pod block${missingDevice ? ', and ' + e.node + ' itself cannot send VXLAN' : ''}.` : missingDevice ? ` ${e.node} cannot send or receive VXLAN: its pods cannot reach pods on other nodes.` : ''),
        nodes: [e.node, ...lacking.filter((x) => x !== e.node)],
        evidence,
        // Every pair with this node: its routes to them and theirs to it depend on the device.
        pairs: t.nodes.filter((o) => o !== e).map((o) => [e.node, o.node] as [string, string]),
        fix: vxlanSteps(e, n.hostname ?? e.node, missingDevice, [...new Set([...lacking, ...stale])], block),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (checked === 0) return { status: 'skipped', reason: 'VXLAN is in use but no node\'s ipv4_addr was collected' };
    return { status: 'passed', reason: `${checked} nodes have vxlan.calico up with a VTEP address${vtepKnown ? ' matching their Node resource' : ''}, and every route to their blocks uses that VTEP` };
  },
};
