/**
 * `ip -d link [show]` (also `ip link`, `ip -d addr`): `N: name[@peer]: <FLAGS> mtu M … state S`,
 * then indented detail lines; the VXLAN and IPIP ones give the tunnel's VNI, local address,
 * device and port.
 *
 * Real shape (iproute2 5.x, Calico VXLAN device):
 *
 * ```
 * 5: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default
 *     link/ether 66:1c:3e:84:4b:1a brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535
 *     vxlan id 4096 local 10.77.0.12 dev eth0 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64
 * ```
 */
import type { LinkDetail } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached } from './types.js';

const LINK = /^(\d+): ([^:@\s]+)(?:@\S+)?: <[^>]*> mtu (\d+)\b.*?(?:\bstate (\S+))?/;

export const ipLinkShape: KindShape = {
  kind: 'ip-d-link',
  starts: (t) => LINK.test(t),
  continues: (t) => LINK.test(t) || /^\s+\S/.test(t),
};

export function parseIpLink(lines: SegLine[], ctx: PartContext): LinkDetail[] {
  const out: LinkDetail[] = [];
  let cur: LinkDetail | undefined;
  for (const l of lines) {
    const m = LINK.exec(l.text);
    if (m !== null) {
      const state = / state (\S+)/.exec(l.text);
      cur = { ...attached(ctx, l), name: m[2]!, mtu: Number(m[3]), ...(state !== null ? { state: state[1] } : {}) };
      out.push(cur);
      continue;
    }
    if (cur === undefined) continue;
    const t = l.text.trim();
    if (t.startsWith('vxlan ')) {
      const id = / id (\d+)/.exec(t);
      const local = / local (\S+)/.exec(t);
      const dev = / dev (\S+)/.exec(t);
      const port = / dstport (\d+)/.exec(t);
      cur.vxlan = {
        ...(id !== null ? { id: Number(id[1]) } : {}),
        ...(local !== null ? { local: local[1] } : {}),
        ...(dev !== null ? { dev: dev[1] } : {}),
        ...(port !== null ? { dstport: Number(port[1]) } : {}),
      };
      cur.tunnelLine = attached(ctx, l);
    } else if (t.startsWith('ipip ')) {
      const remote = / remote (\S+)/.exec(t);
      const local = / local (\S+)/.exec(t);
      cur.ipip = { ...(remote !== null ? { remote: remote[1] } : {}), ...(local !== null ? { local: local[1] } : {}) };
      cur.tunnelLine = attached(ctx, l);
    }
  }
  return out;
}
