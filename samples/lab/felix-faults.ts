/**
 * Lab faults of the Felix layer (catalogue G, H): what the lab can make for real, and the Felix/confd/CNI
 * lines it cannot (WRITTEN, in Calico's exact logrus format, and labelled so in the scenario files).
 *
 * Real: Calico's chains restored into iptables-legacy while kube-proxy-like rules live in iptables-nft
 * (the nft iptables-save then prints the `# Warning: iptables-legacy tables present` line and holds no
 * `cali-` chain); firewalld-like chains and a blanket REJECT inserted ahead of Calico's jumps; a Typha-like
 * listener on :5473; connections that stay in SYN_SENT because their packets are silently dropped.
 * Written: Felix's datastore/Typha/crash lines, confd's and the CNI plugin's, with the lab's clock.
 */
import type { Writable } from 'node:stream';
import { appendCniLog, logrusTime } from './calico-logs.js';
import { iptablesRestore, IP6TABLES_RESTORE, type Workload } from './dataplane.js';
import { nsRun, startTracked } from './proc.js';
import type { Layout, NodeSpec, Scenario } from './scenario.js';

/** What the lab needs of a node at run time (run-lab's NodeRuntime has these). */
export interface FaultNode {
  spec: NodeSpec;
  ns: string;
  workloads: Workload[];
  logs: Map<string, Writable>;
  logRoot: string;
}

type FelixLevel = 'INFO' | 'WARNING' | 'ERROR' | 'FATAL' | 'PANIC';

/** A logrus line with any level (the lab's own writer knows INFO..DEBUG only). */
function line(level: FelixLevel, pid: number, component: string, src: string, msg: string): string {
  return `${logrusTime(new Date())} [${level}][${pid}] ${component}/${src}: ${msg}\n`;
}

function write(n: FaultNode, service: string, text: string): void {
  n.logs.get(service)?.write(text);
}

/** kube-proxy's iptables-nft rules: service portals in nat, its forwarding chain, FORWARD policy DROP (as Docker/kube-proxy hosts have). */
const KUBE_PROXY_NFT = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':INPUT ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-POSTROUTING - [0:0]',
  ':KUBE-MARK-MASQ - [0:0]',
  '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
  '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
  '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
  '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
  '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  'COMMIT',
  '*filter',
  ':INPUT ACCEPT [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':KUBE-FORWARD - [0:0]',
  ':KUBE-FIREWALL - [0:0]',
  '-A INPUT -j KUBE-FIREWALL',
  '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
  '-A OUTPUT -j KUBE-FIREWALL',
  '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
  '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
  '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

/** kube-proxy's portal jumps added to a node's (nft) nat table beside Calico's. */
const KUBE_PROXY_PORTALS = ['-t nat -N KUBE-SERVICES', '-t nat -I PREROUTING 1 -m comment --comment kubernetes-service-portals -j KUBE-SERVICES', '-t nat -I OUTPUT 1 -m comment --comment kubernetes-service-portals -j KUBE-SERVICES'];

/** firewalld (iptables backend) as `firewall-cmd --reload` leaves INPUT/FORWARD, inserted ahead of Calico's jumps. */
const FIREWALLD = [
  '-N INPUT_direct',
  '-N INPUT_ZONES',
  '-N IN_public',
  '-N IN_public_allow',
  '-N FORWARD_direct',
  '-A IN_public -j IN_public_allow',
  '-A IN_public_allow -p tcp --dport 22 -m conntrack --ctstate NEW,UNTRACKED -j ACCEPT',
  // The customer opened BGP (`firewall-cmd --add-port=179/tcp`), so sessions come up; pod traffic does not.
  '-A IN_public_allow -p tcp --dport 179 -m conntrack --ctstate NEW,UNTRACKED -j ACCEPT',
  '-A INPUT_ZONES -i eth0 -g IN_public',
  '-I INPUT 1 -j REJECT --reject-with icmp-host-prohibited',
  '-I INPUT 1 -j INPUT_ZONES',
  '-I INPUT 1 -j INPUT_direct',
  '-I INPUT 1 -i lo -j ACCEPT',
  '-I INPUT 1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-I FORWARD 1 -j REJECT --reject-with icmp-host-prohibited',
  '-I FORWARD 1 -j FORWARD_direct',
  '-I FORWARD 1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
];

/** Python one-liners run in a node namespace (constant code, no scenario text inside). */
const PY_LISTEN = 'import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("0.0.0.0",5473))\ns.listen(16)\nc=[]\nwhile True:\n  a,_=s.accept()\n  c.append(a)\n';
const PY_CONNECT = 'import socket,sys,time\ns=socket.socket()\ns.settimeout(600)\ntry:\n  s.connect((sys.argv[1],int(sys.argv[2])))\n  time.sleep(600)\nexcept Exception:\n  time.sleep(600)\n';

/** Applies the real part of the node's fault after Calico's rules are in place. */
export function applyFelixLabFaults(s: Scenario, nodes: FaultNode[]): void {
  const sw = `cdlab-${s.id}-sw`;
  for (const n of nodes) {
    const f = n.spec.felixLab;
    if (f === undefined) continue;
    if (f.calicoBackend === 'legacy') {
      // Felix (IptablesBackend=Legacy) programs the legacy tables; the host and kube-proxy use nf_tables.
      nsRun(n.ns, 'iptables-legacy-restore', [], { input: iptablesRestore({ node: n.spec, workloads: n.workloads, natOutgoing: s.pool.natOutgoing }) });
      nsRun(n.ns, 'nft', ['flush', 'ruleset']);
      nsRun(n.ns, 'iptables-nft-restore', [], { input: KUBE_PROXY_NFT });
      nsRun(n.ns, 'ip6tables-nft-restore', [], { input: IP6TABLES_RESTORE });
    } else if (f.kubeProxy === true) {
      for (const r of KUBE_PROXY_PORTALS) nsRun(n.ns, 'iptables', r.split(' '));
    }
    if (f.firewalld === true) for (const r of FIREWALLD) nsRun(n.ns, 'iptables', r.split(' '));
    if (f.typhaHost === true) {
      startTracked('ip', ['netns', 'exec', n.ns, 'python3', '-c', PY_LISTEN], { stdio: 'ignore' });
    }
    for (const t of f.connectTo ?? []) {
      const [host, port] = [t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)];
      if (!/^[0-9.]+$/.test(host) || !/^\d+$/.test(port)) throw new Error(`felixLab.connectTo: bad target ${t}`);
      startTracked('ip', ['netns', 'exec', n.ns, 'python3', '-c', PY_CONNECT, host, port], { stdio: 'ignore' });
    }
  }
  // The API service range is silently dropped on the switch (a path that black-holes it), so connects stay in SYN_SENT.
  if (nodes.some((n) => n.spec.felixLab?.connectTo?.some((t) => t.startsWith('10.96.')))) nsRun(sw, 'ip', ['route', 'add', 'blackhole', '10.96.0.0/12']);
}

const TYPHA = '10.77.0.12:5473';
const API = '10.96.0.1:443';

/** Written lines at start-up. */
export function writeFelixFaultStart(n: FaultNode, layout: Layout): void {
  const f = n.spec.felixLab;
  if (f === undefined || layout !== 'v3.31') return;
  if (f.felix === 'backend-legacy') {
    write(n, 'felix', line('INFO', 68, 'felix', 'config_params.go 460', 'Parsed value for IptablesBackend: Legacy (from environment variable)'));
    write(n, 'felix', line('WARNING', 68, 'felix', 'feature_detect_linux.go 407', 'Iptables backend specified does not match the detected backend, using specified backend detectedBackend="nft" specifiedBackend="legacy"'));
  }
}

/** Felix PIDs of a crash-looping node (a new one per restart). */
const crashPid = new Map<string, number>();

/** Written lines every 10 s of the run (`tick` counts from 1). */
export function writeFelixFaultTick(n: FaultNode, tick: number, layout: Layout = 'v3.31'): void {
  const f = n.spec.felixLab;
  if (f === undefined) return;
  writeFelixFaultCni(n, layout, tick);
  switch (f.felix) {
    case 'datastore-unreachable': {
      const list = `ListRoot="/calico/resources/v3/projectcalico.org/felixconfigurations"`;
      const err = `error=Get "https://${API}/apis/crd.projectcalico.org/v1/felixconfigurations?allowWatchBookmarks=true&resourceVersion=1733&watch=true": dial tcp ${API}: i/o timeout`;
      write(n, 'felix', line('WARNING', 68, 'felix', 'watchercache.go 392', `Failed to create watcher; will retry. ${list} ${err} errorsWithoutProgress=${tick} performFullResync=false`));
      if (tick >= 2) write(n, 'felix', line('WARNING', 68, 'felix', 'watchercache.go 284', `Connection to datastore has failed - signaling error to client. ${list}`));
      write(n, 'confd', line('INFO', 66, 'confd', 'watchercache.go 274', `Failed to perform list of current data during resync ListRoot="/calico/resources/v3/projectcalico.org/bgpconfigurations" error=Get "https://${API}/apis/crd.projectcalico.org/v1/bgpconfigurations?limit=500": dial tcp ${API}: i/o timeout`));
      break;
    }
    case 'typha-unreachable': {
      const pid = crashPid.get(n.ns) ?? 68;
      write(n, 'felix', line('INFO', pid, 'felix', 'sync_client.go 236', `Connecting to typha endpoint ${TYPHA}.`));
      write(n, 'felix', line('WARNING', pid, 'felix', 'sync_client.go 239', `Failed to connect to typha endpoint ${TYPHA}.  Will try another if available... error=dial tcp ${TYPHA}: i/o timeout myID=0x0 type="felix"`));
      write(n, 'felix', line('ERROR', pid, 'felix', 'daemon.go 581', 'Failed to connect to Typha. error=failed to connect to Typha after 6 tries'));
      write(n, 'confd', line('WARNING', 66, 'confd', 'sync_client.go 239', `Failed to connect to typha endpoint ${TYPHA}.  Will try another if available... error=dial tcp ${TYPHA}: i/o timeout myID=0x1 type="bgp"`));
      if (tick % 3 === 0) {
        write(n, 'felix', line('FATAL', pid, 'felix', 'daemon.go 590', 'Failed to connect to Typha, giving up after timeout error=failed to connect to Typha after 6 tries'));
        const next = pid + 37;
        crashPid.set(n.ns, next);
        write(n, 'felix', line('INFO', next, 'felix', 'daemon.go 383', 'Felix starting up GOMAXPROCS=2 builddate="" gitcommit="" version="v3.31.0"'));
      }
      break;
    }
    case 'crashloop': {
      const pid = crashPid.get(n.ns) ?? 68;
      write(n, 'felix', line('WARNING', pid, 'felix', 'table.go 840', 'iptables save failed error=exit status 127'));
      write(n, 'felix', line('PANIC', pid, 'felix', 'table.go 784', 'iptables-legacy-save command failed after retries ipVersion=0x4 table="raw"'));
      write(n, 'felix', `panic: (*logrus.Entry) 0xc0005ed${(420 + tick).toString(16)}\n\ngoroutine 172 [running]:\ngithub.com/sirupsen/logrus.(*Entry).log(0xc0003ada40, 0x0, {0xc00034d640, 0x31})\n`);
      const next = pid + 41;
      crashPid.set(n.ns, next);
      write(n, 'felix', line('INFO', next, 'felix', 'daemon.go 383', 'Felix starting up GOMAXPROCS=2 builddate="" gitcommit="" version="v3.31.0"'));
      write(n, 'felix', line('INFO', next, 'felix', 'config_params.go 460', 'Parsed value for IptablesBackend: Legacy (from environment variable)'));
      break;
    }
    case 'tls-expired': {
      // The cluster CA's serving certificate expired: every client fails verification (catalogue L2, #6550).
      const x509 = `x509: certificate has expired or is not yet valid: current time ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} is after 2026-11-30T19:20:45Z`;
      write(n, 'felix', line('WARNING', 68, 'felix', 'watchercache.go 392', `Failed to create watcher; will retry. ListRoot="/calico/resources/v3/projectcalico.org/felixconfigurations" error=Get "https://${API}/apis/crd.projectcalico.org/v1/felixconfigurations?allowWatchBookmarks=true&resourceVersion=1733&watch=true": tls: failed to verify certificate: ${x509} errorsWithoutProgress=${tick} performFullResync=false`));
      write(n, 'confd', line('INFO', 66, 'confd', 'watchercache.go 274', `Failed to perform list of current data during resync ListRoot="/calico/resources/v3/projectcalico.org/bgpconfigurations" error=Get "https://${API}/apis/crd.projectcalico.org/v1/bgpconfigurations?limit=500": tls: failed to verify certificate: ${x509}`));
      break;
    }
    case 'ipset-mismatch': {
      write(n, 'felix', line('ERROR', 68, 'felix', 'ipsets.go 727', `Bad return code from 'ipset list'. error=exit status 1 family="inet" stderr="ipset v7.1: Kernel and userspace incompatible: settype hash:ip with revision 5 not supported by userspace.\\n"`));
      write(n, 'felix', line('WARNING', 68, 'felix', 'ipsets.go 367', 'Failed to resync with dataplane error=exit status 1 family="inet"'));
      break;
    }
    default:
      break;
  }
}

/** Written cni.log lines of pods that cannot be set up while the datastore is unreachable (one kubelet retry per tick). */
export function writeFelixFaultCni(n: FaultNode, layout: Layout, tick: number): void {
  if (n.spec.felixLab?.felix !== 'datastore-unreachable') return;
  appendCniLog(n.logRoot, layout, 4107 + tick * 13, [
    [
      'ERROR',
      'cni-plugin',
      'plugin.go',
      164,
      `Final result of CNI ADD was an error. error=error getting ClusterInformation: Get "https://${API}/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp ${API}: i/o timeout`,
    ],
  ]);
}
