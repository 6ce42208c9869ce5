/**
 * `calicoctl node status` (v2+) and `calicoctl status` (v1.x) as pasted (diags-format.md §3.6, §5.7;
 * pastes.md): the process line, `IPv4 BGP status`, the peer table whose INFO cell wraps at 30
 * characters onto a continuation row, `No IPv4 peers found.`. Borders may be `+---+`/`|`, box
 * drawing, em-dashes or gone; addresses may be redacted (`xxx.xxx.xx.48`: the row is kept, the IP
 * unknown).
 *
 * Real sample (https://github.com/projectcalico/calicoctl/issues/1883):
 *
 * ```
 * Calico process is running.
 *
 * IPv4 BGP status
 * +----------------+-------------------+-------+----------+--------------------------------+
 * |  PEER ADDRESS  |     PEER TYPE     | STATE |  SINCE   |              INFO              |
 * +----------------+-------------------+-------+----------+--------------------------------+
 * | 192.168.63.204 | node-to-node mesh | start | 17:19:38 | Active Socket: Connection      |
 * |                |                   |       |          | refused                        |
 * +----------------+-------------------+-------+----------+--------------------------------+
 *
 * IPv6 BGP status
 * No IPv6 peers found.
 * ```
 */
import type { NodeStatusFacts, PeerStatusRow } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, flattenRow, isBorder, realIP, sourceOf } from './types.js';

const PROCESS = /^(Calico process is (not )?running\.|calico-node container is (not )?running\b|calico-node container not running)/;
const SECTION = /^IPv([46]) BGP status\s*$/;
const HEADER = /PEER ADDRESS.*PEER TYPE.*STATE/;
const PEER_TYPES = 'node-to-node mesh|node specific|global';
/** A flattened peer row: address, type, state, since, info. */
const ROW = new RegExp(`^(\\S+) (${PEER_TYPES}) (\\S+) (\\d\\d:\\d\\d:\\d\\d|\\d{4}-\\d\\d-\\d\\d(?: \\d\\d:\\d\\d:\\d\\d)?)(?: (.*))?$`);

export const nodeStatusShape: KindShape = {
  kind: 'calicoctl-node-status',
  starts: (t) => PROCESS.test(t) || SECTION.test(t) || HEADER.test(t) || ROW.test(flattenRow(t)) || /^No IPv[46] peers found\./.test(t) || /^The BGP backend process \(BIRD\) is not running\./.test(t),
  continues: (t) => isBorder(t) || /^[\s|│┃║¦]/.test(t) || nodeStatusShape.starts(t) || /^(INFO: |Error querying BIRD|Running felix version)/.test(t),
};

export function parseNodeStatus(lines: SegLine[], ctx: PartContext): NodeStatusFacts {
  const out: NodeStatusFacts = { source: sourceOf(ctx, 'calicoctl-node-status'), peers: [], lines: [] };
  let family: 4 | 6 = 4;
  let last: PeerStatusRow | undefined;
  for (const l of lines) {
    const t = l.text.trim();
    if (t === '') continue;
    const proc = PROCESS.exec(t);
    if (proc !== null) {
      out.calicoRunning = !/not running/.test(t);
      out.lines.push(attached(ctx, l));
      last = undefined;
      continue;
    }
    const sec = SECTION.exec(t);
    if (sec !== null) {
      family = sec[1] === '6' ? 6 : 4;
      last = undefined;
      continue;
    }
    if (/^No IPv4 peers found\./.test(t)) {
      out.noPeers = true;
      out.lines.push(attached(ctx, l));
      continue;
    }
    if (/^The BGP backend process \(BIRD\) is not running\./.test(t)) {
      out.birdRunning = false;
      out.lines.push(attached(ctx, l));
      continue;
    }
    if (isBorder(t) || HEADER.test(t)) {
      if (isBorder(t)) last = undefined;
      continue;
    }
    const flat = flattenRow(t);
    const row = ROW.exec(flat);
    if (row !== null) {
      const info = row[5]?.trim();
      last = {
        ...attached(ctx, l),
        peerIP: realIP(row[1]),
        peerType: row[2],
        state: row[3]!,
        since: row[4],
        ...(info !== undefined && info !== '' ? { info } : {}),
        ...(family === 6 ? { family: 6 as const } : {}),
      };
      if (last.peerIP === undefined) last.redactedPeer = row[1];
      out.peers.push(last);
      if (out.birdRunning === undefined) out.birdRunning = true;
      continue;
    }
    // A wrapped INFO cell: the other cells are empty, so only the rest of INFO is left.
    if (last !== undefined && flat !== '' && /^[\s|│┃║¦]/.test(l.text) && !flat.includes(' node-to-node mesh ')) {
      last.info = last.info === undefined ? flat : `${last.info} ${flat}`;
    }
  }
  return out;
}
