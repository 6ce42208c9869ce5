/** The pipeline: inputs → bundles → cluster model → cross-node tables → rules → report. */
import { loadInputs } from './bundle/load-inputs.js';
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
}

export async function analyze(paths: string[], opts: AnalyzeOptions = {}): Promise<Report> {
  const unique = [...new Set(paths)];
  const sources = await loadInputs(unique, opts);
  const cluster = buildClusterModel(sources);
  const derived = derive(cluster);
  const run = runRules(RULES, { cluster, derived });
  return buildReport(cluster, derived, run, RULES.map((r) => r.meta), { tool: TOOL, generatedAt: opts.generatedAt });
}
