/**
 * Ties each pasted file to the node it belongs to and files its facts there
 * (`NodeModel.attachments`, and `containerLog`/`containerBird` for `kubectl logs`), or in
 * `ClusterModel.attachments` for cluster-wide output (`kubectl get nodes/pods -o wide`).
 *
 * The node is decided, first that holds, by:
 * 1. `--node <name>=<file>` on the command line;
 * 2. the content: `kubectl describe` names the Node, a shell prompt names the host
 *    (`[root@node-b ~]#`), calico-node's startup lines name the node or its address, BIRD's
 *    `Source address:` and a VXLAN/IPIP device's `local` address are the node's own, and a
 *    `calicoctl node status` peer list names every node but the one it ran on;
 * 3. the file name (`node-b-status.txt`, `10.0.0.12.txt`);
 * 4. a folder on its path (`node-b/sysctl.txt`).
 */
import { resolve } from 'node:path';
import type { AttachmentSource, ClusterAttachments, DnsFacts, NodeAttachments, NodeStatusFacts } from '../model/attachments.js';
import type { ClusterModel, InputAttachment, NodeModel } from '../model/node.js';
import type { AttachmentFile } from '../bundle/read-attachment.js';
import type { AttachmentPart } from '../parsers/attachments/types.js';
import { mergeBirdSummaries, mergeCalicoSummaries } from '../parsers/log-summary-merge.js';
import { nodeAddresses4 } from './node-identity.js';

/** Output about the whole cluster, never tied to one node. */
const CLUSTER_KINDS = new Set<string>(['kubectl-get-nodes', 'kubectl-get-pods']);

export interface AttachOptions {
  /** Resolved file path → node name, from `--node <name>=<file>`. */
  nodeFor?: ReadonlyMap<string, string>;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `name` occurs in `text` as a whole token (not `node-1` inside `node-10`). */
function hasToken(text: string, name: string): boolean {
  if (name === '') return false;
  return new RegExp(`(^|[^a-z0-9])${escapeRegExp(name.toLowerCase())}($|[^a-z0-9])`).test(text.toLowerCase());
}

function shortName(s: string): string {
  return s.split('.')[0]!.toLowerCase();
}

function ownAddresses(n: NodeModel): Set<string> {
  const out = new Set<string>(nodeAddresses4(n).map((a) => a.address));
  if (n.nodeIP !== undefined) out.add(n.nodeIP);
  return out;
}

function byName(nodes: NodeModel[], name: string): NodeModel | undefined {
  const want = name.toLowerCase();
  return (
    nodes.find((n) => n.name.toLowerCase() === want || n.hostname?.toLowerCase() === want) ??
    nodes.find((n) => shortName(n.name) === shortName(want) || (n.hostname !== undefined && shortName(n.hostname) === shortName(want)))
  );
}

function byAddress(nodes: NodeModel[], ip: string): NodeModel | undefined {
  const hits = nodes.filter((n) => ownAddresses(n).has(ip));
  return hits.length === 1 ? hits[0] : undefined;
}

/** The node a peer list was printed on: the one node whose address is not among the peers. */
function byPeerList(nodes: NodeModel[], status: NodeStatusFacts): NodeModel | undefined {
  const peers = new Set(status.peers.map((p) => p.peerIP).filter((ip): ip is string => ip !== undefined));
  const known = nodes.filter((n) => n.nodeIP !== undefined);
  if (peers.size === 0 || !known.some((n) => peers.has(n.nodeIP!))) return undefined;
  const rest = known.filter((n) => !peers.has(n.nodeIP!));
  // Every other node must be listed (a node-to-node mesh), and the peers must not name unknown hosts only.
  return rest.length === 1 && known.length - 1 <= peers.size ? rest[0] : undefined;
}

/** What one segment's own content says about its node. */
function partContent(nodes: NodeModel[], p: AttachmentPart): { node: NodeModel; how: string } | undefined {
  const f = p.facts;
  if (f.kind === 'kubectl-describe-pod' && f.podDescription.node !== undefined) {
    const n = byName(nodes, f.podDescription.node);
    if (n !== undefined) return { node: n, how: `content: kubectl describe names Node ${f.podDescription.node}` };
  }
  if (f.kind === 'kubectl-logs-calico-node') {
    for (const name of f.nodeNames) {
      const n = byName(nodes, name);
      if (n !== undefined) return { node: n, how: `content: calico-node logged node name ${name}` };
    }
    for (const ip of f.nodeIPs) {
      const n = byAddress(nodes, ip);
      if (n !== undefined) return { node: n, how: `content: calico-node logged its address ${ip}` };
    }
  }
  if (f.kind === 'birdc-show-protocols') {
    for (const peer of f.birdProtocols.peers) {
      if (peer.sourceAddress === undefined) continue;
      const n = byAddress(nodes, peer.sourceAddress);
      if (n !== undefined) return { node: n, how: `content: BGP source address ${peer.sourceAddress}` };
    }
  }
  if (f.kind === 'uname' && f.uname.hostname !== undefined) {
    const n = byName(nodes, f.uname.hostname);
    if (n !== undefined) return { node: n, how: `content: uname -a names ${f.uname.hostname}` };
  }
  if (f.kind === 'sysctl' && f.sysctl.values['kernel.hostname'] !== undefined) {
    const h = f.sysctl.values['kernel.hostname'].value;
    const n = byName(nodes, h);
    if (n !== undefined) return { node: n, how: `content: kernel.hostname = ${h}` };
  }
  if (p.promptHost !== undefined) {
    const n = byName(nodes, p.promptHost);
    if (n !== undefined) return { node: n, how: `content: shell prompt on ${p.promptHost}` };
  }
  if (f.kind === 'ip-d-link') {
    for (const l of f.links) {
      const ip = l.vxlan?.local ?? l.ipip?.local;
      const n = ip !== undefined ? byAddress(nodes, ip) : undefined;
      if (n !== undefined) return { node: n, how: `content: ${l.name} local address ${ip}` };
    }
  }
  if (f.kind === 'calicoctl-node-status' || f.kind === 'birdc-show-protocols') {
    const n = byPeerList(nodes, f.kind === 'calicoctl-node-status' ? f.nodeStatus : f.birdProtocols);
    if (n !== undefined) return { node: n, how: f.kind === 'calicoctl-node-status' ? 'content: the only node not among its peers' : 'content: the only node not among its BGP peers' };
  }
  return undefined;
}

function fromName(nodes: NodeModel[], name: string): NodeModel | undefined {
  const base = name.replace(/\.[a-z0-9]{1,5}$/i, '');
  const candidates = nodes
    .flatMap((n) => [n.name, n.hostname, n.hostname !== undefined ? shortName(n.hostname) : undefined, n.nodeIP].filter((x): x is string => x !== undefined).map((k) => ({ n, k })))
    .filter(({ k }) => hasToken(base, k))
    .sort((a, b) => b.k.length - a.k.length);
  return candidates[0]?.n;
}

interface Decision {
  node?: NodeModel;
  how?: string;
}

/**
 * Decides the node of each segment of one pasted file: `--node` for all; else a segment's own
 * content (or the prompt it followed); else what another segment of the file said, its file name,
 * its folder. `note` says why nothing was decided.
 */
export function decideNodes(nodes: NodeModel[], file: AttachmentFile, opts: AttachOptions): { parts: Decision[]; note?: string } {
  const forced = opts.nodeFor?.get(resolve(file.path));
  if (forced !== undefined) {
    const n = byName(nodes, forced);
    return n !== undefined ? { parts: file.parts.map(() => ({ node: n, how: '--node' })) } : { parts: file.parts.map(() => ({})), note: `--node names ${forced}, which has no bundle among the inputs` };
  }
  const own = file.parts.map((p) => partContent(nodes, p));
  let fallback: Decision | undefined = own.find((d) => d !== undefined);
  if (fallback === undefined) {
    const segments = file.file.split(/[\\/]/);
    const n = fromName(nodes, segments[segments.length - 1]!);
    if (n !== undefined) fallback = { node: n, how: 'file name' };
    else {
      const folders = [...segments.slice(0, -1).reverse(), ...(file.file === file.input ? [] : file.input.split(/[\\/]/).filter(Boolean).reverse())];
      for (const f of folders) {
        const hit = nodes.find((x) => [x.name, x.hostname, x.hostname !== undefined ? shortName(x.hostname) : undefined].some((k) => k !== undefined && f.toLowerCase() === k.toLowerCase()));
        if (hit !== undefined) {
          fallback = { node: hit, how: 'folder' };
          break;
        }
      }
    }
  }
  return { parts: own.map((d) => d ?? fallback ?? {}) };
}

function mergeStatus(prev: NodeStatusFacts | undefined, next: NodeStatusFacts): NodeStatusFacts {
  if (prev === undefined) return next;
  return {
    source: prev.source,
    calicoRunning: next.calicoRunning ?? prev.calicoRunning,
    birdRunning: next.birdRunning ?? prev.birdRunning,
    noPeers: next.noPeers ?? prev.noPeers,
    peers: [...prev.peers, ...next.peers],
    lines: [...prev.lines, ...next.lines],
  };
}

function mergeDns(prev: DnsFacts | undefined, next: DnsFacts): DnsFacts {
  if (prev === undefined) return next;
  return { source: prev.source, nameservers: [...prev.nameservers, ...next.nameservers], other: [...prev.other, ...next.other], lookups: [...prev.lookups, ...next.lookups] };
}

/** Files one part's facts on a node. */
function fileOnNode(node: NodeModel, part: AttachmentPart, src: AttachmentSource, file: AttachmentFile): void {
  const a: NodeAttachments = (node.attachments ??= { sources: [] });
  a.sources.push(src);
  const f = part.facts;
  switch (f.kind) {
    case 'calicoctl-node-status':
      a.nodeStatus = mergeStatus(a.nodeStatus, { ...f.nodeStatus, source: src });
      break;
    case 'birdc-show-protocols':
      a.birdProtocols = mergeStatus(a.birdProtocols, { ...f.birdProtocols, source: src });
      break;
    case 'birdc-show-route':
      a.birdRoutes = [...(a.birdRoutes ?? []), ...f.birdRoutes];
      break;
    case 'kubectl-logs-calico-node': {
      if (f.calico !== undefined) node.containerLog = mergeCalicoSummaries(node.containerLog !== undefined ? [node.containerLog, f.calico] : [f.calico], 'container');
      if (f.bird !== undefined) node.containerBird = mergeBirdSummaries(node.containerBird !== undefined ? [node.containerBird, f.bird] : [f.bird]);
      const art = node.artifacts.container_logs;
      if (art.status !== 'ok') {
        art.status = 'ok';
        art.bytes = 0;
        art.files = [];
      }
      art.files = [...art.files, file.input === file.file ? file.file : `${file.input}/${file.file}`];
      break;
    }
    case 'kubectl-describe-pod':
      a.podDescription ??= { ...f.podDescription, source: src };
      break;
    case 'sysctl':
      a.sysctl = { source: a.sysctl?.source ?? src, values: { ...(a.sysctl?.values ?? {}), ...f.sysctl.values } };
      break;
    case 'ethtool-k':
      a.ethtool = [...(a.ethtool ?? []), ...f.ethtool.map((e) => ({ ...e, source: src }))];
      break;
    case 'ip-d-link':
      a.links = [...(a.links ?? []), ...f.links];
      break;
    case 'bridge-fdb':
      a.fdb = [...(a.fdb ?? []), ...f.fdb];
      break;
    case 'ip-neigh':
      a.neigh = [...(a.neigh ?? []), ...f.neigh];
      break;
    case 'conntrack-s':
      a.conntrack ??= { ...f.conntrack, source: src };
      break;
    case 'dmesg':
      a.dmesg = a.dmesg === undefined ? { ...f.dmesg, source: src } : { source: a.dmesg.source, notable: [...a.dmesg.notable, ...f.dmesg.notable], lines: a.dmesg.lines + f.dmesg.lines };
      break;
    case 'resolv-conf':
    case 'dns-lookup':
      a.dns = mergeDns(a.dns, { ...f.dns, source: a.dns?.source ?? src });
      break;
    case 'iptables-version':
      a.iptablesVersion ??= f.iptablesVersion;
      break;
    case 'uname':
      a.uname ??= f.uname;
      break;
    case 'kubectl-get-nodes':
    case 'kubectl-get-pods':
      break;
  }
}

/**
 * Files every pasted file's facts on its node (or the cluster) and returns, per file, what it was
 * taken to be, for the inputs table and `inspect`.
 */
export function attachToNodes(cluster: ClusterModel, files: AttachmentFile[], opts: AttachOptions = {}): Map<AttachmentFile, { info: InputAttachment; nodes: string[] }> {
  const out = new Map<AttachmentFile, { info: InputAttachment; nodes: string[] }>();
  const ca: ClusterAttachments = cluster.attachments ?? { sources: [], unassigned: [] };
  for (const file of files) {
    const info: InputAttachment = { takenAs: [...new Set(file.parts.map((p) => p.kind))], parts: file.parts.map((p) => ({ kind: p.kind, lines: p.firstLine === p.lastLine ? `${p.firstLine}` : `${p.firstLine}-${p.lastLine}`, summary: p.summary })) };
    if (file.ignored !== undefined) info.guess = file.ignored;
    const entry = { info, nodes: [] as string[] };
    out.set(file, entry);
    if (file.parts.length === 0) continue;
    const nodeScoped = file.parts.some((p) => !CLUSTER_KINDS.has(p.kind));
    const decided = nodeScoped ? decideNodes(cluster.nodes, file, opts) : { parts: file.parts.map((): Decision => ({})) };
    const scoped = file.parts.map((p, i) => ({ p, d: decided.parts[i]! })).filter(({ p }) => !CLUSTER_KINDS.has(p.kind));
    const names = [...new Set(scoped.map(({ d }) => d.node?.name))];
    if (names.length === 1 && names[0] !== undefined) {
      info.node = names[0];
      info.nodeFrom = [...new Set(scoped.map(({ d }) => d.how))].join('; ');
    } else if (names.length > 1) {
      file.parts.forEach((p, i) => {
        const d = decided.parts[i]!;
        if (!CLUSTER_KINDS.has(p.kind) && d.node !== undefined) Object.assign(info.parts[i]!, { node: d.node.name, nodeFrom: d.how });
      });
    }
    if (nodeScoped && scoped.some(({ d }) => d.node === undefined)) {
      info.note = decided.note ?? 'node not decided from content, file name or folder: name it with --node <name>=<file>';
    }
    entry.nodes = names.filter((x): x is string => x !== undefined).sort();
    file.parts.forEach((p, i) => {
      const d = decided.parts[i]!;
      const src: AttachmentSource = {
        kind: p.kind,
        input: file.input,
        file: file.file,
        lines: info.parts[i]!.lines,
        summary: p.summary,
        ...(d.how !== undefined && !CLUSTER_KINDS.has(p.kind) ? { nodeFrom: d.how } : {}),
      };
      const f = p.facts;
      if (f.kind === 'kubectl-get-nodes') {
        ca.sources.push(src);
        ca.kubeNodes = [...(ca.kubeNodes ?? []), ...f.kubeNodes];
      } else if (f.kind === 'kubectl-get-pods') {
        ca.sources.push(src);
        ca.kubePods = [...(ca.kubePods ?? []), ...f.kubePods];
      } else if (d.node !== undefined) fileOnNode(d.node, p, src, file);
      else ca.unassigned.push(src);
    });
  }
  if (ca.sources.length > 0 || ca.unassigned.length > 0) cluster.attachments = ca;
  return out;
}
