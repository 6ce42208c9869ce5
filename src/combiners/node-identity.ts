/**
 * Decides each node's node IP (the IPv4 address Calico uses for BGP, = BIRD router id):
 * 1. the Node resource of that name (`spec.bgp.ipv4Address`), if exported;
 * 2. the address other nodes' BIRD protocols name (`Mesh_10_0_0_11`, `Node_…`, `Global_…`)
 *    that sits on one of this node's interfaces;
 * 3. the local address of this node's BGP sockets (TCP 179) in netstat/ss;
 * 4. the next hop other nodes use for this node's blocks (`<block> via <ip>`), when it is one
 *    of this node's addresses;
 * 5. calico-node's own `Using autodetected IPv4 address on interface X: ip/len` line.
 */
import type { ClusterModel, NodeModel } from '../model/node.js';
import type { CalicoLogSummary } from '../model/facts.js';
import { protocolRemoved } from '../parsers/bird-log.js';

export function stripPrefix(cidr: string): string {
  const i = cidr.indexOf('/');
  return i === -1 ? cidr : cidr.slice(0, i);
}

/** Every IPv4 address on a node with its interface name. */
export function nodeAddresses4(node: NodeModel): { address: string; prefix: number; iface: string }[] {
  const out: { address: string; prefix: number; iface: string }[] = [];
  for (const i of node.interfaces4) for (const a of i.addresses) if (a.family === 4) out.push({ address: a.address, prefix: a.prefix, iface: i.name });
  return out;
}

export function interfaceOf(node: NodeModel, ip: string): string | undefined {
  return nodeAddresses4(node).find((a) => a.address === ip)?.iface;
}

/** Peer IPs named by a node's BIRD protocols (file log and container log). */
export function birdPeerIPs(node: NodeModel): { ip: string; protocol: string }[] {
  const out: { ip: string; protocol: string }[] = [];
  for (const s of [node.bird, node.containerBird]) {
    for (const p of Object.values(s?.protocols ?? {})) if (p.peerIP !== undefined && !protocolRemoved(p)) out.push({ ip: p.peerIP, protocol: p.name });
  }
  return out;
}

const AUTODETECT = /Using autodetected IPv4 address (?:on interface (\S+): (\d+\.\d+\.\d+\.\d+)\/(\d+)|(\d+\.\d+\.\d+\.\d+)\/(\d+)(?:,| on matching interface (\S+)))/;

function autodetected(node: NodeModel): { ip: string; iface?: string; line: string } | undefined {
  const logs: (CalicoLogSummary | undefined)[] = [node.containerLog, node.agent, node.felix, node.confd];
  let last: { ip: string; iface?: string; line: string } | undefined;
  for (const l of logs) {
    for (const r of l?.signatures['autodetected-ipv4']?.refs ?? []) {
      const m = AUTODETECT.exec(r.text);
      if (m === null) continue;
      last = m[2] !== undefined ? { ip: m[2], iface: m[1], line: r.text } : { ip: m[4]!, iface: m[6], line: r.text };
    }
  }
  return last;
}

/** The next hop another node's route to one of `n`'s blocks uses, if it is one of `n`'s own addresses. */
function viaFromPeers(cluster: ClusterModel, n: NodeModel): { ip: string; from: string; block: string } | undefined {
  const mine = new Set(nodeAddresses4(n).map((a) => a.address));
  const blocks = new Set(n.routes4.filter((r) => r.type === 'blackhole' && r.dst.includes('/') && !r.dst.endsWith('/32')).map((r) => r.dst));
  if (blocks.size === 0 || mine.size === 0) return undefined;
  for (const other of cluster.nodes) {
    if (other === n) continue;
    for (const r of other.routes4) {
      if (r.type !== 'unicast' || !blocks.has(r.dst)) continue;
      // VXLAN routes go via the owner's VTEP (its vxlan.calico address), not its node IP.
      if ((r.dev ?? r.nexthops?.[0]?.dev) === 'vxlan.calico') continue;
      const via = r.via ?? r.nexthops?.[0]?.via;
      if (via !== undefined && mine.has(via)) return { ip: via, from: other.name, block: r.dst };
    }
  }
  return undefined;
}

/**
 * The Node resource of a bundle: same name as its hostname, else the only one whose short name
 * (before the first dot) matches (hostname `ip-10-0-1-5` vs Node `ip-10-0-1-5.ec2.internal`), else
 * the only one with the bundle's node IP whose name is no other bundle's (`NODENAME` set to something
 * else than the hostname, such as the node's IP: "Determined node name: 192.168.1.129").
 */
export function nodeResourceFor(cluster: ClusterModel, n: NodeModel) {
  const withIP = cluster.resources.nodes.filter((r) => r.ipv4Address !== undefined);
  if (n.hostname === undefined) return undefined;
  const exact = withIP.find((r) => r.name === n.hostname);
  if (exact !== undefined) return exact;
  const short = n.hostname.split('.')[0];
  const candidates = withIP.filter((r) => r.name.split('.')[0] === short);
  if (candidates.length > 0) return candidates.length === 1 ? candidates[0] : undefined;
  if (n.nodeIP === undefined) return undefined;
  const others = new Set(cluster.nodes.filter((o) => o !== n && o.hostname !== undefined).flatMap((o) => [o.hostname!, o.hostname!.split('.')[0]!]));
  const byIP = withIP.filter((r) => stripPrefix(r.ipv4Address!) === n.nodeIP && !others.has(r.name) && !others.has(r.name.split('.')[0]!));
  return byIP.length === 1 ? byIP[0] : undefined;
}

export function identifyNodeIPs(cluster: ClusterModel): void {
  const named = new Map<string, string[]>(); // ip -> "node-b's Mesh_…"
  for (const n of cluster.nodes) {
    for (const p of birdPeerIPs(n)) {
      const list = named.get(p.ip) ?? [];
      const who = `${n.name}'s ${p.protocol}`;
      if (!list.includes(who)) list.push(who);
      named.set(p.ip, list);
    }
  }
  for (const n of cluster.nodes) {
    const res = nodeResourceFor(cluster, n);
    if (res?.ipv4Address !== undefined) {
      n.nodeIP = stripPrefix(res.ipv4Address);
      n.nodeIPSource = `Node resource ${res.name} spec.bgp.ipv4Address ${res.ipv4Address} (${res.ref.file}:${res.ref.line})`;
      n.nodeIPInterface = interfaceOf(n, n.nodeIP);
      continue;
    }
    const mine = nodeAddresses4(n);
    const byPeers = mine.filter((a) => named.has(a.address) && !(named.get(a.address) ?? []).every((s) => s.startsWith(`${n.name}'s`)));
    if (byPeers.length >= 1) {
      const a = byPeers[0]!;
      n.nodeIP = a.address;
      n.nodeIPSource = `named by ${named.get(a.address)!.slice(0, 3).join(', ')}`;
      n.nodeIPInterface = a.iface;
      continue;
    }
    const sock = n.sockets?.tcp.find((s) => (s.remote.port === 179 || s.local.port === 179) && s.state !== 'LISTEN' && s.local.address !== '0.0.0.0' && !s.local.address.includes(':'));
    if (sock !== undefined) {
      n.nodeIP = sock.local.address;
      n.nodeIPSource = `local address of BGP socket in ${n.sockets!.file}:${sock.line}`;
      n.nodeIPInterface = interfaceOf(n, n.nodeIP);
      continue;
    }
    const via = viaFromPeers(cluster, n);
    if (via !== undefined) {
      n.nodeIP = via.ip;
      n.nodeIPSource = `next hop ${via.from} uses for its block ${via.block}`;
      n.nodeIPInterface = interfaceOf(n, via.ip);
      continue;
    }
    const auto = autodetected(n);
    if (auto !== undefined) {
      n.nodeIP = auto.ip;
      n.nodeIPSource = `calico-node log: ${auto.line.slice(0, 160)}`;
      n.nodeIPInterface = auto.iface ?? interfaceOf(n, auto.ip);
    }
  }
}
