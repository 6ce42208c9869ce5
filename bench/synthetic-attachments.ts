import { meshName, pairUpUs, type SynthCluster, type SynthNode } from './synthetic-cluster.js';
import { SyntheticRng } from './synthetic-rng.js';

/**
 * Command output pasted into a ticket beside the bundles (shared/reference/pastes.md), a few small
 * text files: `calicoctl node status` of the node that cannot reach its peer (its view of the stuck
 * session), `birdcl show protocols` of a healthy node, `kubectl get pods -A -o wide` of the whole
 * cluster, and `sysctl`, `ethtool -k` and `ip -d link` from one node, some with the shell prompt
 * they were copied with. Each states what the analyzer's `inspect` should take it to be.
 */

export interface Paste {
  /** Path under the set's folder: `<hostname>/<file>` (tied to that node by its folder) or a top-level file. */
  path: string;
  /** Attachment kinds `inspect` should recognise in it, in order. */
  kinds: string[];
  /** The node it is about (undefined: the cluster). */
  node?: string;
  text: string;
}

const hms = (us: number): string => new Date(Math.floor(us / 1000)).toISOString().slice(11, 19);

/** olekukonko/tablewriter as calicoctl v3.x prints it: upper-case centred headers, `+---+` borders. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const border = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const centre = (s: string, w: number): string => {
    const left = Math.ceil((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  };
  const out = [border, '| ' + header.map((h, i) => centre(h, widths[i]!)).join(' | ') + ' |', border];
  for (const r of rows) out.push('| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |');
  out.push(border);
  return out;
}

function nodeStatus(c: SynthCluster, n: SynthNode): string {
  const stuck = c.faults.bgpStuck;
  const rows = c.nodes.filter((p) => p !== n).map((p) => {
    const isStuck = stuck !== undefined && [stuck.initiator, stuck.passive].includes(n.index) && [stuck.initiator, stuck.passive].includes(p.index);
    return isStuck ? [p.ip, 'node-to-node mesh', 'start', hms(c.startMs * 1000 + 4_000_000), 'Connect'] : [p.ip, 'node-to-node mesh', 'up', hms(pairUpUs(c, n.index, p.index)), 'Established'];
  });
  return [`root@${n.hostname}:~# calicoctl node status`, 'Calico process is running.', '', 'IPv4 BGP status',
    ...table(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rows), '', 'IPv6 BGP status', 'No IPv6 peers found.', ''].join('\n');
}

function birdProtocols(c: SynthCluster, n: SynthNode): string {
  const start = hms(c.startMs * 1000 + 1_000_000);
  const row = (name: string, proto: string, state: string, since: string, info: string): string =>
    `${name.padEnd(8)} ${proto.padEnd(8)} ${'master'.padEnd(8)} ${state.padEnd(5)}  ${since.padEnd(10)}  ${info}`;
  const lines = ['BIRD v0.3.3+birdv1.6.8 ready.', 'name     proto    table    state  since       info'];
  for (const [name, proto] of [['static1', 'Static'], ['kernel1', 'Kernel'], ['device1', 'Device'], ['direct1', 'Direct']]) lines.push(row(name!, proto!, 'up', start, ''));
  for (const p of c.nodes) if (p !== n) lines.push(row(meshName(p.ip), 'BGP', 'up', hms(pairUpUs(c, n.index, p.index)), 'Established'));
  return lines.join('\n') + '\n';
}

function getPods(c: SynthCluster, rng: SyntheticRng): string {
  const rows: string[][] = [['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']];
  for (const n of c.nodes) rows.push(['calico-system', n.calicoPod, '1/1', 'Running', '0', '9d', n.ip, n.hostname, '<none>', '<none>']);
  for (const n of c.nodes) for (const w of n.workloads) rows.push([w.ns, w.pod, '1/1', 'Running', String(rng.chance(0.9) ? 0 : rng.int(1, 3)), `${rng.int(1, 9)}d`, w.ip, n.hostname, '<none>', '<none>']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return ['$ kubectl get pods -A -o wide', ...rows.map((r) => r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(widths[i]! + 3))).join('').trimEnd())].join('\n') + '\n';
}

function sysctl(n: SynthNode): string {
  return [`[root@${n.hostname} ~]# sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter net.ipv4.conf.eth0.rp_filter net.ipv4.conf.tunl0.rp_filter net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_count`,
    'net.ipv4.ip_forward = 1', 'net.ipv4.conf.all.rp_filter = 1', 'net.ipv4.conf.default.rp_filter = 1', 'net.ipv4.conf.eth0.rp_filter = 1', 'net.ipv4.conf.tunl0.rp_filter = 1',
    'net.netfilter.nf_conntrack_max = 262144', `net.netfilter.nf_conntrack_count = ${1000 + n.index * 37}`, ''].join('\n');
}

const ETHTOOL: [string, string][] = [
  ['rx-checksumming', 'on'], ['tx-checksumming', 'on'], ['\ttx-checksum-ipv4', 'off [fixed]'], ['\ttx-checksum-ip-generic', 'on'], ['\ttx-checksum-ipv6', 'off [fixed]'],
  ['\ttx-checksum-fcoe-crc', 'off [fixed]'], ['\ttx-checksum-sctp', 'off [fixed]'], ['scatter-gather', 'on'], ['\ttx-scatter-gather', 'on'], ['\ttx-scatter-gather-fraglist', 'off [fixed]'],
  ['tcp-segmentation-offload', 'on'], ['\ttx-tcp-segmentation', 'on'], ['\ttx-tcp-ecn-segmentation', 'off [fixed]'], ['\ttx-tcp-mangleid-segmentation', 'off'], ['\ttx-tcp6-segmentation', 'on'],
  ['generic-segmentation-offload', 'on'], ['generic-receive-offload', 'on'], ['large-receive-offload', 'off [fixed]'], ['rx-vlan-offload', 'off [fixed]'], ['tx-vlan-offload', 'off [fixed]'],
  ['ntuple-filters', 'off [fixed]'], ['receive-hashing', 'off [fixed]'], ['highdma', 'on [fixed]'], ['rx-vlan-filter', 'on [fixed]'], ['vlan-challenged', 'off [fixed]'],
  ['tx-lockless', 'off [fixed]'], ['netns-local', 'off [fixed]'], ['tx-gso-robust', 'on [fixed]'], ['tx-fcoe-segmentation', 'off [fixed]'], ['tx-gre-segmentation', 'off [fixed]'],
  ['tx-gre-csum-segmentation', 'off [fixed]'], ['tx-ipxip4-segmentation', 'off [fixed]'], ['tx-ipxip6-segmentation', 'off [fixed]'], ['tx-udp_tnl-segmentation', 'off [fixed]'],
  ['tx-udp_tnl-csum-segmentation', 'off [fixed]'], ['tx-gso-partial', 'off [fixed]'], ['tx-sctp-segmentation', 'off [fixed]'], ['tx-udp-segmentation', 'off'], ['tx-nocache-copy', 'off'],
  ['loopback', 'off [fixed]'], ['rx-fcs', 'off [fixed]'], ['rx-all', 'off [fixed]'], ['l2-fwd-offload', 'off [fixed]'], ['hw-tc-offload', 'off [fixed]'], ['rx-gro-hw', 'off [fixed]'],
  ['rx-gro-list', 'off'], ['rx-udp-gro-forwarding', 'off'],
];

function ethtool(n: SynthNode): string {
  return [`root@${n.hostname}:~# ethtool -k eth0`, 'Features for eth0:', ...ETHTOOL.map(([k, v]) => `${k}: ${v}`), ''].join('\n');
}

function ipLink(n: SynthNode, rng: SyntheticRng): string {
  const mac = (): string => Array.from({ length: 6 }, (_, i) => (i === 0 ? '0a' : rng.hex(2))).join(':');
  return [`root@${n.hostname}:~# ip -d link show`,
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535',
    '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000',
    `    link/ether ${mac()} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 9216 addrgenmode eui64 numtxqueues 2 numrxqueues 2 gso_max_size 65536 gso_max_segs 65535`,
    '4: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
    '    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0 minmtu 0 maxmtu 0',
    '    ipip any remote any local any ttl inherit nopmtudisc addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535',
    ...n.workloads.slice(0, 3).flatMap((w, i) => [
      `${7 + i}: ${w.iface}@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1480 qdisc noqueue state UP mode DEFAULT group default`,
      `    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)} promiscuity 0 minmtu 68 maxmtu 65535`,
      '    veth addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535',
    ]),
    ''].join('\n');
}

/** The pasted files of a ticket about this cluster (only nodes with a node bundle get per-node pastes). */
export function planPastes(c: SynthCluster): Paste[] {
  const rng = SyntheticRng.derive(c.seed, 0x9a);
  const bundled = c.nodes.filter((n) => n.format === 'node-diags');
  const first = bundled[0]!;
  const last = bundled[bundled.length - 1]!;
  const stuck = c.faults.bgpStuck !== undefined ? c.nodes[c.faults.bgpStuck.initiator]! : first;
  const out: Paste[] = [
    { path: `${stuck.hostname}/calicoctl-node-status.txt`, kinds: ['calicoctl-node-status'], node: stuck.hostname, text: nodeStatus(c, stuck) },
    { path: 'kubectl-get-pods-wide.txt', kinds: ['kubectl-get-pods'], text: getPods(c, rng) },
    { path: `${first.hostname}/sysctl.txt`, kinds: ['sysctl'], node: first.hostname, text: sysctl(first) },
    { path: `${first.hostname}/ethtool-k-eth0.txt`, kinds: ['ethtool-k'], node: first.hostname, text: ethtool(first) },
    { path: `${last.hostname}/ip-d-link.txt`, kinds: ['ip-d-link'], node: last.hostname, text: ipLink(last, rng) },
  ];
  if (last !== stuck) out.push({ path: `${last.hostname}/birdcl-show-protocols.txt`, kinds: ['birdc-show-protocols'], node: last.hostname, text: birdProtocols(c, last) });
  return out;
}
