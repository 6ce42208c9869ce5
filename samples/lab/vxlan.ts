/**
 * Encapsulation for the namespace lab without BIRD: what Felix programs when it owns the cluster
 * routes (VXLAN pools, or IPIP pools with v3.31 `programClusterRoutes: Enabled`).
 *
 * VXLAN (pool `vxlanMode: Always|CrossSubnet`): a real `vxlan.calico` device per node
 * (`ip link add vxlan.calico type vxlan id 4096 dstport 4789 local <node ip> dev eth0 nolearning`,
 * MTU 1450, the VTEP address = first address of the node's block, /32), static neighbour and FDB
 * entries for every other VTEP (Felix's vxlan_mgr does the same), Felix-style routes
 * `<block> via <remote VTEP> dev vxlan.calico onlink proto 80` (CrossSubnet: `via <node ip> dev eth0
 * onlink proto 80` when the peer is inside the node's Node-resource subnet), `blackhole <own block>
 * proto 80`, Felix's VXLAN rules in cali-INPUT/cali-OUTPUT and raw NOTRACK (felix/rules/static.go
 * shapes), and the `cali40all-vxlan-net` ipset. Real pings then move the counters.
 *
 * IP-in-IP (pool `ipipMode: Always` with `programClusterRoutes: Enabled`): this kernel has no `ipip`
 * module, so `tunl0` is a VXLAN-type device NAMED tunl0 (arp off, MTU 1480, /32 tunnel address):
 * its `ip addr` line reads like Calico's tunl0 but it carries no IP-in-IP; routes are
 * `<block> via <node ip> dev tunl0 onlink proto 80`. The scenario file labels this as written.
 *
 * Two subnets (`subnet` on a node): the node's port goes to a second bridge `br1` in the switch
 * namespace, which routes between the two subnets like a top-of-rack router.
 */
import { createHash } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { caliHash } from './dataplane.js';
import { nsRun } from './proc.js';
import type { NodeSpec, Scenario } from './scenario.js';

export type LabEncap = 'vxlan' | 'ipip' | undefined;

/** Which Felix-programmed encapsulation a scenario runs (then BIRD, confd and their logs are off). */
export function labEncap(s: Scenario): LabEncap {
  if (s.pool.vxlanMode !== 'Never' && s.pool.vxlanMode !== undefined) return 'vxlan';
  if (s.pool.ipipMode !== 'Never' && (s.programClusterRoutes === 'Enabled' || s.networkingBackend === 'vxlan')) return 'ipip';
  return undefined;
}

/** No BIRD/confd: CALICO_NETWORKING_BACKEND=vxlan (rc.local enables neither) or Felix-only routes. */
export function birdless(s: Scenario): boolean {
  return labEncap(s) !== undefined;
}

export const VXLAN_PORT = 4789;

/** The node's VTEP / tunnel address: the first address of its block, as Calico's IPAM hands it out. */
export function tunnelAddress(n: NodeSpec): string {
  return n.block.split('/')[0]!;
}

/** Felix derives the VTEP MAC from the node; the lab takes a locally administered one from a hash. */
export function vtepMac(n: NodeSpec): string {
  const h = createHash('sha1').update(`vtep/${n.hostname}`).digest('hex');
  return ['66', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}

function underlayIf(n: NodeSpec): string {
  return n.underlayInterface ?? 'eth0';
}

function prefixOf(s: Scenario, n: NodeSpec): number {
  return Number((n.subnet?.cidr ?? s.underlay.cidr).split('/')[1]);
}

/** Network address of a dotted IPv4 address and prefix length. */
function networkOf(ip: string, len: number): string {
  const n = ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const net = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
}

/** Whether `b` is inside `a`'s Node-resource subnet (Felix's CrossSubnet decision). */
function sameSubnetByNode(s: Scenario, a: NodeSpec, b: NodeSpec): boolean {
  const [ip, len] = (a.calicoAddress ?? `${a.ip}/${prefixOf(s, a)}`).split('/');
  const l = Number(len ?? 32);
  return networkOf(ip!, l) === networkOf(b.ip, l);
}

/** Second subnet's bridge in the switch namespace (called once per node with a `subnet`). */
export function subnetBridge(sw: string, n: NodeSpec): string {
  if (n.subnet === undefined) return 'br0';
  const have = nsRun(sw, 'ip', ['link', 'show', 'br1'], { allowFail: true }).code === 0;
  if (!have) {
    nsRun(sw, 'ip', ['link', 'add', 'br1', 'type', 'bridge']);
    nsRun(sw, 'ip', ['addr', 'add', `${n.subnet.gateway}/${n.subnet.cidr.split('/')[1]}`, 'dev', 'br1']);
    nsRun(sw, 'ip', ['link', 'set', 'br1', 'up']);
    nsRun(sw, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  }
  return 'br1';
}

function felixRule(chain: string, idx: number, proto: string, comment: string, rest: string, target: string): string[] {
  const id = caliHash(`filter/${chain}/${comment}`);
  return ['-I', chain, String(idx), '-p', proto, '-m', 'comment', '--comment', `cali:${id}`, '-m', 'comment', '--comment', comment, ...rest.split(' '), '-j', target];
}

/** Programs the Felix-owned encapsulation on every node (after the base dataplane is loaded). */
export function setupEncap(s: Scenario, nodes: Array<{ spec: NodeSpec; ns: string }>): void {
  const kind = labEncap(s);
  if (kind === undefined) return;
  for (const { spec: a, ns } of nodes) {
    const up = underlayIf(a);
    // Felix programs IPIP cluster routes (and their blackholes) only with programClusterRoutes Enabled
    // (felix/dataplane/linux/ipip_mgr.go); otherwise they are BIRD's, and BIRD does not run here.
    const felixRoutes = kind === 'vxlan' || s.programClusterRoutes === 'Enabled';
    if (felixRoutes) nsRun(ns, 'ip', ['route', 'add', 'blackhole', a.block, 'proto', '80']);
    if (kind === 'vxlan') {
      if (!a.tunnelMissing) {
        // vxlanLocal: a second address on the NIC as the device's source (encap-source-not-in-calico-hostset).
        if (a.vxlanLocal !== undefined) nsRun(ns, 'ip', ['addr', 'add', `${a.vxlanLocal}/${prefixOf(s, a)}`, 'dev', up]);
        nsRun(ns, 'ip', ['link', 'add', 'vxlan.calico', 'type', 'vxlan', 'id', '4096', 'dstport', String(VXLAN_PORT), 'local', a.vxlanLocal ?? a.ip, 'dev', up, 'nolearning']);
        nsRun(ns, 'ip', ['link', 'set', 'vxlan.calico', 'address', vtepMac(a), 'mtu', '1450', 'up']);
        nsRun(ns, 'ip', ['addr', 'add', `${tunnelAddress(a)}/32`, 'dev', 'vxlan.calico']);
      }
      for (const { spec: b } of nodes) {
        if (b === a) continue;
        if (s.pool.vxlanMode === 'CrossSubnet' && sameSubnetByNode(s, a, b)) {
          nsRun(ns, 'ip', ['route', 'add', b.block, 'via', b.ip, 'dev', up, 'onlink', 'proto', '80']);
          continue;
        }
        if (a.tunnelMissing || b.tunnelMissing) continue; // no device here, or no VTEP known for b
        nsRun(ns, 'ip', ['neigh', 'replace', tunnelAddress(b), 'lladdr', vtepMac(b), 'dev', 'vxlan.calico', 'nud', 'permanent']);
        nsRun(ns, 'bridge', ['fdb', 'replace', vtepMac(b), 'dev', 'vxlan.calico', 'dst', b.ip, 'self', 'permanent']);
        nsRun(ns, 'ip', ['route', 'add', b.block, 'via', tunnelAddress(b), 'dev', 'vxlan.calico', 'onlink', 'proto', '80']);
      }
      // Felix's ipset and rules (felix/rules/static.go filterInputChain/filterOutputChain, raw NOTRACK).
      nsRun(ns, 'ipset', ['restore'], {
        input: `create cali40all-vxlan-net hash:net family inet hashsize 1024 maxelem 1048576\n${s.nodes.map((n) => `add cali40all-vxlan-net ${n.ip}`).join('\n')}\n`,
      });
      const port = `--dports ${VXLAN_PORT}`;
      nsRun(ns, 'iptables', felixRule('cali-INPUT', 1, 'udp', 'Allow IPv4 VXLAN packets from allowed hosts', `-m multiport ${port} -m set --match-set cali40all-vxlan-net src -m addrtype --dst-type LOCAL`, 'ACCEPT'));
      nsRun(ns, 'iptables', felixRule('cali-INPUT', 2, 'udp', 'Drop IPv4 VXLAN packets from non-allowed hosts', `-m multiport ${port} -m addrtype --dst-type LOCAL`, 'DROP'));
      nsRun(ns, 'iptables', felixRule('cali-OUTPUT', 3, 'udp', 'Allow IPv4 VXLAN packets to other allowed hosts', `-m multiport ${port} -m addrtype --src-type LOCAL -m set --match-set cali40all-vxlan-net dst`, 'ACCEPT'));
      for (const chain of ['cali-PREROUTING', 'cali-OUTPUT']) {
        nsRun(ns, 'iptables', ['-t', 'raw', '-I', chain, '1', '-p', 'udp', '-m', 'comment', '--comment', `cali:${caliHash(`raw/${chain}/notrack`)}`, '-m', 'udp', '--dport', String(VXLAN_PORT), '-j', 'NOTRACK']);
      }
    } else {
      if (!a.tunnelMissing) {
        // Labelled in the scenario: a VXLAN-type device named tunl0 (no ipip module here).
        // No lower device, so MTU 1480 (Calico's tunl0 MTU) is allowed.
        nsRun(ns, 'ip', ['link', 'add', 'tunl0', 'type', 'vxlan', 'id', '1', 'dstport', '4790', 'nolearning']);
        nsRun(ns, 'ip', ['link', 'set', 'tunl0', 'arp', 'off', 'mtu', '1480', 'up']);
        nsRun(ns, 'ip', ['addr', 'add', `${tunnelAddress(a)}/32`, 'dev', 'tunl0']);
      }
      for (const { spec: b } of nodes) {
        if (b === a || a.tunnelMissing || !felixRoutes) continue;
        nsRun(ns, 'ip', ['route', 'add', b.block, 'via', b.ip, 'dev', 'tunl0', 'onlink', 'proto', '80']);
      }
      nsRun(ns, 'iptables', felixRule('cali-INPUT', 1, '4', 'Allow IPIP packets from Calico hosts', '-m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL', 'ACCEPT'));
      nsRun(ns, 'iptables', felixRule('cali-INPUT', 2, '4', 'Drop IPIP packets from non-Calico hosts', '', 'DROP').filter((x) => x !== ''));
      nsRun(ns, 'iptables', felixRule('cali-OUTPUT', 3, '4', 'Allow IPIP packets to other Calico hosts', '-m set --match-set cali40all-hosts-net dst -m addrtype --src-type LOCAL', 'ACCEPT'));
    }
  }
}

/**
 * Adds what the encapsulation puts into the exported resources: each Node's
 * `ipv4VXLANTunnelAddr`/`vxlanTunnelMACAddr` (or `bgp.ipv4IPIPTunnelAddr`), none for a node whose
 * tunnel address was never allocated, and the default FelixConfiguration.
 */
export function encapResources(s: Scenario, res: Record<string, string>): Record<string, string> {
  const kind = labEncap(s);
  if (kind === undefined) return res;
  const doc = parse(res['node']!) as { items: Array<{ metadata: { name: string }; spec: Record<string, unknown> }> };
  for (const item of doc.items) {
    const n = s.nodes.find((x) => x.hostname === item.metadata.name);
    if (n === undefined || n.tunnelMissing) continue;
    const spec: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item.spec)) {
      if (k === 'bgp' && kind === 'ipip') spec[k] = { ...(v as object), ipv4IPIPTunnelAddr: tunnelAddress(n) };
      else spec[k] = v;
      if (k === 'bgp' && kind === 'vxlan') {
        spec['ipv4VXLANTunnelAddr'] = tunnelAddress(n);
      }
      if (k === 'orchRefs' && kind === 'vxlan') spec['vxlanTunnelMACAddr'] = vtepMac(n);
    }
    item.spec = spec;
  }
  const felix = {
    apiVersion: 'projectcalico.org/v3',
    items: [
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'FelixConfiguration',
        metadata: { creationTimestamp: parse(res['ippool']!).items[0].metadata.creationTimestamp, name: 'default', resourceVersion: '1291', uid: 'b7d2c1e0-51aa-4c1d-a0f3-0c4e1f2a9d11' },
        spec: {
          bpfEnabled: false,
          floatingIPs: 'Disabled',
          logSeverityScreen: 'Info',
          ...(kind === 'ipip' && s.programClusterRoutes !== undefined ? { programClusterRoutes: s.programClusterRoutes } : {}),
          reportingInterval: '0s',
          ...(kind === 'vxlan' ? { vxlanPort: VXLAN_PORT, vxlanVNI: 4096 } : {}),
        },
      },
    ],
    kind: 'FelixConfigurationList',
    metadata: { resourceVersion: '48213' },
  };
  return { ...res, node: stringify(doc, { lineWidth: 0 }), felixconfiguration: stringify(felix, { lineWidth: 0 }) };
}
