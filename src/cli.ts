/** Commander wiring only: each command returns an exit code; nothing here calls process.exit. */
import { Command, CommanderError, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Severity } from './model/finding.js';
import { SEVERITY_RANK } from './model/finding.js';
import { TOOL } from './version.js';

export const EXIT_OK = 0;
export const EXIT_FAIL_ON = 1;
export const EXIT_USAGE = 2;

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const defaultIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** `--node <name>=<file>` (repeatable) → resolved file path → node name; throws on a malformed value. */
function nodeOption(value: string, previous: Map<string, string> | undefined): Map<string, string> {
  const m = /^([^=]+)=(.+)$/.exec(value);
  if (m === null) throw new CommanderError(EXIT_USAGE, 'calico-diags.badNode', `--node expects <name>=<file>, got '${value}'`);
  const out = new Map(previous ?? []);
  out.set(resolve(m[2]!), m[1]!.trim());
  return out;
}

/** `--cluster <name>=<input>[,<input>…]` (repeatable) → cluster name → resolved input paths. */
function clusterOption(value: string, previous: Map<string, string[]> | undefined): Map<string, string[]> {
  const m = /^([A-Za-z0-9._-]+)=(.+)$/.exec(value);
  if (m === null) throw new CommanderError(EXIT_USAGE, 'calico-diags.badCluster', `--cluster expects <name>=<input>[,<input>…] (name of letters, digits, . _ -), got '${value}'`);
  const out = new Map(previous ?? []);
  out.set(m[1]!, [...(out.get(m[1]!) ?? []), ...m[2]!.split(',').filter((x) => x.length > 0).map((x) => resolve(x))]);
  return out;
}

async function inspectCommand(inputs: string[], opts: { node?: Map<string, string> }, io: CliIO): Promise<number> {
  const { inspect } = await import('./inspect.js');
  const { text, cluster } = await inspect(inputs, { nodeFor: opts.node });
  io.stdout.write(text);
  return cluster.inputs.some((i) => i.status !== 'unreadable' && i.status !== 'ignored') ? EXIT_OK : EXIT_USAGE;
}

async function analyzeCommand(
  inputs: string[],
  opts: { out: string; json?: string; failOn?: Severity; timestamp?: boolean; progress: boolean; node?: Map<string, string>; cluster?: Map<string, string[]>; split?: boolean; redact?: boolean; redactMap?: string },
  io: CliIO,
): Promise<number> {
  const { analyze } = await import('./analyze.js');
  const { renderHtml } = await import('./report/render-html.js');
  const { renderJson } = await import('./report/render-json.js');
  const { renderText } = await import('./report/render-text.js');
  const { shouldColour } = await import('./report/colour.js');
  const jsonToStdout = opts.json === '-';
  const summaryStream = jsonToStdout ? io.stderr : io.stdout;
  let progress: Awaited<ReturnType<typeof import('./progress.js').createProgress>> | undefined;
  if (opts.progress && io.stderr.isTTY === true && io.env.CI === undefined) {
    const { createProgress } = await import('./progress.js');
    progress = createProgress(io.stderr);
  }
  let report;
  try {
    report = await analyze(inputs, {
      generatedAt: opts.timestamp ? new Date().toISOString() : undefined,
      progress,
      nodeFor: opts.node,
      clusters: opts.cluster,
    });
  } finally {
    progress?.stop();
  }
  // After the analysis, before any output: secrets always masked; with --redact every identifier pseudonymised.
  const { maskReportSecrets, redactReport } = await import('./report/redact.js');
  report = maskReportSecrets(report);
  if (opts.redact === true || opts.redactMap !== undefined) {
    const redacted = redactReport(report);
    report = redacted.report;
    if (opts.redactMap !== undefined) await writeFile(resolve(opts.redactMap), JSON.stringify(redacted.map, null, 2) + '\n', { mode: 0o600 });
  }
  // One line per problem, whatever a hostile member name holds (newlines, escape sequences).
  const { clean } = await import('./report/render-text.js');
  for (const input of report.inputs) for (const p of input.problems) io.stderr.write(`calico-diags: ${clean(p, 1000)}\n`);
  for (const p of report.problems) io.stderr.write(`calico-diags: ${clean(p, 1000)}\n`);
  const readable = report.inputs.filter((i) => i.status !== 'unreadable' && i.status !== 'ignored');
  if (readable.length === 0) {
    io.stderr.write('calico-diags: no input could be read\n');
    return EXIT_USAGE;
  }
  const outPath = resolve(opts.out);
  const { renderHtmlClusters, renderTextClusters } = await import('./report/render-clusters.js');
  if (report.clusters !== undefined && opts.split === true) {
    // One report per cluster: <out-stem>-<cluster>.html (and .json beside --json).
    const stem = (p: string, ext: string) => (p.toLowerCase().endsWith(ext) ? p.slice(0, -ext.length) : p);
    for (const c of report.clusters) {
      const name = c.cluster!.name;
      const file = `${stem(outPath, '.html')}-${name}.html`;
      await writeFile(file, renderHtml(c));
      if (opts.json !== undefined && !jsonToStdout) await writeFile(`${stem(resolve(opts.json), '.json')}-${name}.json`, renderJson(c));
      summaryStream.write(`Report of cluster ${name} written to ${file}\n`);
    }
  } else await writeFile(outPath, renderHtmlClusters(report));
  if (opts.json !== undefined) {
    const json = renderJson(report);
    if (jsonToStdout) io.stdout.write(json);
    else await writeFile(resolve(opts.json), json);
  }
  const colour = shouldColour(summaryStream, io.env);
  summaryStream.write(report.clusters !== undefined ? renderTextClusters(report, { colour }) : renderText(report, { colour }));
  if (!(report.clusters !== undefined && opts.split === true)) summaryStream.write(`Report written to ${outPath}\n`);
  if (opts.failOn !== undefined) {
    const min = SEVERITY_RANK[opts.failOn];
    if (report.findings.some((f) => SEVERITY_RANK[f.severity] >= min)) return EXIT_FAIL_ON;
  }
  return EXIT_OK;
}

async function rulesCommand(opts: { json?: boolean }, io: CliIO): Promise<number> {
  const { RULES } = await import('./rules/index.js');
  if (opts.json) {
    const list = RULES.map((r) => ({ id: r.meta.id, severity: r.meta.severity, summary: r.meta.summary }));
    io.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return EXIT_OK;
  }
  const width = Math.max(...RULES.map((r) => r.meta.id.length));
  for (const r of RULES) io.stdout.write(`${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(8)}  ${r.meta.summary}\n`);
  return EXIT_OK;
}

async function explainCommand(id: string, io: CliIO): Promise<number> {
  const { findRule, RULES } = await import('./rules/index.js');
  const rule = findRule(id);
  if (rule === undefined) {
    io.stderr.write(`calico-diags: unknown rule '${id}'; known rules: ${RULES.map((r) => r.meta.id).join(', ')}\n`);
    return EXIT_USAGE;
  }
  const m = rule.meta;
  io.stdout.write(`${m.id} [${m.severity}]\n\n${m.summary}\n\nWhy:\n${m.rationale}\n\nWhat to do:\n${m.remediation.map((s, i) => `${i + 1}. ${s}`).join('\n')}\n`);
  if ((m.explains ?? []).length > 0) io.stdout.write(`\nCan be the root cause of: ${m.explains!.join(', ')}\n`);
  if ((m.collect ?? []).length > 0) io.stdout.write(`\nWhen it cannot decide, collect:\n${m.collect!.map((c) => `  ${c.command}\n      ${c.why}`).join('\n')}\n`);
  return EXIT_OK;
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let code = EXIT_OK;
  const program = new Command('calico-diags')
    .description('Offline analyzer for Calico diagnostics bundles (calicoctl node diags)')
    .version(TOOL.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  program
    .command('analyze')
    .description('analyze diags tarballs, folders of bundles and exported Calico YAML')
    .argument('<inputs...>', '.tar.gz/.tgz/.tar bundles, folders, YAML from calicoctl get -o yaml, pasted command output (.txt)')
    .option('-o, --out <file>', 'HTML report', 'calico-diags-report.html')
    .option('--node <name=file>', 'pasted command output <file> belongs to node <name> (repeatable)', nodeOption)
    .option('--json <file>', "JSON result; '-' writes it to stdout (and nothing else goes to stdout)")
    .option('--cluster <name=inputs>', 'these inputs (comma-separated files or folders) are one cluster named <name>, whatever the grouping guesses (repeatable)', clusterOption)
    .option('--split', 'with several clusters: one report per cluster, <out-stem>-<cluster>.html (and .json)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 if a finding at or above this severity exists').choices(['critical', 'warning', 'info']))
    .option('--timestamp', 'record the generation time in the report (off: same input, same bytes)')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--redact', 'replace host and node names, addresses, MACs, interface, cluster, namespace and pod names and input paths by consistent pseudonyms in every output (secrets are always masked)')
    .option('--redact-map <file>', 'with --redact (implied): write the pseudonym → original mapping as JSON to <file>, for your own use')
    .action(async (inputs: string[], opts) => {
      code = await analyzeCommand(inputs, opts, io);
    });
  program
    .command('inspect')
    .description('what each input was taken to be, for which node, and which artifacts were found, missing, empty or failed (runs no rule)')
    .argument('<inputs...>', 'the same inputs as analyze')
    .option('--node <name=file>', 'pasted command output <file> belongs to node <name> (repeatable)', nodeOption)
    .action(async (inputs: string[], opts) => {
      code = await inspectCommand(inputs, opts, io);
    });
  program
    .command('rules')
    .description('the rule catalogue: id, severity, summary')
    .option('--json', 'as JSON')
    .action(async (opts) => {
      code = await rulesCommand(opts, io);
    });
  program
    .command('explain')
    .description("one rule's summary, rationale and remediation")
    .argument('<rule-id>')
    .action(async (id: string) => {
      code = await explainCommand(id, io);
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    io.stderr.write(`calico-diags: ${(err as Error)?.message ?? String(err)}\n`);
    return EXIT_USAGE;
  }
  if (argv.length <= 2) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  return code;
}
