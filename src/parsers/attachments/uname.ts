/**
 * `uname -r` (`5.15.0-105-generic`) or `uname -a` (`Linux node-b 5.15.0-105-generic #115-Ubuntu SMP …`).
 * A bare version line counts only with a distribution suffix (`-generic`, `.el8_9.x86_64`) or after
 * a `uname` prompt, so a lone `3.31.0` is not taken for a kernel.
 *
 * Real shape:
 *
 * ```
 * 5.15.0-105-generic
 * ```
 */
import type { NodeAttachments } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached } from './types.js';

const RELEASE = /^([2-7]\.\d+\.\d+(?:-[\w.+~-]+|\.el\d[\w.]*|\+\w*))\s*$/;
const BARE = /^([2-7]\.\d+\.\d+[\w.+~-]*)\s*$/;
const UNAME_A = /^Linux (\S+) ([2-7]\.\d+\.\d+\S*) #/;

export const unameShape: KindShape = {
  kind: 'uname',
  starts: (t) => RELEASE.test(t.trim()) || UNAME_A.test(t.trim()),
  continues: () => false,
};

export function parseUname(lines: SegLine[], ctx: PartContext): NodeAttachments['uname'] {
  for (const l of lines) {
    const t = l.text.trim();
    const a = UNAME_A.exec(t);
    if (a !== null) return { ...attached(ctx, l), kernel: a[2]!, hostname: a[1]! };
    const m = RELEASE.exec(t) ?? BARE.exec(t);
    if (m !== null) return { ...attached(ctx, l), kernel: m[1]! };
  }
  return undefined;
}
