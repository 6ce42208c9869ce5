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
import { loadClusters } from './analyze.js';
import type { RedactMap } from './report/redact.js';
import { maskSecrets, Redactor } from './report/redact.js';
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
  for (const r of i.resources ?? []) out.push(`  resources ${clean(r, 200)}`);
  if (i.kind !== 'attachment') {
    for (const name of i.nodes) {
      const n = cluster.nodes.find((x) => x.name === name && x.input === i.path);
      if (n !== undefined) out.push(...nodeBlock(n));
    }
  }
  for (const p of i.problems) out.push(`  problem: ${clean(p.startsWith(`${i.path}: `) ? p.slice(i.path.length + 2) : p, 300)}`);
  return out;
}

/** The `inspect` text for a loaded cluster model (its inputs, nodes and artifacts). */
export function renderInspect(cluster: ClusterModel): string {
  return [counts(cluster.nodes.length, cluster.inputs), ...clusterBody(cluster)].join('\n') + '\n';
}

function counts(nodes: number, inputs: readonly InputInfo[], clusters?: number): string {
  const count = (s: InputInfo['status']) => inputs.filter((i) => i.status === s).length;
  const extra = [count('partial') > 0 ? `${count('partial')} partial` : '', count('unreadable') > 0 ? `${count('unreadable')} unreadable` : '', count('ignored') > 0 ? `${count('ignored')} ignored` : ''].filter((x) => x !== '');
  const head = `calico-diags inspect: ${nodes} ${nodes === 1 ? 'node' : 'nodes'}, ${inputs.length} ${inputs.length === 1 ? 'input' : 'inputs'}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
  return clusters === undefined ? head : `${head}, ${clusters} ${clusters === 1 ? 'cluster' : 'clusters'}`;
}

function clusterBody(cluster: ClusterModel): string[] {
  const out: string[] = [];
  const inputs = [...cluster.inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const i of inputs) out.push('', ...inputBlock(i, cluster));
  const un = cluster.attachments?.unassigned ?? [];
  if (un.length > 0) {
    out.push('', 'attachments without a node (used by no rule):');
    for (const s of un) out.push(`  ${s.kind} from ${clean(s.file, 160)}${s.lines !== undefined ? ` ${lineRange(s.lines)}` : ''}`);
  }
  return out;
}

export interface InspectCluster {
  name: string;
  why: string[];
  model: ClusterModel;
}

/**
 * The `inspect` text for the inputs grouped into clusters as `analyze` groups them: each cluster with why
 * its inputs are one cluster (and apart from the others), then its inputs.
 */
export function renderInspectClusters(clusters: readonly InspectCluster[]): string {
  const inputs = clusters.flatMap((c) => c.model.inputs);
  const out = [counts(clusters.reduce((n, c) => n + c.model.nodes.length, 0), inputs, clusters.length)];
  for (const c of clusters) {
    const title = clusters.length === 1 && c.name === 'cluster' ? 'one cluster' : `cluster ${clean(c.name, 120)}`;
    out.push('', `== ${title}: ${c.model.nodes.length} ${c.model.nodes.length === 1 ? 'node' : 'nodes'}, ${c.model.inputs.length} ${c.model.inputs.length === 1 ? 'input' : 'inputs'}`);
    const why = c.why.length > 0 ? c.why : [clusters.length === 1 ? 'every input: nothing sets any of them apart (no hostname given twice by two machines, no separate address islands)' : 'its inputs share a folder and no hostname conflicts'];
    for (const w of why) out.push(`  why: ${clean(w, 600)}`);
    out.push(...clusterBody(c.model));
  }
  return out.join('\n') + '\n';
}

/**
 * Free text of an inspect output redacted as `analyze --redact` redacts a report of the same inputs: the same
 * node names, hostnames, input paths and clusters are learned in the same order, so they get the same
 * pseudonyms (addresses too, given the same `key`). Secrets are masked in any case.
 */
export function redactInspect(text: string, clusters: readonly InspectCluster[], opts: { key?: Buffer | string } = {}): { text: string; map: RedactMap } {
  const own = new Set<string>();
  const paths = new Set<string>();
  for (const c of clusters) {
    for (const n of c.model.nodes) {
      own.add(n.name);
      if (n.hostname !== undefined) own.add(n.hostname);
      paths.add(n.input);
    }
    for (const i of c.model.inputs) paths.add(i.path);
  }
  const names = clusters.length > 1 ? clusters.map((c) => c.name) : [];
  const r = new Redactor({ key: opts.key, avoid: text.split(/[^A-Za-z0-9_.-]+/) });
  r.learn([...own].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), paths, names);
  return { text: r.text(text), map: r.map() };
}

export async function inspect(
  paths: string[],
  opts: AnalyzeOptions & { redact?: boolean; redactKey?: Buffer | string } = {},
): Promise<{ text: string; clusters: InspectCluster[]; map?: RedactMap }> {
  const clusters = await loadClusters(paths, opts);
  const text = renderInspectClusters(clusters);
  if (opts.redact !== true) return { text: maskSecrets(text), clusters };
  const red = redactInspect(text, clusters, { key: opts.redactKey });
  return { text: red.text, clusters, map: red.map };
}
