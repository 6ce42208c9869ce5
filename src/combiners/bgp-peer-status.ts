/**
 * BGP state per node and peer from the evidence a node has: the attached `calicoctl node status`
 * / `birdcl show protocols` (state read directly), else BIRD's own log (file log, else the
 * container log). Rules use it to say which evidence decided a session's state.
 */
import type { NodeModel } from '../model/node.js';
import type { BirdEvent, BirdLogSummary, BirdProtocolSummary } from '../model/facts.js';
import type { AttachedLine, NodeStatusFacts, PeerStatusRow } from '../model/attachments.js';
import type { Evidence } from '../model/finding.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { decodeBirdProtocolName, protocolRemoved } from '../parsers/bird-log.js';

/** Evidence for a line of an attachment (node status, birdcl output, ...). */
export function attachedEvidence(node: NodeModel, l: AttachedLine): Evidence {
  return { node: node.name, input: l.input, file: l.file, line: l.line, text: l.text };
}

/** The node-status-like attachments of a node: `calicoctl node status` first, then `birdcl show protocols`. */
export function statusAttachments(node: NodeModel): NodeStatusFacts[] {
  const a = node.attachments;
  if (a === undefined) return [];
  return [a.nodeStatus, a.birdProtocols].filter((x): x is NodeStatusFacts => x !== undefined);
}

export interface AttachedPeer {
  row: PeerStatusRow;
  /** Peer IP: the printed address, else decoded from a BIRD protocol name (`Mesh_10_0_0_12`). */
  ip?: string;
  /** `Mesh`, `Node`, `Global` when known (from BIRD's name or calicoctl's PEER TYPE). */
  kind?: string;
  facts: NodeStatusFacts;
}

/** BGP peer rows of a node's attachments (node status and birdcl), each with its peer IP when known. */
export function attachedPeers(node: NodeModel): AttachedPeer[] {
  const out: AttachedPeer[] = [];
  for (const facts of statusAttachments(node)) {
    for (const row of facts.peers) {
      const decoded = row.peerType !== undefined ? decodeBirdProtocolName(row.peerType) : {};
      const t = (row.peerType ?? '').toLowerCase();
      const kind = decoded.peerType ?? (t.includes('mesh') ? 'Mesh' : t.includes('node specific') ? 'Node' : t.includes('global') ? 'Global' : undefined);
      if (decoded.peerType !== undefined && decoded.peerType === 'Local_Workload') continue;
      // birdcl lists kernel1/device1/... too: only BGP peers count.
      if (decoded.peerType === undefined && row.peerIP === undefined && kind === undefined) continue;
      out.push({ row, ip: row.peerIP ?? decoded.peerIP, kind, facts });
    }
  }
  return out;
}

/** The node's IPv4 BIRD log summary with the file it came from: `logs/bird/current`, else the container log. */
export function birdLogOf(node: NodeModel): { summary: BirdLogSummary; file: string; source: string } | undefined {
  if (node.bird !== undefined) return { summary: node.bird, file: artifactFile(node, 'bird_log'), source: 'BIRD log' };
  if (node.containerBird !== undefined) return { summary: node.containerBird, file: artifactFile(node, 'container_logs'), source: 'BIRD lines of the container log' };
  return undefined;
}

/** BGP protocols (Mesh_/Node_/Global_) of a node's BIRD log. */
export function bgpProtocols(s: BirdLogSummary): BirdProtocolSummary[] {
  return Object.values(s.protocols)
    .filter((p) => (p.peerType === 'Mesh' || p.peerType === 'Node' || p.peerType === 'Global') && !protocolRemoved(p))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function birdEvidence(node: NodeModel, e: BirdEvent): Evidence {
  return lineEvidence(node, e.file, e);
}

/** Milliseconds of an svlogd/ISO stamp, or undefined. */
export function stampMs(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}[T_ ]\d{2}:\d{2}:\d{2}(\.\d+)?/.exec(t)?.[0];
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso.replace(/[_ ]/, 'T').replace(/(\.\d{3})\d*$/, '$1') + 'Z');
  return Number.isNaN(ms) ? undefined : ms;
}

/** `1m 05s`, `39 s`, `2h 10m`. */
export function humanSeconds(s: number): string {
  const r = Math.round(s);
  if (r < 120) return `${r} s`;
  if (r < 7200) return `${Math.floor(r / 60)}m ${String(r % 60).padStart(2, '0')}s`;
  return `${Math.floor(r / 3600)}h ${String(Math.floor((r % 3600) / 60)).padStart(2, '0')}m`;
}
