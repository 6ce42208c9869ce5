/**
 * `bridge fdb show [dev vxlan.calico]`: one MAC per line with its device and, for VXLAN, the remote
 * VTEP (`dst`). Felix programs one permanent entry per remote VTEP.
 *
 * Real shape:
 *
 * ```
 * 66:1c:3e:84:4b:1a dev vxlan.calico dst 10.77.0.11 self permanent
 * 33:33:00:00:00:01 dev eth0 self permanent
 * ```
 */
import type { NodeAttachments } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached } from './types.js';

const LINE = /^([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}) dev (\S+)(?:.*? dst (\S+))?/;

export const bridgeFdbShape: KindShape = { kind: 'bridge-fdb', starts: (t) => LINE.test(t) };

export function parseBridgeFdb(lines: SegLine[], ctx: PartContext): NonNullable<NodeAttachments['fdb']> {
  const out: NonNullable<NodeAttachments['fdb']> = [];
  for (const l of lines) {
    const m = LINE.exec(l.text.trim());
    if (m !== null) out.push({ ...attached(ctx, l), mac: m[1]!.toLowerCase(), dev: m[2]!, ...(m[3] !== undefined ? { dst: m[3] } : {}) });
  }
  return out;
}
