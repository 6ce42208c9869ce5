import { BASE64URL, SyntheticRng } from './synthetic-rng.js';
import { TextFileWriter } from './text-file-writer.js';
import { initiates, pairPort, type SynthCluster, type SynthNode } from './synthetic-cluster.js';

/**
 * Command outputs of one node (`diagnostics/<file>`), in the formats described in
 * shared/reference/diags-format.md sections 3.7-3.14. Large ones (`ipv4_tables`, `ipsets`)
 * grow to a byte budget; all of them stream to a TextFileWriter line by line.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** coreutils `date` / ctime shape: `Fri Mar 15 06:00:00 UTC 2024` (ctime has no zone). */
export function ctime(ms: number, zone = true): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, zone ? '0' : ' ');
  const hms = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${hms}${zone ? ' UTC' : ''} ${d.getUTCFullYear()}`;
}

export function writeDate(w: TextFileWriter, c: SynthCluster): void {
  w.line(ctime(c.endMs));
}

export function writeHostname(w: TextFileWriter, n: SynthNode): void {
  w.line(n.hostname);
}

function netstatRow(proto: string, sendQ: number, local: string, foreign: string, state: string): string {
  return `${proto.padEnd(4)}  ${'0'.padStart(6)} ${String(sendQ).padStart(6)} ${local.padEnd(23)} ${foreign.padEnd(23)} ${state.padEnd(11)}`;
}

/** `netstat -a -n`: BGP sessions on :179 (SYN_SENT for the stuck pair), kubelet, typha, unix sockets. */
export function writeNetstat(w: TextFileWriter, c: SynthCluster, n: SynthNode, rng: SyntheticRng): void {
  w.line('Active Internet connections (servers and established)');
  w.line('Proto Recv-Q Send-Q Local Address           Foreign Address         State      ');
  for (const [addr, port] of [['0.0.0.0', 179], ['127.0.0.1', 9099], ['0.0.0.0', 22], ['127.0.0.1', 10248], ['0.0.0.0', 10250], ['127.0.0.1', 9098]] as const) {
    w.line(netstatRow('tcp', 0, `${addr}:${port}`, '0.0.0.0:*', 'LISTEN'));
  }
  const stuck = c.faults.bgpStuck;
  for (const peer of c.nodes) {
    if (peer === n) continue;
    const port = pairPort(c.seed, n.index, peer.index);
    const isStuck = stuck !== undefined && ((stuck.initiator === n.index && stuck.passive === peer.index) || (stuck.passive === n.index && stuck.initiator === peer.index));
    if (isStuck) {
      if (stuck.initiator === n.index) w.line(netstatRow('tcp', 1, `${n.ip}:${port}`, `${peer.ip}:179`, 'SYN_SENT'));
      continue;
    }
    if (initiates(n, peer)) w.line(netstatRow('tcp', 0, `${n.ip}:${port}`, `${peer.ip}:179`, 'ESTABLISHED'));
    else w.line(netstatRow('tcp', 0, `${n.ip}:179`, `${peer.ip}:${port}`, 'ESTABLISHED'));
  }
  const conns = rng.int(20, 60);
  for (let i = 0; i < conns; i++) {
    const remote = rng.pick(['10.96.0.1:443', '10.0.0.2:6443', '10.96.0.10:53', `10.0.0.${rng.int(10, 40)}:5473`, `10.0.0.${rng.int(10, 40)}:10250`]);
    w.line(netstatRow('tcp', 0, `${n.ip}:${rng.int(32768, 60999)}`, remote, rng.chance(0.9) ? 'ESTABLISHED' : 'TIME_WAIT'));
  }
  w.line(netstatRow('udp', 0, '0.0.0.0:4789', '0.0.0.0:*', ''));
  w.line('Active UNIX domain sockets (servers and established)');
  w.line('Proto RefCnt Flags       Type       State         I-Node   Path');
  w.line(`unix  2      [ ACC ]     STREAM     LISTENING     ${rng.int(20000, 40000)}    /var/run/calico/bird.ctl`);
  w.line(`unix  2      [ ACC ]     STREAM     LISTENING     ${rng.int(20000, 40000)}    /var/run/calico/bird6.ctl`);
  w.line(`unix  2      [ ACC ]     STREAM     LISTENING     ${rng.int(20000, 40000)}    /var/run/containerd/containerd.sock`);
  for (let i = 0; i < 10; i++) w.line(`unix  3      [ ]         STREAM     CONNECTED     ${rng.int(20000, 90000)}    `);
}

/** `ip -4 route`: own block blackhole, local /32s, a route per other node's block (minus the faults). */
export function writeIpv4Route(w: TextFileWriter, c: SynthCluster, n: SynthNode): void {
  w.line('default via 10.0.0.1 dev eth0 proto dhcp src ' + n.ip + ' metric 100 ');
  w.line('10.0.0.0/16 dev eth0 proto kernel scope link src ' + n.ip + ' ');
  const stuck = c.faults.bgpStuck;
  const miss = c.faults.routeMissing;
  for (const peer of c.nodes) {
    if (peer === n) {
      w.line(`blackhole ${n.block} proto bird `);
      for (const wl of n.workloads) w.line(`${wl.ip} dev ${wl.iface} scope link `);
      continue;
    }
    if (stuck && ((stuck.initiator === n.index && stuck.passive === peer.index) || (stuck.passive === n.index && stuck.initiator === peer.index))) continue;
    if (miss && miss.on === n.index && miss.missingBlockOf === peer.index) continue;
    w.line(`${peer.block} via ${peer.ip} dev tunl0 proto bird onlink `);
  }
}

export function writeIpv6Route(w: TextFileWriter): void {
  w.line('::1 dev lo proto kernel metric 256 pref medium');
  w.line('fe80::/64 dev eth0 proto kernel metric 256 pref medium');
}

export function writeIpv4Addr(w: TextFileWriter, n: SynthNode): void {
  w.line('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000');
  w.line('    inet 127.0.0.1/8 scope host lo');
  w.line('       valid_lft forever preferred_lft forever');
  w.line('2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000');
  w.line(`    inet ${n.ip}/16 brd 10.0.255.255 scope global dynamic eth0`);
  w.line('       valid_lft 3127sec preferred_lft 3127sec');
  w.line('4: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000');
  w.line(`    inet ${n.tunnelIp}/32 scope global tunl0`);
  w.line('       valid_lft forever preferred_lft forever');
}

export function writeIpv6Addr(w: TextFileWriter, n: SynthNode): void {
  w.line('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000');
  w.line('    inet6 ::1/128 scope host ');
  w.line('       valid_lft forever preferred_lft forever');
  let idx = 7;
  for (const wl of n.workloads) {
    w.line(`${idx++}: ${wl.iface}@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1480 state UP qlen 1000`);
    w.line('    inet6 fe80::ecee:eeff:feee:eeee/64 scope link ');
    w.line('       valid_lft forever preferred_lft forever');
  }
}

export function writeNftRuleset(w: TextFileWriter): void {
  // iptables-legacy host: nft only shows an empty compat table.
  w.line('table ip filter { # handle 1');
  w.line('}');
}

export function writeJournal(w: TextFileWriter): void {
  w.line('-- No entries --');
}

const counter = (rng: SyntheticRng): string =>
  rng.chance(0.4) ? '[0:0]' : `[${rng.int(1, 900000)}:${rng.int(100, 900000000)}]`;
const caliHash = (rng: SyntheticRng): string => 'cali:' + rng.chars(16, BASE64URL);

/**
 * `iptables-save -c` with raw, mangle, nat (kube-proxy services, Calico NAT) and filter
 * (per-workload and per-policy cali- chains) tables, sized to about `budget` bytes.
 */
export function writeIpv4Tables(w: TextFileWriter, c: SynthCluster, n: SynthNode, rng: SyntheticRng, budget: number): void {
  const stamp = ctime(c.endMs, false);
  const r = (chain: string, rule: string): void => w.line(`${counter(rng)} -A ${chain} ${rule}`);
  w.line(`# Generated by iptables-save v1.8.7 on ${stamp}`);
  w.line('*raw');
  for (const ch of ['PREROUTING ACCEPT', 'OUTPUT ACCEPT']) w.line(`:${ch} ${counter(rng)}`);
  for (const ch of ['cali-OUTPUT', 'cali-PREROUTING', 'cali-from-host-endpoint', 'cali-to-host-endpoint']) w.line(`:${ch} - [0:0]`);
  r('PREROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-PREROUTING`);
  r('OUTPUT', `-m comment --comment "${caliHash(rng)}" -j cali-OUTPUT`);
  r('cali-OUTPUT', `-m comment --comment "${caliHash(rng)}" -j MARK --set-xmark 0x0/0xf0000`);
  r('cali-OUTPUT', `-m comment --comment "${caliHash(rng)}" -j cali-to-host-endpoint`);
  r('cali-OUTPUT', `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x10000/0x10000 -j ACCEPT`);
  r('cali-PREROUTING', `-m comment --comment "${caliHash(rng)}" -j MARK --set-xmark 0x0/0xf0000`);
  r('cali-PREROUTING', `-i cali+ -m comment --comment "${caliHash(rng)}" -j MARK --set-xmark 0x40000/0x40000`);
  r('cali-PREROUTING', `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x40000/0x40000 -m rpfilter --validmark --invert -j DROP`);
  w.line('COMMIT');
  w.line(`# Completed on ${stamp}`);

  w.line(`# Generated by iptables-save v1.8.7 on ${stamp}`);
  w.line('*mangle');
  for (const ch of ['PREROUTING ACCEPT', 'INPUT ACCEPT', 'FORWARD ACCEPT', 'OUTPUT ACCEPT', 'POSTROUTING ACCEPT']) w.line(`:${ch} ${counter(rng)}`);
  w.line(':KUBE-KUBELET-CANARY - [0:0]');
  w.line(':cali-PREROUTING - [0:0]');
  w.line(':cali-from-host-endpoint - [0:0]');
  r('PREROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-PREROUTING`);
  r('cali-PREROUTING', `-m comment --comment "${caliHash(rng)}" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  r('cali-PREROUTING', `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x10000/0x10000 -j ACCEPT`);
  r('cali-PREROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-from-host-endpoint`);
  w.line('COMMIT');
  w.line(`# Completed on ${stamp}`);

  // nat: kube-proxy services fill about half the budget (the service list is cluster-wide).
  w.line(`# Generated by iptables-save v1.8.7 on ${stamp}`);
  w.line('*nat');
  for (const ch of ['PREROUTING ACCEPT', 'INPUT ACCEPT', 'OUTPUT ACCEPT', 'POSTROUTING ACCEPT']) w.line(`:${ch} ${counter(rng)}`);
  w.line(':KUBE-KUBELET-CANARY - [0:0]');
  w.line(':KUBE-MARK-DROP - [0:0]');
  w.line(':KUBE-MARK-MASQ - [0:0]');
  w.line(':KUBE-NODEPORTS - [0:0]');
  w.line(':KUBE-POSTROUTING - [0:0]');
  const seps = c.services.flatMap((s) => s.endpoints.map((e) => ({ s, e })));
  seps.sort((a, b) => (a.e.sepChain < b.e.sepChain ? -1 : 1));
  for (const { e } of seps) w.line(`:${e.sepChain} - [0:0]`);
  w.line(':KUBE-SERVICES - [0:0]');
  for (const s of c.services) w.line(`:${s.svcChain} - [0:0]`);
  for (const ch of ['cali-OUTPUT', 'cali-POSTROUTING', 'cali-PREROUTING', 'cali-fip-dnat', 'cali-fip-snat', 'cali-nat-outgoing']) w.line(`:${ch} - [0:0]`);
  r('PREROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-PREROUTING`);
  r('PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  r('OUTPUT', `-m comment --comment "${caliHash(rng)}" -j cali-OUTPUT`);
  r('OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  r('POSTROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-POSTROUTING`);
  r('POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  r('KUBE-MARK-DROP', '-j MARK --set-xmark 0x8000/0x8000');
  r('KUBE-MARK-MASQ', '-j MARK --set-xmark 0x4000/0x4000');
  r('KUBE-POSTROUTING', '-m mark ! --mark 0x4000/0x4000 -j RETURN');
  r('KUBE-POSTROUTING', '-j MARK --set-xmark 0x4000/0x0');
  r('KUBE-POSTROUTING', '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  for (const { s, e } of seps) {
    const tag = `${s.ns}/${s.name}:http`;
    r(e.sepChain, `-s ${e.ip}/32 -m comment --comment "${tag}" -j KUBE-MARK-MASQ`);
    r(e.sepChain, `-p tcp -m comment --comment "${tag}" -m tcp -j DNAT --to-destination ${e.ip}:${e.port}`);
  }
  for (const s of c.services) {
    r('KUBE-SERVICES', `-d ${s.clusterIp}/32 -p tcp -m comment --comment "${s.ns}/${s.name}:http cluster IP" -m tcp --dport ${s.port} -j ${s.svcChain}`);
  }
  r('KUBE-SERVICES', '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  for (const s of c.services) {
    const tag = `${s.ns}/${s.name}:http`;
    r(s.svcChain, `! -s 192.168.0.0/16 -d ${s.clusterIp}/32 -p tcp -m comment --comment "${tag} cluster IP" -m tcp --dport ${s.port} -j KUBE-MARK-MASQ`);
    s.endpoints.forEach((e, i) => {
      const left = s.endpoints.length - i;
      const prob = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(11)}` : '';
      r(s.svcChain, `-m comment --comment "${tag} -> ${e.ip}:${e.port}"${prob} -j ${e.sepChain}`);
    });
  }
  r('cali-OUTPUT', `-m comment --comment "${caliHash(rng)}" -j cali-fip-dnat`);
  r('cali-POSTROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-fip-snat`);
  r('cali-POSTROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-nat-outgoing`);
  r('cali-POSTROUTING', `-o tunl0 -m comment --comment "${caliHash(rng)}" -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE --random-fully`);
  r('cali-PREROUTING', `-m comment --comment "${caliHash(rng)}" -j cali-fip-dnat`);
  if (c.faults.natOutgoingMissing !== n.index) {
    r('cali-nat-outgoing', `-m comment --comment "${caliHash(rng)}" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully`);
  }
  w.line('COMMIT');
  w.line(`# Completed on ${stamp}`);

  // filter: fixed Calico chains, per-workload chains, then policy chains until the budget is used.
  w.line(`# Generated by iptables-save v1.8.7 on ${stamp}`);
  w.line('*filter');
  for (const ch of ['INPUT ACCEPT', 'FORWARD DROP', 'OUTPUT ACCEPT']) w.line(`:${ch} ${counter(rng)}`);
  const fixed = ['KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-KUBELET-CANARY', 'KUBE-SERVICES', 'cali-FORWARD', 'cali-INPUT', 'cali-OUTPUT',
    'cali-cidr-block', 'cali-failsafe-in', 'cali-failsafe-out', 'cali-from-hep-forward', 'cali-from-host-endpoint', 'cali-from-wl-dispatch',
    'cali-to-hep-forward', 'cali-to-host-endpoint', 'cali-to-wl-dispatch', 'cali-wl-to-host'];
  for (const ch of fixed) w.line(`:${ch} - [0:0]`);
  for (const wl of n.workloads) w.line(`:cali-fw-${wl.iface} - [0:0]`);
  const namespaces = [...new Set(n.workloads.map((wl) => wl.ns))].sort();
  // Policy chains: how many fit in what is left of the budget (~2.4 KB each).
  const policies = Math.max(4, Math.floor((budget - w.bytes - n.workloads.length * 1400) / 2400));
  const policyNames: string[] = [];
  for (let p = 0; p < policies; p++) policyNames.push('cali-pi-_' + rng.chars(20, BASE64URL));
  for (const name of policyNames) w.line(`:${name} - [0:0]`);
  for (const ns of namespaces) w.line(`:cali-pro-kns.${ns} - [0:0]`);
  for (const wl of n.workloads) w.line(`:cali-tw-${wl.iface} - [0:0]`);
  r('INPUT', `-m comment --comment "${caliHash(rng)}" -j cali-INPUT`);
  r('INPUT', '-j KUBE-FIREWALL');
  r('FORWARD', `-m comment --comment "${caliHash(rng)}" -j cali-FORWARD`);
  r('FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  r('FORWARD', `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x10000/0x10000 -j ACCEPT`);
  r('OUTPUT', `-m comment --comment "${caliHash(rng)}" -j cali-OUTPUT`);
  r('KUBE-FIREWALL', '-m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP');
  r('cali-FORWARD', `-m comment --comment "${caliHash(rng)}" -j MARK --set-xmark 0x0/0xe0000`);
  r('cali-FORWARD', `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x0/0x10000 -j cali-from-hep-forward`);
  r('cali-FORWARD', `-i cali+ -m comment --comment "${caliHash(rng)}" -j cali-from-wl-dispatch`);
  r('cali-FORWARD', `-o cali+ -m comment --comment "${caliHash(rng)}" -j cali-to-wl-dispatch`);
  r('cali-INPUT', `-p ipv4 -m comment --comment "${caliHash(rng)}" -m comment --comment "Allow IPIP packets from Calico hosts" -m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL -j ACCEPT`);
  r('cali-INPUT', `-p ipv4 -m comment --comment "${caliHash(rng)}" -m comment --comment "Drop IPIP packets from non-Calico hosts" -j DROP`);
  r('cali-INPUT', `-i cali+ -m comment --comment "${caliHash(rng)}" -g cali-wl-to-host`);
  r('cali-failsafe-in', `-p tcp -m comment --comment "${caliHash(rng)}" -m multiport --dports 22 -j ACCEPT`);
  r('cali-failsafe-in', `-p tcp -m comment --comment "${caliHash(rng)}" -m multiport --dports 179 -j ACCEPT`);
  r('cali-failsafe-in', `-p tcp -m comment --comment "${caliHash(rng)}" -m multiport --dports 6443 -j ACCEPT`);
  for (const wl of n.workloads) r('cali-from-wl-dispatch', `-i ${wl.iface} -m comment --comment "${caliHash(rng)}" -g cali-fw-${wl.iface}`);
  r('cali-from-wl-dispatch', `-m comment --comment "${caliHash(rng)}" -m comment --comment "Unknown interface" -j DROP`);
  for (const wl of n.workloads) {
    const ch = `cali-fw-${wl.iface}`;
    r(ch, `-m comment --comment "${caliHash(rng)}" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -m conntrack --ctstate INVALID -j DROP`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -j MARK --set-xmark 0x0/0x10000`);
    r(ch, `-p udp -m comment --comment "${caliHash(rng)}" -m comment --comment "Drop VXLAN encapped packets originating in workloads" -m multiport --dports 4789 -j DROP`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -j cali-pro-kns.${wl.ns}`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x10000/0x10000 -j RETURN`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -m comment --comment "Drop if no profiles matched" -j DROP`);
  }
  for (const name of policyNames) {
    const rules = rng.int(6, 14);
    for (let k = 0; k < rules; k++) {
      const port = rng.pick([80, 443, 53, 5432, 6379, 8080, 9090, 9443]);
      r(name, `-p tcp -m comment --comment "${caliHash(rng)}" -m set --match-set cali40s:${rng.chars(23, BASE64URL)} src -m multiport --dports ${port} -j MARK --set-xmark 0x10000/0x10000`);
      if (rng.chance(0.3)) r(name, `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x10000/0x10000 -j RETURN`);
    }
  }
  for (const ns of namespaces) {
    r(`cali-pro-kns.${ns}`, `-m comment --comment "${caliHash(rng)}" -j MARK --set-xmark 0x10000/0x10000`);
    r(`cali-pro-kns.${ns}`, `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x10000/0x10000 -j RETURN`);
  }
  for (const wl of n.workloads) {
    const ch = `cali-tw-${wl.iface}`;
    r(ch, `-m comment --comment "${caliHash(rng)}" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -m conntrack --ctstate INVALID -j DROP`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -j MARK --set-xmark 0x0/0x10000`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x0/0x20000 -j ${rng.pick(policyNames)}`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -m mark --mark 0x10000/0x10000 -j RETURN`);
    r(ch, `-m comment --comment "${caliHash(rng)}" -m comment --comment "Drop if no policies passed packet" -m mark --mark 0x0/0x20000 -j DROP`);
  }
  w.line('COMMIT');
  w.line(`# Completed on ${stamp}`);
}

export function writeIpv6Tables(w: TextFileWriter, c: SynthCluster, rng: SyntheticRng): void {
  const stamp = ctime(c.endMs, false);
  w.line(`# Generated by ip6tables-save v1.8.7 on ${stamp}`);
  w.line('*filter');
  for (const ch of ['INPUT ACCEPT', 'FORWARD ACCEPT', 'OUTPUT ACCEPT']) w.line(`:${ch} ${counter(rng)}`);
  w.line(':cali-FORWARD - [0:0]');
  w.line(':cali-INPUT - [0:0]');
  w.line(`${counter(rng)} -A INPUT -m comment --comment "${caliHash(rng)}" -j cali-INPUT`);
  w.line(`${counter(rng)} -A FORWARD -m comment --comment "${caliHash(rng)}" -j cali-FORWARD`);
  w.line('COMMIT');
  w.line(`# Completed on ${stamp}`);
}

function ipsetHeader(w: TextFileWriter, rng: SyntheticRng, name: string, type: string, entries: number): void {
  w.line(`Name: ${name}`);
  w.line(`Type: ${type}`);
  w.line(`Revision: ${type === 'hash:net' ? 7 : 5}`);
  w.line(`Header: family inet hashsize ${entries > 1024 ? 1 << Math.ceil(Math.log2(entries / 4)) : 1024} maxelem 1048576 bucketsize 12 initval 0x${rng.hex(8)}`);
  w.line(`Size in memory: ${600 + entries * 32}`);
  w.line(`References: ${rng.int(1, 4)}`);
  w.line(`Number of entries: ${entries}`);
  w.line('Members:');
}

/** `ipset list`: the fixed Calico sets, selector sets of pod IPs, then big hash:net sets up to `budget`. */
export function writeIpsets(w: TextFileWriter, c: SynthCluster, n: SynthNode, rng: SyntheticRng, budget: number): void {
  const pools = ['cali40all-ipam-pools', 'cali40masq-ipam-pools'];
  for (const name of pools) {
    ipsetHeader(w, rng, name, 'hash:net', 1);
    w.line('192.168.0.0/16');
    w.line('');
  }
  ipsetHeader(w, rng, 'cali40all-hosts-net', 'hash:net', c.nodes.length);
  for (const node of c.nodes) w.line(node.ip);
  w.line('');
  ipsetHeader(w, rng, 'cali40this-host', 'hash:ip', 4);
  for (const ip of ['127.0.0.0', '127.0.0.1', n.ip, n.tunnelIp]) w.line(ip);
  w.line('');
  const pods = c.nodes.flatMap((x) => x.workloads);
  for (let s = 0; s < 8; s++) {
    const members = pods.filter(() => rng.chance(0.3));
    ipsetHeader(w, rng, 'cali40s:' + rng.chars(23, BASE64URL), 'hash:net', members.length);
    for (const m of members) w.line(m.ip);
    w.line('');
  }
  // Big sets (GlobalNetworkSet-like deny lists), at most 40,000 members each, ~16 bytes per member.
  // Deny-list addresses cluster in a few hundred /16s, as real feeds do.
  const prefixes = Array.from({ length: 40 }, () => `${rng.int(1, 223)}.${rng.int(0, 255)}.`);
  let left = Math.floor((budget - w.bytes) / 16);
  while (left > 100) {
    const count = Math.min(40_000, left);
    ipsetHeader(w, rng, 'cali40s:' + rng.chars(23, BASE64URL), 'hash:net', count);
    for (let i = 0; i < count; i++) {
      const len = rng.pick([32, 32, 32, 24, 28]);
      const last = len === 24 ? 0 : len === 28 ? rng.int(0, 15) * 16 : rng.int(0, 255);
      w.line(`${rng.pick(prefixes)}${rng.int(0, 255)}.${last}${len === 32 ? '' : '/' + len}`);
    }
    w.line('');
    left -= count;
  }
}
