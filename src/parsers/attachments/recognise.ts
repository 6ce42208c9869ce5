/**
 * Cuts one pasted file into segments and parses each with its kind's parser (pastes.md): kinds
 * are recognised by their own line shapes (a header, a typical row), never by the file name. A
 * shell prompt (`root@k8s-master:~# calicoctl node status`, `$ sysctl -a`) ends a segment and
 * names the kind of the next one; several commands in one file are each recognised on their own.
 * Lines nothing recognises are counted, never fatal.
 */
import type { AttachmentKind } from '../../model/attachments.js';
import type { AttachmentPart, KindShape, PartContext, PartFacts, SegLine } from './types.js';
import { plural } from './types.js';
import { nodeStatusShape, parseNodeStatus } from './node-status.js';
import { birdProtocolsShape, isBirdGreeting, parseBirdProtocols } from './birdc-protocols.js';
import { birdRouteShape, parseBirdRoutes } from './birdc-route.js';
import { kubectlLogsShape, parseKubectlLogs } from './kubectl-logs.js';
import { describePodShape, parseDescribePod } from './kubectl-describe-pod.js';
import { getNodesShape, parseGetNodes } from './kubectl-get-nodes.js';
import { getPodsShape, parseGetPods } from './kubectl-get-pods.js';
import { parseSysctl, sysctlShape } from './sysctl.js';
import { ethtoolShape, parseEthtool } from './ethtool-k.js';
import { ipLinkShape, parseIpLink } from './ip-d-link.js';
import { bridgeFdbShape, parseBridgeFdb } from './bridge-fdb.js';
import { ipNeighShape, parseIpNeigh } from './ip-neigh.js';
import { conntrackShape, parseConntrackStats } from './conntrack-s.js';
import { dmesgShape, parseDmesg } from './dmesg.js';
import { parseResolvConf, resolvConfShape } from './resolv-conf.js';
import { dnsLookupShape, parseDnsLookup } from './dns-lookup.js';
import { iptablesVersionShape, parseIptablesVersion } from './iptables-version.js';
import { parseUname, unameShape } from './uname.js';

/** Most specific first: the first shape whose `starts` holds names the line's kind. */
const SHAPES: readonly KindShape[] = [
  nodeStatusShape,
  birdProtocolsShape,
  birdRouteShape,
  describePodShape,
  getNodesShape,
  getPodsShape,
  kubectlLogsShape,
  ethtoolShape,
  ipLinkShape,
  bridgeFdbShape,
  ipNeighShape,
  conntrackShape,
  dmesgShape,
  iptablesVersionShape,
  dnsLookupShape,
  resolvConfShape,
  sysctlShape,
  unameShape,
];

const SHAPE_OF = new Map<AttachmentKind, KindShape>(SHAPES.map((s) => [s.kind, s]));

/** Commands a bare prompt (`$ `, `# `, `> `) must start with to count as one. */
const COMMAND_WORDS = 'sudo|calicoctl|kubectl|oc|sysctl|ethtool|ip|bridge|conntrack|dmesg|journalctl|cat|nslookup|dig|iptables|ip6tables|uname|birdc|birdcl|docker|crictl|host';
/** `root@k8s-master:~# cmd`, `[root@node-b ~]# cmd`, `user@host$ cmd` (any command), or `$ cmd`, `# cmd`, `PS C:\> cmd` with a known command. */
const PROMPT = new RegExp(
  `^(?:(?:\\([\\w.-]+\\)\\s*)?(?:[\\w.-]+@[\\w.-]+(?::[^\\s#$%>]*)?|\\[[\\w.-]+@[\\w.-]+[^\\]]*\\])\\s?[#$%>]\\s*(\\S.*)?|(?:[$#>]|PS [^>]*>|/[\\w/.-]* [#$])\\s+((?:${COMMAND_WORDS})\\b.*))$`,
);
/** E-mail quoting (`> `) and markdown links (`[10.0.0.1](http://10.0.0.1)`) are paste noise. */
function unquote(text: string): string {
  return text.replace(/^(?:> ?)+/, '').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');
}

/** The kind a typed command will print, from the command line after a prompt. */
export function kindOfCommand(cmd: string): AttachmentKind | undefined {
  const c = cmd.replace(/^sudo\s+(-\S+\s+)*/, '');
  if (/\bcalicoctl\S*\s+(node\s+)?status\b|kubectl[- ]calico\s+node\s+status/.test(c)) return 'calicoctl-node-status';
  if (/\bbirdc(l)?6?\b.*\bshow\s+(route|r)\b/.test(c)) return 'birdc-show-route';
  if (/\bbirdc(l)?6?\b.*\bshow\s+(protocols|proto|p)\b/.test(c)) return 'birdc-show-protocols';
  if (/\b(kubectl|oc)\s.*\blogs\b|\b(docker|crictl)\s+logs\b/.test(c)) return 'kubectl-logs-calico-node';
  if (/\b(kubectl|oc)\s.*\bdescribe\s+(pod|pods|po)\b/.test(c)) return 'kubectl-describe-pod';
  if (/\b(kubectl|oc)\s.*\bget\s+(nodes|node|no)\b/.test(c)) return 'kubectl-get-nodes';
  if (/\b(kubectl|oc)\s.*\bget\s+(pods|pod|po)\b/.test(c)) return 'kubectl-get-pods';
  if (/^sysctl\b/.test(c)) return 'sysctl';
  if (/^ethtool\s+(-k|--show-features|--show-offload)\b/.test(c)) return 'ethtool-k';
  if (/^ip\s+(-\S+\s+)*(link|l|addr|a)\b/.test(c)) return 'ip-d-link';
  if (/^bridge\s+(-\S+\s+)*fdb\b/.test(c)) return 'bridge-fdb';
  if (/^ip\s+(-\S+\s+)*(neigh|neighbour|neighbor|n)\b/.test(c)) return 'ip-neigh';
  if (/^conntrack\s+(-S|--stats)\b/.test(c)) return 'conntrack-s';
  if (/^(dmesg|journalctl\s+(-k|--dmesg))\b/.test(c)) return 'dmesg';
  if (/resolv\.conf\b/.test(c)) return 'resolv-conf';
  if (/\b(nslookup|dig)\b/.test(c)) return 'dns-lookup';
  if (/\bip6?tables(-legacy|-nft)?\s+(--version|-V)\b/.test(c)) return 'iptables-version';
  if (/^uname\b/.test(c)) return 'uname';
  return undefined;
}

export interface RecognisedFile {
  parts: AttachmentPart[];
  /** Non-blank lines nothing recognised. */
  unrecognisedLines: number;
  totalLines: number;
  /** Hosts named by shell prompts (`[root@node-b ~]#`, `root@node-b:~#`). */
  promptHosts: string[];
}

interface Segment {
  kind?: AttachmentKind;
  hinted: boolean;
  /** Host named by the last shell prompt before this segment. */
  host?: string;
  lines: SegLine[];
}

function startKind(text: string): AttachmentKind | undefined {
  for (const s of SHAPES) if (s.starts(text)) return s.kind;
  return undefined;
}

function continuesKind(kind: AttachmentKind, text: string): boolean {
  const s = SHAPE_OF.get(kind)!;
  return s.continues !== undefined ? s.continues(text) : s.starts(text);
}

/** Cuts `text` into segments of one kind each (lines keep their 1-based numbers). */
export function segmentAttachment(text: string): { segments: Segment[]; unrecognisedLines: number; totalLines: number; promptHosts: string[] } {
  const raw = text.split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  const segments: Segment[] = [];
  let cur: Segment | undefined;
  let unrecognised = 0;
  let lastUnknown: SegLine | undefined;
  const hosts = new Set<string>();
  let host: string | undefined;
  const open = (kind: AttachmentKind | undefined, hinted: boolean): Segment => {
    cur = { kind, hinted, lines: [], ...(host !== undefined ? { host } : {}) };
    segments.push(cur);
    return cur;
  };
  for (let i = 0; i < raw.length; i++) {
    // Markdown code fences and a BOM are paste noise.
    let t = raw[i]!.replace(/\r$/, '').replace(/^\uFEFF/, '');
    const quoted = /^> ?/.test(t) && PROMPT.exec(t) === null;
    if (quoted || t.includes('](')) t = unquote(t);
    if (/^\s*```/.test(t)) continue;
    const line = i + 1;
    const prompt = PROMPT.exec(t);
    if (prompt !== null && !(cur?.kind === 'resolv-conf' && t.startsWith('#'))) {
      const cmd = prompt[1] ?? prompt[2] ?? '';
      const h = /^\[?[\w.-]+@([\w.-]+)/.exec(t);
      host = undefined;
      // kubectl runs anywhere: its prompt names the admin's host, not the node the output is about.
      if (h !== null && !/^(sudo\s+)?(kubectl|oc)\b/.test(cmd) && !/^(localhost|xxx+|node|host|server)$/i.test(h[1]!)) {
        host = h[1]!;
        hosts.add(host);
      }
      open(kindOfCommand(cmd), kindOfCommand(cmd) !== undefined);
      lastUnknown = undefined;
      continue;
    }
    t = t.replace(/\t/g, '    ');
    if (t.trim() === '') continue;
    const sl: SegLine = { line, text: t };
    const k = startKind(t);
    if (cur !== undefined && cur.kind !== undefined && (k === cur.kind || (k === undefined && (cur.hinted || continuesKind(cur.kind, t))))) {
      cur.lines.push(sl);
      continue;
    }
    if (cur !== undefined && cur.hinted && cur.kind !== undefined && k !== undefined && continuesKind(cur.kind, t)) {
      cur.lines.push(sl);
      continue;
    }
    if (k !== undefined) {
      const seg = open(k, false);
      if ((k === 'birdc-show-protocols' || k === 'birdc-show-route') && lastUnknown !== undefined && isBirdGreeting(lastUnknown.text)) {
        seg.lines.push(lastUnknown);
        unrecognised--;
      }
      seg.lines.push(sl);
      lastUnknown = undefined;
      continue;
    }
    unrecognised++;
    lastUnknown = sl;
    if (cur?.kind !== undefined) cur = undefined;
  }
  return { segments: segments.filter((s) => s.kind !== undefined && s.lines.length > 0), unrecognisedLines: unrecognised, totalLines: raw.length, promptHosts: [...hosts] };
}

function parsePart(kind: AttachmentKind, lines: SegLine[], ctx: PartContext): { facts: PartFacts; summary: string } | undefined {
  switch (kind) {
    case 'calicoctl-node-status': {
      const f = parseNodeStatus(lines, ctx);
      if (f.peers.length === 0 && f.lines.length === 0) return undefined;
      return { facts: { kind, nodeStatus: f }, summary: peerSummary(f.peers, f.noPeers, f.calicoRunning === false ? 'Calico not running' : undefined) };
    }
    case 'birdc-show-protocols': {
      const f = parseBirdProtocols(lines, ctx);
      return { facts: { kind, birdProtocols: f }, summary: peerSummary(f.peers, f.noPeers, undefined, 'BGP protocol') };
    }
    case 'birdc-show-route': {
      const r = parseBirdRoutes(lines, ctx);
      if (r.length === 0) return undefined;
      return { facts: { kind, birdRoutes: r }, summary: `${plural(r.length, 'route')} (${new Set(r.map((x) => x.prefix)).size} prefixes)` };
    }
    case 'kubectl-logs-calico-node': {
      const f = parseKubectlLogs(lines, ctx);
      return { facts: { kind, ...f }, summary: `${plural(f.lines, 'line')}: ${f.calico?.lines ?? 0} Calico, ${f.bird?.lines ?? 0} BIRD` };
    }
    case 'kubectl-describe-pod': {
      const f = parseDescribePod(lines, ctx);
      const bits = [f.pod !== '' ? f.pod : 'pod name not shown'];
      if (f.node !== undefined) bits.push(`on ${f.node}`);
      if (f.restartCount !== undefined) bits.push(`${plural(f.restartCount, 'restart')}`);
      if (f.lastTerminationReason !== undefined) bits.push(`last terminated: ${f.lastTerminationReason}`);
      bits.push(plural(f.events.length, 'event'));
      return { facts: { kind, podDescription: f }, summary: bits.join(', ') };
    }
    case 'kubectl-get-nodes': {
      const r = parseGetNodes(lines, ctx);
      return { facts: { kind, kubeNodes: r }, summary: plural(r.length, 'node') };
    }
    case 'kubectl-get-pods': {
      const r = parseGetPods(lines, ctx);
      return { facts: { kind, kubePods: r }, summary: plural(r.length, 'pod') };
    }
    case 'sysctl': {
      const f = parseSysctl(lines, ctx);
      const keys = Object.keys(f.values);
      const shown = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter'].filter((k) => f.values[k] !== undefined).map((k) => `${k}=${f.values[k]!.value}`);
      return { facts: { kind, sysctl: f }, summary: `${plural(keys.length, 'key')}${shown.length > 0 ? ` (${shown.join(', ')})` : ''}` };
    }
    case 'ethtool-k': {
      const f = parseEthtool(lines, ctx);
      return { facts: { kind, ethtool: f }, summary: f.map((e) => `${e.interface}: ${plural(Object.keys(e.features).length, 'feature')}`).join('; ') };
    }
    case 'ip-d-link': {
      const f = parseIpLink(lines, ctx);
      return { facts: { kind, links: f }, summary: `${plural(f.length, 'link')}${f.length > 0 ? ` (${f.map((x) => x.name).slice(0, 6).join(', ')}${f.length > 6 ? ', …' : ''})` : ''}` };
    }
    case 'bridge-fdb': {
      const f = parseBridgeFdb(lines, ctx);
      return { facts: { kind, fdb: f }, summary: plural(f.length, 'entry', 'entries') };
    }
    case 'ip-neigh': {
      const f = parseIpNeigh(lines, ctx);
      return { facts: { kind, neigh: f }, summary: `${plural(f.length, 'neighbour')}${f.some((n) => n.state === 'FAILED' || n.state === 'INCOMPLETE') ? `, ${f.filter((n) => n.state === 'FAILED' || n.state === 'INCOMPLETE').length} failed/incomplete` : ''}` };
    }
    case 'conntrack-s': {
      const f = parseConntrackStats(lines, ctx);
      const t = f.totals;
      return { facts: { kind, conntrack: f }, summary: `${plural(f.lines.length, 'CPU')}: invalid=${t['invalid'] ?? 0} insert_failed=${t['insert_failed'] ?? 0} drop=${t['drop'] ?? 0}` };
    }
    case 'dmesg': {
      const f = parseDmesg(lines, ctx);
      return { facts: { kind, dmesg: f }, summary: `${plural(f.lines, 'line')}${f.networkManagerLines ? ` (${f.networkManagerLines} from NetworkManager's journal)` : ''}, ${f.notable.length} notable` };
    }
    case 'resolv-conf': {
      const f = parseResolvConf(lines, ctx);
      return { facts: { kind, dns: f }, summary: `nameservers: ${f.nameservers.map((n) => n.text.trim().split(/\s+/)[1]).join(', ') || 'none'}` };
    }
    case 'dns-lookup': {
      const f = parseDnsLookup(lines, ctx);
      const failed = f.lookups.filter((x) => !x.ok);
      return { facts: { kind, dns: f }, summary: `${plural(f.lookups.length, 'answer')}${failed.length > 0 ? `, ${failed.length} failed (${failed[0]!.error ?? ''})` : ''}` };
    }
    case 'iptables-version': {
      const f = parseIptablesVersion(lines, ctx);
      if (f === undefined) return undefined;
      return { facts: { kind, iptablesVersion: f }, summary: `v${f.version}${f.backend !== undefined ? ` (${f.backend})` : ''}` };
    }
    case 'uname': {
      const f = parseUname(lines, ctx);
      if (f === undefined) return undefined;
      return { facts: { kind, uname: f }, summary: f.kernel };
    }
  }
}

function peerSummary(peers: { state: string; family?: 4 | 6 }[], noPeers: boolean | undefined, extra?: string, word = 'peer'): string {
  const v4 = peers.filter((p) => p.family !== 6);
  const byState = new Map<string, number>();
  for (const p of v4) byState.set(p.state, (byState.get(p.state) ?? 0) + 1);
  const states = [...byState.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([s, n]) => `${n} ${s}`);
  const head = v4.length === 0 ? (noPeers ? `no IPv4 ${word}s` : `0 ${word}s`) : `${plural(v4.length, word)}: ${states.join(', ')}`;
  return extra !== undefined ? `${head}; ${extra}` : head;
}

/** Recognises and parses every segment of one pasted file. */
export function recogniseAttachment(text: string, ctx: PartContext): RecognisedFile {
  const { segments, unrecognisedLines, totalLines, promptHosts } = segmentAttachment(text);
  const parts: AttachmentPart[] = [];
  for (const s of segments) {
    const p = parsePart(s.kind!, s.lines, ctx);
    if (p === undefined) continue;
    parts.push({ kind: s.kind!, firstLine: s.lines[0]!.line, lastLine: s.lines[s.lines.length - 1]!.line, summary: p.summary, facts: p.facts, ...(s.host !== undefined ? { promptHost: s.host } : {}) });
  }
  return { parts, unrecognisedLines, totalLines, promptHosts };
}
