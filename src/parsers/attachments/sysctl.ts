/**
 * `sysctl -a`, `sysctl <key>…` or `sysctl -p` output: `key = value` lines (keys as printed; a
 * `net/ipv4/ip_forward` path form is normalised to dots). Errors such as
 * `sysctl: cannot stat /proc/sys/…` are skipped.
 *
 * Real shape:
 *
 * ```
 * net.ipv4.ip_forward = 1
 * net.ipv4.conf.all.rp_filter = 1
 * net.ipv4.conf.eth0.rp_filter = 2
 * net.netfilter.nf_conntrack_max = 131072
 * ```
 */
import type { SysctlFacts } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, sourceOf } from './types.js';

const LINE = /^((?:net|kernel|vm|fs|dev|user|abi|debug|crypto|sunrpc)[./][\w.\-/:@]+?)\s*=\s*(.*?)\s*$/;

export const sysctlShape: KindShape = {
  kind: 'sysctl',
  starts: (t) => LINE.test(t),
  continues: (t) => LINE.test(t) || /^sysctl: /.test(t),
};

export function parseSysctl(lines: SegLine[], ctx: PartContext): SysctlFacts {
  const out: SysctlFacts = { source: sourceOf(ctx, 'sysctl'), values: {} };
  for (const l of lines) {
    const m = LINE.exec(l.text.trim());
    if (m === null) continue;
    const key = m[1]!.includes('.') ? m[1]! : m[1]!.replace(/\//g, '.');
    out.values[key] = { ...attached(ctx, l), value: m[2]! };
  }
  return out;
}
