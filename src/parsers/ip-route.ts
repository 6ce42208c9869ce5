/**
 * Parser for `ip -4 route` / `ip -6 route` (node diags `ipv4_route`, `ipv6_route`) and
 * cluster diags `ip route show table all` (`ip-route.txt`, `ip-route-v6.txt`).
 *
 * Real sample, modern iproute2 with IPIP (https://github.com/projectcalico/calico/issues/9010):
 *
 * ```
 * 172.27.174.0/26 via 10.77.20.196 dev tunl0 proto bird onlink
 * 172.27.175.64/26 via 10.77.7.159 dev tunl0 proto bird onlink
 * blackhole 172.27.198.192/26 proto bird
 * 172.27.198.195 dev cali5ce32826680 scope link
 * 172.27.198.198 dev calia9a07b1e42e scope link
 * 172.27.198.225 via 10.77.20.145 dev tunl0 proto bird onlink
 * 172.27.198.226 via 10.77.20.145 dev tunl0 proto bird onlink
 * 172.27.198.229 dev cali879ff228c90 scope link
 * ```
 *
 * Real sample, old iproute2 with two spaces between fields and trailing spaces
 * (https://github.com/projectcalico/calicoctl/issues/772):
 *
 * ```
 * default via 172.31.16.1 dev eth0
 * 10.0.3.0/24 dev lxcbr0  proto kernel  scope link  src 10.0.3.1
 * 172.31.16.0/20 dev eth0  proto kernel  scope link  src 172.31.27.45
 * blackhole 192.168.0.0/26  proto bird
 * 192.168.0.12 dev calie8beb266c79  scope link
 * 192.168.0.13 dev caliefab0610c79  scope link
 * ```
 *
 * Also handled: route types (`local`, `broadcast`, `unreachable`, ...), `table local`,
 * `metric N`, IPv6 `expires 3599sec` / `pref medium`, `via inet6 <addr>`, and ECMP
 * `nexthop via X dev Y weight 1` continuation lines (indented), which are attached to
 * the route above them. Host routes get `/32` (IPv4) or `/128` (IPv6). Lines that are not
 * routes (error text, garbage) are skipped: the caller detects error text separately.
 */
import type { Route } from '../model/facts.js';
import { runParser, type LineParser } from './line-parser.js';
import { fields } from './fields.js';

/** Route types iproute2 prints before the destination (`unicast` is implied when absent). */
export const ROUTE_TYPES: ReadonlySet<string> = new Set([
  'unicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'nat',
]);

/** Keys that take one value. Unknown single words (flags) are skipped. */
const VALUE_KEYS = new Set([
  'via',
  'dev',
  'proto',
  'scope',
  'src',
  'metric',
  'table',
  'pref',
  'expires',
  'mtu',
  'advmss',
  'error',
  'realm',
  'realms',
  'hoplimit',
  'initcwnd',
  'initrwnd',
  'rtt',
  'rttvar',
  'rto_min',
  'cwnd',
  'window',
  'ssthresh',
  'features',
  'quickack',
  'congctl',
  'fastopen_no_cookie',
  'nhid',
  'from',
  'tos',
  'dsfield',
  'weight',
  'ttl-propagate',
]);


/** True when `s` is made of hex digits, dots, colons and at most one slash + digits, with a dot or colon. */
function looksLikePrefix(s: string): boolean {
  let sep = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 58) sep = true;
    else if (c === 47) {
      // prefix length: digits only, after an address
      if (i === 0 || i === s.length - 1) return false;
      for (let j = i + 1; j < s.length; j++) {
        const d = s.charCodeAt(j);
        if (d < 48 || d > 57) return false;
      }
      return sep;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return sep;
}

function normaliseDst(s: string): string {
  if (s === 'default' || s.indexOf('/') !== -1) return s;
  return s.indexOf(':') !== -1 ? `${s}/128` : `${s}/32`;
}

function toInt(s: string | undefined): number | undefined {
  if (s === undefined || s.length === 0 || s.length > 15) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(s);
}

/** Reads `nexthop via X dev Y weight N` (tokens after `nexthop`). */
function parseNexthop(tok: string[]): { via?: string; dev?: string; weight?: number } {
  const hop: { via?: string; dev?: string; weight?: number } = {};
  for (let i = 1; i < tok.length; i++) {
    const k = tok[i]!;
    if (k === 'via') {
      let v = tok[++i];
      if (v === 'inet' || v === 'inet6') v = tok[++i];
      if (v !== undefined) hop.via = v;
    } else if (k === 'dev') {
      const v = tok[++i];
      if (v !== undefined) hop.dev = v;
    } else if (k === 'weight') {
      const w = toInt(tok[++i]);
      if (w !== undefined) hop.weight = w;
    }
  }
  return hop;
}

export function createIpRouteParser(): LineParser<Route[]> {
  const routes: Route[] = [];
  let last: Route | undefined;
  return {
    push(line: string, lineNo: number): void {
      const tok = fields(line);
      if (tok.length === 0) return;
      const first = tok[0]!;
      if (first === 'nexthop') {
        // ECMP continuation line (tab/space indented under its route).
        if (last !== undefined) (last.nexthops ??= []).push(parseNexthop(tok));
        return;
      }
      let i = 0;
      let type = 'unicast';
      if (ROUTE_TYPES.has(first)) {
        type = first;
        i = 1;
      }
      const dstTok = tok[i];
      if (dstTok === undefined || (dstTok !== 'default' && !looksLikePrefix(dstTok))) {
        last = undefined;
        return;
      }
      const route: Route = { line: lineNo, text: line, type, dst: normaliseDst(dstTok), onlink: false };
      for (i = i + 1; i < tok.length; i++) {
        const k = tok[i]!;
        if (k === 'onlink') {
          route.onlink = true;
          continue;
        }
        if (!VALUE_KEYS.has(k)) continue;
        let v = tok[i + 1];
        if (v === undefined) break;
        i++;
        if (v === 'lock') {
          // `mtu lock 1500`
          v = tok[++i];
          if (v === undefined) break;
        }
        switch (k) {
          case 'via':
            if (v === 'inet' || v === 'inet6') {
              v = tok[++i];
              if (v === undefined) break;
            }
            route.via = v;
            break;
          case 'dev':
            route.dev = v;
            break;
          case 'proto':
            route.proto = v;
            break;
          case 'scope':
            route.scope = v;
            break;
          case 'src':
            route.src = v;
            break;
          case 'table':
            route.table = v;
            break;
          case 'metric': {
            const m = toInt(v);
            if (m !== undefined) route.metric = m;
            break;
          }
          default:
            break;
        }
      }
      routes.push(route);
      last = route;
    },
    finish(): Route[] {
      return routes;
    },
  };
}

export function parseIpRoute(text: string): Route[] {
  return runParser(createIpRouteParser(), text);
}
