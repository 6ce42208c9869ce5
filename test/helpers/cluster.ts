/**
 * Builds a cluster from inline artifact text, through the real bundle builder and parsers:
 * `{ 'node-a': { hostname: 'node-a\n', ipv4_route: '...', 'logs/bird/current': '...' } }`.
 * Paths are relative to `diagnostics/`.
 */
import { NodeBundleBuilder } from '../../src/bundle/node-bundle-builder.js';
import { buildClusterModel } from '../../src/combiners/cluster-model.js';
import { derive, withoutEarlierSnapshots } from '../../src/combiners/derive.js';
import { parseCalicoResources } from '../../src/parsers/calico-resources.js';
import type { SourceResult } from '../../src/bundle/source-result.js';
import type { RuleContext } from '../../src/rules/rule.js';

export type NodeFiles = Record<string, string>;

export function sourceFrom(name: string, files: NodeFiles, dirs: string[] = []): SourceResult {
  const input = `${name}/diags-20261127_101500.tar.gz`;
  const b = new NodeBundleBuilder(input, { prefix: 'diagnostics/', format: 'node-diags' }, 'diags-20261127_101500.tar.gz');
  for (const d of dirs) b.noteDirectory(d);
  for (const [path, text] of Object.entries(files)) {
    const sink = b.openFile(path);
    if (sink === undefined) continue;
    sink.write(Buffer.from(text, 'utf8'));
    sink.end();
  }
  const facts = b.finish();
  return { path: input, kind: 'archive', nodes: [facts], resources: [], problems: facts.problems.map((p) => `${input}: ${p}`), unreadable: false };
}

export function contextFrom(nodes: Record<string, NodeFiles>, yaml?: string): RuleContext {
  const sources = Object.entries(nodes).map(([name, files]) => sourceFrom(name, files));
  if (yaml !== undefined) {
    const r = parseCalicoResources(yaml, { input: 'resources.yaml', file: 'resources.yaml' });
    sources.push({ path: 'resources.yaml', kind: 'yaml', nodes: [], resources: r.resources, problems: r.problems, unreadable: false });
  }
  const cluster = buildClusterModel(sources);
  const derived = derive(cluster);
  return { cluster: withoutEarlierSnapshots(cluster, derived.snapshots), derived };
}
