/**
 * Builds the ClusterModel from what the inputs yielded: names every node (hostname,
 * made unique), merges the resources, and lists the inputs with their status.
 */
import type { ClusterModel, InputInfo, NodeFacts, NodeModel } from '../model/node.js';
import { addToResourceSet, emptyResourceSet } from '../parsers/calico-resources.js';
import type { SourceResult } from '../bundle/source-result.js';
import { identifyNodeIPs } from './node-identity.js';
import type { AttachOptions } from './attachments.js';
import { attachToNodes } from './attachments.js';

/** Name for a bundle without a readable hostname file: from its archive or folder. */
function fallbackName(f: NodeFacts): string {
  const src = f.archiveName ?? f.input;
  const base = src.split('/').filter(Boolean).slice(-2).join('/');
  return `unknown(${base})`;
}

/** `file: 3 Node, 1 IPPool` per YAML file of a source, in the order read (the file relative to the input). */
function resourceFiles(s: SourceResult): string[] {
  const byFile = new Map<string, Map<string, number>>();
  for (const r of s.resources) {
    const file = r.ref.file.startsWith(s.path + '/') ? r.ref.file.slice(s.path.length + 1) : r.ref.file;
    const kinds = byFile.get(file) ?? new Map<string, number>();
    kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    byFile.set(file, kinds);
  }
  return [...byFile].map(([file, kinds]) => `${file}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`);
}

export function buildClusterModel(sources: SourceResult[], opts: AttachOptions = {}): ClusterModel {
  const resources = emptyResourceSet();
  const inputs: InputInfo[] = [];
  const facts: NodeFacts[] = [];
  for (const s of sources) {
    // The same object exported twice (two YAML files, or YAML and a cluster-diags CRD dump) counts once.
    addToResourceSet(resources, s.resources);
    facts.push(...s.nodes);
  }
  // Stable order: by hostname, then collection time (so that `name#2` is the later snapshot of a host
  // collected twice), then input path, then root.
  facts.sort((a, b) => {
    const ka = `${a.hostname ?? fallbackName(a)}\u0000${a.date?.iso ?? ''}\u0000${a.input}\u0000${a.root}`;
    const kb = `${b.hostname ?? fallbackName(b)}\u0000${b.date?.iso ?? ''}\u0000${b.input}\u0000${b.root}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const seen = new Map<string, number>();
  const nodes: NodeModel[] = facts.map((f) => {
    const base = f.hostname ?? fallbackName(f);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { ...f, name: n === 1 ? base : `${base}#${n}` };
  });
  const attachmentRows = new Map<InputInfo, NonNullable<SourceResult['attachments']>[number]>();
  for (const s of sources) {
    if (s.duplicateOf !== undefined) {
      inputs.push({ path: s.path, kind: s.kind, nodes: [], status: 'ignored', problems: [], note: `same bytes as ${s.duplicateOf}; read once` });
      continue;
    }
    if (s.kind === 'attachment') {
      const a = s.attachments?.[0];
      const row: InputInfo = { path: s.path, kind: 'attachment', nodes: [], status: s.unreadable ? 'unreadable' : a !== undefined && a.parts.length === 0 ? 'ignored' : 'ok', problems: s.problems };
      inputs.push(row);
      if (a !== undefined) attachmentRows.set(row, a);
      continue;
    }
    const names = nodes.filter((n) => s.nodes.includes(n as unknown as NodeFacts) || s.nodes.some((f) => f.input === n.input && f.root === n.root)).map((n) => n.name);
    const partial = s.problems.length > 0 || s.nodes.some((n) => n.problems.length > 0);
    const read = resourceFiles(s);
    inputs.push({
      path: s.path,
      kind: s.kind,
      nodes: [...new Set(names)].sort(),
      status: s.unreadable ? 'unreadable' : partial ? 'partial' : 'ok',
      problems: s.problems,
      ...(read.length > 0 ? { resources: read } : {}),
    });
  }
  const cluster: ClusterModel = { inputs, nodes, resources };
  identifyNodeIPs(cluster);
  const taken = attachToNodes(cluster, [...attachmentRows.values()], opts);
  for (const [row, file] of attachmentRows) {
    const taken1 = taken.get(file);
    if (taken1 === undefined) continue;
    row.attachment = taken1.info;
    row.nodes = taken1.nodes;
  }
  return cluster;
}
