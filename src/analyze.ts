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
}

/** Inputs as given plus the `--node` files not already inside one of them. */
function withNodeFiles(paths: string[], nodeFor: ReadonlyMap<string, string> | undefined): string[] {
  const unique = [...new Set(paths)];
  if (nodeFor === undefined) return unique;
  const given = unique.map((p) => resolve(p));
  for (const file of nodeFor.keys()) {
    if (given.some((g) => file === g || file.startsWith(g + sep))) continue;
    unique.push(relative(process.cwd(), file) || file);
    given.push(file);
  }
  return unique;
}

/** Reads the inputs and builds the cluster model (no combiners, no rules): `analyze` and `inspect` share it. */
export async function loadCluster(paths: string[], opts: AnalyzeOptions = {}): Promise<ClusterModel> {
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
  return buildClusterModel(sources, { nodeFor: opts.nodeFor });
}

export async function analyze(paths: string[], opts: AnalyzeOptions = {}): Promise<Report> {
  const cluster = await loadCluster(paths, opts);
  const derived = derive(cluster);
  const run = runRules(RULES, { cluster: withoutEarlierSnapshots(cluster, derived.snapshots), derived });
  return buildReport(cluster, derived, run, RULES.map((r) => r.meta), { tool: TOOL, generatedAt: opts.generatedAt });
}
