/**
 * The namespace lab: runs real mini-clusters (one network namespace per node, a bridge in a
 * "switch" namespace, real BIRD 1.6.8 per node, real iptables/ipset, real pings between workload
 * namespaces) and collects each node's bundle exactly as `calicoctl node diags` would.
 *
 * Usage (root): `npm run samples:lab [scenario-ids...]` (default: every file in samples/lab/scenarios).
 * Output: samples/scenarios/<id>/<hostname>/diags-YYYYMMDD_HHMMSS.tar.gz and
 * samples/scenarios/<id>/resources/<kind>.yaml.
 *
 * Safety: nothing is created in the root network namespace (every link is made with `ip -n <ns>`),
 * no traffic leaves the namespaces the lab creates, processes are stopped by PID and namespaces
 * deleted at the end, also on SIGINT/SIGTERM/exceptions.
 */
import { deriveRotatedSnapshot } from './derive-rotated-snapshot.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { renderBirdConfig } from './bird-config.js';
import { CalicoLog, appendCniLog, logrusLine, services, startSvlogd, type Level } from './calico-logs.js';
import { collectNode } from './collect.js';
import { skewBundle } from './clock-skew.js';
import { writeAttachments } from './attachments.js';
import { applyHostFaults, conntrackFlood, hostFaultFelix, strayReplies, writeHostFaultTick } from './host-faults.js';
import { IP6TABLES_RESTORE, ipsetRestore, iptablesRestore, vethName, type Workload } from './dataplane.js';
import { addNamespace, cleanup, installCleanupHandlers, nsRun, nsRunAsync, resetCleanup, run, shuttingDown, sleep, startTracked } from './proc.js';
import { renderResources } from './resources.js';
import { addExtraBlocks, applyUnderlayFaults } from './routes.js';
import { policyResources, policyRestore } from './policy.js';
import { startupAddressLines } from './startup-address.js';
import { loadScenario, nodeLayout, type NodeSpec, type Scenario } from './scenario.js';
import { applyFelixLabFaults, writeFelixFaultStart, writeFelixFaultTick } from './felix-faults.js';
import type { Writable } from 'node:stream';
import { birdless, encapResources, setupEncap, subnetBridge } from './vxlan.js';
import { applyUnderlayFabric, featuresLine, felixConfigResources, ipipTraffic } from './encap-lab.js';

const REQUIRED: Array<[string, string]> = [
  ['bird', 'bird'],
  ['bird6', 'bird'],
  ['svlogd', 'runit'],
  ['iptables-restore', 'iptables'],
  ['ipset', 'ipset'],
  ['nft', 'nftables'],
  ['netstat', 'net-tools'],
  ['ss', 'iproute2'],
  ['ip', 'iproute2'],
  ['unshare', 'util-linux'],
  ['tar', 'tar'],
  ['ping', 'iputils-ping'],
];

function which(bin: string): boolean {
  return run('sh', ['-c', `command -v ${bin}`], { allowFail: true }).code === 0;
}

function checkPackages(): void {
  const missing = REQUIRED.filter(([bin]) => !which(bin));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, p]) => p))];
  process.stderr.write(`lab: missing ${missing.map(([b]) => b).join(', ')} (Debian packages: ${pkgs.join(' ')})\n`);
  if (process.getuid?.() === 0) {
    run('apt-get', ['install', '-y', ...pkgs]);
  } else {
    throw new Error(`install them: sudo apt-get install ${pkgs.join(' ')}`);
  }
}

interface NodeRuntime {
  spec: NodeSpec;
  ns: string;
  root: string;
  logRoot: string;
  workloads: Workload[];
  logs: Map<string, Writable>;
  felix: CalicoLog;
  confd: CalicoLog;
  pods: Array<{ ns: string; ip: string; cniName: string }>;
  birdFailing: boolean;
  /** calico-node startup output (container log only), for docker nodes. */
  startup: string[];
}

function repoRoot(): string {
  // dist/samples/lab/run-lab.js → repository root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

function short(id: string): string {
  return createHash('sha1').update(id).digest('hex').slice(0, 6);
}

function log(msg: string): void {
  process.stdout.write(`[lab] ${msg}\n`);
}

function buildTopology(s: Scenario, workDir: string): NodeRuntime[] {
  const sw = `cdlab-${s.id}-sw`;
  addNamespace(sw);
  nsRun(sw, 'ip', ['link', 'set', 'lo', 'up']);
  nsRun(sw, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
  nsRun(sw, 'ip', ['addr', 'add', `${s.underlay.gateway}/${s.underlay.cidr.split('/')[1]}`, 'dev', 'br0']);
  nsRun(sw, 'ip', ['link', 'set', 'br0', 'up']);
  const nodes: NodeRuntime[] = [];
  s.nodes.forEach((spec, idx) => {
    if (spec.gone) return; // decommissioned machine: only its Node resource (and others' mesh peer) remain
    const ns = `cdlab-${s.id}-${spec.hostname}`;
    addNamespace(ns);
    const root = join(workDir, spec.hostname);
    const logRoot = join(root, 'var', 'log', 'calico');
    mkdirSync(logRoot, { recursive: true });
    nsRun(ns, 'ip', ['link', 'set', 'lo', 'up']);
    nsRun(ns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const upIf = spec.underlayInterface ?? 'eth0';
    const port = `p${idx}-${short(s.id)}`;
    nsRun(ns, 'ip', ['link', 'add', upIf, 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
    nsRun(sw, 'ip', ['link', 'set', port, 'master', subnetBridge(sw, spec), 'up']);
    nsRun(ns, 'ip', ['addr', 'add', `${spec.ip}/${(spec.subnet?.cidr ?? s.underlay.cidr).split('/')[1]}`, 'dev', upIf]);
    nsRun(ns, 'ip', ['link', 'set', upIf, 'up']);
    if (spec.natNic) {
      const nat = `cdlab-${s.id}-${spec.hostname}-nat`;
      addNamespace(nat);
      nsRun(nat, 'ip', ['link', 'set', 'lo', 'up']);
      nsRun(ns, 'ip', ['link', 'add', spec.natNic.name, 'type', 'veth', 'peer', 'name', 'gw0', 'netns', nat]);
      nsRun(ns, 'ip', ['addr', 'add', spec.natNic.cidr, 'dev', spec.natNic.name]);
      nsRun(ns, 'ip', ['link', 'set', spec.natNic.name, 'up']);
      nsRun(nat, 'ip', ['addr', 'add', `${spec.natNic.gateway}/24`, 'dev', 'gw0']);
      nsRun(nat, 'ip', ['link', 'set', 'gw0', 'up']);
      nsRun(ns, 'ip', ['route', 'add', 'default', 'via', spec.natNic.gateway, 'dev', spec.natNic.name]);
    } else {
      nsRun(ns, 'ip', ['route', 'add', 'default', 'via', spec.subnet?.gateway ?? s.underlay.gateway, 'dev', upIf]);
    }
    for (const extra of spec.interfaces ?? []) {
      nsRun(ns, 'ip', ['link', 'add', extra.name, 'type', 'bridge']);
      nsRun(ns, 'ip', ['addr', 'add', extra.cidr, 'dev', extra.name]);
      nsRun(ns, 'ip', ['link', 'set', extra.name, 'up']);
    }
    const workloads: Workload[] = [];
    const pods: Array<{ ns: string; ip: string; cniName: string }> = [];
    for (const pod of spec.pods) {
      const pns = `cdlab-${s.id}-${spec.hostname}-${pod.name}`;
      addNamespace(pns);
      const iface = vethName(spec.hostname, pod.name);
      const mtu = String(pod.mtu ?? 1500);
      nsRun(pns, 'ip', ['link', 'set', 'lo', 'up']);
      nsRun(ns, 'ip', ['link', 'add', iface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pns]);
      nsRun(ns, 'ip', ['link', 'set', iface, 'address', 'ee:ee:ee:ee:ee:ee', 'mtu', mtu, 'up']);
      nsRun(ns, 'sysctl', ['-qw', `net.ipv4.conf.${iface}.proxy_arp=1`, `net.ipv4.neigh.${iface}.proxy_delay=0`, `net.ipv4.conf.${iface}.forwarding=1`]);
      nsRun(pns, 'ip', ['link', 'set', 'eth0', 'mtu', mtu, 'up']);
      nsRun(pns, 'ip', ['addr', 'add', `${pod.ip}/32`, 'dev', 'eth0']);
      nsRun(pns, 'ip', ['route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
      nsRun(pns, 'ip', ['route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
      nsRun(ns, 'ip', ['route', 'add', pod.ip, 'dev', iface, 'scope', 'link']);
      workloads.push({ pod: pod.name, ip: pod.ip, iface });
      const u = hex(`${s.id}/${spec.hostname}/${pod.name}/netns`, 32);
      pods.push({ ns: pns, ip: pod.ip, cniName: `cni-${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20, 32)}` });
    }
    nodes.push({
      spec,
      ns,
      root,
      logRoot,
      workloads,
      logs: new Map(),
      felix: new CalicoLog(undefined, nodeLayout(s, spec), 0, 'felix'),
      confd: new CalicoLog(undefined, nodeLayout(s, spec), 0, 'confd'),
      pods,
      birdFailing: spec.birdConfigMissing === true,
      startup: [],
    });
  });
  return nodes;
}

function programDataplane(s: Scenario, nodes: NodeRuntime[]): void {
  const hostIps = s.nodes.map((n) => n.ip);
  for (const n of nodes) {
    const thisHost = [n.spec.ip, '127.0.0.0', '127.0.0.1', ...(n.spec.interfaces ?? []).map((i) => i.cidr.split('/')[0]!), ...(n.spec.natNic ? [n.spec.natNic.cidr.split('/')[0]!] : [])];
    nsRun(n.ns, 'ipset', ['restore'], { input: ipsetRestore({ pools: [s.pool], hostIps, thisHost }) });
    nsRun(n.ns, 'iptables-restore', [], { input: iptablesRestore({ node: n.spec, workloads: n.workloads, natOutgoing: s.pool.natOutgoing }) });
    nsRun(n.ns, 'ip6tables-restore', [], { input: IP6TABLES_RESTORE });
    const pol = policyRestore(s, n.spec, n.workloads);
    if (pol !== undefined) nsRun(n.ns, 'iptables-restore', ['--noflush'], { input: pol });
    for (const rule of n.spec.firewall ?? []) nsRun(n.ns, 'iptables', rule.split(' '));
  }
}

function hex(seed: string, n: number): string {
  let out = '';
  let i = 0;
  while (out.length < n) out += createHash('sha256').update(`${seed}/${i++}`).digest('hex');
  return out.slice(0, n);
}

function startLogs(s: Scenario, n: NodeRuntime): void {
  const layout = nodeLayout(s, n.spec);
  if (n.spec.fileLoggingDisabled) return; // rc.local removed every log/ dir; only cni.log remains.
  for (const svc of services(layout)) {
    if (svc === 'bird' || svc === 'bird6') continue; // started with BIRD itself
    if (svc === 'confd' && birdless(s)) continue; // CALICO_NETWORKING_BACKEND=vxlan: rc.local enables no confd
    n.logs.set(svc, startSvlogd(n.logRoot, layout, svc));
  }
  n.felix = new CalicoLog(n.logs.get('felix'), layout, 68, 'felix');
  n.confd = new CalicoLog(n.logs.get('confd'), layout, 66, 'confd');
}

const VERSION: Record<string, string> = { 'v3.20': 'v3.20.6', 'v3.31': 'v3.31.0' };

function writeStartupLines(s: Scenario, n: NodeRuntime): void {
  const layout = nodeLayout(s, n.spec);
  const host = n.spec.hostname;
  const addr = n.spec.calicoAddress ?? `${n.spec.ip}/24`;
  const ifc = n.spec.autodetectInterface ?? n.spec.underlayInterface ?? 'eth0';
  const st = (level: Level, file: string, line: number, msg: string) => n.startup.push(logrusLine(new Date(), level, 9, 'startup', file, line, msg));
  st('INFO', 'startup.go', 431, 'Early log level set to info');
  st('INFO', 'utils.go', 126, `Using NODENAME environment for node name ${host}`);
  st('INFO', 'utils.go', 138, `Determined node name: ${host}`);
  st('INFO', 'startup.go', 103, `Starting node ${host} with version ${VERSION[layout]}`);
  for (const [level, file, line, msg] of startupAddressLines(n.spec, addr, ifc)) st(level, file, line, msg);
  st('INFO', 'startup.go', 592, `Node IPv4 changed, will check for conflicts`);
  st('INFO', 'startup.go', 1091, `Using AS number ${n.spec.asNumber ?? s.asNumber}`);
  n.startup.push('Calico node started successfully');
  const ma = new CalicoLog(n.logs.get('monitor-addresses'), layout, 70, 'monitor-addresses');
  for (const [level, file, line, msg] of startupAddressLines(n.spec, addr, ifc)) ma.write(level, file, line, msg);
  const ta = new CalicoLog(n.logs.get('allocate-tunnel-addrs'), layout, 69, 'tunnel-ip-allocator');
  ta.write('INFO', 'allocateip.go', 305, 'Current address is still valid, do nothing currentAddr="" type="ipipTunnelAddress"');
  ta.write('INFO', 'allocateip.go', 305, 'Current address is still valid, do nothing currentAddr="" type="vxlanTunnelAddress"');
  if (layout === 'v3.31') {
    const sr = new CalicoLog(n.logs.get('node-status-reporter'), layout, 71, 'status-reporter');
    sr.write('INFO', 'reporter.go', 71, 'Start node status reporter');
  }
  const cm = new CalicoLog(n.logs.get('cni'), layout, 72, 'cni-config-monitor');
  cm.write('INFO', 'token_watch.go', 225, 'Update of CNI kubeconfig triggered based on elapsed time.');

  const c = n.confd;
  c.write('INFO', 'config.go', 81, 'Skipping confd config file.');
  c.write('INFO', 'run.go', 17, 'Starting calico-confd');
  c.write('INFO', 'watchersyncer.go', 89, 'Start called');
  if (n.birdFailing) {
    c.write('INFO', 'client.go', 1337, 'Source is not in sync, waiting for datastore sync to complete');
  } else {
    c.write('INFO', 'client.go', 1393, 'RouteGenerator has indicated it is in sync');
    c.write('INFO', 'resource.go', 277, `Target config /etc/calico/confd/config/bird_aggr.cfg has been updated due to change in key: /calico/ipam/v2/host/${host}/ipv4/block`);
    c.write('INFO', 'resource.go', 277, 'Target config /etc/calico/confd/config/bird_ipam.cfg has been updated due to change in key: /calico/v1/ipam/v4/pool');
    c.write('INFO', 'resource.go', 277, 'Target config /etc/calico/confd/config/bird.cfg has been updated due to change in key: /calico/bgp/v1/host');
    c.write('INFO', 'resource.go', 277, 'Target config /etc/calico/confd/config/bird6.cfg has been updated due to change in key: /calico/bgp/v1/host');
  }

  const f = n.felix;
  f.write('INFO', 'daemon.go', 383, `Felix starting up GOMAXPROCS=2 builddate="" gitcommit="${hex('commit', 40)}" version="${VERSION[layout]}"`);
  f.write('INFO', 'config_params.go', 460, `Parsed value for FelixHostname: ${host} (from environment variable)`);
  f.write('INFO', 'config_params.go', 460, 'Parsed value for IptablesBackend: Auto (from environment variable)');
  f.write('INFO', 'feature_detect.go', 310, 'Looked up iptables command backendMode="nft" candidates=[]string{"iptables-nft-save", "iptables-save"} command="iptables-nft-save" ipVersion=0x4 saveOrRestore="save"');
  const features = featuresLine(n.spec);
  if (features !== undefined) f.write('INFO', 'feature_detect_linux.go', 181, features);
  f.write('INFO', 'int_dataplane.go', 1453, 'Applying dataplane updates');
  f.write('INFO', 'ipsets.go', 253, 'Resyncing ipsets with dataplane. family="inet"');
  for (const w of n.workloads) {
    const id = `proto.WorkloadEndpointID{OrchestratorId:"k8s", WorkloadId:"default/${w.pod}", EndpointId:"eth0"}`;
    f.write('INFO', 'int_dataplane.go', 1169, `Linux interface state changed. ifIndex=${10 + n.workloads.indexOf(w)} ifaceName="${w.iface}" state="up"`);
    f.write('INFO', 'endpoint_mgr.go', 602, `Updating per-endpoint chains. id=${id}`);
    f.write('INFO', 'endpoint_mgr.go', 648, `Updating endpoint routes. id=${id}`);
    f.write('INFO', 'status_combiner.go', 81, `Endpoint up for at least one IP version id=${id} ipVersion=0x4 status="up"`);
  }
  f.write('INFO', 'int_dataplane.go', 1955, 'Completed first update to dataplane. secsSinceStart=1.412087');

  const pid0 = 2353 + s.nodes.indexOf(n.spec) * 100;
  n.workloads.forEach((w, i) => {
    const cid = hex(`${s.id}/${host}/${w.pod}`, 64);
    const wep = `${host.replace(/-/g, '--')}-k8s-${w.pod.replace(/-/g, '--')}-eth0`;
    const tail = `ContainerID="${cid}" HandleID="k8s-pod-network.${cid}" Workload="${wep}"`;
    appendCniLog(n.logRoot, layout, pid0 + i * 7, [
      ['INFO', 'cni-plugin', 'k8s.go', 73, `Extracted identifiers for CmdAddK8s ContainerID="${cid}" Namespace="default" Pod="${w.pod}" WorkloadEndpoint="${wep}"`],
      ['INFO', 'ipam', 'ipam_plugin.go', 227, `Calico CNI IPAM request count IPv4=1 IPv6=0 ${tail}`],
      ['INFO', 'ipam', 'ipam.go', 155, `Attempting to load block cidr=${n.spec.block} host="${host}"`],
      ['INFO', 'ipam', 'ipam.go', 232, `Affinity is confirmed and block has been loaded cidr=${n.spec.block} host="${host}"`],
      ['INFO', 'ipam', 'ipam.go', 1682, `Creating new handle: k8s-pod-network.${cid}`],
      ['INFO', 'ipam', 'ipam_plugin.go', 265, `Calico CNI IPAM assigned addresses IPv4=[${w.ip}/${n.spec.block.split('/')[1]}] IPv6=[] ${tail}`],
      ['INFO', 'cni-plugin', 'dataplane_linux.go', 69, `Setting the host side veth name to ${w.iface} ${tail}`],
      ['INFO', 'cni-plugin', 'k8s.go', 532, `Wrote updated endpoint to datastore ${tail}`],
    ]);
  });
}

function writeTickLines(n: NodeRuntime, tick: number): void {
  if (n.birdFailing) {
    n.confd.write('ERROR', 'watchercache.go', 125, 'Failed to perform list of current data during resync ListRoot="/calico/resources/v3/projectcalico.org/bgpconfigurations" error=Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations?limit=500": dial tcp 10.96.0.1:443: i/o timeout');
    n.confd.write('WARNING', 'client.go', 1337, 'Source is not in sync, waiting for datastore sync to complete');
  }
  const loops = 5 + ((tick * 3) % 7);
  n.felix.write('INFO', 'summary.go', 100, `Summarising ${loops} dataplane reconciliation loops over 10.${tick}s: avg=${8 + tick}ms longest=${31 + tick * 4}ms (resync-filter-v4,resync-ipsets-v4,resync-mangle-v4,resync-nat-v4,resync-raw-v4,resync-routes-v4,update-filter-v4,update-ipsets-4)`);
}

const stopping = { value: false };

async function runBirdFailing(n: NodeRuntime, bin: 'bird' | 'bird6', out: Writable, until: number): Promise<void> {
  // runsv restarts the service about once a second while it keeps exiting.
  const cfg = `/etc/calico/confd/config/${bin}.cfg`;
  while (Date.now() < until && !stopping.value && !shuttingDown()) {
    const sh = `mount -t tmpfs tmpfs /run && mkdir -p /run/calico && exec ${bin} -R -s /var/run/calico/${bin}.ctl -d -c "$0"`;
    let child;
    try {
      child = startTracked('ip', ['netns', 'exec', n.ns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', sh, cfg], { stdio: ['ignore', out, out] });
    } catch {
      return;
    }
    await new Promise((r) => child.on('close', r));
    await sleep(1000);
  }
}

function startBird(s: Scenario, n: NodeRuntime, until: number): void {
  const layout = nodeLayout(s, n.spec);
  for (const bin of ['bird', 'bird6'] as const) {
    const out = n.spec.fileLoggingDisabled ? undefined : startSvlogd(n.logRoot, layout, bin);
    const stdio: Array<'ignore' | Writable> = ['ignore', out ?? 'ignore', out ?? 'ignore'];
    if (n.birdFailing) {
      if (existsSync(`/etc/calico/confd/config/${bin}.cfg`)) throw new Error(`/etc/calico/confd/config/${bin}.cfg exists on this machine; refusing to run the missing-config fault`);
      void runBirdFailing(n, bin, out!, until);
      continue;
    }
    const cfg = join(n.root, 'etc', 'calico', 'confd', 'config', `${bin}.cfg`);
    const sh = `mount -t tmpfs tmpfs /run && mkdir -p /run/calico && exec ${bin} -R -s /var/run/calico/${bin}.ctl -d -c "$0"`;
    startTracked('ip', ['netns', 'exec', n.ns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', sh, cfg], { stdio: stdio as never });
  }
}

function writeBirdConfigs(s: Scenario, n: NodeRuntime): void {
  const dir = join(n.root, 'etc', 'calico', 'confd', 'config');
  mkdirSync(dir, { recursive: true });
  const write = (dedupe: boolean) => {
    for (const [name, text] of Object.entries(renderBirdConfig(s, n.spec, [s.pool.cidr], dedupe))) writeFileSync(join(dir, name), text);
  };
  write(false);
  for (const bin of ['bird', 'bird6']) {
    const r = run(bin, ['-p', '-c', join(dir, `${bin}.cfg`)], { allowFail: true });
    if (r.code === 0) continue;
    // confd's check_cmd is `bird -p -c {{.src}}`: a rejected candidate is not installed.
    const out = (r.stderr + r.stdout).trim().split('\n')[0]!.replace(dir, '/etc/calico/confd/config');
    n.confd.write('ERROR', 'resource.go', 174, `Error running check_cmd bird -p -c /etc/calico/confd/config/.${bin}.cfg${hex(n.spec.hostname, 9).replace(/[a-f]/g, '7')}: exit status 1 output="${out.replace(/"/g, '\\"')}"`);
    write(true);
    const again = run(bin, ['-p', '-c', join(dir, `${bin}.cfg`)], { allowFail: true });
    if (again.code !== 0) throw new Error(`${bin} -p rejected ${n.spec.hostname}'s config: ${again.stderr}`);
  }
}

async function traffic(nodes: NodeRuntime[]): Promise<void> {
  const jobs: Array<Promise<unknown>> = [];
  for (const n of nodes) {
    for (const p of n.pods) {
      for (const o of nodes) {
        if (o === n) continue;
        if (o.pods[0]) jobs.push(nsRunAsync(p.ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '1', o.pods[0].ip]));
        // Pod → another node's underlay address: leaves the pool, so natOutgoing (MASQUERADE) applies.
        jobs.push(nsRunAsync(p.ns, 'ping', ['-c', '2', '-i', '0.2', '-W', '1', o.spec.ip]));
      }
    }
  }
  await Promise.all(jobs);
}

/**
 * `docker logs calico-node`: startup output, then every service whose v3.21+ `log/run` tees to
 * stdout (all but monitor-addresses), unprefixed, in svlogd-stamp order; BIRD lines are the real ones.
 */
function containerLog(n: NodeRuntime): string {
  const rows: Array<[string, number, string]> = [];
  let seq = 0;
  for (const svc of readdirSync(n.logRoot)) {
    if (svc === 'monitor-addresses') continue;
    const cur = join(n.logRoot, svc, 'current');
    if (!existsSync(cur)) continue;
    for (const line of readFileSync(cur, 'utf8').split('\n')) {
      const m = /^(\d{4}-\d{2}-\d{2}[T_]\d{2}:\d{2}:\d{2}\.\d{5}) (.*)$/.exec(line);
      if (m) rows.push([m[1]!, seq++, m[2]!]);
    }
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  return [...n.startup, ...rows.map((r) => r[2])].join('\n') + '\n';
}

const workDirs: string[] = [];

/** Inserts and deletes one iptables rule in turn (a flapping path), until `until`. */
async function toggle(n: NodeRuntime, t: { rule: string; period: number }, until: number): Promise<void> {
  let on = false;
  await sleep(t.period * 1000);
  while (Date.now() < until - 2000 && !stopping.value && !shuttingDown()) {
    on = !on;
    nsRun(n.ns, 'iptables', [on ? '-I' : '-D', 'INPUT', ...t.rule.split(' ')], { allowFail: true });
    await sleep(t.period * 1000);
  }
}

async function runScenario(s: Scenario, outRoot: string): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), `cdlab-${s.id}-`));
  workDirs.push(workDir);
  log(`${s.id}: building ${s.nodes.length} nodes in ${workDir}`);
  const nodes = buildTopology(s, workDir);
  programDataplane(s, nodes);
  setupEncap(s, nodes);
  applyUnderlayFabric(s);
  applyUnderlayFaults(nodes);
  applyFelixLabFaults(s, nodes);
  applyHostFaults(nodes);
  for (const n of nodes) {
    startLogs(s, n);
    n.felix = hostFaultFelix(n, n.felix);
    writeStartupLines(s, n);
    writeFelixFaultStart(n, nodeLayout(s, n.spec));
    if (!n.birdFailing && !birdless(s)) writeBirdConfigs(s, n);
    if (!n.birdFailing && !birdless(s)) addExtraBlocks(n.spec, join(n.root, 'etc', 'calico', 'confd', 'config'));
  }
  const settle = (Number(process.env.LAB_SETTLE) || s.settleSeconds || 35) * 1000;
  const until = Date.now() + settle + 30000;
  if (!birdless(s)) for (const n of nodes) startBird(s, n, until);
  const t0 = Date.now();
  for (const n of nodes) if (n.spec.toggleRule) void toggle(n, n.spec.toggleRule, t0 + settle);
  let tick = 0;
  while (Date.now() - t0 < settle) {
    await sleep(5000);
    tick++;
    if (tick % 2 === 0) for (const n of nodes) writeTickLines(n, tick / 2);
    if (tick % 2 === 0) for (const n of nodes) writeFelixFaultTick(n, tick / 2);
    if (tick % 2 === 0) for (const n of nodes) writeHostFaultTick(n, tick / 2);
    if (tick === 2) await conntrackFlood(s, nodes);
    if (tick === 4) await strayReplies(nodes);
    if (tick === 3 || tick === Math.floor(settle / 5000) - 1) await Promise.all([traffic(nodes), ipipTraffic(s, nodes)]);
  }
  await sleep(300);
  const outDir = join(outRoot, s.id);
  rmSync(outDir, { recursive: true, force: true });
  writeAttachments(s, nodes, outDir);
  stopping.value = true;
  const snap = nodes.find((n) => n.spec.hostname === s.snapshot?.node);
  const collect = (n: NodeRuntime, dir: string) =>
    collectNode({
      ns: n.ns,
      hostname: n.spec.hostname,
      layout: nodeLayout(s, n.spec),
      logRoot: n.spec.fileLoggingDisabled ? join(n.logRoot) : n.logRoot,
      missing: n.spec.missingBinaries ?? [],
      docker: n.spec.docker === true,
      containerLog: n.spec.docker ? containerLog(n) : undefined,
      containerCreated: new Date(t0 - 4000),
      outDir: dir,
      netnsAliases: n.pods.map((p) => [p.ns, p.cniName] as [string, string]),
      scratch: mkdtempSync(join(workDir, 'mnt-')),
    });
  if (snap !== undefined) {
    // The same host collected twice: an earlier bundle, more traffic, then the usual one.
    log(`${s.id}: ${snap.spec.hostname} (earlier) → ${collect(snap, join(outDir, `${snap.spec.hostname}-earlier`))}`);
    await traffic(nodes);
    await sleep(s.snapshot!.seconds * 1000);
  }
  for (const n of nodes) {
    if (n.spec.keepBundle === false) continue;
    const collected = collect(n, join(outDir, n.spec.hostname));
    const tgz = n.spec.clockOffsetSeconds ? skewBundle(collected, n.spec.clockOffsetSeconds) : collected;
    log(`${s.id}: ${n.spec.hostname} → ${tgz}`);
  }
  // Bundles derived from a collected one (not collected by the lab): see derive-rotated-snapshot.ts.
  for (const d of s.derived ?? []) log(`${s.id}: ${d.node} (derived, ${d.how}) → ${await deriveRotatedSnapshot(outDir, d.node, d.minutes)}`);
  const res = encapResources(s, renderResources(s, new Date(t0 - 3 * 86400_000)));
  mkdirSync(join(outDir, 'resources'), { recursive: true });
  for (const [kind, text] of Object.entries(felixConfigResources(s, { ...res, ...policyResources(s, new Date(t0 - 3 * 86400_000)) }))) writeFileSync(join(outDir, 'resources', `${kind}.yaml`), text);
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('lab: must run as root (network namespaces, iptables, BIRD); try: sudo npm run samples:lab\n');
    return 2;
  }
  checkPackages();
  installCleanupHandlers();
  const root = repoRoot();
  const scenDir = join(root, 'samples', 'lab', 'scenarios');
  const ids = process.argv.slice(2).length > 0 ? process.argv.slice(2) : readdirSync(scenDir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
  const outRoot = join(root, 'samples', 'scenarios');
  let failed = 0;
  for (const id of ids) {
    if (!/^[a-z0-9][a-z0-9.-]{0,40}$/.test(id)) throw new Error(`bad scenario id ${id}`);
    const s = loadScenario(join(scenDir, `${id}.yaml`));
    stopping.value = false;
    try {
      await runScenario(s, outRoot);
    } catch (e) {
      failed++;
      process.stderr.write(`lab: ${id} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    } finally {
      stopping.value = true;
      await cleanup();
      resetCleanup();
      for (const d of workDirs.splice(0)) rmSync(d, { recursive: true, force: true });
    }
  }
  return failed > 0 ? 1 : 0;
}


main().then(
  (code) => process.exit(code),
  async (e) => {
    process.stderr.write(`lab: ${e instanceof Error ? e.stack : String(e)}\n`);
    await cleanup();
    process.exit(1);
  },
);
