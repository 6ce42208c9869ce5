/**
 * Parser for `ip -4 addr` / `ip -6 addr` (node diags `ipv4_addr`, `ipv6_addr`; cluster diags
 * `ip-addr.txt`, both families).
 *
 * Real sample, VXLAN device and a workload veth
 * (https://github.com/Orange-OpenSource/towards5gs-helm/issues/62):
 *
 * ```
 * 5: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default
 *     link/ether 66:ae:fe:7c:7a:02 brd ff:ff:ff:ff:ff:ff
 *     inet 192.168.47.192/32 scope global vxlan.calico
 *        valid_lft forever preferred_lft forever
 *     inet6 fe80::64ae:feff:fe7c:7a02/64 scope link
 *        valid_lft forever preferred_lft forever
 * 6: calib60157fc38c@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default
 *     link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-8ef93e66-1599-cb33-cb25-dc17859f684f
 *     inet6 fe80::ecee:eeff:feee:eeee/64 scope link
 * ```
 *
 * Real sample, IPIP tunnel flattened by the reporter (no indentation)
 * (https://github.com/projectcalico/felix/issues/1833):
 *
 * ```
 * 4: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN
 * link/ipip 0.0.0.0 brd 0.0.0.0
 * inet 10.253.252.128/32 scope global tunl0
 * ```
 *
 * Lines are recognised by their first word, not by indentation. `altname`, `valid_lft`
 * and anything unrecognised are skipped. `mac` is the link-layer address as printed after
 * `link/<type>` (for `link/ipip` that is an IPv4 address).
 */
import type { InterfaceAddress, NetInterface } from '../model/facts.js';
import { runParser, type LineParser } from './line-parser.js';
import { fields } from './fields.js';

/** Address flags `ip` prints after `scope`; any other trailing word on an `inet` line is the label. */
const ADDR_FLAGS = new Set([
  'dynamic',
  'secondary',
  'primary',
  'temporary',
  'mngtmpaddr',
  'noprefixroute',
  'deprecated',
  'tentative',
  'dadfailed',
  'optimistic',
  'home',
  'nodad',
  'permanent',
  'stable-privacy',
  'autojoin',
]);

const ADDR_VALUE_KEYS = new Set(['brd', 'scope', 'peer', 'metric', 'proto', 'valid_lft', 'preferred_lft', 'any']);


function toInt(s: string | undefined): number | undefined {
  if (s === undefined || s.length === 0 || s.length > 15) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(s);
}

/** `6: calib60157fc38c@if3: <FLAGS> mtu 1450 ... state UP ...` → interface, or undefined. */
function parseHeader(line: string, lineNo: number): NetInterface | undefined {
  const colon = line.indexOf(': ');
  if (colon <= 0) return undefined;
  const index = toInt(line.slice(0, colon));
  if (index === undefined) return undefined;
  const tok = fields(line.slice(colon + 2));
  let rawName = tok[0];
  if (rawName === undefined || !rawName.endsWith(':') || rawName.length < 2) return undefined;
  rawName = rawName.slice(0, -1);
  const at = rawName.indexOf('@');
  const iface: NetInterface = {
    line: lineNo,
    text: line,
    index,
    name: at > 0 ? rawName.slice(0, at) : rawName,
    flags: [],
    addresses: [],
  };
  if (at > 0) iface.linkPeer = rawName.slice(at + 1);
  let i = 1;
  const f = tok[1];
  if (f !== undefined && f.startsWith('<') && f.endsWith('>')) {
    const inner = f.slice(1, -1);
    iface.flags = inner.length > 0 ? inner.split(',') : [];
    i = 2;
  }
  for (; i < tok.length - 1; i++) {
    const k = tok[i]!;
    if (k === 'mtu') {
      const m = toInt(tok[i + 1]);
      if (m !== undefined) iface.mtu = m;
      i++;
    } else if (k === 'state') {
      iface.state = tok[++i]!;
    }
  }
  return iface;
}

function parseAddress(tok: string[], line: string, lineNo: number): InterfaceAddress | undefined {
  const family: 4 | 6 = tok[0] === 'inet' ? 4 : 6;
  const raw = tok[1];
  if (raw === undefined) return undefined;
  let peer: string | undefined;
  let i = 2;
  if (tok[2] === 'peer' && tok[3] !== undefined) {
    peer = tok[3];
    i = 4;
  }
  // With `peer`, the prefix is printed on the peer (`inet 10.0.0.1 peer 10.0.0.2/32`).
  const withPrefix = raw.indexOf('/') !== -1 ? raw : peer !== undefined && peer.indexOf('/') !== -1 ? peer : undefined;
  const slash = raw.indexOf('/');
  const address = slash === -1 ? raw : raw.slice(0, slash);
  let prefix = family === 4 ? 32 : 128;
  if (withPrefix !== undefined) {
    const p = toInt(withPrefix.slice(withPrefix.indexOf('/') + 1));
    if (p !== undefined) prefix = p;
  }
  if (address.length === 0) return undefined;
  const a: InterfaceAddress = {
    line: lineNo,
    text: line,
    family,
    address,
    prefix,
    cidr: slash === -1 ? `${address}/${prefix}` : raw,
  };
  if (peer !== undefined) a.peer = peer;
  for (; i < tok.length; i++) {
    const k = tok[i]!;
    if (ADDR_VALUE_KEYS.has(k)) {
      const v = tok[++i];
      if (v === undefined) break;
      if (k === 'brd') a.brd = v;
      else if (k === 'scope') a.scope = v;
      else if (k === 'peer') a.peer = v;
    } else if (k === 'dynamic') a.dynamic = true;
    else if (k === 'secondary') a.secondary = true;
    else if (!ADDR_FLAGS.has(k) && family === 4) a.label = k;
  }
  return a;
}

export function createIpAddrParser(): LineParser<NetInterface[]> {
  const out: NetInterface[] = [];
  let cur: NetInterface | undefined;
  return {
    push(line: string, lineNo: number): void {
      const c0 = line.charCodeAt(0);
      if (c0 >= 48 && c0 <= 57) {
        const iface = parseHeader(line, lineNo);
        if (iface !== undefined) {
          out.push(iface);
          cur = iface;
        }
        return;
      }
      if (cur === undefined) return;
      const tok = fields(line);
      const first = tok[0];
      if (first === undefined) return;
      if (first === 'inet' || first === 'inet6') {
        const a = parseAddress(tok, line, lineNo);
        if (a !== undefined) cur.addresses.push(a);
      } else if (first.startsWith('link/')) {
        cur.linkType = first.slice(5);
        const mac = tok[1];
        if (mac !== undefined && mac !== 'brd' && mac !== 'link-netns' && mac !== 'link-netnsid') cur.mac = mac;
      }
      // valid_lft / altname / anything else: nothing to keep.
    },
    finish(): NetInterface[] {
      return out;
    },
  };
}

export function parseIpAddr(text: string): NetInterface[] {
  return runParser(createIpAddrParser(), text);
}
