import { BASE64URL, SyntheticRng } from './synthetic-rng.js';
import { TextFileWriter } from './text-file-writer.js';
import { initiates, pairPort, type SynthCluster, type SynthNode } from './synthetic-cluster.js';
import { peerSelectors, selectorSet } from './synthetic-policy.js';

const THREAT_FEED = "threatfeed == 'blocklist'";

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
  // One set per selector the policies match peers on (Felix names it from the selector), members from the cluster's pods.
  const pods = c.nodes.flatMap((x) => x.workloads);
  for (const sel of peerSelectors(c.policies)) {
    if (sel === THREAT_FEED) continue;
    const members = pods.filter(() => rng.chance(0.3));
    ipsetHeader(w, rng, selectorSet(sel), 'hash:net', members.length);
    for (const m of members) w.line(m.ip);
    w.line('');
  }
  // Big sets (GlobalNetworkSet-like deny lists), at most 40,000 members each, ~16 bytes per member.
  // Deny-list addresses cluster in a few hundred /16s, as real feeds do.
  const prefixes = Array.from({ length: 40 }, () => `${rng.int(1, 223)}.${rng.int(0, 255)}.`);
  let left = Math.max(100, Math.floor((budget - w.bytes) / 16));
  for (let first = true; left >= 100; first = false) {
    const count = Math.min(40_000, left);
    // The first is the threat feed the deny-threat-feeds policy drops (a GlobalNetworkSet); the rest other feeds.
    ipsetHeader(w, rng, first ? selectorSet(THREAT_FEED) : 'cali40s:' + rng.chars(23, BASE64URL), 'hash:net', count);
    for (let i = 0; i < count; i++) {
      const len = rng.pick([32, 32, 32, 24, 28]);
      const last = len === 24 ? 0 : len === 28 ? rng.int(0, 15) * 16 : rng.int(0, 255);
      w.line(`${rng.pick(prefixes)}${rng.int(0, 255)}.${last}${len === 32 ? '' : '/' + len}`);
    }
    w.line('');
    left -= count;
  }
}
