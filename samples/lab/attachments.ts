/**
 * Command output a customer would paste beside the bundles (pastes.md), captured from the running
 * lab before the snapshot. Real: `birdc show protocols [all]`/`show route` (BIRD 1.6.8's own
 * control socket, entered with nsenter into BIRD's mount namespace), `sysctl`, `ethtool -k`,
 * `ip -d link`, `ip neigh`, `uname -r`, `iptables --version` (run in the node's namespace).
 * Written from real data: `calicoctl node status` (calicoctl's own table, tablewriter style with
 * INFO wrapped at 30 characters, rendered from the real `birdc show protocols` rows as
 * calicoctl/commands/node/status.go does) and `kubectl describe pod calico-node-…` (the readiness
 * probe message calico-node prints, naming the peers BIRD has not established).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { nsRun, run } from './proc.js';
import type { Scenario } from './scenario.js';
import { hostPaste, type HostLabNode } from './host-faults.js';

/** What to paste for one node, into one file (relative to the scenario's output folder). */
export interface AttachmentSpec {
  file: string;
  node: string;
  /** Commands, in order; several make a multi-command paste. */
  commands: string[];
  /** Print a shell prompt (`root@<node>:~# <command>`) before each command's output. */
  prompt?: boolean;
  /** WRITTEN paste, used verbatim as the output of `commands` (what the lab cannot run: nslookup, resolv.conf of a real host). */
  text?: string;
}

interface LabNode {
  spec: { hostname: string; ip: string };
  ns: string;
}

function birdPid(ns: string): string | undefined {
  const pids = run('ip', ['netns', 'pids', ns], { allowFail: true }).stdout.split('\n').filter(Boolean);
  for (const p of pids) {
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'bird') return p;
    } catch {
      // gone
    }
  }
  return undefined;
}

function birdc(n: LabNode, args: string[]): string {
  const pid = birdPid(n.ns);
  if (pid === undefined) return 'Unable to connect to server control socket (/var/run/calico/bird.ctl): No such file or directory\n';
  return run('nsenter', ['-t', pid, '-m', '-n', 'birdc', '-s', '/var/run/calico/bird.ctl', ...args], { allowFail: true }).stdout;
}

interface ProtoRow {
  name: string;
  state: string;
  since: string;
  info: string;
}

function protocolRows(showProtocols: string): ProtoRow[] {
  const rows: ProtoRow[] = [];
  for (const line of showProtocols.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[1] !== 'BGP') continue;
    rows.push({ name: f[0]!, state: f[3]!, since: f[4]!, info: f.slice(5).join(' ') });
  }
  return rows;
}

function peerOf(name: string): { ip: string; type: string } | undefined {
  const m = /^(Mesh|Node|Global)_(\d+)_(\d+)_(\d+)_(\d+)/.exec(name);
  if (m === null) return undefined;
  return { ip: `${m[2]}.${m[3]}.${m[4]}.${m[5]}`, type: m[1] === 'Mesh' ? 'node-to-node mesh' : m[1] === 'Node' ? 'node specific' : 'global' };
}

/** Word wrap at `width` as tablewriter does for a cell. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur === '') cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      out.push(cur);
      cur = w;
    }
  }
  out.push(cur);
  return out;
}

/** calicoctl's table (olekukonko/tablewriter: centered upper-case header, cells wrapped at 30). */
function table(header: string[], rows: string[][]): string {
  const cells = rows.map((r) => r.map((c) => wrap(c, 30)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => Math.max(...r[i]!.map((x) => x.length)))));
  const border = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const center = (s: string, w: number) => {
    const left = Math.floor((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  };
  const out = [border, '| ' + header.map((h, i) => center(h, widths[i]!)).join(' | ') + ' |', border];
  for (const r of cells) {
    const height = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push('| ' + r.map((c, i) => (c[k] ?? '').padEnd(widths[i]!)).join(' | ') + ' |');
  }
  out.push(border);
  return out.join('\n');
}

function nodeStatus(n: LabNode): string {
  const rows = protocolRows(birdc(n, ['show', 'protocols']))
    .map((r) => ({ r, p: peerOf(r.name) }))
    .filter((x) => x.p !== undefined)
    .map(({ r, p }) => [p!.ip, p!.type, r.state, r.since, r.info]);
  const body = rows.length === 0 ? 'No IPv4 peers found.' : table(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rows);
  return `Calico process is running.\n\nIPv4 BGP status\n${body}\n\nIPv6 BGP status\nNo IPv6 peers found.\n\n`;
}

function describePod(n: LabNode, s: Scenario): string {
  const down = protocolRows(birdc(n, ['show', 'protocols'])).filter((r) => r.state !== 'up' || !r.info.startsWith('Established')).map((r) => peerOf(r.name)?.ip).filter(Boolean);
  const pod = `calico-node-${createHash('sha1').update(n.spec.hostname).digest('hex').slice(0, 5)}`;
  const image = s.layout === 'v3.31' ? 'docker.io/calico/node:v3.31.0' : 'docker.io/calico/node:v3.20.6';
  const ready = down.length === 0;
  const lines = [
    `Name:                 ${pod}`,
    'Namespace:            kube-system',
    'Priority:             2000001000',
    'Priority Class Name:  system-node-critical',
    'Service Account:      calico-node',
    `Node:                 ${n.spec.hostname}/${n.spec.ip}`,
    'Labels:               k8s-app=calico-node',
    'Status:               Running',
    `IP:                   ${n.spec.ip}`,
    'Controlled By:  DaemonSet/calico-node',
    'Containers:',
    '  calico-node:',
    `    Image:          ${image}`,
    '    State:          Running',
    `    Ready:          ${ready ? 'True' : 'False'}`,
    '    Restart Count:  0',
    '    Liveness:       exec [/bin/calico-node -felix-live -bird-live] delay=10s timeout=10s period=10s #success=1 #failure=6',
    '    Readiness:      exec [/bin/calico-node -felix-ready -bird-ready] delay=0s timeout=10s period=10s #success=1 #failure=3',
    'Events:',
  ];
  const events = [
    ['Type', 'Reason', 'Age', 'From', 'Message'],
    ['----', '------', '----', '----', '-------'],
    ['Normal', 'Pulled', '5m', 'kubelet', `Container image "${image}" already present on machine`],
    ['Normal', 'Started', '5m', 'kubelet', 'Started container calico-node'],
    ...(ready ? [] : [['Warning', 'Unhealthy', '2s (x27 over 4m20s)', 'kubelet', `Readiness probe failed: calico/node is not ready: BIRD is not ready: BGP not established with ${down.join(',')}`]]),
  ];
  // kubectl describe: columns left-aligned, padded to the widest cell plus two spaces, indented by two.
  const widths = [0, 1, 2, 3].map((i) => Math.max(...events.map((r) => r[i]!.length)));
  for (const r of events) lines.push('  ' + r.map((c, i) => (i < 4 ? c.padEnd(widths[i]! + 2) : c)).join(''));
  return lines.join('\n') + '\n';
}

/** One command's output on a lab node. */
function output(cmd: string, n: LabNode, s: Scenario): string {
  if (cmd === 'calicoctl node status') return nodeStatus(n);
  if (cmd === 'kubectl describe pod') return describePod(n, s);
  const host = hostPaste(cmd, n as unknown as HostLabNode, s);
  if (host !== undefined) return host;
  const bird = /^birdcl (show .*)$/.exec(cmd);
  if (bird !== null) return birdc(n, bird[1]!.split(' '));
  const argv = cmd.split(' ');
  if (!['sysctl', 'ethtool', 'ip', 'bridge', 'uname', 'iptables'].includes(argv[0]!)) throw new Error(`attachments: unsupported command ${cmd}`);
  const r = nsRun(n.ns, argv[0]!, argv.slice(1), { allowFail: true });
  return r.stdout + r.stderr;
}

/** Writes every attachment of the scenario (call while BIRD still runs). */
export function writeAttachments(s: Scenario & { attachments?: AttachmentSpec[] }, nodes: LabNode[], outDir: string): void {
  for (const a of s.attachments ?? []) {
    const n = nodes.find((x) => x.spec.hostname === a.node);
    if (n === undefined) throw new Error(`attachments: no node ${a.node}`);
    if (a.file.includes('..') || a.file.startsWith('/')) throw new Error(`attachments: bad file ${a.file}`);
    const text =
      a.text !== undefined
        ? (a.prompt ? a.commands.map((c) => `root@${a.node}:~# ${c}\n`).join('') : '') + a.text
        : a.commands.map((c) => (a.prompt ? `root@${a.node}:~# ${c}\n` : '') + output(c, n, s)).join('');
    const path = join(outDir, a.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

