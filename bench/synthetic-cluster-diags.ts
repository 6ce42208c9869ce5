import { join } from 'node:path';
import { SyntheticRng } from './synthetic-rng.js';
import { TextFileWriter } from './text-file-writer.js';
import type { SynthCluster, SynthNode } from './synthetic-cluster.js';
import * as art from './synthetic-artifacts.js';
import { writeIpv4Tables } from './synthetic-iptables.js';
import { writeCalicoNodeContainerLog, writeCniLog } from './synthetic-logs.js';
import { crdDumps } from './synthetic-resources.js';

/** One entry of a tarball, its content in a temporary file. */
export interface TarEntry {
  name: string;
  type: 'directory' | 'file';
  mode: number;
  path?: string;
  size?: number;
}

const p2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** `calico-diagnostics-YYYYMMDD_HHMMSS` (UTC): the archive's top folder, its name without `.tar.gz`. */
export function clusterDiagsName(ms: number): string {
  const d = new Date(ms);
  return `calico-diagnostics-${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}_${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}`;
}

/** `ip addr` (both families) of a node, as cluster diags saves it (`ip-addr.txt`). */
function writeIpAddrBoth(w: TextFileWriter, n: SynthNode, rng: SyntheticRng): void {
  const mac = `0a:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`;
  w.line('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000');
  w.line('    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00');
  w.line('    inet 127.0.0.1/8 scope host lo');
  w.line('       valid_lft forever preferred_lft forever');
  w.line('    inet6 ::1/128 scope host ');
  w.line('       valid_lft forever preferred_lft forever');
  w.line('2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000');
  w.line(`    link/ether ${mac} brd ff:ff:ff:ff:ff:ff`);
  w.line(`    inet ${n.ip}/16 brd 10.0.255.255 scope global dynamic eth0`);
  w.line('       valid_lft 3127sec preferred_lft 3127sec');
  w.line(`    inet6 fe80::8${rng.hex(3)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}/64 scope link `);
  w.line('       valid_lft forever preferred_lft forever');
  w.line('4: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000');
  w.line('    link/ipip 0.0.0.0 brd 0.0.0.0');
  w.line(`    inet ${n.tunnelIp}/32 scope global tunl0`);
  w.line('       valid_lft forever preferred_lft forever');
  let idx = 7;
  for (const wl of n.workloads) {
    w.line(`${idx++}: ${wl.iface}@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1480 qdisc noqueue state UP group default`);
    w.line(`    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`);
    w.line('    inet6 fe80::ecee:eeff:feee:eeee/64 scope link ');
    w.line('       valid_lft forever preferred_lft forever');
  }
}

/** `ip route show table all`: the main table as node diags has it, then the local table. */
function writeRouteTableAll(w: TextFileWriter, c: SynthCluster, n: SynthNode): void {
  art.writeIpv4Route(w, c, n);
  w.line(`local ${n.tunnelIp} dev tunl0 table local proto kernel scope host src ${n.tunnelIp} `);
  w.line(`local ${n.ip} dev eth0 table local proto kernel scope host src ${n.ip} `);
  w.line(`broadcast 10.0.255.255 dev eth0 table local proto kernel scope link src ${n.ip} `);
  w.line('local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ');
  w.line('local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ');
  w.line('broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 ');
}

function describePod(c: SynthCluster, n: SynthNode): string {
  return [
    `Name:                 ${n.calicoPod}`,
    'Namespace:            calico-system',
    'Priority:             2000001000',
    'Priority Class Name:  system-node-critical',
    'Service Account:      calico-node',
    `Node:                 ${n.hostname}/${n.ip}`,
    `Start Time:           ${new Date(c.startMs - 9 * 86400_000).toUTCString().replace(/GMT$/, '+0000')}`,
    'Labels:               app.kubernetes.io/name=calico-node',
    '                      k8s-app=calico-node',
    'Status:               Running',
    `IP:                   ${n.ip}`,
    'Controlled By:  DaemonSet/calico-node',
    'Containers:',
    '  calico-node:',
    '    Image:          docker.io/calico/node:v3.31.0',
    '    State:          Running',
    '    Ready:          True',
    '    Restart Count:  0',
    '    Liveness:       http-get http://localhost:9099/liveness delay=0s timeout=10s period=60s #success=1 #failure=3',
    '    Readiness:      exec [/bin/calico-node -bird-ready -felix-ready] delay=0s timeout=10s period=30s #success=1 #failure=3',
    'Events:                      <none>',
    '',
  ].join('\n');
}

/**
 * The files of one `calicoctl cluster diags` archive (v3.31 tree, diags-format.md 2.2-2.5) covering
 * `nodes` (calico-node pods in `calico-system`, an operator install), each node's dataplane dumps and
 * container log of about `perNode` bytes, and the cluster's CRD dumps. Entries in tar order.
 */
export function clusterDiagsEntries(tmp: string, c: SynthCluster, nodes: SynthNode[], perNode: number, top: string): TarEntry[] {
  const entries: TarEntry[] = [];
  const dirs = new Set<string>();
  const dir = (name: string): void => {
    const parts = name.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/') + '/';
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ name: d, type: 'directory', mode: 0o755 });
      }
    }
  };
  let k = 0;
  let used = 0;
  const file = (name: string, fill: (w: TextFileWriter) => void): void => {
    dir(name.slice(0, name.lastIndexOf('/')));
    const w = new TextFileWriter(join(tmp, `cd-${k++}`));
    fill(w);
    const size = w.close();
    used += size;
    entries.push({ name, type: 'file', mode: 0o644, path: w.path, size });
  };
  const text = (name: string, body: string): void => file(name, (w) => {
    for (const l of body.replace(/\n$/, '').split('\n')) w.line(l);
  });
  for (const n of nodes) {
    const rng = (salt: number): SyntheticRng => SyntheticRng.derive(c.seed, 60 + salt, n.index);
    const base = `${top}/nodes/${n.hostname}`;
    used = 0;
    text(`${base}/calico-system/${n.calicoPod}.txt`, describePod(c, n));
    file(`${base}/cni.log.log`, (w) => writeCniLog(w, c, n, rng(2), perNode * 0.03));
    file(`${base}/ip-addr.txt`, (w) => writeIpAddrBoth(w, n, rng(3)));
    text(`${base}/ip-neigh.txt`, c.nodes.filter((p) => p !== n).map((p) => `${p.ip} dev eth0 lladdr 0a:58:0a:00:00:${p.index.toString(16).padStart(2, '0')} REACHABLE`).join('\n'));
    text(`${base}/ip-route-v6.txt`, 'fe80::/64 dev eth0 proto kernel metric 256 pref medium\nlocal ::1 dev lo table local proto kernel metric 0 pref medium');
    file(`${base}/ip-route.txt`, (w) => writeRouteTableAll(w, c, n));
    text(`${base}/ip-rule.txt`, '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default');
    file(`${base}/ipset-list.txt`, (w) => art.writeIpsets(w, c, n, rng(4), perNode * 0.03));
    file(`${base}/iptables-legacy-save.txt`, (w) => writeIpv4Tables(w, c, n, rng(5)));
    // iptables-nft-save on a host whose rules are all in the legacy backend: only its warning.
    text(`${base}/iptables-nft-save.txt`, '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them');
    file(`${base}/nft-ruleset.txt`, (w) => art.writeNftRuleset(w));
    text(`${base}/tc-qdisc.txt`, `qdisc noqueue 0: dev lo root refcnt 2 \nqdisc fq_codel 0: dev eth0 root refcnt 3 limit 10240p flows 1024 quantum 1514 target 5ms interval 100ms memory_limit 32Mb ecn drop_batch 64 \nqdisc noqueue 0: dev tunl0 root refcnt 2 `);
    // The container log, the bulk, takes what the dumps left of the node's share.
    const left = Math.max(perNode * 0.1, perNode - used);
    file(`${base}/calico-system/${n.calicoPod}.log`, (w) => writeCalicoNodeContainerLog(w, c, n, rng(1), left));
  }
  text(`${top}/cluster/version.yaml`, 'clientVersion:\n  buildDate: "2024-02-14T10:32:40Z"\n  compiler: gc\n  gitVersion: v1.29.2\n  goVersion: go1.21.7\n  major: "1"\n  minor: "29"\n  platform: linux/amd64\nkustomizeVersion: v5.0.4-0.20230601165947-6ce0bf390ce3\nserverVersion:\n  buildDate: "2024-02-14T10:32:40Z"\n  compiler: gc\n  gitVersion: v1.29.2\n  goVersion: go1.21.7\n  major: "1"\n  minor: "29"\n  platform: linux/amd64');
  for (const [name, body] of crdDumps(c)) text(`${top}/cluster/crd/${name}`, body);
  // tar cfz walks the temp dir: each folder before what it holds, names in order.
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
