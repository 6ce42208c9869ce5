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
  /** Read archives in worker threads (default: when there are several cores). */
  workers?: boolean;
}

export async function analyze(paths: string[], opts: AnalyzeOptions = {}): Promise<Report> {
  const unique = [...new Set(paths)];
  const useWorkers = opts.workers ?? availableParallelism() > 1;
  const pool = useWorkers && opts.readArchive === undefined ? createArchivePool() : undefined;
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
