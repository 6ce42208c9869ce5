/**
 * `ethtool -k <dev>` (offload features), one block per interface:
 * `Features for vxlan.calico:` then `name: on|off` with ` [fixed]` or ` [requested on]`.
 *
 * Real shape (ethtool 5.x on a VXLAN device):
 *
 * ```
 * Features for vxlan.calico:
 * rx-checksumming: on
 * tx-checksumming: on
 *         tx-checksum-ipv4: off [fixed]
 *         tx-checksum-ip-generic: on
 * ```
 */
import type { EthtoolFacts } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, sourceOf } from './types.js';

const HEADER = /^Features for (\S+?):\s*$/;
const FEATURE = /^\s*([a-z0-9][\w-]*): (on|off)(?: \[(fixed|requested on|requested off|not requested)\])?\s*$/;

export const ethtoolShape: KindShape = {
  kind: 'ethtool-k',
  starts: (t) => HEADER.test(t),
  continues: (t) => HEADER.test(t) || FEATURE.test(t),
};

export function parseEthtool(lines: SegLine[], ctx: PartContext): EthtoolFacts[] {
  const out: EthtoolFacts[] = [];
  let cur: EthtoolFacts | undefined;
  for (const l of lines) {
    const h = HEADER.exec(l.text.trim());
    if (h !== null) {
      cur = { source: sourceOf(ctx, 'ethtool-k'), interface: h[1]!, features: {} };
      out.push(cur);
      continue;
    }
    const f = FEATURE.exec(l.text);
    if (f === null || cur === undefined) continue;
    cur.features[f[1]!] = { ...attached(ctx, l), name: f[1]!, on: f[2] === 'on', fixed: f[3] === 'fixed' };
  }
  return out;
}
