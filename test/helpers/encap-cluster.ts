/**
 * Encapsulated variants of the healthy cluster (test/helpers/healthy-cluster.ts) as calicoctl node
 * diags writes them: VXLAN without BIRD (CALICO_NETWORKING_BACKEND=vxlan; Felix `proto 80` routes via
 * each VTEP, `vxlan.calico` /32, Felix's VXLAN rules in cali-INPUT/cali-OUTPUT with counters,
 * `cali40all-vxlan-net`), and IP-in-IP with BIRD (`dev tunl0 proto bird onlink`, `tunl0@NONE`,
 * Felix's IPIP rules, `cali40all-hosts-net`). Rule shapes follow felix/rules/static.go.
 */
import type { NodeFiles } from './cluster.js';
import { NODES, healthyNodeFiles, netstat, type NodeSpec } from './healthy-cluster.js';

/** VTEP / tunnel address: the block's first address (what Calico IPAM hands out first). */
export const vtep = (n: NodeSpec) => n.block.split('/')[0]!;

export interface Counters {
  /** `Allow … from … hosts` (cali-INPUT). */
  allowIn?: number;
  /** `Drop … from non-… hosts` (cali-INPUT). */
  dropIn?: number;
  /** `Allow … to other … hosts` (cali-OUTPUT). */
  allowOut?: number;
}

export function vxlanAddr(self: NodeSpec, opts: { device?: boolean; state?: string; ip?: string } = {}): string {
  const rows = [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
    '    inet 127.0.0.1/8 scope host lo',
    '       valid_lft forever preferred_lft forever',
    '2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000 link-netnsid 0',
    `    inet ${self.ip}/24 brd 10.77.0.255 scope global eth0`,
    '       valid_lft forever preferred_lft forever',
  ];
  if (opts.device !== false) {
    rows.push(
      opts.state === 'DOWN'
        ? '4: vxlan.calico: <BROADCAST,MULTICAST> mtu 1450 qdisc noqueue state DOWN group default qlen 1000'
        : '4: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000',
      `    inet ${opts.ip ?? vtep(self)}/32 scope global vxlan.calico`,
      '       valid_lft forever preferred_lft forever',
    );
  }
  return rows.join('\n') + '\n';
}

export function vxlanRoutes(self: NodeSpec, peers: NodeSpec[], via: (p: NodeSpec) => string | undefined = vtep): string {
  const rows = [
    `default via 10.77.0.1 dev eth0 `,
    `10.77.0.0/24 dev eth0 proto kernel scope link src ${self.ip} `,
    `blackhole ${self.block} proto 80 `,
    `${self.pod} dev ${self.iface} scope link `,
  ];
  for (const p of peers) {
    const v = via(p);
    if (v !== undefined) rows.push(`${p.block} via ${v} dev vxlan.calico proto 80 onlink `);
  }
  return rows.join('\n') + '\n';
}

export function ipipRoutes(self: NodeSpec, peers: NodeSpec[], include: (p: NodeSpec) => boolean = () => true): string {
  const rows = [
    `default via 10.77.0.1 dev eth0 proto dhcp src ${self.ip} metric 100 `,
    `10.77.0.0/24 dev eth0 proto kernel scope link src ${self.ip} `,
    `blackhole ${self.block} proto bird `,
    `${self.pod} dev ${self.iface} scope link `,
    ...peers.filter(include).map((p) => `${p.block} via ${p.ip} dev tunl0 proto bird onlink `),
  ];
  return rows.join('\n') + '\n';
}

export function ipipAddr(self: NodeSpec, opts: { tunl0?: 'up' | 'down' | 'absent' } = {}): string {
  const rows = [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
    '    inet 127.0.0.1/8 scope host lo',
    '       valid_lft forever preferred_lft forever',
    '2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000 link-netnsid 0',
    `    inet ${self.ip}/24 brd 10.77.0.255 scope global eth0`,
    '       valid_lft forever preferred_lft forever',
  ];
  const st = opts.tunl0 ?? 'up';
  if (st !== 'absent') {
    rows.push(
      st === 'up' ? '3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000' : '3: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN group default qlen 1000',
      `    inet ${vtep(self)}/32 scope global tunl0`,
      '       valid_lft forever preferred_lft forever',
    );
  }
  return rows.join('\n') + '\n';
}

/** iptables-save -c with Felix's encapsulation rules (comments as in felix/rules/static.go). */
export function encapTables(kind: 'vxlan' | 'ipip', c: Counters = {}, extraInput: string[] = [], port = 4789): string {
  const [i, d, o] = [c.allowIn ?? 0, c.dropIn ?? 0, c.allowOut ?? 0];
  const rules = kind === 'vxlan'
    ? [
        `[${i}:${i * 134}] -A cali-INPUT -p udp -m comment --comment "cali:Sb6R4CHhCgVVkflp" -m comment --comment "Allow IPv4 VXLAN packets from allowed hosts" -m multiport --dports ${port} -m set --match-set cali40all-vxlan-net src -m addrtype --dst-type LOCAL -j ACCEPT`,
        `[${d}:${d * 134}] -A cali-INPUT -p udp -m comment --comment "cali:QAJpW3YJUiTVGd3D" -m comment --comment "Drop IPv4 VXLAN packets from non-allowed hosts" -m multiport --dports ${port} -m addrtype --dst-type LOCAL -j DROP`,
      ]
    : [
        `[${i}:${i * 104}] -A cali-INPUT -p ipv4 -m comment --comment "cali:PajejrV4aFdkZojI" -m comment --comment "Allow IPIP packets from Calico hosts" -m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL -j ACCEPT`,
        `[${d}:${d * 104}] -A cali-INPUT -p ipv4 -m comment --comment "cali:_wjq-Yrma8Ly1Svo" -m comment --comment "Drop IPIP packets from non-Calico hosts" -j DROP`,
      ];
  const out = kind === 'vxlan'
    ? `[${o}:${o * 134}] -A cali-OUTPUT -p udp -m comment --comment "cali:WnwRXT7ivfaUoZkf" -m comment --comment "Allow IPv4 VXLAN packets to other allowed hosts" -m multiport --dports ${port} -m addrtype --src-type LOCAL -m set --match-set cali40all-vxlan-net dst -j ACCEPT`
    : `[${o}:${o * 104}] -A cali-OUTPUT -p ipv4 -m comment --comment "cali:Mq1_rAdXXH3YkrzW" -m comment --comment "Allow IPIP packets to other Calico hosts" -m set --match-set cali40all-hosts-net dst -m addrtype --src-type LOCAL -j ACCEPT`;
  return [
    '# Generated by iptables-save v1.8.9 (nf_tables) on Fri Nov 27 10:15:00 2026',
    '*filter',
    ':INPUT ACCEPT [5120:880211]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [4987:801233]',
    ':cali-INPUT - [0:0]',
    ':cali-OUTPUT - [0:0]',
    ':cali-FORWARD - [0:0]',
    ...extraInput,
    '[5120:880211] -A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT',
    '[40:3360] -A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD',
    '[4987:801233] -A OUTPUT -m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT',
    ...rules,
    '[0:0] -A cali-INPUT -i cali+ -m comment --comment "cali:5nWGNYaXW5fzOD3b" -g cali-wl-to-host',
    '[0:0] -A cali-OUTPUT -m comment --comment "cali:Mq1_rAdXXH3YkrzW" -m mark --mark 0x10000/0x10000 -j ACCEPT',
    '[0:0] -A cali-OUTPUT -o cali+ -m comment --comment "cali:69FkRTJDvD5Vu6Vl" -j RETURN',
    out,
    'COMMIT',
    '# Completed on Fri Nov 27 10:15:00 2026',
  ].join('\n') + '\n';
}

export function hostSet(name: 'cali40all-vxlan-net' | 'cali40all-hosts-net', members: string[]): string {
  return [
    `Name: ${name}`,
    'Type: hash:net',
    'Revision: 7',
    'Header: family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x0f1e2d3c',
    'Size in memory: 600',
    'References: 2',
    `Number of entries: ${members.length}`,
    'Members:',
    ...members,
  ].join('\n') + '\n';
}

/** Felix log with the features line (kernel version, ChecksumOffloadBroken). */
export function felixFeatures(kernel: string, broken: boolean): string {
  return `2026-11-27T10:14:00.10001 2026-11-27 10:14:00.100 [INFO][68] felix/feature_detect_linux.go 181: Updating detected iptables features features=environment.Features{SNATFullyRandom:true, MASQFullyRandom:true, RestoreSupportsLock:true, ChecksumOffloadBroken:${broken}, IPIPDeviceIsL3:true, KernelSideRouteFiltering:true} iptablesVersion=1.8.9 kernelVersion=${kernel}\n`;
}

/** A healthy VXLAN cluster without BIRD: every node sent and received VXLAN. */
export function vxlanCluster(counters: (n: NodeSpec) => Counters = () => ({ allowIn: 40, allowOut: 42 })): Record<string, NodeFiles> {
  return Object.fromEntries(
    NODES.map((n) => {
      const peers = NODES.filter((p) => p !== n);
      const f = healthyNodeFiles(n);
      delete f['logs/bird/current'];
      delete f['logs/confd/current'];
      f.netstat = netstat(n, []).replace(/^tcp .*:179 .*LISTEN.*\n/m, '');
      f.ipv4_route = vxlanRoutes(n, peers);
      f.ipv4_addr = vxlanAddr(n);
      f.ipv4_tables = encapTables('vxlan', counters(n));
      f.ipsets = hostSet('cali40all-vxlan-net', NODES.map((x) => x.ip));
      return [n.name, f];
    }),
  );
}

/** A healthy IP-in-IP cluster with BIRD (healthy-cluster's BGP mesh) routing via tunl0. */
export function ipipCluster(counters: (n: NodeSpec) => Counters = () => ({ allowIn: 30, allowOut: 31 })): Record<string, NodeFiles> {
  return Object.fromEntries(
    NODES.map((n) => {
      const peers = NODES.filter((p) => p !== n);
      const f = healthyNodeFiles(n);
      f.ipv4_route = ipipRoutes(n, peers);
      f.ipv4_addr = ipipAddr(n);
      f.ipv4_tables = encapTables('ipip', counters(n));
      f.ipsets = hostSet('cali40all-hosts-net', NODES.map((x) => x.ip));
      return [n.name, f];
    }),
  );
}

export function poolYaml(mode: { ipipMode?: string; vxlanMode?: string }): string {
  return `apiVersion: projectcalico.org/v3
items:
- apiVersion: projectcalico.org/v3
  kind: IPPool
  metadata:
    name: default-ipv4-ippool
  spec:
    blockSize: 26
    cidr: 10.244.0.0/16
    ipipMode: ${mode.ipipMode ?? 'Never'}
    natOutgoing: true
    nodeSelector: all()
    vxlanMode: ${mode.vxlanMode ?? 'Never'}
kind: IPPoolList
metadata:
  resourceVersion: "397991"
`;
}

/** Node resources; `prefix` per node (default 24), VTEP / IPIP tunnel address unless `noTunnel` names the node. */
export function nodeYaml(kind: 'vxlan' | 'ipip' | 'none', opts: { prefix?: (n: NodeSpec) => number; noTunnel?: string[] } = {}): string {
  const items = NODES.map((n) => {
    const tunnel = opts.noTunnel?.includes(n.name) ? '' : kind === 'vxlan' ? `\n    ipv4VXLANTunnelAddr: ${vtep(n)}` : '';
    const ipipAddr = kind === 'ipip' && !opts.noTunnel?.includes(n.name) ? `\n      ipv4IPIPTunnelAddr: ${vtep(n)}` : '';
    return `- apiVersion: projectcalico.org/v3
  kind: Node
  metadata:
    name: ${n.name}
  spec:
    bgp:
      ipv4Address: ${n.ip}/${opts.prefix?.(n) ?? 24}${ipipAddr}${tunnel}
    orchRefs:
    - nodeName: ${n.name}
      orchestrator: k8s`;
  });
  return `apiVersion: projectcalico.org/v3\nitems:\n${items.join('\n')}\nkind: NodeList\nmetadata:\n  resourceVersion: "397991"\n`;
}

export function felixConfigYaml(spec: Record<string, string | number>): string {
  return `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
${Object.entries(spec).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`).join('\n')}
`;
}

/** Several YAML documents as one input. */
export const docs = (...parts: string[]) => parts.join('---\n');
