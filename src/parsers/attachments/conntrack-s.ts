/**
 * `conntrack -S`: per-CPU counters, summed into totals (`insert_failed` and `drop` rise when the
 * table is full; `invalid` with asymmetric routing).
 *
 * Real shape (conntrack-tools 1.4.6):
 *
 * ```
 * cpu=0   	found=0 invalid=1052 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=12
 * cpu=1   	found=0 invalid=987 ignore=0 insert=0 insert_failed=3 drop=3 early_drop=0 error=0 search_restart=9
 * ```
 */
import type { ConntrackStats } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, sourceOf } from './types.js';

const LINE = /^cpu=\d+\s+(?:[a-z_]+=\d+\s*)+$/;

export const conntrackShape: KindShape = { kind: 'conntrack-s', starts: (t) => LINE.test(t.trim()) };

export function parseConntrackStats(lines: SegLine[], ctx: PartContext): ConntrackStats {
  const out: ConntrackStats = { source: sourceOf(ctx, 'conntrack-s'), totals: {}, lines: [] };
  for (const l of lines) {
    const t = l.text.trim();
    if (!LINE.test(t)) continue;
    out.lines.push(attached(ctx, l));
    for (const m of t.matchAll(/([a-z_]+)=(\d+)/g)) {
      if (m[1] === 'cpu') continue;
      out.totals[m[1]!] = (out.totals[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return out;
}
