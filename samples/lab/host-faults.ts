/**
 * Lab faults of the host layer (catalogue J): what the lab can make real in a node namespace, and the
 * pastes it cannot (WRITTEN, labelled so in the scenario files).
 *
 * Real: per-netns sysctls (`net.ipv4.ip_forward=0`, `net.ipv4.conf.all.rp_filter=2`); a conntrack table
 * filled by a pod's UDP flood (`nf_conntrack_count` is per namespace and checked against the global
 * `nf_conntrack_max`, so one node namespace really reaches the limit and the kernel early-drops);
 * `conntrack -S` rendered from the namespace's real `/proc/net/stat/nf_conntrack` counters
 * (conntrack-tools' layout; the tool is not installed here).
 * Written: Felix v3.11's loose-RPF FATAL exit (int_dataplane.go, logrus without the component
 * prefix, as v3.11 printed it), NetworkManager's journal naming the node's real cali* devices (and
 * tunl0/vxlan.calico where the node has them), `kubectl get pods -A -o wide` from the scenario's nodes and `kubePods`.
 */
import type { Writable } from 'node:stream';
import { CalicoLog, logrusTime } from './calico-logs.js';
import { nsRun, nsRunAsync } from './proc.js';
import type { NodeSpec, Scenario } from './scenario.js';

export interface HostLabNode {
  spec: NodeSpec;
  ns: string;
  logs: Map<string, Writable>;
  workloads: Array<{ pod: string; ip: string; iface: string }>;
  pods: Array<{ ns: string; ip: string }>;
}

/** Real per-netns sysctls (after the dataplane is programmed, before BIRD and traffic). */
export function applyHostFaults(nodes: HostLabNode[]): void {
  for (const n of nodes) {
    const h = n.spec.hostLab;
    if (h?.sysctls?.length) nsRun(n.ns, 'sysctl', ['-qw', ...h.sysctls]);
    // Unreplied UDP entries live 30 s by default; keep the flood's entries until the snapshot.
    if (h?.conntrackFlood) nsRun(n.ns, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_udp_timeout=900']);
  }
}

/** A pod sends one UDP datagram to each of `flows` ports of the underlay gateway (a port scan / DNS storm shape). */
export async function conntrackFlood(s: Scenario, nodes: HostLabNode[]): Promise<void> {
  const jobs: Array<Promise<unknown>> = [];
  for (const n of nodes) {
    const f = n.spec.hostLab?.conntrackFlood;
    if (f === undefined) continue;
    const w = n.workloads.findIndex((x) => x.pod === f.pod);
    const pod = n.pods[w];
    if (pod === undefined) throw new Error(`hostLab: no pod ${f.pod} on ${n.spec.hostname}`);
    const script = [
      'import socket',
      `dst, flows = ${JSON.stringify(s.underlay.gateway)}, ${Math.floor(f.flows)}`,
      'socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range((flows + 59999) // 60000)]',
      'for i in range(flows):',
      '    try: socks[i // 60000].sendto(b"x", (dst, 1 + i % 60000))',
      '    except OSError: pass',
    ].join('\n');
    jobs.push(nsRunAsync(pod.ns, 'python3', ['-c', script]));
  }
  await Promise.all(jobs);
}

/**
 * A pod sends TCP SYN-ACKs for connections its node's conntrack never saw open (a raw socket; the
 * kernel builds the IP header): what a reply that took the other path looks like to this host.
 */
export async function strayReplies(nodes: HostLabNode[]): Promise<void> {
  const jobs: Array<Promise<unknown>> = [];
  for (const n of nodes) {
    const r = n.spec.hostLab?.strayReplies;
    if (r === undefined) continue;
    const w = n.workloads.findIndex((x) => x.pod === r.pod);
    const pod = n.pods[w];
    if (pod === undefined) throw new Error(`hostLab: no pod ${r.pod} on ${n.spec.hostname}`);
    const script = [
      'import socket, struct, time',
      `src, dst, count = ${JSON.stringify(pod.ip)}, ${JSON.stringify(r.to)}, ${Math.floor(r.count)}`,
      'def csum(b):',
      '    if len(b) % 2: b += b"\\0"',
      '    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))',
      '    while s >> 16: s = (s & 0xffff) + (s >> 16)',
      '    return ~s & 0xffff',
      's = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)',
      'for i in range(count):',
      '    sport, seq = 8080, 1000003 * (i + 1) & 0xffffffff',
      '    hdr = struct.pack("!HHIIBBHHH", sport, 40000 + i, seq, 1, 5 << 4, 0x12, 64240, 0, 0)',
      '    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))',
      '    hdr = hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]',
      '    s.sendto(hdr, (dst, 0))',
      '    time.sleep(0.01)',
    ].join('\n');
    jobs.push(nsRunAsync(pod.ns, 'python3', ['-c', script]));
  }
  await Promise.all(jobs);
}

type Level = 'INFO' | 'FATAL';

function felixV311(level: Level, pid: number, src: string, msg: string): string {
  return `${logrusTime(new Date())} [${level}][${pid}] ${src}: ${msg}\n`;
}

const RPF_FATAL =
  "Kernel's RPF check is set to 'loose'.  This would allow endpoints to spoof their IP address.  Calico requires net.ipv4.conf.all.rp_filter to be set to 0 or 1. If you require loose RPF and you are not concerned about spoofing, this check can be disabled by setting the IgnoreLooseRPF configuration parameter to 'true'.";

const rpfPid = new Map<string, number>();

/** Written Felix lines, once per lab tick (10 s): Felix v3.11 starts, finds rp_filter = 2, exits; runit restarts it. */
export function writeHostFaultTick(n: HostLabNode, tick: number): void {
  if (n.spec.hostLab?.felix !== 'rpf-loose' || tick % 2 !== 0) return;
  const pid = rpfPid.get(n.ns) ?? 1204;
  rpfPid.set(n.ns, pid + 37);
  const out = n.logs.get('felix');
  out?.write(felixV311('INFO', pid, 'daemon.go 345', 'Felix starting up GOMAXPROCS=2 builddate="2020-03-05T16:36:15+0000" gitcommit="0f1fc2e5c2d1e8fe3b0a4e5d2af3d8e5e3ff9a1c" version="v3.11.3"'));
  out?.write(felixV311('INFO', pid, 'int_dataplane.go 972', 'Making sure IPv4 forwarding is enabled.'));
  out?.write(felixV311('FATAL', pid, 'int_dataplane.go 1035', RPF_FATAL));
}

/**
 * The node's Felix log writer: a node whose Felix is v3.11 and exits (`rpf-loose`) gets none of the
 * lab's running-Felix (v3.20/v3.31) lines, only its own start-up and FATAL, written here at once and
 * then every 20 s by writeHostFaultTick.
 */
export function hostFaultFelix(n: HostLabNode, felix: CalicoLog): CalicoLog {
  if (n.spec.hostLab?.felix !== 'rpf-loose') return felix;
  writeHostFaultTick(n, 0);
  return new CalicoLog(undefined, felix.layoutName, felix.pid, 'felix');
}

/** conntrack-tools' `conntrack -S` from the namespace's real per-CPU counters. */
function conntrackS(ns: string): string {
  const r = nsRun(ns, 'cat', ['/proc/net/stat/nf_conntrack'], { allowFail: true }).stdout.trim().split('\n');
  const head = (r[0] ?? '').trim().split(/\s+/);
  const out: string[] = [];
  r.slice(1).forEach((row, cpu) => {
    const v = new Map(row.trim().split(/\s+/).map((x, i) => [head[i]!, parseInt(x, 16)]));
    const g = (k: string) => v.get(k) ?? 0;
    out.push(`cpu=${cpu}   \tfound=${g('found')} invalid=${g('invalid')} insert=${g('insert')} insert_failed=${g('insert_failed')} drop=${g('drop')} early_drop=${g('early_drop')} error=${g('icmp_error')} search_restart=${g('search_restart')} clash_resolve=${g('clashres')} chaintoolong=${g('chainlength')} `);
  });
  return out.join('\n') + '\n';
}

function journalTime(d: Date, host: string): string {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const p = (x: number) => String(x).padStart(2, '0');
  return `${mon} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${host}`;
}

/** NetworkManager (no `unmanaged-devices` keyfile) taking over the node's cali* veths and tunnel devices, as its journal shows it. */
function networkManagerJournal(n: HostLabNode): string {
  const host = n.spec.hostname;
  const t0 = Date.now() - 95_000;
  const lines: string[] = [];
  const at = (ms: number, msg: string) => {
    const d = new Date(t0 + ms);
    lines.push(`${journalTime(d, host)} NetworkManager[812]: <info>  [${(d.getTime() / 1000).toFixed(4)}] ${msg}`);
  };
  // Calico's tunnel devices this node really has (none without encapsulation).
  ['tunl0', 'vxlan.calico'].filter((d) => nsRun(n.ns, 'ip', ['link', 'show', d], { allowFail: true }).code === 0).forEach((d, i) => {
    at(i * 10, `manager: (${d}): new ${d === 'tunl0' ? 'IPIP' : 'VXLAN'} device (/org/freedesktop/NetworkManager/Devices/${4 + i})`);
    at(i * 10 + 2, `device (${d}): state change: unmanaged -> unavailable (reason 'managed', sys-iface-state: 'external')`);
    at(i * 10 + 5, `device (${d}): state change: unavailable -> disconnected (reason 'none', sys-iface-state: 'external')`);
  });
  n.workloads.forEach((w, i) => {
    const dev = 11 + i;
    at(1000 + i * 40, `manager: (${w.iface}): new Veth device (/org/freedesktop/NetworkManager/Devices/${dev})`);
    at(1003 + i * 40, `device (${w.iface}): carrier: link connected`);
    at(1006 + i * 40, `device (${w.iface}): state change: unmanaged -> unavailable (reason 'managed', sys-iface-state: 'external')`);
    at(1010 + i * 40, `device (${w.iface}): state change: unavailable -> disconnected (reason 'none', sys-iface-state: 'external')`);
    at(1015 + i * 40, `policy: auto-activating connection 'Wired connection ${i + 2}' (${'3f2a'}${String(i).padStart(4, '0')}-5c1d-4e8b-9a61-0d2e7c4b${String(dev).padStart(4, '0')})`);
    at(1020 + i * 40, `device (${w.iface}): Activation: starting connection 'Wired connection ${i + 2}' (3f2a${String(i).padStart(4, '0')}-5c1d-4e8b-9a61-0d2e7c4b${String(dev).padStart(4, '0')})`);
    at(1030 + i * 40, `dhcp4 (${w.iface}): activation: beginning transaction (timeout in 45 seconds)`);
  });
  n.workloads.forEach((w, i) => {
    at(46_100 + i * 40, `dhcp4 (${w.iface}): request timed out`);
    at(46_105 + i * 40, `device (${w.iface}): state change: ip-config -> failed (reason 'ip-config-unavailable', sys-iface-state: 'managed')`);
    at(46_110 + i * 40, `device (${w.iface}): Activation: failed for connection 'Wired connection ${i + 2}'`);
    at(46_120 + i * 40, `device (${w.iface}): state change: failed -> disconnected (reason 'none', sys-iface-state: 'managed')`);
  });
  return lines.join('\n') + '\n';
}

/** `kubectl get pods -A -o wide`: one calico-node per lab node, the pods of the scenario, `kubePods`. */
function getPods(s: Scenario): string {
  const rows: string[][] = [['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']];
  const sfx = (x: string) => Buffer.from(x).toString('hex').slice(-5).replace(/[0-9]/g, (c) => 'bcdfghjklm'[Number(c)]!);
  for (const n of s.nodes.filter((x) => !x.gone)) rows.push(['kube-system', `calico-node-${sfx(n.hostname)}`, '1/1', 'Running', '0', '3d', n.ip, n.hostname, '<none>', '<none>']);
  for (const p of s.kubePods ?? []) rows.push([p.namespace, p.name, p.ready, p.status, p.restarts, '3d', p.ip, p.node, '<none>', '<none>']);
  for (const n of s.nodes.filter((x) => !x.gone)) for (const p of n.pods) rows.push(['default', p.name, '1/1', 'Running', '0', '3d', p.ip, n.hostname, '<none>', '<none>']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]! + 3) : c)).join('').trimEnd()).join('\n') + '\n';
}

/** Pastes this module makes; undefined for a command it does not know. */
export function hostPaste(cmd: string, n: HostLabNode, s: Scenario): string | undefined {
  if (cmd === 'conntrack -S') return conntrackS(n.ns);
  if (cmd === 'journalctl -u NetworkManager') return networkManagerJournal(n);
  if (cmd === 'kubectl get pods -A -o wide') return getPods(s);
  return undefined;
}
