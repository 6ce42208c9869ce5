/**
 * `calico-diags inspect`: what each input was taken to be, for which node, and which artifacts
 * were found, missing, empty or failed. Reads the inputs and builds the cluster model; runs no
 * combiner and no rule. Plain text, deterministic (sorted as the model is), safe for a terminal.
 *
 * ```
 * archive samples/scenarios/bgp-port179-blocked-attachments/node-b/diags-20261127_182732.tar.gz: ok
 *   node node-b: node-diags, >=v3.31, node IP 10.77.0.12 (BGP peers' protocol names)
 *     found: date hostname netstat ipv4_route …
 *     attachments: calicoctl-node-status from node-b-status.txt lines 1-13 (file name)
 * attachment samples/scenarios/bgp-port179-blocked-attachments/node-b/sysctl.txt: ok
 *   taken as sysctl, for node-b (folder)
 *     lines 1-9 sysctl: 9 keys (net.ipv4.ip_forward=1, net.ipv4.conf.all.rp_filter=1)
 * ```
 */
import type { AnalyzeOptions } from './analyze.js';
import { loadCluster } from './analyze.js';
import type { ClusterModel, InputInfo, NodeModel } from './model/node.js';
import { ARTIFACT_IDS, MAY_BE_EMPTY } from './model/node.js';
import { clean } from './report/render-text.js';

/** `lines 4-15`, `line 7`. */
function lineRange(r: string): string {
  return r.includes('-') ? `lines ${r}` : `line ${r}`;
}

function artifactLines(n: NodeModel): string[] {
  const found: string[] = [];
  const missing: string[] = [];
  const empty: string[] = [];
  const failed: string[] = [];
  const normal: string[] = [];
  for (const id of ARTIFACT_IDS) {
    const a = n.artifacts[id];
    if (a.status === 'ok') found.push(id);
    else if (a.status === 'missing') (a.expected ? missing : normal).push(id);
    else if (a.status === 'empty') (MAY_BE_EMPTY.has(id) ? normal : empty).push(id);
    else failed.push(`${id} (${clean(a.error ?? 'error', 120)})`);
  }
  const out: string[] = [];
  const row = (label: string, ids: string[]) => {
    if (ids.length > 0) out.push(`    ${label}: ${ids.join(' ')}`);
  };
  row('found', found);
  row('missing', missing);
  row('empty', empty);
  row('failed', failed);
  row('absent or empty, normal for this layout', normal);
  return out;
}

function nodeBlock(n: NodeModel): string[] {
  const ip = n.nodeIP !== undefined ? `node IP ${n.nodeIP}${n.nodeIPSource !== undefined ? ` (${clean(n.nodeIPSource, 120)})` : ''}` : 'node IP unknown';
  const out = [`  node ${clean(n.name, 120)}: ${n.format}, ${n.layout.versionHint}${n.layout.fileLoggingDisabled ? ', file logging disabled' : ''}, ${ip}`];
  out.push(...artifactLines(n));
  for (const s of n.attachments?.sources ?? []) {
    out.push(`    attachment: ${s.kind} from ${clean(s.file, 160)}${s.lines !== undefined ? ` ${lineRange(s.lines)}` : ''}${s.nodeFrom !== undefined ? ` (${clean(s.nodeFrom, 120)})` : ''}`);
  }
  for (const p of n.problems) out.push(`    problem: ${clean(p, 300)}`);
  return out;
}

function inputBlock(i: InputInfo, cluster: ClusterModel): string[] {
  const out = [`${i.kind} ${clean(i.path, 200)}: ${i.status}${i.attachment?.guess !== undefined ? ` (${clean(i.attachment.guess, 120)})` : ''}`];
  const a = i.attachment;
  if (a !== undefined && a.parts.length > 0) {
    const target =
      a.node !== undefined
        ? `, for ${clean(a.node, 120)} (${clean(a.nodeFrom ?? '', 160)})`
        : a.takenAs.every((k) => k.startsWith('kubectl-get-'))
          ? ', for the cluster'
          : i.nodes.length > 1
            ? `, for ${clean(i.nodes.join(', '), 160)}`
            : ', node not decided';
    out.push(`  taken as ${a.takenAs.join(', ')}${target}`);
    for (const p of a.parts) out.push(`    ${lineRange(p.lines)} ${p.kind}: ${clean(p.summary, 200)}${p.node !== undefined ? ` → ${clean(p.node, 120)} (${clean(p.nodeFrom ?? '', 160)})` : ''}`);
    if (a.note !== undefined) out.push(`    note: ${clean(a.note, 200)}`);
  }
  if (i.kind !== 'attachment') {
    for (const name of i.nodes) {
      const n = cluster.nodes.find((x) => x.name === name && x.input === i.path);
      if (n !== undefined) out.push(...nodeBlock(n));
    }
  }
  for (const p of i.problems) out.push(`  problem: ${clean(p.startsWith(`${i.path}: `) ? p.slice(i.path.length + 2) : p, 300)}`);
  return out;
}

/** The `inspect` text for a loaded cluster model. */
export function renderInspect(cluster: ClusterModel): string {
  const count = (s: InputInfo['status']) => cluster.inputs.filter((i) => i.status === s).length;
  const extra = [count('partial') > 0 ? `${count('partial')} partial` : '', count('unreadable') > 0 ? `${count('unreadable')} unreadable` : '', count('ignored') > 0 ? `${count('ignored')} ignored` : ''].filter((x) => x !== '');
  const out = [`calico-diags inspect: ${cluster.nodes.length} ${cluster.nodes.length === 1 ? 'node' : 'nodes'}, ${cluster.inputs.length} ${cluster.inputs.length === 1 ? 'input' : 'inputs'}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`];
  const inputs = [...cluster.inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const i of inputs) out.push('', ...inputBlock(i, cluster));
  const un = cluster.attachments?.unassigned ?? [];
  if (un.length > 0) {
    out.push('', 'attachments without a node (used by no rule):');
    for (const s of un) out.push(`  ${s.kind} from ${clean(s.file, 160)}${s.lines !== undefined ? ` ${lineRange(s.lines)}` : ''}`);
  }
  return out.join('\n') + '\n';
}

export async function inspect(paths: string[], opts: AnalyzeOptions = {}): Promise<{ text: string; cluster: ClusterModel }> {
  const cluster = await loadCluster(paths, opts);
  return { text: renderInspect(cluster), cluster };
}
