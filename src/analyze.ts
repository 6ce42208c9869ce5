/** The pipeline: inputs → bundles → cluster model → cross-node tables → rules → report. */
import { availableParallelism } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import type { ClusterModel } from './model/node.js';
import { loadInputs } from './bundle/load-inputs.js';
import { createArchivePool } from './bundle/worker-pool.js';
import type { LoadOptions } from './bundle/load-inputs.js';
import { buildClusterModel } from './combiners/cluster-model.js';
import { derive, withoutEarlierSnapshots } from './combiners/derive.js';
import { RULES } from './rules/index.js';
import { runRules } from './rules/run-rules.js';
import { buildReport } from './report/build-report.js';
import type { Report } from './report/report-types.js';
import { TOOL } from './version.js';
import type { SourceResult } from './bundle/source-result.js';
import type { ClusterOverrides } from './combiners/cluster-groups.js';
import { groupClusters } from './combiners/cluster-groups.js';
import { emptyResourceSet } from './parsers/calico-resources.js';
import type { Timings } from './timings.js';
import { timed, timedAsync } from './timings.js';
import { collectGarbage } from './collect-garbage.js';

export interface AnalyzeOptions extends LoadOptions {
  generatedAt?: string;
  /**
   * Read archives in worker threads. Each archive keeps two threads busy (JS parsing, and zlib on
   * libuv's pool), so the main thread alone already fills 2 cores: workers pay off from 4 cores
   * (one per 2 cores). Default: automatic.
   */
  workers?: boolean;
  /** `--node <name>=<file>`: resolved file path → node name, for pasted command output. */
  nodeFor?: ReadonlyMap<string, string>;
  /** `--cluster <name>=<inputs>`: cluster name → resolved input paths (overrides the grouping). */
  clusters?: ClusterOverrides;
  /** `--timings`: each phase's time and heap are recorded here. */
  timings?: Timings;
}

/** Inputs as given plus the `--node` files not already inside one of them (a folder, or an archive: `ticket.zip!/node-b/status.txt`). */
function withNodeFiles(paths: string[], nodeFor: ReadonlyMap<string, string> | undefined): string[] {
  const unique = [...new Set(paths)];
  if (nodeFor === undefined) return unique;
  const given = unique.map((p) => resolve(p));
  for (const file of nodeFor.keys()) {
    if (given.some((g) => file === g || file.startsWith(g + sep) || file.startsWith(g + '!/'))) continue;
    unique.push(relative(process.cwd(), file) || file);
    given.push(file);
  }
  return unique;
}

/** Reads the inputs and builds the cluster model (no combiners, no rules): `analyze` and `inspect` share it. */
export async function loadCluster(paths: string[], opts: AnalyzeOptions = {}): Promise<ClusterModel> {
  return buildClusterModel(await loadSources(paths, opts), { nodeFor: opts.nodeFor });
}

/** Reads the inputs and sorts them into clusters (one model each, with the reasons for the grouping). */
export async function loadClusters(paths: string[], opts: AnalyzeOptions = {}): Promise<{ name: string; why: string[]; model: ClusterModel }[]> {
  const sources = await timedAsync(opts.timings, 'read+parse', () => loadSources(paths, opts));
  timed(opts.timings, 'collect garbage', () => collectGarbage());
  return timed(opts.timings, 'cluster grouping+model', () => {
    const groups = groupClusters(sources, { overrides: opts.clusters, resolve: (p) => resolve(p) });
    return groups.map((g) => ({ name: g.name, why: g.why, model: buildClusterModel(g.sources, { nodeFor: opts.nodeFor }) }));
  });
}

async function loadSources(paths: string[], opts: AnalyzeOptions): Promise<SourceResult[]> {
  const unique = withNodeFiles(paths, opts.nodeFor);
  const cores = availableParallelism();
  const useWorkers = opts.workers ?? cores >= 4;
  const pool = useWorkers && opts.readArchive === undefined ? createArchivePool(Math.max(1, Math.floor(cores / 2))) : undefined;
  let sources;
  try {
    sources = await loadInputs(unique, { ...opts, readArchive: opts.readArchive ?? pool?.read });
  } finally {
    await pool?.close();
  }
  return sources;
}

function analyzeOne(cluster: ClusterModel, opts: AnalyzeOptions): Report {
  const t = opts.timings;
  const derived = timed(t, 'derive', () => derive(cluster, t));
  const run = timed(t, 'rules', () => runRules(RULES, { cluster: withoutEarlierSnapshots(cluster, derived.snapshots), derived }, t));
  return timed(t, 'report build', () => buildReport(cluster, derived, run, RULES.map((r) => r.meta), { tool: TOOL, generatedAt: opts.generatedAt }));
}

/**
 * One cluster: the report as always. Several: the pipeline runs per cluster, and the top-level report
 * holds them in `clusters` (see Report.clusters).
 */
export async function analyze(paths: string[], opts: AnalyzeOptions = {}): Promise<Report> {
  const clusters = await loadClusters(paths, opts);
  if (clusters.length === 1) return analyzeOne(clusters[0]!.model, opts);
  const reports = clusters.map((c) => {
    opts.timings?.setPrefix(`cluster ${c.name}: `);
    return { ...analyzeOne(c.model, opts), cluster: { name: c.name, why: c.why } };
  });
  opts.timings?.setPrefix('');
  const empty: ClusterModel = { inputs: [], nodes: [], resources: emptyResourceSet() };
  const top = buildReport(empty, derive(empty), { findings: [], outcomes: [] }, [], { tool: TOOL, generatedAt: opts.generatedAt });
  for (const r of reports) {
    top.summary.inputs += r.summary.inputs;
    top.summary.unreadableInputs += r.summary.unreadableInputs;
    top.summary.nodes += r.summary.nodes;
    for (const k of Object.keys(top.summary.findings) as (keyof typeof top.summary.findings)[]) top.summary.findings[k] += r.summary.findings[k];
    top.inputs.push(...r.inputs.map((i) => ({ ...i, cluster: r.cluster.name })));
    top.findings.push(...r.findings.map((f) => ({ ...f, cluster: r.cluster.name })));
  }
  top.clusters = reports;
  return top;
}
