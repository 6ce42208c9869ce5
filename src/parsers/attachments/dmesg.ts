/**
 * `dmesg` (`[  123.456789] …`), `dmesg -T` (`[Mon Mar  4 10:12:01 2024] …`) or `journalctl -k`
 * (`Mar 04 10:12:01 node-b kernel: …`): the lines a rule may need are kept (conntrack table full,
 * martians, NIC resets and link changes, OOM kills, tunnel/VXLAN module and neighbour table
 * errors); the rest are counted. NetworkManager's journal (`journalctl -u NetworkManager`, or a
 * `journalctl` mixing it with kernel lines: `Mar 04 10:12:01 node-b NetworkManager[812]: <info> …`)
 * is the same host log and kept the same way: its lines naming a device are notable
 * (networkmanager-interference reads those naming Calico's).
 *
 * Real shape:
 *
 * ```
 * [1234567.123456] nf_conntrack: nf_conntrack: table full, dropping packet
 * [1234570.001122] IPv4: martian source 10.244.150.65 from 10.244.97.2, on dev eth0
 * ```
 */
import type { KernelLogFacts } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, sourceOf } from './types.js';

const STAMP = /^(\[\s*\d+\.\d+\]|\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2}\s+\d+ \d\d:\d\d:\d\d \d{4}\]|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ (?:kernel|NetworkManager\[\d+\]):) /;
const NOTABLE = /table full, dropping packet|martian|NETDEV WATCHDOG|Out of memory|oom-kill|oom_reaper|Killed process|Memory cgroup out of memory|neighbor table overflow|neighbour table overflow|vxlan|tunl0|ipip|link is not ready|Link is Down|Link is Up|NIC Link is|segfault|hung_task|soft lockup|Call Trace|nf_tables|xt_|conntrack|NetworkManager\[\d+\]: <\w+>\s+\[[\d.]+\] (?:device|dhcp4|dhcp6|manager:) \(/i;
export const MAX_DMESG_NOTABLE = 200;

export const dmesgShape: KindShape = { kind: 'dmesg', starts: (t) => STAMP.test(t) };

export function parseDmesg(lines: SegLine[], ctx: PartContext): KernelLogFacts {
  const out: KernelLogFacts = { source: sourceOf(ctx, 'dmesg'), notable: [], lines: 0 };
  for (const l of lines) {
    if (!STAMP.test(l.text)) continue;
    out.lines++;
    if (/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ NetworkManager\[/.test(l.text)) out.networkManagerLines = (out.networkManagerLines ?? 0) + 1;
    if (NOTABLE.test(l.text) && out.notable.length < MAX_DMESG_NOTABLE) out.notable.push(attached(ctx, l));
  }
  return out;
}
