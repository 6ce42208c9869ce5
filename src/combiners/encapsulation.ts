/**
 * Encapsulation per node and per pair (catalogue T1, T3, T4): what the IPPools and the
 * FelixConfiguration configure (ipipMode / vxlanMode, vxlanPort) against what each node shows —
 * the device class of its routes to other nodes' blocks (`dev tunl0 … onlink`, `dev vxlan.calico …
 * onlink`, a plain next hop via the NIC), who programmed them (`proto bird` = BIRD, `proto 80` =
 * Felix), its tunnel devices (tunl0, vxlan.calico, wireguard.cali: UP, MTU, address), its VTEP, Felix's
 * IPIP/VXLAN admission rules with their counters (`Allow IPIP packets from Calico hosts`, `Allow IPv4
 * VXLAN packets to other allowed hosts`, …, felix/rules/static.go), and the members of
 * `cali40all-hosts-net` / `cali40all-vxlan-net`. For every ordered pair it decides CrossSubnet the
 * way Calico does (the peer's IP inside the network of the Node resource's `ipv4Address`) and the
 * way the wire does (inside the real interface prefix).
 */
import type { BlockOwnership, EncapHostSet, EncapPairDecision, EncapPool, EncapRule, EncapRules, EncapTable, NodeEncap, RouteMatrix, TunnelDevice } from '../model/derived.js';
import type { Evidence } from '../model/finding.js';
import type { ClusterModel, NodeModel } from '../model/node.js';
import type { IptablesRule, NetInterface } from '../model/facts.js';
import { artifactFile, fieldEvidence, lineEvidence } from './evidence.js';
import { ipInCidr } from './cidr.js';
import { nodeResourceFor, stripPrefix } from './node-identity.js';
import { listens179 } from './bgp-pairs.js';

/** Default VXLAN port (FelixConfiguration `vxlanPort`). */
export const DEFAULT_VXLAN_PORT = 4789;

/** Comments of Felix's fixed rules (felix/rules/static.go; the VXLAN drop said "non-whitelisted" before v3.17). */
const COMMENTS: Array<[keyof Omit<EncapRules, 'foreignDrops'>, 'cali-INPUT' | 'cali-OUTPUT', RegExp]> = [
  ['ipipAllowIn', 'cali-INPUT', /Allow IPIP packets from Calico hosts/],
  ['ipipDropIn', 'cali-INPUT', /(Drop|Reject) IPIP packets from non-Calico hosts/],
  ['ipipAllowOut', 'cali-OUTPUT', /Allow IPIP packets to other Calico hosts/],
  ['vxlanAllowIn', 'cali-INPUT', /Allow IPv4 VXLAN packets from (allowed|whitelisted) hosts/],
  ['vxlanDropIn', 'cali-INPUT', /(Drop|Reject) IPv4 VXLAN packets from non-(allowed|whitelisted) hosts/],
  ['vxlanAllowOut', 'cali-OUTPUT', /Allow IPv4 VXLAN packets to other (allowed|whitelisted|Calico) hosts/],
];

export const TUNNEL_DEVICES = ['tunl0', 'vxlan.calico', 'vxlan-v6.calico', 'wireguard.cali'] as const;

function portOf(spec: string): number | undefined {
  const m = /--dports?\s+(\d+)(?:[,\s]|$)/.exec(spec);
  return m === null ? undefined : Number(m[1]);
}

function ruleOf(n: NodeModel, file: string, r: IptablesRule): EncapRule {
  return { packets: r.packets, bytes: r.bytes, target: r.target, port: portOf(r.spec), evidence: lineEvidence(n, file, r) };
}

function isIpipProto(spec: string): boolean {
  return /(^|\s)-p\s+(4|ipencap|ipip|ipv4)(\s|$)/.test(spec);
}

function encapRules(n: NodeModel, vxlanPort: number): { rules: EncapRules; collected: boolean } {
  const rules: EncapRules = { foreignDrops: [] };
  const filter = n.iptables4?.tables['filter'];
  if (filter === undefined) return { rules, collected: false };
  const file = artifactFile(n, 'ipv4_tables');
  const collected = filter.chains['cali-INPUT'] !== undefined || Object.keys(filter.chains).some((c) => c.startsWith('cali-'));
  for (const [key, chain, re] of COMMENTS) {
    const r = filter.chains[chain]?.rules.find((x) => x.comment !== undefined && re.test(x.comment));
    if (r !== undefined) rules[key] = ruleOf(n, file, r);
  }
  for (const chain of Object.values(filter.chains)) {
    for (const r of chain.rules) {
      if (r.target !== 'DROP' && r.target !== 'REJECT') continue;
      if (r.calicoId !== undefined) continue;
      const udp = /(^|\s)-p\s+udp(\s|$)/.test(r.spec) && portOf(r.spec) !== undefined && dportsInclude(r.spec, vxlanPort);
      const ipip = isIpipProto(r.spec);
      if (udp || ipip) rules.foreignDrops.push({ ...ruleOf(n, file, r), proto: udp ? 'udp' : 'ipip' });
    }
  }
  return { rules, collected };
}

function dportsInclude(spec: string, port: number): boolean {
  const m = /--dports?\s+(\S+)/.exec(spec);
  if (m === null) return false;
  return m[1]!.split(',').some((part) => {
    if (part === String(port)) return true;
    const r = /^(\d+):(\d+)$/.exec(part);
    return r !== null && Number(r[1]) <= port && port <= Number(r[2]);
  });
}

function device(n: NodeModel, name: string): TunnelDevice | undefined {
  const pick = (list: NetInterface[], id: 'ipv4_addr' | 'ipv6_addr'): TunnelDevice | undefined => {
    const i = list.find((x) => x.name === name);
    if (i === undefined) return undefined;
    const up = i.flags.includes('UP') && i.state !== 'DOWN';
    return {
      name,
      up,
      state: i.state,
      mtu: i.mtu,
      addresses: id === 'ipv4_addr' ? i.addresses.filter((a) => a.family === 4).map((a) => a.cidr) : [],
      linkType: i.linkType,
      evidence: lineEvidence(n, artifactFile(n, id), i),
    };
  };
  const v4 = pick(n.interfaces4, 'ipv4_addr');
  if (v4 !== undefined) {
    // ipv4_addr of node diags lists only interfaces with an IPv4 address; the v6 file may name the link type.
    return v4;
  }
  const v6 = pick(n.interfaces6, 'ipv6_addr');
  if (v6 !== undefined) return v6;
  const link = n.attachments?.links?.find((l) => l.name === name);
  if (link !== undefined) {
    return {
      name,
      up: link.state !== 'DOWN' && /[<,]UP[,>]/.test(link.text),
      state: link.state,
      mtu: link.mtu,
      addresses: [],
      linkType: link.vxlan !== undefined ? 'ether' : link.ipip !== undefined ? 'ipip' : undefined,
      evidence: { node: n.name, input: link.input, file: link.file, line: link.line, text: link.text },
    };
  }
  return undefined;
}

function hostSet(n: NodeModel, name: string): EncapHostSet | undefined {
  const s = n.ipsets?.sets[name];
  if (s === undefined || !s.membersKept) return undefined;
  return { name, members: s.members, evidence: lineEvidence(n, artifactFile(n, 'ipsets'), s) };
}


function birdState(n: NodeModel): { running?: boolean; evidence: Evidence[] } {
  const ev: Evidence[] = [];
  const status = n.attachments?.nodeStatus;
  if (status?.birdRunning === false) {
    const l = status.lines.find((x) => x.text.includes('BIRD')) ?? status.lines[0];
    if (l !== undefined) ev.push({ node: n.name, input: l.input, file: l.file, line: l.line, text: l.text });
    return { running: false, evidence: ev };
  }
  const birdBlackhole = n.routes4.find((r) => r.type === 'blackhole' && r.proto === 'bird');
  if (birdBlackhole !== undefined) return { running: true, evidence: [lineEvidence(n, artifactFile(n, 'ipv4_route'), birdBlackhole)] };
  const listen = n.sockets !== undefined ? listens179(n) : undefined;
  if (listen !== undefined) return { running: true, evidence: [lineEvidence(n, n.sockets!.file, listen)] };
  const bird = n.bird ?? n.containerBird;
  const hasProtocols = bird !== undefined && Object.keys(bird.protocols).length > 0;
  if (status?.birdRunning === true || hasProtocols) return { running: true, evidence: [] };
  // Nothing listens on 179 and BIRD logged nothing: not running (the VXLAN-only backend removes its services).
  if (n.sockets !== undefined && bird === undefined && !n.layout.fileLoggingDisabled) {
    ev.push({ node: n.name, input: n.input, file: n.sockets.file, line: 0, text: `no socket in LISTEN on TCP 179 among ${n.sockets.tcpRows} TCP sockets, and logs/ has no bird folder` });
    return { running: false, evidence: ev };
  }
  return { running: undefined, evidence: ev };
}

function nodeEncap(cluster: ClusterModel, n: NodeModel, blocks: BlockOwnership[], matrix: RouteMatrix, vxlanPort: number): NodeEncap {
  const res = nodeResourceFor(cluster, n);
  const out: NodeEncap = {
    node: n.name,
    nodeIP: n.nodeIP,
    routes: { ipip: [], vxlan: [], direct: [], bird: 0, felix: 0 },
    rules: { foreignDrops: [] },
    rulesCollected: false,
  };
  if (res?.ipv4Address !== undefined) {
    out.nodeAddress = res.ipv4Address;
    out.nodeAddressEvidence = fieldEvidence(n.name, res, 'spec.bgp.ipv4Address', `Node ${res.name}: spec.bgp.ipv4Address: ${res.ipv4Address}`);
  }
  // Node resource of this node, even without ipv4Address (tunnel addresses).
  const anyRes = res ?? cluster.resources.nodes.find((r) => r.name === n.hostname);
  if (anyRes?.ipv4VXLANTunnelAddr !== undefined) out.vtepResource = anyRes.ipv4VXLANTunnelAddr;
  if (anyRes?.ipv4IPIPTunnelAddr !== undefined) out.ipipTunnelResource = anyRes.ipv4IPIPTunnelAddr;
  if (n.nodeIP !== undefined) {
    for (const i of n.interfaces4) {
      const a = i.addresses.find((x) => x.family === 4 && x.address === n.nodeIP);
      if (a === undefined) continue;
      out.realCidr = `${a.address}/${a.prefix}`;
      out.realEvidence = lineEvidence(n, artifactFile(n, 'ipv4_addr'), a);
      break;
    }
  }
  const row = matrix.rows[matrix.nodes.indexOf(n.name)] ?? [];
  for (const cell of row) {
    for (const b of cell.blocks) {
      if (b.evidence === undefined || b.route?.type !== 'unicast') continue;
      if (b.kind === 'ipip') out.routes.ipip.push(b.evidence);
      else if (b.kind === 'vxlan') out.routes.vxlan.push(b.evidence);
      else if (b.kind === 'direct') out.routes.direct.push(b.evidence);
    }
  }
  const blockSet = new Set(blocks.map((b) => b.block));
  for (const r of n.routes4) {
    if (!blockSet.has(r.dst)) continue;
    if (r.proto === 'bird') out.routes.bird++;
    else if (r.proto === '80') out.routes.felix++;
    if (r.type === 'blackhole' && out.routes.blackholeProto === undefined) out.routes.blackholeProto = r.proto;
  }
  out.tunl0 = device(n, 'tunl0');
  out.vxlan = device(n, 'vxlan.calico');
  out.vxlanV6 = device(n, 'vxlan-v6.calico');
  out.wireguard = device(n, 'wireguard.cali');
  const vtep = out.vxlan?.addresses[0];
  if (vtep !== undefined) out.vtepAddress = stripPrefix(vtep);
  const bird = birdState(n);
  out.birdRunning = bird.running;
  out.birdEvidence = bird.evidence;
  const rules = encapRules(n, vxlanPort);
  out.rules = rules.rules;
  out.rulesCollected = rules.collected;
  out.hostsNet = hostSet(n, 'cali40all-hosts-net');
  out.vxlanNet = hostSet(n, 'cali40all-vxlan-net');
  kernelFacts(n, out);
  return out;
}

const KERNEL_RE = /kernelVersion=([0-9][0-9A-Za-z.+_-]*)/;
const OFFLOAD_RE = /ChecksumOffloadBroken:(true|false)/;

/** Kernel version and Felix's checksum-offload verdict (last features line wins), and vxlan.calico's tx checksum. */
function kernelFacts(n: NodeModel, out: NodeEncap): void {
  for (const s of [n.felix, n.containerLog]) {
    for (const r of s?.signatures['features-detected']?.refs ?? []) {
      const k = KERNEL_RE.exec(r.text);
      if (k !== null) {
        out.kernelVersion = k[1];
        out.kernelEvidence = lineEvidence(n, r.file, r);
      }
      const o = OFFLOAD_RE.exec(r.text);
      if (o !== null) out.checksumOffloadBroken = o[1] === 'true';
    }
  }
  const u = n.attachments?.uname;
  if (out.kernelVersion === undefined && u !== undefined) {
    out.kernelVersion = u.kernel;
    out.kernelEvidence = { node: n.name, input: u.input, file: u.file, line: u.line, text: u.text };
  }
  const eth = n.attachments?.ethtool?.find((e) => e.interface === 'vxlan.calico');
  const f = eth?.features['tx-checksum-ip-generic'];
  if (f !== undefined) out.vxlanTxChecksum = { on: f.on, evidence: { node: n.name, input: f.input, file: f.file, line: f.line, text: f.text } };
}

/** Whether a kernel version string is at most major.minor (Felix: ChecksumOffloadBroken for kernels <= 5.7). */
export function kernelAtMost(version: string, major: number, minor: number): boolean | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (m === null) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a < major || (a === major && b <= minor);
}

function prefixLen(cidr: string): number {
  const i = cidr.indexOf('/');
  return i === -1 ? 32 : Number(cidr.slice(i + 1));
}

function network(cidr: string | undefined): string | undefined {
  if (cidr === undefined) return undefined;
  return cidr.includes('/') ? cidr : `${cidr}/32`;
}

export function encapsulation(cluster: ClusterModel, blocks: BlockOwnership[], matrix: RouteMatrix): EncapTable {
  const felixDefault = cluster.resources.felixConfigurations.find((f) => f.name === 'default') ?? cluster.resources.felixConfigurations[0];
  const felixConfig: EncapTable['felixConfig'] = {};
  let vxlanPort = DEFAULT_VXLAN_PORT;
  let vxlanPortEvidence: Evidence | undefined;
  if (felixDefault !== undefined) {
    for (const key of ['vxlanEnabled', 'ipipEnabled', 'vxlanPort', 'vxlanVNI', 'awsSrcDstCheck', 'programClusterRoutes', 'featureDetectOverride', 'wireguardEnabled']) {
      const v = felixDefault.spec[key];
      if (v === undefined || v === null || typeof v === 'object') continue;
      felixConfig[key] = { value: String(v), evidence: fieldEvidence(`FelixConfiguration ${felixDefault.name}`, felixDefault, `spec.${key}`, `FelixConfiguration ${felixDefault.name}: ${key}: ${String(v)}`) };
    }
    const p = Number(felixConfig['vxlanPort']?.value);
    if (Number.isInteger(p) && p > 0 && p < 65536) {
      vxlanPort = p;
      vxlanPortEvidence = felixConfig['vxlanPort']!.evidence;
    }
  }
  const pools: EncapPool[] = cluster.resources.ippools
    .filter((p) => !p.disabled && p.cidr !== '')
    .map((p) => {
      const v6 = typeof p.spec['vxlanModeV6'] === 'string' ? (p.spec['vxlanModeV6'] as string) : undefined;
      return {
        name: p.name,
        cidr: p.cidr,
        ipipMode: p.ipipMode,
        vxlanMode: p.vxlanMode,
        ...(v6 !== undefined ? { vxlanModeV6: v6 } : {}),
        ...(p.nodeSelector !== undefined && p.nodeSelector.trim() !== '' && p.nodeSelector.trim() !== 'all()' ? { nodeSelector: p.nodeSelector } : {}),
        evidence: fieldEvidence(`IPPool ${p.name}`, p, p.vxlanMode !== 'Never' ? ['spec.vxlanMode', 'spec.cidr'] : p.ipipMode !== 'Never' ? ['spec.ipipMode', 'spec.ipip', 'spec.cidr'] : ['spec.cidr'], `IPPool ${p.name}: cidr: ${p.cidr}, ipipMode: ${p.ipipMode}, vxlanMode: ${p.vxlanMode}${v6 !== undefined ? `, vxlanModeV6: ${v6}` : ''}`),
      };
    });
  const nodes = cluster.nodes.map((n) => nodeEncap(cluster, n, blocks, matrix, vxlanPort));
  // Only a node whose Node prefix differs from its interface prefix can decide CrossSubnet differently
  // from the wire, so only its pairs are listed (keeps the table small on clusters of hundreds of nodes).
  const pairs: EncapPairDecision[] = [];
  let prefixesCompared = 0;
  for (const a of nodes) {
    if (a.nodeAddress === undefined || a.realCidr === undefined) continue;
    prefixesCompared++;
    if (prefixLen(a.nodeAddress) === prefixLen(a.realCidr)) continue;
    for (const b of nodes) {
      if (a === b || b.nodeIP === undefined) continue;
      const d: EncapPairDecision = { from: a.node, to: b.node };
      const byRes = network(a.nodeAddress);
      if (byRes !== undefined) d.sameByNodeResource = ipInCidr(b.nodeIP, byRes);
      if (a.realCidr !== undefined) d.sameByInterface = ipInCidr(b.nodeIP, a.realCidr);
      pairs.push(d);
    }
  }
  return { pools, nodes, pairs, prefixesCompared, vxlanPort, ...(vxlanPortEvidence !== undefined ? { vxlanPortEvidence } : {}), felixConfig };
}

/** The pool a block belongs to (first match), if the pools were exported. */
export function poolOfBlock(pools: EncapPool[], block: string): EncapPool | undefined {
  return pools.find((p) => ipInCidr(stripPrefix(block), p.cidr));
}

/** Whether every pool of a kind selects only some nodes (then a node without a tunnel may simply not be selected). */
export function onlySelectedNodes(pools: EncapPool[]): boolean {
  return pools.length > 0 && pools.every((p) => p.nodeSelector !== undefined);
}

/** Whether any pool uses IPIP / VXLAN (Always or CrossSubnet). */
export function usesIpip(p: EncapPool): boolean {
  return p.ipipMode === 'Always' || p.ipipMode === 'CrossSubnet';
}
export function usesVxlan(p: EncapPool): boolean {
  return p.vxlanMode === 'Always' || p.vxlanMode === 'CrossSubnet';
}

/** One node that sends encapsulated packets but never receives any, and the nodes that did send. */
export interface EncapGap {
  receiver: NodeEncap;
  senders: NodeEncap[];
}

/** A node must have sent at least this many encapsulated packets before silence on its INPUT side means anything. */
export const MIN_SENT = 3;

/**
 * Catalogue T4 from counters: a node whose Felix OUTPUT rule (`Allow … to other … hosts`) counted
 * packets while its INPUT accept (`Allow … from … hosts`) and drop rules counted none. Every request
 * it sent got no encapsulated reply: the packets towards it are lost before its INPUT chain (host
 * firewall ahead of cali-INPUT, or the underlay). A single node is a gap only when some other node
 * did receive (so the counters work and traffic flows elsewhere); when no node that sent received
 * anything, `everyone` is true (the port/protocol is blocked between all nodes).
 */
export function encapCounterGaps(t: EncapTable, kind: 'ipip' | 'vxlan'): { withRules: NodeEncap[]; withTraffic: NodeEncap[]; gaps: EncapGap[]; everyone: boolean } {
  const inKey = kind === 'ipip' ? 'ipipAllowIn' : 'vxlanAllowIn';
  const dropKey = kind === 'ipip' ? 'ipipDropIn' : 'vxlanDropIn';
  const outKey = kind === 'ipip' ? 'ipipAllowOut' : 'vxlanAllowOut';
  const withRules = t.nodes.filter((n) => n.rules[inKey]?.packets !== undefined && n.rules[outKey]?.packets !== undefined);
  const withTraffic = withRules.filter((n) => (n.rules[outKey]!.packets ?? 0) >= MIN_SENT);
  const deaf = withTraffic.filter((x) => (x.rules[inKey]!.packets ?? 0) === 0 && (x.rules[dropKey]?.packets ?? 0) === 0);
  const someoneHears = withRules.some((n) => (n.rules[inKey]!.packets ?? 0) > 0);
  const gaps: EncapGap[] = [];
  if (someoneHears) {
    for (const x of deaf) {
      const senders = withTraffic.filter((y) => y !== x);
      if (senders.length > 0) gaps.push({ receiver: x, senders });
    }
  }
  const everyone = !someoneHears && deaf.length >= 2 && deaf.length === withTraffic.length;
  return { withRules, withTraffic, gaps, everyone };
}

const exactMembers = new WeakMap<EncapHostSet, { exact: Set<string>; nets: string[] }>();

/** Whether `ip` is a member of an ipset (hash:ip or hash:net members). */
export function inHostSet(set: EncapHostSet, ip: string): boolean {
  let m = exactMembers.get(set);
  if (m === undefined) {
    m = { exact: new Set(set.members.filter((x) => !x.includes('/') || x.endsWith('/32')).map((x) => stripPrefix(x))), nets: set.members.filter((x) => x.includes('/') && !x.endsWith('/32')) };
    exactMembers.set(set, m);
  }
  return m.exact.has(ip) || m.nets.some((n) => ipInCidr(ip, n));
}
