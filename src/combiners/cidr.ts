/** CIDR helpers for combiners and rules (ipaddr.js does the math). */
import ipaddr from 'ipaddr.js';

const CACHE_MAX = 20000;
const cidrCache = new Map<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | null>();
const ipCache = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();

function remember<K, V>(m: Map<K, V>, k: K, v: V): V {
  if (m.size >= CACHE_MAX) m.clear();
  m.set(k, v);
  return v;
}

export function parseCidr(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  const hit = cidrCache.get(cidr);
  if (hit !== undefined) return hit ?? undefined;
  let v: [ipaddr.IPv4 | ipaddr.IPv6, number] | null;
  try {
    v = ipaddr.parseCIDR(cidr);
  } catch {
    v = null;
  }
  return remember(cidrCache, cidr, v) ?? undefined;
}

function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const hit = ipCache.get(ip);
  if (hit !== undefined) return hit ?? undefined;
  return remember(ipCache, ip, ipaddr.isValid(ip) ? ipaddr.parse(ip) : null) ?? undefined;
}

/** An address in one spelling (IPv6 compressed, lower case: `FD00:77:0::011` → `fd00:77::11`); anything unparsable as given. */
export function canonicalIp(ip: string): string {
  return parseIp(ip)?.toString() ?? ip;
}

/** Whether `ip` (no prefix) lies in `cidr`. False on anything unparsable or a family mismatch. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  if (range === undefined) return false;
  const addr = parseIp(ip);
  if (addr === undefined || addr.kind() !== range[0].kind()) return false;
  return addr.match(range);
}

/** Whether block `inner` (CIDR) lies wholly inside `outer` (CIDR). */
export function cidrInside(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (a === undefined || b === undefined || a[0].kind() !== b[0].kind()) return false;
  return a[1] >= b[1] && a[0].match(b);
}

/** Network address of ip/prefix as a CIDR string. */
export function networkOf(ip: string, prefix: number): string | undefined {
  try {
    const c = ipaddr.parseCIDR(`${ip}/${prefix}`);
    const net = ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`);
    return `${net.toString()}/${c[1]}`;
  } catch {
    return undefined;
  }
}

function toNumber(a: ipaddr.IPv4 | ipaddr.IPv6): number {
  const b = a.toByteArray();
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** An IPv4 address as an unsigned 32-bit number; undefined for anything else (as `ipInCidr` parses it). */
export function ipv4Number(ip: string): number | undefined {
  const a = parseIp(ip);
  return a === undefined || a.kind() !== 'ipv4' ? undefined : toNumber(a);
}

/** The IPv4 network of a CIDR as [number, prefix]; undefined for IPv6 or anything unparsable. */
export function ipv4CidrNumber(cidr: string): [number, number] | undefined {
  const c = parseCidr(cidr);
  return c === undefined || c[0].kind() !== 'ipv4' ? undefined : [toNumber(c[0]), c[1]];
}

/** The top `len` bits of an IPv4 number (len 0..32). */
export function maskIpv4(n: number, len: number): number {
  return len === 0 ? 0 : (n & (0xffffffff << (32 - len))) >>> 0;
}
