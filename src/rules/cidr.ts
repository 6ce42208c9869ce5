/** CIDR helpers for rules (ipaddr.js does the math). */
import ipaddr from 'ipaddr.js';

export function parseCidr(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    return ipaddr.parseCIDR(cidr);
  } catch {
    return undefined;
  }
}

/** Whether `ip` (no prefix) lies in `cidr`. False on anything unparsable or a family mismatch. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  if (range === undefined || !ipaddr.isValid(ip)) return false;
  const addr = ipaddr.parse(ip);
  if (addr.kind() !== range[0].kind()) return false;
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
