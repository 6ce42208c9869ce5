/**
 * T2 BGP pair matrix: for every pair of nodes, what each side's BIRD last logged for the
 * other (protocol `Mesh_`/`Node_`/`Global_<ip>`), the TCP state of their port-179 socket in
 * each side's netstat/ss, whether each side listens on 179, and who should initiate
 * (v3.22+ mesh: the greater IP string connects, the other is `passive on`).
 */
import type { BgpMatrix, BgpPair, BgpSide } from '../model/derived.js';
import type { NodeModel } from '../model/node.js';
import type { BirdProtocolSummary, TcpSocket } from '../model/facts.js';
import type { Evidence } from '../model/finding.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { nodeAddresses4 } from './node-identity.js';
import { protocolRemoved } from '../parsers/bird-log.js';
import { canonicalIp } from './cidr.js';

const SOCKET_RANK: Record<string, number> = { ESTABLISHED: 5, SYN_SENT: 4, SYN_RECV: 3, FIN_WAIT1: 2, CLOSE_WAIT: 2, TIME_WAIT: 1 };

function unmap(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

export function listens179(node: NodeModel): TcpSocket | undefined {
  return node.sockets?.tcp.find((s) => s.state === 'LISTEN' && s.local.port === 179);
}

/** The BGP socket between `node` and `peerIPs` in node's netstat/ss (best state first). */
export function bgpSocket(node: NodeModel, peerIPs: string[]): TcpSocket | undefined {
  let best: TcpSocket | undefined;
  for (const s of node.sockets?.tcp ?? []) {
    if (s.state === 'LISTEN') continue;
    if (!peerIPs.includes(unmap(s.remote.address))) continue;
    if (s.remote.port !== 179 && s.local.port !== 179) continue;
    if (best === undefined || (SOCKET_RANK[s.state] ?? 0) > (SOCKET_RANK[best.state] ?? 0)) best = s;
  }
  return best;
}

/** BIRD protocols of `node` (file log, else container log) whose peer is one of `peerIPs`. */
export function protocolsTo(node: NodeModel, peerIPs: string[]): { proto: BirdProtocolSummary; file: string }[] {
  const out: { proto: BirdProtocolSummary; file: string }[] = [];
  const sources = [
    { s: node.bird, file: artifactFile(node, 'bird_log') },
    { s: node.containerBird, file: artifactFile(node, 'container_logs') },
  ];
  for (const { s, file } of sources) {
    for (const p of Object.values(s?.protocols ?? {})) {
      if (p.peerIP !== undefined && peerIPs.includes(p.peerIP) && !protocolRemoved(p)) out.push({ proto: p, file: p.lastStateRef?.file ?? file });
    }
    if (out.length > 0) break;
  }
  return out;
}

function side(node: NodeModel, peer: NodeModel): BgpSide {
  const ips = peer.nodeIP !== undefined ? [peer.nodeIP] : [];
  const evidence: Evidence[] = [];
  const protos = protocolsTo(node, ips);
  const p = protos[0]?.proto;
  if (p?.lastStateRef !== undefined) evidence.push(lineEvidence(node, p.lastStateRef.file, p.lastStateRef));
  for (const e of (p?.errors ?? []).slice(-3)) evidence.push(lineEvidence(node, e.file, e));
  const sock = bgpSocket(node, ips);
  const sockFile = node.sockets?.file ?? artifactFile(node, 'netstat');
  if (sock !== undefined) evidence.push(lineEvidence(node, sockFile, sock));
  const listen = listens179(node);
  const logCollected = node.bird !== undefined || node.containerBird !== undefined;
  return {
    node: node.name,
    protocol: p?.name,
    lastState: p?.lastState,
    everUp: p?.everUp ?? false,
    errors: (p?.errors ?? []).slice(-3).map((e) => `${e.kind === 'error-received' ? 'Received' : e.kind === 'error-sent' ? 'Error' : e.kind}: ${e.detail ?? ''}`),
    socket: node.sockets === undefined ? undefined : sock?.state ?? 'none',
    listens179: node.sockets === undefined ? undefined : listen !== undefined,
    logCollected,
    evidence,
  };
}

function pairStatus(a: BgpSide, b: BgpSide): BgpPair['status'] {
  const up = (s: BgpSide) => s.lastState === 'up' || s.socket === 'ESTABLISHED';
  const known = (s: BgpSide) => s.lastState !== undefined || s.socket !== undefined;
  if (up(a) && up(b)) return 'up';
  if (up(a) || up(b)) return known(a) && known(b) ? 'half' : 'up';
  if (!known(a) && !known(b)) return 'unknown';
  return 'down';
}

export function bgpPairs(nodes: NodeModel[]): BgpMatrix {
  const pairs: BgpPair[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i]!;
      const b = nodes[j]!;
      if (a.nodeIP === undefined || b.nodeIP === undefined || a.nodeIP === b.nodeIP) continue;
      const sa = side(a, b);
      const sb = side(b, a);
      if (sa.protocol === undefined && sb.protocol === undefined && sa.socket !== 'ESTABLISHED' && sb.socket !== 'ESTABLISHED' && (sa.logCollected || sb.logCollected) === false && a.sockets === undefined && b.sockets === undefined) {
        continue; // nothing known about this pair at all
      }
      const initiator = a.nodeIP > b.nodeIP ? a.name : b.name;
      pairs.push({ a: sa, b: sb, aIP: a.nodeIP, bIP: b.nodeIP, initiator, status: pairStatus(sa, sb) });
    }
  }
  // Mesh peers named by BIRD protocols that match no node we have a bundle for.
  const known = new Set<string>();
  for (const n of nodes) for (const a of nodeAddresses4(n)) known.add(a.address);
  // bird6's Mesh peers (dual stack) are the nodes' IPv6 addresses; a container log interleaves its
  // lines with bird's, so they reach the same summary.
  for (const n of nodes) for (const i of n.interfaces6) for (const a of i.addresses) known.add(canonicalIp(a.address));
  for (const n of nodes) if (n.nodeIP !== undefined) known.add(n.nodeIP);
  const unknownPeers: BgpMatrix['unknownPeers'] = [];
  for (const n of nodes) {
    for (const [s, file] of [[n.bird, artifactFile(n, 'bird_log')], [n.containerBird, artifactFile(n, 'container_logs')]] as const) {
      for (const p of Object.values(s?.protocols ?? {})) {
        // Only mesh peers are Calico nodes for sure; Node_/Global_ peers are often routers (ToR, RR).
        // A protocol BIRD removed on a reconfiguration (its Node was deleted) is no peer any more.
        if (p.peerIP === undefined || known.has(p.peerIP) || known.has(canonicalIp(p.peerIP)) || p.peerType !== 'Mesh' || protocolRemoved(p)) continue;
        const ref = p.lastStateRef;
        const sock = bgpSocket(n, [p.peerIP]);
        const established = sock?.state === 'ESTABLISHED';
        unknownPeers.push({
          node: n.name,
          peerIP: p.peerIP,
          protocol: p.name,
          evidence: ref !== undefined ? lineEvidence(n, ref.file, ref) : { node: n.name, input: n.input, file, line: 0, text: `protocol ${p.name}` },
          up: p.lastState === 'up' || established,
          ...(established ? { socketEvidence: lineEvidence(n, n.sockets?.file ?? artifactFile(n, 'netstat'), sock) } : {}),
        });
      }
    }
  }
  unknownPeers.sort((x, y) => (x.peerIP + x.node < y.peerIP + y.node ? -1 : 1));
  return { pairs, unknownPeers };
}
