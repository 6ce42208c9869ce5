/**
 * `birdcl`/`birdc show protocols [all]` (diags-format.md §3.5, §5.8): the greeting
 * `BIRD v0.3.3+birdv1.6.8 ready.`, the header `name proto table state since info`, one row per
 * protocol, and with `all` an indented block per protocol (`Neighbor address:`, `Source address:`,
 * `Neighbor AS:`). Raw socket reply codes (`1002-`, `2002-`, `0001 `) are stripped. Only BGP rows
 * become peers; BIRD's protocol name is the peer type (`Mesh_10_250_12_180`).
 *
 * Real sample (ddella/Kubernetes-Cluster, `kubectl exec … -- birdcl -s /var/run/calico/bird.ctl show protocols all`):
 *
 * ```
 * BIRD v0.3.3+birdv1.6.8 ready.
 * name     proto    table    state  since       info
 * static1  Static   master   up     18:12:19
 * Mesh_10_250_12_180 BGP      master   up     18:12:31    Established
 *   BGP state:          Established
 *     Neighbor address: 10.250.12.180
 *     Neighbor AS:      65001
 *     Source address:   10.250.12.186
 * ```
 */
import type { NodeStatusFacts, PeerStatusRow } from '../../model/attachments.js';
import { decodeBirdProtocolName } from '../bird-log.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, realIP, sourceOf } from './types.js';

const GREETING = /^BIRD (v?[\d.]+\S*) ready\.\s*$/;
const HEADER = /^name\s+proto\s+table\s+state\s+since\s+info\s*$/;
const ROW = /^(\S+)\s+(BGP|Static|Kernel|Device|Direct|Pipe|BFD|RIP|OSPF)\s+(\S+)\s+(up|start|down|wait|feed|stop|flush)\s+(\d{4}-\d\d-\d\d(?: \d\d:\d\d:\d\d)?|\d\d:\d\d:\d\d(?:\.\d+)?|\S+)\s*(.*)$/;

/** Strips BIRD's raw socket reply code (`1002-`, `0001 `) when present. */
export function stripBirdCode(text: string): string {
  return /^\d{4}[- ]/.test(text) ? text.slice(5) : text;
}

export const birdProtocolsShape: KindShape = {
  kind: 'birdc-show-protocols',
  starts: (t) => HEADER.test(stripBirdCode(t)) || ROW.test(stripBirdCode(t)),
  continues: (t) => /^\s/.test(t) || birdProtocolsShape.starts(t) || /^(BIRD .* ready\.|\d{4}$)/.test(t),
};

export function isBirdGreeting(text: string): boolean {
  return GREETING.test(text.trim());
}

export function parseBirdProtocols(lines: SegLine[], ctx: PartContext): NodeStatusFacts {
  const out: NodeStatusFacts = { source: sourceOf(ctx, 'birdc-show-protocols'), peers: [], lines: [] };
  let current: PeerStatusRow | undefined;
  for (const l of lines) {
    const raw = stripBirdCode(l.text);
    const t = raw.trim();
    if (t === '' || HEADER.test(t)) continue;
    if (GREETING.test(t)) {
      out.birdRunning = true;
      out.lines.push(attached(ctx, l));
      continue;
    }
    if (/unable to connect|Connection refused|No such file or directory/.test(t) && /bird|ctl|socket/i.test(t)) {
      out.birdRunning = false;
      out.lines.push(attached(ctx, l));
      continue;
    }
    const row = /^\s/.test(raw) ? null : ROW.exec(t);
    if (row !== null) {
      current = undefined;
      if (row[2] !== 'BGP') continue;
      const decoded = decodeBirdProtocolName(row[1]!);
      const info = row[6]!.replace(/\s+/g, ' ').trim();
      current = {
        ...attached(ctx, l),
        peerIP: decoded.peerIP,
        peerType: row[1],
        state: row[4]!,
        since: row[5],
        ...(info !== '' ? { info } : {}),
      };
      out.peers.push(current);
      continue;
    }
    if (current === undefined) continue;
    const kv = /^(Neighbor address|Source address|Neighbor AS):\s+(\S+)/.exec(t);
    if (kv === null) continue;
    if (kv[1] === 'Neighbor address') {
      const ip = realIP(kv[2]);
      if (ip !== undefined) current.peerIP = ip;
    } else if (kv[1] === 'Source address') {
      const ip = realIP(kv[2]);
      if (ip !== undefined) current.sourceAddress = ip;
    } else {
      const as = Number(kv[2]);
      if (Number.isFinite(as)) current.neighborAS = as;
    }
  }
  if (out.peers.length === 0 && out.birdRunning !== false && lines.some((l) => ROW.test(stripBirdCode(l.text).trim()))) out.noPeers = true;
  return out;
}
