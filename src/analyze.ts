/** The pipeline: inputs → bundles → cluster model → cross-node tables → rules → report. */
import { availableParallelism } from 'node:os';
import { loadInputs } from './bundle/load-inputs.js';
import { createArchivePool } from './bundle/worker-pool.js';
import type { LoadOptions } from './bundle/load-inputs.js';
import { buildClusterModel } from './combiners/cluster-model.js';
import { derive } from './combiners/derive.js';
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
}

export async function analyze(paths: string[], opts: AnalyzeOptions = {}): Promise<Report> {
  const unique = [...new Set(paths)];
  const cores = availableParallelism();
  const useWorkers = opts.workers ?? cores >= 4;
  const pool = useWorkers && opts.readArchive === undefined ? createArchivePool(Math.max(1, Math.floor(cores / 2))) : undefined;
  let sources;
  try {
    sources = await loadInputs(unique, { ...opts, readArchive: opts.readArchive ?? pool?.read });
  } finally {
    await pool?.close();
  }
  const cluster = buildClusterModel(sources);
  const derived = derive(cluster);
  const run = runRules(RULES, { cluster, derived });
  return buildReport(cluster, derived, run, RULES.map((r) => r.meta), { tool: TOOL, generatedAt: opts.generatedAt });
}
