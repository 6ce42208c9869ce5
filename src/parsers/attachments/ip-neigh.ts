/**
 * `ip neigh [show]`: one neighbour per line, `addr dev D [lladdr MAC] [router] STATE`.
 *
 * Real shape:
 *
 * ```
 * 10.77.0.1 dev eth0 lladdr 52:54:00:6a:11:02 REACHABLE
 * 10.77.0.11 dev eth0 FAILED
 * 169.254.1.1 dev cali1a2b3c4d5e6 lladdr ee:ee:ee:ee:ee:ee PERMANENT
 * ```
 */
import type { NodeAttachments } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached } from './types.js';

const LINE = /^(\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]*:[0-9a-fA-F:]+) dev (\S+)(?: lladdr (\S+))?(?: \S+)*? (REACHABLE|STALE|DELAY|PROBE|FAILED|INCOMPLETE|PERMANENT|NOARP|NONE)\s*$/;

export const ipNeighShape: KindShape = { kind: 'ip-neigh', starts: (t) => LINE.test(t.trim()) };

export function parseIpNeigh(lines: SegLine[], ctx: PartContext): NonNullable<NodeAttachments['neigh']> {
  const out: NonNullable<NodeAttachments['neigh']> = [];
  for (const l of lines) {
    const m = LINE.exec(l.text.trim());
    if (m !== null) out.push({ ...attached(ctx, l), address: m[1]!, dev: m[2], ...(m[3] !== undefined ? { lladdr: m[3].toLowerCase() } : {}), state: m[4]! });
  }
  return out;
}
