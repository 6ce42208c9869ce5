/**
 * T5 MTU table: per node the underlay NIC's MTU, the Calico tunnel devices' MTUs (tunl0,
 * vxlan.calico, vxlan-v6.calico, wireguard.cali, wg-v6.cali), every `cali*` veth's MTU, and the
 * encapsulations in use with their overhead (IP-in-IP 20, VXLAN 50, VXLAN over IPv6 70,
 * WireGuard 60, WireGuard over IPv6 80; Calico docs "Configure MTU").
 *
 * Links come from `ip -4 addr` and `ip -6 addr` merged by name (then an attached `ip -d link show`): `cali*` veths carry no IPv4
 * address, so `ip -4 addr` never lists them; their MTU is only in `ipv6_addr` (fe80:: link-local),
 * and absent when IPv6 is off on the host.
 */
import { isWorkloadRoute } from './workload-routes.js';
import type { EncapKind, MtuLink, MtuRow, MtuTable } from '../model/derived.js';
import type { NodeModel } from '../model/node.js';
import type { IPPoolResource } from '../model/facts.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { ipInCidr } from './cidr.js';

export const ENCAP_OVERHEAD: Record<EncapKind, number> = { ipip: 20, vxlan: 50, 'vxlan-v6': 70, wireguard: 60, 'wireguard-v6': 80 };

export const ENCAP_LABEL: Record<EncapKind, string> = {
  ipip: 'IP-in-IP',
  vxlan: 'VXLAN',
  'vxlan-v6': 'VXLAN over IPv6',
  wireguard: 'WireGuard',
  'wireguard-v6': 'WireGuard over IPv6',
};

const TUNNEL_DEVICES: Record<string, EncapKind> = {
  tunl0: 'ipip',
  'vxlan.calico': 'vxlan',
  'vxlan-v6.calico': 'vxlan-v6',
  'wireguard.cali': 'wireguard',
  'wg-v6.cali': 'wireguard-v6',
};

/** Every link of a node with an MTU, v4 file first, by name. */
export function nodeLinks(node: NodeModel): MtuLink[] {
  const byName = new Map<string, MtuLink>();
  for (const [list, id] of [[node.interfaces4, 'ipv4_addr'], [node.interfaces6, 'ipv6_addr']] as const) {
    const file = artifactFile(node, id);
    for (const i of list) {
      if (i.mtu === undefined || byName.has(i.name)) continue;
      byName.set(i.name, { name: i.name, mtu: i.mtu, state: i.state, evidence: lineEvidence(node, file, i) });
    }
  }
  // An attached `ip -d link show` lists every link with its MTU, also when IPv6 is off and cali* are in neither file.
  for (const l of node.attachments?.links ?? []) {
    if (l.mtu === undefined || byName.has(l.name)) continue;
    byName.set(l.name, { name: l.name, mtu: l.mtu, state: l.state, evidence: { node: node.name, input: l.input, file: l.file, line: l.line, text: l.text } });
  }
  return [...byName.values()];
}

function poolEncaps(pools: IPPoolResource[]): EncapKind[] {
  const out = new Set<EncapKind>();
  for (const p of pools) {
    if (p.disabled) continue;
    if ((p.ipipMode ?? 'Never') !== 'Never' && !p.cidr.includes(':')) out.add('ipip');
    if ((p.vxlanMode ?? 'Never') !== 'Never') out.add(p.cidr.includes(':') ? 'vxlan-v6' : 'vxlan');
  }
  return [...out];
}

function routeEncaps(node: NodeModel): EncapKind[] {
  const out = new Set<EncapKind>();
  for (const r of [...node.routes4, ...node.routes6]) {
    const dev = r.dev ?? r.nexthops?.[0]?.dev;
    if (dev === undefined || r.type !== 'unicast') continue;
    const k = TUNNEL_DEVICES[dev];
    if (k === 'ipip' || k === 'vxlan' || k === 'vxlan-v6') out.add(k);
  }
  return [...out];
}

export function mtuRow(node: NodeModel, pools: IPPoolResource[]): MtuRow {
  const links = nodeLinks(node);
  const byName = new Map(links.map((l) => [l.name, l]));
  let nic: MtuLink | undefined;
  let nicFrom: string | undefined;
  if (node.nodeIPInterface !== undefined && byName.has(node.nodeIPInterface)) {
    nic = byName.get(node.nodeIPInterface);
    nicFrom = `holds the node IP ${node.nodeIP ?? ''}`.trim();
  } else {
    const def = node.routes4.find((r) => r.dst === 'default' && r.type === 'unicast' && (r.table === undefined || r.table === 'main') && r.dev !== undefined);
    if (def !== undefined && byName.has(def.dev!)) {
      nic = byName.get(def.dev!);
      nicFrom = 'carries the default route';
    }
  }
  const tunnels = links.filter((l) => TUNNEL_DEVICES[l.name] !== undefined).map((l) => ({ ...l, encap: TUNNEL_DEVICES[l.name]! }));
  const fromPools = poolEncaps(pools);
  const fromRoutes = routeEncaps(node);
  const wg = tunnels.filter((t) => t.encap === 'wireguard' || t.encap === 'wireguard-v6').map((t) => t.encap);
  const encaps = [...new Set([...fromPools, ...fromRoutes, ...wg])].sort();
  const overhead = Math.max(0, ...encaps.map((k) => ENCAP_OVERHEAD[k]));
  // Each veth's pod IP (from its `<ip> dev cali…` route) and the encapsulation of the pool holding it.
  const podIP = new Map<string, string>();
  for (const r of [...node.routes4, ...node.routes6]) {
    if (isWorkloadRoute(r) && !podIP.has(r.dev!)) podIP.set(r.dev!, r.dst.slice(0, r.dst.lastIndexOf('/')));
  }
  const wgOverhead = Math.max(0, ...wg.map((k) => ENCAP_OVERHEAD[k]));
  const cali = links
    .filter((l) => l.name.startsWith('cali'))
    .map((l) => {
      const ip = podIP.get(l.name);
      const pool = ip !== undefined ? pools.find((p) => !p.disabled && ipInCidr(ip, p.cidr)) : undefined;
      return { ...l, podIP: ip, overhead: pool !== undefined ? Math.max(wgOverhead, ...poolEncaps([pool]).map((k) => ENCAP_OVERHEAD[k])) : overhead };
    })
    .sort((a, b) => a.mtu - b.mtu || (a.name < b.name ? -1 : 1));
  const from: string[] = [];
  if (fromPools.length > 0) from.push(`IPPool modes (${fromPools.join(', ')})`);
  if (fromRoutes.length > 0) from.push(`routes via ${fromRoutes.map((k) => Object.keys(TUNNEL_DEVICES).find((d) => TUNNEL_DEVICES[d] === k)).join(', ')}`);
  if (wg.length > 0) from.push(`WireGuard device ${tunnels.filter((t) => wg.includes(t.encap)).map((t) => t.name).join(', ')}`);
  if (from.length === 0) from.push(pools.length > 0 ? 'IPPools with ipipMode/vxlanMode Never and no tunnel routes' : 'no tunnel routes (no IPPool exported)');
  return {
    node: node.name,
    nic,
    nicFrom,
    tunnels,
    cali,
    caliMin: cali[0],
    caliMax: cali[cali.length - 1],
    encaps,
    encapFrom: from.join('; '),
    overhead,
  };
}

export function mtuTable(nodes: NodeModel[], pools: IPPoolResource[]): MtuTable {
  const rows = nodes.map((n) => mtuRow(n, pools));
  const nics = rows.filter((r) => r.nic !== undefined);
  if (nics.length === 0) return { rows, pathNodes: [] };
  const pathMtu = Math.min(...nics.map((r) => r.nic!.mtu));
  return { rows, pathMtu, pathNodes: nics.filter((r) => r.nic!.mtu === pathMtu).map((r) => r.node) };
}
