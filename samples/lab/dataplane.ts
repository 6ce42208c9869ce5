/**
 * Calico-like iptables chains and ipsets for one lab node (what Felix would program), loaded with
 * the real `ipset restore` and `iptables-restore` inside the node namespace. Rule comments are
 * `cali:<16 chars>` like Felix's (derived from a hash of chain and rule, as Felix does, but not the
 * same hash inputs).
 */
import { createHash } from 'node:crypto';
import type { NodeSpec, PoolSpec } from './scenario.js';

export interface Workload {
  pod: string;
  ip: string;
  iface: string;
}

export function caliHash(seed: string): string {
  return createHash('sha224').update(seed).digest('base64url').slice(0, 16);
}

/** Host-side veth name for a pod: `cali` + 11 hex chars (Calico: sha1 of the workload endpoint id). */
export function vethName(node: string, pod: string): string {
  return 'cali' + createHash('sha1').update(`${node}.default.${pod}`).digest('hex').slice(0, 11);
}

export interface IpsetInput {
  pools: PoolSpec[];
  /** Addresses of every node (cali40all-hosts-net). */
  hostIps: string[];
  /** Addresses of this host (cali40this-host). */
  thisHost: string[];
}

export function ipsetRestore(inp: IpsetInput): string {
  const lines: string[] = [];
  const set = (name: string, type: string, members: string[]) => {
    lines.push(`create ${name} ${type} family inet hashsize 1024 maxelem 1048576`);
    for (const m of members) lines.push(`add ${name} ${m}`);
  };
  set('cali40all-ipam-pools', 'hash:net', inp.pools.map((p) => p.cidr));
  set('cali40masq-ipam-pools', 'hash:net', inp.pools.filter((p) => p.natOutgoing).map((p) => p.cidr));
  set('cali40all-hosts-net', 'hash:net', inp.hostIps);
  set('cali40this-host', 'hash:ip', inp.thisHost);
  return lines.join('\n') + '\n';
}

class Table {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  constructor(readonly name: string, readonly builtins: string[]) {}
  chain(c: string): void {
    if (!this.chains.includes(c)) this.chains.push(c);
  }
  add(chain: string, spec: string, target: string, extraComment?: string): void {
    this.chain(chain);
    const idx = this.rules.filter((r) => r.startsWith(`-A ${chain} `)).length;
    const cali = `-m comment --comment "cali:${caliHash(`${this.name}/${chain}/${idx}/${spec}/${target}`)}"`;
    const extra = extraComment ? ` -m comment --comment "${extraComment}"` : '';
    const parts = [`-A ${chain}`];
    // Felix puts interface matches before the comment and the rest after.
    const m = /^((?:-[io] \S+ ?)*)(.*)$/.exec(spec)!;
    if (m[1]!.trim()) parts.push(m[1]!.trim());
    parts.push(cali + extra);
    if (m[2]!.trim()) parts.push(m[2]!.trim());
    parts.push(target);
    this.rules.push(parts.join(' '));
  }
  text(): string {
    const out = [`*${this.name}`];
    for (const b of this.builtins) out.push(`:${b} ACCEPT [0:0]`);
    for (const c of [...this.chains].filter((c) => !this.builtins.includes(c)).sort()) out.push(`:${c} - [0:0]`);
    out.push(...this.rules, 'COMMIT');
    return out.join('\n');
  }
}

export interface FilterInput {
  node: NodeSpec;
  workloads: Workload[];
  natOutgoing: boolean;
}

/** iptables-restore input with Felix-like chains for filter, nat, mangle and raw. */
export function iptablesRestore(inp: FilterInput): string {
  const { workloads } = inp;
  const raw = new Table('raw', ['PREROUTING', 'OUTPUT']);
  raw.add('PREROUTING', '', '-j cali-PREROUTING');
  raw.add('OUTPUT', '', '-j cali-OUTPUT');
  raw.add('cali-PREROUTING', '', '-j MARK --set-xmark 0x0/0xf0000');
  raw.add('cali-PREROUTING', '-i cali+', '-j MARK --set-xmark 0x40000/0x40000');
  raw.add('cali-PREROUTING', '-m mark --mark 0x0/0x40000', '-j cali-from-host-endpoint');
  raw.add('cali-PREROUTING', '-m mark --mark 0x10000/0x10000', '-j ACCEPT');
  raw.add('cali-OUTPUT', '', '-j MARK --set-xmark 0x0/0xf0000');
  raw.add('cali-OUTPUT', '', '-j cali-to-host-endpoint');
  raw.add('cali-OUTPUT', '-m mark --mark 0x10000/0x10000', '-j ACCEPT');
  raw.chain('cali-from-host-endpoint');
  raw.chain('cali-to-host-endpoint');

  const mangle = new Table('mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
  mangle.add('PREROUTING', '', '-j cali-PREROUTING');
  mangle.add('POSTROUTING', '', '-j cali-POSTROUTING');
  mangle.add('cali-PREROUTING', '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');
  mangle.add('cali-PREROUTING', '-m mark --mark 0x10000/0x10000', '-j ACCEPT');
  mangle.add('cali-PREROUTING', '', '-j cali-from-host-endpoint');
  mangle.add('cali-PREROUTING', '-m mark --mark 0x10000/0x10000', '-j ACCEPT', 'Host endpoint policy accepted packet.');
  mangle.add('cali-POSTROUTING', '-m mark --mark 0x10000/0x10000', '-j RETURN');
  mangle.add('cali-POSTROUTING', '', '-j MARK --set-xmark 0x0/0xf0000');
  mangle.add('cali-POSTROUTING', '-m conntrack --ctstate DNAT', '-j cali-to-host-endpoint');
  mangle.add('cali-POSTROUTING', '-m mark --mark 0x10000/0x10000', '-j RETURN', 'Host endpoint policy accepted packet.');
  mangle.chain('cali-from-host-endpoint');
  mangle.chain('cali-to-host-endpoint');

  const filter = new Table('filter', ['INPUT', 'FORWARD', 'OUTPUT']);
  filter.add('INPUT', '', '-j cali-INPUT');
  filter.add('FORWARD', '', '-j cali-FORWARD');
  filter.add('FORWARD', '-m mark --mark 0x10000/0x10000', '-j ACCEPT', 'Policy explicitly accepted packet.');
  filter.add('OUTPUT', '', '-j cali-OUTPUT');
  filter.add('cali-FORWARD', '', '-j MARK --set-xmark 0x0/0xe0000');
  filter.add('cali-FORWARD', '-m mark --mark 0x0/0x10000', '-j cali-from-hep-forward');
  filter.add('cali-FORWARD', '-i cali+', '-j cali-from-wl-dispatch');
  filter.add('cali-FORWARD', '-o cali+', '-j cali-to-wl-dispatch');
  filter.add('cali-FORWARD', '', '-j cali-to-hep-forward');
  filter.add('cali-FORWARD', '', '-j cali-cidr-block');
  filter.chain('cali-from-hep-forward');
  filter.chain('cali-to-hep-forward');
  filter.chain('cali-cidr-block');
  filter.add('cali-INPUT', '-i cali+', '-g cali-wl-to-host');
  filter.add('cali-INPUT', '-m mark --mark 0x10000/0x10000', '-j ACCEPT');
  filter.add('cali-INPUT', '', '-j MARK --set-xmark 0x0/0xf0000');
  filter.add('cali-INPUT', '', '-j cali-from-host-endpoint');
  filter.add('cali-INPUT', '-m mark --mark 0x10000/0x10000', '-j ACCEPT', 'Host endpoint policy accepted packet.');
  filter.chain('cali-from-host-endpoint');
  filter.chain('cali-to-host-endpoint');
  filter.add('cali-OUTPUT', '-m mark --mark 0x10000/0x10000', '-j ACCEPT');
  filter.add('cali-OUTPUT', '-o cali+', '-j RETURN');
  filter.add('cali-OUTPUT', '', '-j MARK --set-xmark 0x0/0xf0000');
  filter.add('cali-OUTPUT', '-m conntrack ! --ctstate DNAT', '-j cali-to-host-endpoint');
  filter.add('cali-OUTPUT', '-m mark --mark 0x10000/0x10000', '-j ACCEPT', 'Host endpoint policy accepted packet.');
  filter.add('cali-wl-to-host', '', '-j cali-from-wl-dispatch');
  filter.add('cali-wl-to-host', '', '-j ACCEPT', 'Configured DefaultEndpointToHostAction');

  const policy = `cali-pi-_${caliHash('default/knp.default.allow-same-namespace').slice(0, 20)}`;
  for (const src of inp.node.policyDenyFrom ?? []) {
    filter.add(policy, `-s ${src}/32`, '-j DROP', 'Policy default/knp.default.allow-same-namespace ingress');
  }
  filter.add(policy, '-m set --match-set cali40all-ipam-pools src', '-j MARK --set-xmark 0x10000/0x10000', 'Policy default/knp.default.allow-same-namespace ingress');
  filter.add(policy, '-m mark --mark 0x10000/0x10000', '-j RETURN');
  filter.add('cali-pro-kns.default', '', '-j MARK --set-xmark 0x10000/0x10000', 'profile kns.default egress');
  filter.add('cali-pro-kns.default', '-m mark --mark 0x10000/0x10000', '-j RETURN');
  filter.add('cali-pri-kns.default', '', '-j MARK --set-xmark 0x10000/0x10000', 'profile kns.default ingress');
  filter.add('cali-pri-kns.default', '-m mark --mark 0x10000/0x10000', '-j RETURN');
  filter.add('cali-pro-_u2Tn2rSoAPffvE7JO6', '', '-j MARK --set-xmark 0x10000/0x10000', 'profile ksa.default.default egress');
  filter.add('cali-pro-_u2Tn2rSoAPffvE7JO6', '-m mark --mark 0x10000/0x10000', '-j RETURN');

  for (const w of workloads) {
    const fw = `cali-fw-${w.iface}`;
    const tw = `cali-tw-${w.iface}`;
    filter.add('cali-from-wl-dispatch', `-i ${w.iface}`, `-g ${fw}`);
    filter.add('cali-to-wl-dispatch', `-o ${w.iface}`, `-g ${tw}`);
    filter.add(fw, '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');
    filter.add(fw, '-m conntrack --ctstate INVALID', '-j DROP');
    filter.add(fw, '', '-j MARK --set-xmark 0x0/0x10000');
    filter.add(fw, '-p udp -m udp --dport 4789', '-j DROP', 'Drop VXLAN encapped packets originating in workloads');
    filter.add(fw, '-p ipencap', '-j DROP', 'Drop IPinIP encapped packets originating in workloads');
    filter.add(fw, '', '-j cali-pro-kns.default');
    filter.add(fw, '-m mark --mark 0x10000/0x10000', '-j RETURN', 'Return if profile accepted');
    filter.add(fw, '', '-j cali-pro-_u2Tn2rSoAPffvE7JO6');
    filter.add(fw, '-m mark --mark 0x10000/0x10000', '-j RETURN', 'Return if profile accepted');
    filter.add(fw, '', '-j DROP', 'Drop if no profiles matched');
    filter.add(tw, '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');
    filter.add(tw, '-m conntrack --ctstate INVALID', '-j DROP');
    filter.add(tw, '', '-j MARK --set-xmark 0x0/0x10000');
    filter.add(tw, '', '-j MARK --set-xmark 0x0/0x20000', 'Start of policies');
    filter.add(tw, '-m mark --mark 0x0/0x20000', `-j ${policy}`);
    filter.add(tw, '-m mark --mark 0x10000/0x10000', '-j RETURN', 'Return if policy accepted');
    filter.add(tw, '-m mark --mark 0x0/0x20000', '-j DROP', 'Drop if no policies passed packet');
    filter.add(tw, '', '-j cali-pri-kns.default');
    filter.add(tw, '-m mark --mark 0x10000/0x10000', '-j RETURN', 'Return if profile accepted');
    filter.add(tw, '', '-j DROP', 'Drop if no profiles matched');
  }
  filter.add('cali-from-wl-dispatch', '', '-j DROP', 'Unknown interface');
  filter.add('cali-to-wl-dispatch', '', '-j DROP', 'Unknown interface');

  const nat = new Table('nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']);
  nat.add('PREROUTING', '', '-j cali-PREROUTING');
  nat.add('OUTPUT', '', '-j cali-OUTPUT');
  nat.add('POSTROUTING', '', '-j cali-POSTROUTING');
  nat.add('cali-PREROUTING', '', '-j cali-fip-dnat');
  nat.add('cali-OUTPUT', '', '-j cali-fip-dnat');
  nat.add('cali-POSTROUTING', '', '-j cali-fip-snat');
  nat.add('cali-POSTROUTING', '', '-j cali-nat-outgoing');
  nat.chain('cali-fip-dnat');
  nat.chain('cali-fip-snat');
  nat.chain('cali-nat-outgoing');
  if (inp.natOutgoing) {
    nat.add('cali-nat-outgoing', '-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst', '-j MASQUERADE --random-fully');
  }
  return [raw.text(), mangle.text(), filter.text(), nat.text(), ''].join('\n');
}

/** A host with ip6tables initialised but no Calico IPv6 (FELIX_IPV6SUPPORT=false). */
export const IP6TABLES_RESTORE = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
