import { join } from 'node:path';
import { BASE64URL, SyntheticRng } from './synthetic-rng.js';
import { TextFileWriter } from './text-file-writer.js';
import { meshName, pairUpUs, type SynthCluster, type SynthNode, type SynthWorkload } from './synthetic-cluster.js';

/**
 * Log files of one node, v3.21+ shape (shared/reference/diags-format.md 3.1-3.3, 3.11):
 * felix/confd/bird `current` and rotated files carry the svlogd `-ttt` prefix
 * (`2024-03-15T00:46:55.75312 `) before the daemon's own line; `cni.log` has none.
 */

const p2 = (n: number): string => (n < 10 ? '0' + n : String(n));
const p3 = (n: number): string => (n < 10 ? '00' + n : n < 100 ? '0' + n : String(n));
const p5 = (n: number): string => String(n).padStart(5, '0');

/** Formats timestamps (microseconds since the epoch, UTC), caching the per-second part. */
export class Stamps {
  private sec = -1;
  private day = '';
  private hms = '';

  private at(us: number): number {
    const sec = Math.floor(us / 1e6);
    if (sec !== this.sec) {
      this.sec = sec;
      const d = new Date(sec * 1000);
      this.day = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
      this.hms = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
    }
    return us - sec * 1e6;
  }

  /** Calico logrus: `2024-03-15 00:46:55.752`. */
  calico(us: number): string {
    const frac = this.at(us);
    return `${this.day} ${this.hms}.${p3(Math.floor(frac / 1000))}`;
  }

  /** svlogd -ttt: `2024-03-15T00:46:55.75312`. */
  svlogd(us: number): string {
    const frac = this.at(us);
    return `${this.day}T${this.hms}.${p5(Math.floor(frac / 10))}`;
  }
}

/** svlogd rotated file name: `@` + TAI64N label (24 hex digits) + `.s`. */
export function tai64nName(us: number): string {
  const secs = BigInt(Math.floor(us / 1e6)) + 0x4000000000000000n + 10n;
  const nanos = (us % 1e6) * 1000;
  return '@' + secs.toString(16).padStart(16, '0') + nanos.toString(16).padStart(8, '0') + '.s';
}

interface Ctx {
  rng: SyntheticRng;
  node: SynthNode;
  cluster: SynthCluster;
}

type Template = [weight: number, level: string, render: (x: Ctx) => string];

const wl = (x: Ctx): SynthWorkload => x.rng.pick(x.node.workloads);
const wepId = (x: Ctx, w: SynthWorkload): string =>
  `proto.WorkloadEndpointID{OrchestratorId:"k8s", WorkloadId:"${w.ns}/${w.pod}", EndpointId:"eth0"}`;
const table = (x: Ctx): string => x.rng.pick(['filter', 'nat', 'mangle', 'raw']);
/** Selector IP set ids of the cluster: a fixed pool, as on a real node. */
const SET_IDS: string[] = (() => {
  const r = new SyntheticRng(0x5e7);
  return Array.from({ length: 40 }, () => 's:' + r.chars(23, BASE64URL));
})();
const setId = (x: Ctx): string => x.rng.pick(SET_IDS);

const FELIX: Template[] = [
  [14, 'INFO', () => 'felix/int_dataplane.go 1689: Applying dataplane updates'],
  [12, 'INFO', (x) => `felix/int_dataplane.go 1703: Finished applying updates to dataplane. msecToApply=${(x.rng.next() * 40).toFixed(6)}`],
  [6, 'INFO', (x) => `felix/table.go 1263: Invalidating dataplane cache ipVersion=0x4 reason="refresh timer" table="${table(x)}"`],
  [4, 'INFO', (x) => `felix/ipsets.go 253: Resyncing ipsets with dataplane. family="inet" numSetsDeleted=${x.rng.int(0, 2)}`],
  [5, 'INFO', (x) => `felix/summary.go 100: Summarising ${x.rng.int(8, 30)} dataplane reconciliation loops over 1m${x.rng.int(0, 9)}s: avg=${x.rng.int(5, 60)}ms longest=${x.rng.int(60, 400)}ms (resync-filter-v4,resync-ipsets-v4,resync-nat-v4,resync-routes-v4,update-filter-v4,update-ipsets-4,update-nat-v4)`],
  [3, 'INFO', (x) => { const w = wl(x); return `felix/calc_graph.go 507: Local endpoint updated id=WorkloadEndpoint(node=${x.node.hostname}, orchestrator=k8s, workload=${w.ns}/${w.pod}, name=eth0)`; }],
  [3, 'INFO', (x) => { const w = wl(x); return `felix/endpoint_mgr.go 602: Updating per-endpoint chains. id=${wepId(x, w)}`; }],
  [3, 'INFO', (x) => { const w = wl(x); return `felix/endpoint_mgr.go 648: Updating endpoint routes. id=${wepId(x, w)}`; }],
  [2, 'INFO', (x) => { const w = wl(x); return `felix/status_combiner.go 81: Endpoint up for at least one IP version id=${wepId(x, w)} ipVersion=0x4 status="up"`; }],
  [4, 'INFO', (x) => `felix/int_dataplane.go 2034: Received *proto.WorkloadEndpointUpdate update from calculation graph msg=id:<orchestrator_id:"k8s" workload_id:"${wl(x).ns}/${wl(x).pod}" endpoint_id:"eth0" > endpoint:<state:"active" name:"${wl(x).iface}" profile_ids:"kns.${wl(x).ns}" ipv4_nets:"${wl(x).ip}/32" >`],
  [2, 'INFO', (x) => `felix/int_dataplane.go 2034: Received *proto.IPSetDeltaUpdate update from calculation graph msg=id:"${setId(x)}" added_members:"${wl(x).ip}/32"`],
  [2, 'INFO', (x) => `felix/health.go 196: Overall health status changed newStatus=&health.HealthReport{Live:true, Ready:true, Detail:""}`],
  [1, 'INFO', (x) => `felix/route_table.go 902: Syncing routes: adding new route. ifaceName="${wl(x).iface}" ipVersion=0x4 targetCIDR=${wl(x).ip}/32`],
  [1, 'INFO', (x) => `felix/conntrack.go 90: Removing conntrack flows ip=${wl(x).ip}`],
  [1, 'INFO', (x) => `felix/ipip_mgr.go 222: All-hosts IP set out-of sync, refreshing it. numHosts=${x.cluster.nodes.length}`],
  [10, 'DEBUG', (x) => `felix/route_table.go 435: Syncing interface routes ifaceName="${wl(x).iface}" ipVersion=0x4`],
  [8, 'DEBUG', (x) => `felix/route_table.go 452: Have updated targets. ifaceName="${wl(x).iface}" ipVersion=0x4`],
  [9, 'DEBUG', () => 'felix/health.go 159: GET /liveness'],
  [8, 'DEBUG', () => 'felix/health.go 159: GET /readiness'],
  [6, 'DEBUG', (x) => `felix/table.go 1006: Asked to ${x.rng.pick(['refresh', 'invalidate'])} chain chainName="cali-${x.rng.pick(['fw', 'tw'])}-${wl(x).iface}" ipVersion=0x4 table="filter"`],
  [5, 'DEBUG', (x) => `felix/ipsets.go 582: Adding member to IP set. family="inet" member="${wl(x).ip}/32" setID="${setId(x)}"`],
  [9, 'DEBUG', (x) => `felix/sync_client.go 468: New message from Typha. connID=0x0 connection=&discovery.Typha{Addr:"10.96.${x.rng.int(0, 3)}.${x.rng.int(2, 250)}:5473", IP:"", NodeName:(*string)(nil)} envelope=syncproto.Envelope{Message:syncproto.MsgKVs{KVs:[]syncproto.SerializedUpdate{syncproto.SerializedUpdate{Key:"WorkloadEndpoint(node=${x.rng.pick(x.cluster.nodes).hostname}, orchestrator=k8s, workload=${wl(x).ns}/${wl(x).pod}, name=eth0)", Value:[]uint8{...}, Revision:"${x.rng.int(1000000, 9999999)}", TTL:0, UpdateType:0x2}}}} type=""`],
  [4, 'DEBUG', (x) => `felix/int_dataplane.go 1596: Dataplane updates throttled`],
  [3, 'DEBUG', (x) => `felix/table.go 1471: Update ended up being no-op, skipping call to ip(6)tables-restore. ipVersion=0x4 table="${table(x)}"`],
  [3, 'DEBUG', (x) => `felix/wireguard.go 1547: Wireguard is not enabled, skipping sync ipVersion=0x4`],
  [0.6, 'WARNING', () => 'felix/health.go 66: Report timed out name="int_dataplane"'],
  [0.4, 'WARNING', (x) => `felix/table.go 840: iptables save failed error=exit status ${x.rng.pick([1, 4])}`],
  [0.3, 'WARNING', (x) => `felix/route_table.go 710: Failed to get interface; it's probably gone. error=Link not found ifaceName="${wl(x).iface}" ipVersion=0x4`],
  [0.2, 'ERROR', (x) => `felix/route_table.go 784: Failed to access interface because it doesn't exist. error=Link not found ifaceName="${wl(x).iface}" ipVersion=0x4`],
  [0.1, 'ERROR', (x) => `felix/route_table.go 784: Failed to access interface because it doesn't exist. error=Link not found ifaceName="${wl(x).iface}" ifaceRegex="^cali.*" ipVersion=0x4 tableIndex=254`],
];

class Picker {
  private readonly cum: number[] = [];
  private readonly total: number;
  constructor(readonly templates: Template[]) {
    let t = 0;
    for (const [w] of templates) this.cum.push((t += w));
    this.total = t;
  }
  pick(rng: SyntheticRng): Template {
    const r = rng.next() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cum[mid] as number) > r) hi = mid;
      else lo = mid + 1;
    }
    return this.templates[lo] as Template;
  }
}

const felixPicker = new Picker(FELIX);

export interface LogFile {
  /** Name inside the service's log dir (`current`, `@4000....s`, `cni.log`). */
  name: string;
  path: string;
  bytes: number;
}

/**
 * Spreads `budget` bytes of lines over the cluster's time window: the mean gap is recomputed
 * from the time and bytes left, so the last line lands near the end of the window.
 */
class Pacer {
  us: number;
  private readonly endUs: number;
  constructor(c: SynthCluster, private readonly budget: number, private readonly lineBytes: number) {
    this.us = c.startMs * 1000;
    this.endUs = c.endMs * 1000 - 5_000_000;
  }
  meanGap(bytesSoFar: number): number {
    const linesLeft = Math.max(1, (this.budget - bytesSoFar) / this.lineBytes);
    return Math.max(0, (this.endUs - this.us) / linesLeft);
  }
}

/** svlogd stamps a line when it reads its first byte: after the daemon's own stamp, never going back. */
class SvlogdClock {
  private last = 0;
  at(us: number, rng: SyntheticRng): number {
    this.last = Math.max(this.last + 1, us + rng.int(20, 900));
    return this.last;
  }
}

/** Felix writes in bursts (one dataplane loop = many lines within a few ms), then idles; mean stays `gap`. */
function burstGap(rng: SyntheticRng, gap: number): number {
  if (gap > 2000 && rng.chance(0.75)) return rng.int(0, 1500);
  return Math.floor(rng.next() * 2 * (gap > 2000 ? (gap - 0.75 * 750) / 0.25 : gap));
}

/**
 * Felix log of `budget` bytes, split like svlogd does: files rotated at `rotateBytes`
 * (named by the TAI64N time of rotation, in order), then `current`.
 */
export function writeFelixLogs(tmpDir: string, c: SynthCluster, n: SynthNode, rng: SyntheticRng, budget: number, rotateBytes: number): LogFile[] {
  const files: LogFile[] = [];
  const stamps = new Stamps();
  const x: Ctx = { rng, node: n, cluster: c };
  const pace = new Pacer(c, budget, 200);
  const sv = new SvlogdClock();
  let total = 0;
  let w = new TextFileWriter(join(tmpDir, `felix-${files.length}`));
  const pid = n.felixPid;
  while (total < budget) {
    const [, level, render] = felixPicker.pick(rng);
    const us = (pace.us += burstGap(rng, pace.meanGap(total)));
    const line = `${stamps.svlogd(sv.at(us, rng))} ${stamps.calico(us)} [${level}][${pid}] ${render(x)}`;
    if (w.bytes + line.length + 1 > rotateBytes && w.bytes > 0) {
      files.push({ name: tai64nName(us), path: w.path, bytes: w.close() });
      w = new TextFileWriter(join(tmpDir, `felix-${files.length}`));
    }
    w.line(line);
    total += line.length + 1;
  }
  files.push({ name: 'current', path: w.path, bytes: w.close() });
  return files;
}

/**
 * BIRD log (`bird: ...` behind the -ttt prefix): startup, the mesh coming up (except the
 * stuck pair, which stays in `start`), then reconfiguration cycles; a healthy mesh never drops.
 */
export function writeBirdLog(w: TextFileWriter, c: SynthCluster, n: SynthNode, rng: SyntheticRng, budget: number): void {
  const stamps = new Stamps();
  let us = c.startMs * 1000;
  const emit = (msg: string, stepUs = rng.int(5, 400)): void => {
    us += stepUs;
    w.line(`${stamps.svlogd(us)} bird: ${msg}`);
  };
  const peers = c.nodes.filter((p) => p !== n);
  const stuck = c.faults.bgpStuck;
  const isStuck = (p: SynthNode): boolean =>
    stuck !== undefined && ((stuck.initiator === n.index && stuck.passive === p.index) || (stuck.passive === n.index && stuck.initiator === p.index));
  const protos = ['static1', 'kernel1', 'device1', 'direct1', ...peers.map((p) => meshName(p.ip))];
  for (const p of protos) emit(`${p}: Initializing`);
  for (const p of protos) {
    emit(`${p}: Starting`);
    if (p.startsWith('Mesh_')) emit(`${p}: State changed to start`);
    else {
      emit(`${p}: Connected to table master`);
      emit(`${p}: State changed to feed`);
    }
  }
  emit('Graceful restart started');
  emit('Started');
  for (const p of ['static1', 'kernel1', 'device1', 'direct1']) emit(`${p}: State changed to up`);
  // Each session comes up at the same instant on both ends (pairUpUs), so the two BIRD logs agree on the clocks.
  const ups = peers.filter((p) => !isStuck(p)).map((p) => ({ p, at: pairUpUs(c, n.index, p.index) })).sort((a, b) => a.at - b.at);
  for (const { p, at } of ups) {
    const name = meshName(p.ip);
    us = Math.max(us, at - 2_000);
    emit(`${name}: Connected to table master`, 1000);
    emit(`${name}: State changed to feed`, 500);
    emit(`${name}: State changed to up`, 500);
  }
  emit('Graceful restart done', 120_000_000);

  // Then routine events of a healthy mesh: reconfigurations after confd updates, next-hop notes; no session drops.
  const pace = new Pacer(c, budget, 330); // bytes per event (a reconfiguration cycle is ~8 lines)
  pace.us = us;
  while (w.bytes < budget) {
    us = Math.max(us, (pace.us += Math.floor(rng.next() * 2 * pace.meanGap(w.bytes))));
    if (rng.next() < 0.9) {
      emit('Reconfiguration requested by SIGHUP');
      emit('Reconfiguring');
      emit('device1: Reconfigured');
      emit('direct1: Reconfigured');
      for (const p of peers) emit(`${meshName(p.ip)}: Reconfigured`);
      emit('Reconfigured');
    } else {
      const p = rng.pick(c.nodes);
      emit(`Next hop address ${p.ip} resolvable through recursive route for ${p.block}`);
    }
  }
}

const CONFD: Template[] = [
  [6, 'DEBUG', (x) => `confd/resource.go 236: Comparing candidate config to /etc/calico/confd/config/${x.rng.pick(['bird.cfg', 'bird6.cfg', 'bird_aggr.cfg', 'bird_ipam.cfg'])}`],
  [4, 'INFO', (x) => `confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated due to change in key: /calico/bgp/v1/host/${x.rng.pick(x.cluster.nodes).hostname}/ip_addr_v4`],
  [3, 'DEBUG', () => 'confd/resource.go 328: Running reloadcmd: sv hup bird || true'],
  [3, 'INFO', () => 'confd/client.go 1030: Recompute BGP peerings: HostBGPConfig(node=*; name=ip_addr_v4) updated; HostBGPConfig(node=*; name=network_v4) updated'],
  [2, 'DEBUG', (x) => `confd/watchersyncer.go 130: Sending status update Status=in-sync`],
  [2, 'INFO', (x) => `confd/client.go 359: Updated with new IPAM block ${x.rng.pick(x.cluster.nodes).block} affinity host:${x.rng.pick(x.cluster.nodes).hostname}`],
  [0.2, 'WARNING', () => 'confd/client.go 1275: Unable to find the node resource in the data store; ignoring'],
];
const confdPicker = new Picker(CONFD);

export function writeConfdLog(w: TextFileWriter, c: SynthCluster, n: SynthNode, rng: SyntheticRng, budget: number): void {
  const stamps = new Stamps();
  const x: Ctx = { rng, node: n, cluster: c };
  const pace = new Pacer(c, budget, 150);
  const sv = new SvlogdClock();
  let us = pace.us;
  for (const line of ['confd/config.go 105: Skipping confd config file.', 'confd/run.go 17: Starting calico-confd', 'confd/watchersyncer.go 89: Start called']) {
    us = pace.us += 1000;
    w.line(`${stamps.svlogd(sv.at(us, rng))} ${stamps.calico(us)} [INFO][${n.confdPid}] ${line}`);
  }
  while (w.bytes < budget) {
    us = pace.us += burstGap(rng, pace.meanGap(w.bytes));
    const [, level, render] = confdPicker.pick(rng);
    w.line(`${stamps.svlogd(sv.at(us, rng))} ${stamps.calico(us)} [${level}][${n.confdPid}] ${render(x)}`);
  }
}

/** CNI plugin `cni.log` (no svlogd prefix): pod ADD/DEL sequences of the v3.29+ plugin. */
export function writeCniLog(w: TextFileWriter, c: SynthCluster, n: SynthNode, rng: SyntheticRng, budget: number): void {
  const stamps = new Stamps();
  const pace = new Pacer(c, budget, 2400);
  let us = pace.us;
  while (w.bytes < budget) {
    us = Math.max(us, (pace.us += Math.floor(rng.next() * 2 * pace.meanGap(w.bytes))));
    const wk = rng.pick(n.workloads);
    const pid = rng.int(1000, 99999);
    const cid = rng.hex(64);
    const wep = `${n.hostname.replace(/-/g, '--')}-k8s-${wk.pod.replace(/-/g, '--')}-eth0`;
    const ids = `ContainerID="${cid}" HandleID="k8s-pod-network.${cid}" Workload="${wep}"`;
    const l = (level: string, msg: string): void => {
      us += rng.int(200, 20_000);
      w.line(`${stamps.calico(us)} [${level}][${pid}] ${msg}`);
    };
    if (rng.chance(0.7)) {
      l('INFO', `cni-plugin/plugin.go 325: Calico CNI found existing endpoint: <nil> ${ids}`);
      l('INFO', `cni-plugin/k8s.go 73: Extracted identifiers for CmdAddK8s ContainerID="${cid}" Namespace="${wk.ns}" Pod="${wk.pod}" WorkloadEndpoint="${wep}"`);
      l('INFO', `ipam/ipam_plugin.go 227: Calico CNI IPAM request count IPv4=1 IPv6=0 ${ids}`);
      l('INFO', `ipam/ipam.go 155: Attempting to load block cidr=${n.block} host="${n.hostname}"`);
      l('INFO', `ipam/ipam.go 232: Affinity is confirmed and block has been loaded cidr=${n.block} host="${n.hostname}"`);
      l('INFO', `ipam/ipam.go 1682: Creating new handle: k8s-pod-network.${cid}`);
      l('INFO', `ipam/ipam_plugin.go 276: Calico CNI IPAM assigned addresses IPv4=[${wk.ip}/26] IPv6=[] ${ids}`);
      l('INFO', `cni-plugin/k8s.go 418: Populated endpoint ${ids} endpoint=&v3.WorkloadEndpoint{ObjectMeta:v1.ObjectMeta{Name:"${wep}", Namespace:"${wk.ns}"}, Spec:v3.WorkloadEndpointSpec{Orchestrator:"k8s", Node:"${n.hostname}", Pod:"${wk.pod}", Endpoint:"eth0", IPNetworks:[]string{"${wk.ip}/32"}, InterfaceName:"${wk.iface}"}}`);
      l('INFO', `cni-plugin/dataplane_linux.go 69: Setting the host side veth name to ${wk.iface} ${ids}`);
      l('INFO', `cni-plugin/k8s.go 500: Wrote updated endpoint to datastore ${ids}`);
    } else {
      l('INFO', `cni-plugin/plugin.go 615: Extracted identifiers ${ids}`);
      l('INFO', `cni-plugin/k8s.go 584: Cleaning up netns ${ids}`);
      l('INFO', `cni-plugin/dataplane_linux.go 530: Deleting workload's device in netns. ${ids} iface="eth0" netns="/var/run/netns/cni-${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}"`);
      l('INFO', `ipam/ipam_plugin.go 413: Releasing address using handleID ${ids}`);
      l('WARNING', `ipam/ipam_plugin.go 430: Asked to release address but it doesn't exist. Ignoring ${ids}`);
      l('INFO', `cni-plugin/k8s.go 589: Teardown processing complete. ${ids}`);
    }
  }
}

/** The cni dir's svlogd `current` (calico-node -monitor-token), a few lines. */
export function writeCniCurrent(w: TextFileWriter, c: SynthCluster, n: SynthNode): void {
  const stamps = new Stamps();
  const us = c.startMs * 1000 + 2_000_000;
  w.line(`${stamps.svlogd(us + 400)} ${stamps.calico(us)} [INFO][${n.confdPid + 3}] cni-config-monitor/token_watch.go 225: Update of CNI kubeconfig triggered based on elapsed time.`);
  w.line(`${stamps.svlogd(us + 900)} ${stamps.calico(us + 400)} [INFO][${n.confdPid + 3}] cni-config-monitor/token_watch.go 279: Wrote updated CNI kubeconfig file. path="/host/etc/cni/net.d/calico-kubeconfig"`);
}

const felixScreenPicker = new Picker(FELIX.filter(([, level]) => level !== 'DEBUG'));
const confdScreenPicker = new Picker(CONFD.filter(([, level]) => level !== 'DEBUG'));

/**
 * `kubectl logs --all-containers` of a calico-node pod, as `calicoctl cluster diags` saves it
 * (`nodes/<node>/<ns>/<pod>.log`): the install-cni init container, then calico-node's stdout, where
 * startup, Felix and confd lines (screen level Info, no svlogd stamp) interleave with BIRD's
 * `bird: …` lines, which carry no time at all (diags-format.md 1.4, 3.2). The mesh comes up once and
 * stays up; then Felix and confd routine until `budget` bytes.
 */
export function writeCalicoNodeContainerLog(w: TextFileWriter, c: SynthCluster, n: SynthNode, rng: SyntheticRng, budget: number): void {
  const stamps = new Stamps();
  const x: Ctx = { rng, node: n, cluster: c };
  let us = c.startMs * 1000 - 20_000_000;
  const calico = (level: string, pid: number, msg: string): void => {
    us += rng.int(200, 40_000);
    w.line(`${stamps.calico(us)} [${level}][${pid}] ${msg}`);
  };
  calico('INFO', 1, 'cni-installer/<nil> <nil>: Running as a Kubernetes pod');
  calico('INFO', 1, 'cni-installer/<nil> <nil>: File is already up to date, skipping file="/host/opt/cni/bin/calico"');
  calico('INFO', 1, 'cni-installer/<nil> <nil>: Wrote Calico CNI binaries to /host/opt/cni/bin');
  calico('INFO', 1, 'cni-installer/<nil> <nil>: /host/secondary-bin-dir is not writeable, skipping');
  calico('INFO', 1, 'cni-installer/<nil> <nil>: Created /host/etc/cni/net.d/10-calico.conflist');
  calico('INFO', 9, 'startup/startup.go 431: Early log level set to info');
  calico('INFO', 9, `startup/utils.go 126: Using NODENAME environment for node name ${n.hostname}`);
  calico('INFO', 9, `startup/autodetection_methods.go 103: Using autodetected IPv4 address on interface eth0: ${n.ip}/16`);
  calico('INFO', 9, 'startup/startup.go 709: No AS number configured on node resource, using global value');
  w.line('Calico node started successfully');
  const peers = c.nodes.filter((p) => p !== n);
  const stuck = c.faults.bgpStuck;
  const isStuck = (p: SynthNode): boolean => stuck !== undefined && [stuck.initiator, stuck.passive].includes(n.index) && [stuck.initiator, stuck.passive].includes(p.index);
  const bird = (msg: string): void => w.line(`bird: ${msg}`);
  for (const p of ['static1', 'kernel1', 'device1', 'direct1']) bird(`${p}: Initializing`);
  for (const p of peers) bird(`${meshName(p.ip)}: Initializing`);
  bird('Graceful restart started');
  bird('Started');
  for (const p of peers) {
    if (isStuck(p)) continue;
    bird(`${meshName(p.ip)}: Connected to table master`);
    bird(`${meshName(p.ip)}: State changed to feed`);
    bird(`${meshName(p.ip)}: State changed to up`);
  }
  bird('Graceful restart done');
  const pace = new Pacer(c, budget, 190);
  while (w.bytes < budget) {
    us = Math.max(us, (pace.us += burstGap(rng, pace.meanGap(w.bytes))));
    const r = rng.next();
    if (r < 0.8) {
      const [, level, render] = felixScreenPicker.pick(rng);
      w.line(`${stamps.calico(us)} [${level}][${n.felixPid}] ${render(x)}`);
    } else if (r < 0.97) {
      const [, level, render] = confdScreenPicker.pick(rng);
      w.line(`${stamps.calico(us)} [${level}][${n.confdPid}] ${render(x)}`);
    } else {
      bird('Reconfiguration requested by SIGHUP');
      bird('Reconfiguring');
      for (const p of peers) bird(`${meshName(p.ip)}: Reconfigured`);
      bird('Reconfigured');
    }
  }
}
