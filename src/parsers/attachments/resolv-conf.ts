/**
 * `/etc/resolv.conf` (`cat /etc/resolv.conf`, on the host or in a pod): `nameserver`, `search`,
 * `domain`, `options` lines; comments are skipped.
 *
 * Real shape (a pod's resolv.conf, and systemd-resolved's stub on the host):
 *
 * ```
 * search default.svc.cluster.local svc.cluster.local cluster.local
 * nameserver 10.96.0.10
 * options ndots:5
 * ```
 */
import type { DnsFacts } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, sourceOf } from './types.js';

const LINE = /^(nameserver|search|domain|options)\s+\S/;

export const resolvConfShape: KindShape = {
  kind: 'resolv-conf',
  starts: (t) => /^nameserver\s+\S+\s*$/.test(t) || /^(search|options)\s+\S/.test(t) && /(\.local|ndots|\.internal)/.test(t),
  continues: (t) => LINE.test(t) || /^#/.test(t),
};

export function parseResolvConf(lines: SegLine[], ctx: PartContext): DnsFacts {
  const out: DnsFacts = { source: sourceOf(ctx, 'resolv-conf'), nameservers: [], other: [], lookups: [] };
  for (const l of lines) {
    const t = l.text.trim();
    if (/^nameserver\s+\S/.test(t)) out.nameservers.push(attached(ctx, l));
    else if (LINE.test(t)) out.other.push(attached(ctx, l));
  }
  return out;
}
