/**
 * `birdcl`/`birdc show route [all]` (BIRD 1.6 `rt_show_rte`): one line per route, the prefix
 * padded to 18 columns, then `via <ip> on <dev>`, `dev <dev>`, `blackhole` or `unreachable`, then
 * `[<protocol> <since>]`, ` *` when it is the primary route, and the preference. Alternative routes
 * of the same prefix follow with the prefix column empty.
 *
 * Real shape (BIRD 1.6.8 in a Calico node, lab):
 *
 * ```
 * BIRD v0.3.3+birdv1.6.8 ready.
 * 0.0.0.0/0          via 10.77.0.1 on eth0 [kernel1 18:26:02] * (10)
 * 10.244.150.64/26   via 10.77.0.12 on eth0 [Mesh_10_77_0_12 18:26:05] * (100/0) [i]
 * 10.244.97.0/26     blackhole [static1 18:25:59] * (200)
 *                    via 10.77.0.13 on eth0 [Mesh_10_77_0_13 18:26:07] (100/0) [i]
 * ```
 */
import type { NodeAttachments } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached } from './types.js';
import { stripBirdCode } from './birdc-protocols.js';

type BirdRoute = NonNullable<NodeAttachments['birdRoutes']>[number];

const ROUTE = /^([0-9a-fA-F.:]+\/\d+)\s+(?:(?:via (\S+) on (\S+))|(?:dev (\S+))|(blackhole|unreachable|prohibited|multipath))\s*\[(\S+)[^\]]*\](\s+\*)?/;
const ALT = /^\s+(?:(?:via (\S+) on (\S+))|(?:dev (\S+))|(blackhole|unreachable|prohibited))\s*\[(\S+)[^\]]*\](\s+\*)?/;

export const birdRouteShape: KindShape = {
  kind: 'birdc-show-route',
  starts: (t) => ROUTE.test(stripBirdCode(t)),
  continues: (t) => ROUTE.test(stripBirdCode(t)) || ALT.test(stripBirdCode(t)) || /^\s+(Type:|BGP\.|\S+\.\S+:)/.test(t),
};

export function parseBirdRoutes(lines: SegLine[], ctx: PartContext): BirdRoute[] {
  const out: BirdRoute[] = [];
  let prefix: string | undefined;
  for (const l of lines) {
    const t = stripBirdCode(l.text);
    const m = ROUTE.exec(t);
    if (m !== null) {
      prefix = m[1]!;
      out.push({ ...attached(ctx, l), prefix, via: m[2], dev: m[3] ?? m[4], protocol: m[6], primary: m[7] !== undefined, ...(m[5] !== undefined ? { type: m[5] } : {}) });
      continue;
    }
    const a = ALT.exec(t);
    if (a !== null && prefix !== undefined) {
      out.push({ ...attached(ctx, l), prefix, via: a[1], dev: a[2] ?? a[3], protocol: a[5], primary: a[6] !== undefined, ...(a[4] !== undefined ? { type: a[4] } : {}) });
    }
  }
  return out;
}
