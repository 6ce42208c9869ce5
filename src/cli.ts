/** Commander wiring only: each command returns an exit code; nothing here calls process.exit. */
import { Command, CommanderError, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Severity } from './model/finding.js';
import type { Report } from './report/report-types.js';
import type { OutputKind, OutputRequest, OutputTarget } from './output-paths.js';
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

async function inspectCommand(inputs: string[], opts: { node?: Map<string, string>; cluster?: Map<string, string[]>; redact?: boolean }, io: CliIO): Promise<number> {
  const { inspect } = await import('./inspect.js');
  const { text, clusters } = await inspect(inputs, { nodeFor: opts.node, clusters: opts.cluster, redact: opts.redact });
  io.stdout.write(text);
  return clusters.some((c) => c.model.inputs.some((i) => i.status !== 'unreadable' && i.status !== 'ignored')) ? EXIT_OK : EXIT_USAGE;
}

interface AnalyzeOpts {
  out: string;
  json?: string;
  summary?: string;
  junit?: string;
  sarif?: string;
  failOn?: Severity;
  timestamp?: boolean;
  progress: boolean;
  node?: Map<string, string>;
  cluster?: Map<string, string[]>;
  split?: boolean;
  redact?: boolean;
  redactMap?: string;
  timings?: boolean;
}

/**
 * The outputs asked for, in writing order. The HTML report is written unless another output takes
 * stdout (`--json -`, `--summary -`, …) and `-o` was not given.
 */
function outputRequests(opts: AnalyzeOpts, outGiven: boolean): OutputRequest[] {
  const others: OutputRequest[] = [];
  if (opts.json !== undefined) others.push({ kind: 'json', option: '--json', value: opts.json });
  if (opts.summary !== undefined) others.push({ kind: 'summary', option: '--summary', value: opts.summary });
  if (opts.junit !== undefined) others.push({ kind: 'junit', option: '--junit', value: opts.junit });
  if (opts.sarif !== undefined) others.push({ kind: 'sarif', option: '--sarif', value: opts.sarif });
  const html = outGiven || !others.some((r) => r.value === '-');
  return [...(html ? [{ kind: 'html' as const, option: '-o', value: opts.out }] : []), ...others];
}

const WRITTEN_LABEL: Record<OutputKind, string> = {
  html: 'Report',
  json: 'JSON',
  summary: 'Ticket summary',
  junit: 'JUnit',
  sarif: 'SARIF',
};

async function analyzeCommand(inputs: string[], opts: AnalyzeOpts, outGiven: boolean, io: CliIO): Promise<number> {
  const { prepareOutputs, OutputPathError } = await import('./output-paths.js');
  // Every output path is checked (and its folder made) before the first input is opened.
  let targets: OutputTarget[];
  try {
    targets = await prepareOutputs(outputRequests(opts, outGiven));
  } catch (err) {
    if (!(err instanceof OutputPathError)) throw err;
    io.stderr.write(`calico-diags: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const { analyze } = await import('./analyze.js');
  const { renderText } = await import('./report/render-text.js');
  const { shouldColour } = await import('./report/colour.js');
  const toStdout = targets.some((t) => t.path === '-');
  const summaryStream = toStdout ? io.stderr : io.stdout;
  let progress: Awaited<ReturnType<typeof import('./progress.js').createProgress>> | undefined;
  if (opts.progress && io.stderr.isTTY === true && io.env.CI === undefined) {
    const { createProgress } = await import('./progress.js');
    progress = createProgress(io.stderr);
  }
  const { Timings, timed, timedAsync } = await import('./timings.js');
  const timings = opts.timings === true ? new Timings() : undefined;
  const { favourMainThread, HELPER_NICE } = await import('./thread-priority.js');
  const lowered = await favourMainThread(io.env);
  let report;
  try {
    report = await analyze(inputs, {
      timings,
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
  report = timed(timings, 'mask secrets', () => maskReportSecrets(report!));
  if (opts.redact === true || opts.redactMap !== undefined) {
    const redacted = timed(timings, 'redact', () => redactReport(report!));
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
  const failOn = opts.failOn;
  const render = async (kind: OutputKind, r: Report): Promise<string> => {
    switch (kind) {
      case 'html':
        return r.clusters !== undefined ? (await import('./report/render-clusters.js')).renderHtmlClusters(r) : (await import('./report/render-html.js')).renderHtml(r);
      case 'json':
        return (await import('./report/render-json.js')).renderJson(r);
      case 'summary':
        return (await import('./report/ticket-summary.js')).ticketSummary(r);
      case 'junit':
        return (await import('./report/render-junit.js')).renderJunit(r, { failOn });
      case 'sarif': {
        const { RULES } = await import('./rules/index.js');
        return (await import('./report/render-sarif.js')).renderSarif(r, RULES.map((x) => x.meta));
      }
    }
  };
  // With several clusters and --split: one file per cluster beside each file output (<stem>-<cluster>.<ext>).
  const perCluster = report.clusters !== undefined && opts.split === true ? report.clusters : undefined;
  const withSuffix = (path: string, name: string) => {
    const dot = path.lastIndexOf('.');
    return dot > path.lastIndexOf('/') ? `${path.slice(0, dot)}-${name}${path.slice(dot)}` : `${path}-${name}`;
  };
  let code = EXIT_OK;
  const written: string[] = [];
  for (const t of targets) {
    const jobs: { path: string; r: Report }[] =
      perCluster !== undefined && t.path !== '-' ? perCluster.map((c) => ({ path: withSuffix(t.path, c.cluster!.name), r: c })) : [{ path: t.path, r: report }];
    for (const job of jobs) {
      const text = await timedAsync(timings, `render ${t.kind}`, () => render(t.kind, job.r));
      if (job.path === '-') {
        io.stdout.write(text);
        continue;
      }
      try {
        await writeFile(job.path, text);
        written.push(`${WRITTEN_LABEL[t.kind]}${perCluster !== undefined ? ` of cluster ${job.r.cluster!.name}` : ''} written to ${job.path}`);
      } catch (err) {
        // The paths were checked; a full disk can still fail one write: say so, write the others.
        io.stderr.write(`calico-diags: cannot write ${t.option} ${job.path}: ${clean((err as Error)?.message ?? String(err), 300)}\n`);
        code = EXIT_USAGE;
      }
    }
  }
  const colour = shouldColour(summaryStream, io.env);
  const { renderTextClusters } = await import('./report/render-clusters.js');
  const r = report;
  summaryStream.write(timed(timings, 'render terminal summary', () => (r.clusters !== undefined ? renderTextClusters(r, { colour }) : renderText(r, { colour }))));
  for (const line of written) summaryStream.write(`${line}\n`);
  if (timings !== undefined) {
    io.stderr.write(timings.lines().map((l) => `${l}\n`).join(''));
    io.stderr.write(`threads: ${lowered} helper threads at nice ${HELPER_NICE}, the main thread first (CALICO_DIAGS_FAVOUR_MAIN=0 turns this off); libuv's pool ${process.env.UV_THREADPOOL_SIZE ?? 4} threads\n`);
    io.stderr.write(`${await runtimeLine()}\n`);
  }
  if (code !== EXIT_OK) return code;
  if (failOn !== undefined) {
    const min = SEVERITY_RANK[failOn];
    if (report.findings.some((f) => SEVERITY_RANK[f.severity] >= min)) return EXIT_FAIL_ON;
  }
  return EXIT_OK;
}

/** picocolors for stdout, colour decided once from NO_COLOR/FORCE_COLOR/TTY. */
async function terminalColours(io: CliIO) {
  const [{ shouldColour }, pc] = await Promise.all([import('./report/colour.js'), import('picocolors')]);
  return pc.default.createColors(shouldColour(io.stdout, io.env));
}

async function rulesCommand(opts: { json?: boolean }, io: CliIO): Promise<number> {
  const { RULES } = await import('./rules/index.js');
  if (opts.json) {
    const list = RULES.map((r) => ({ id: r.meta.id, severity: r.meta.severity, summary: r.meta.summary }));
    io.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return EXIT_OK;
  }
  const c = await terminalColours(io);
  const { mdLine } = await import('./report/render-text.js');
  const width = Math.max(...RULES.map((r) => r.meta.id.length));
  for (const r of RULES) io.stdout.write(`${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(8)}  ${mdLine(r.meta.summary, c)}\n`);
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
  const c = await terminalColours(io);
  const { mdLines } = await import('./report/render-text.js');
  const steps = m.remediation.map((s, i) => `${i + 1}. ${mdLines(s, c, '   ')}`).join('\n');
  io.stdout.write(`${c.bold(m.id)} [${m.severity}]\n\n${mdLines(m.summary, c)}\n\nWhy:\n${mdLines(m.rationale, c)}\n\nWhat to do:\n${steps}\n`);
  if ((m.explains ?? []).length > 0) io.stdout.write(`\nCan be the root cause of: ${m.explains!.join(', ')}\n`);
  if ((m.collect ?? []).length > 0) io.stdout.write(`\nWhen it cannot decide, collect:\n${m.collect!.map((x) => `  ${c.cyan(x.command)}\n      ${mdLines(x.why, c, '      ')}`).join('\n')}\n`);
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
    .option('-o, --out <file>', 'HTML report; a folder gets calico-diags-report.html inside (default: calico-diags-report.html, none when another output goes to stdout)', 'calico-diags-report.html')
    .option('--node <name=file>', 'pasted command output <file> belongs to node <name> (repeatable)', nodeOption)
    .option('--json <file>', "JSON result; '-' writes it to stdout (and nothing else goes to stdout)")
    .option('--cluster <name=inputs>', 'these inputs (comma-separated files or folders) are one cluster named <name>, whatever the grouping guesses (repeatable)', clusterOption)
    .option('--split', 'with several clusters: one file per cluster for each output, <stem>-<cluster>.<ext>')
    .option('--summary <file>', "ticket summary (plain text: causes, nodes, key evidence, fix steps); '-' for stdout")
    .option('--junit <file>', "JUnit XML: one test case per rule and node, failures at or above --fail-on (default critical); '-' for stdout")
    .option('--sarif <file>', "SARIF 2.1.0: one result per finding, evidence as locations; '-' for stdout")
    .addOption(new Option('--fail-on <severity>', 'exit 1 if a finding at or above this severity exists (also the JUnit failure level)').choices(['critical', 'warning', 'info']))
    .option('--timestamp', 'record the generation time in the report (off: same input, same bytes)')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--timings', 'print the time and heap of each phase (read, derive and its tables, rules, report, each output) on stderr')
    .option('--redact', 'replace host and node names, addresses, MACs, interface, cluster, namespace and pod names and input paths by consistent pseudonyms in every output (secrets are always masked)')
    .option('--redact-map <file>', 'with --redact (implied): write the pseudonym → original mapping as JSON to <file>, for your own use')
    .action(async (inputs: string[], opts, cmd: Command) => {
      code = await analyzeCommand(inputs, opts, cmd.getOptionValueSource('out') === 'cli', io);
    });
  program
    .command('inspect')
    .description('what each input was taken to be, for which node, and which artifacts were found, missing, empty or failed (runs no rule)')
    .argument('<inputs...>', 'the same inputs as analyze')
    .option('--node <name=file>', 'pasted command output <file> belongs to node <name> (repeatable)', nodeOption)
    .option('--cluster <name=inputs>', 'these inputs (comma-separated files or folders) are one cluster named <name>, whatever the grouping guesses (repeatable)', clusterOption)
    .option('--redact', 'replace host and node names, addresses, MACs, interface, cluster, namespace and pod names and input paths by pseudonyms, the same as analyze --redact gives them (secrets are always masked)')
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
      // commander prints its own errors; ours (a bad --node value) would otherwise exit 2 in silence
      if (err.code.startsWith('calico-diags.')) io.stderr.write(`calico-diags: ${err.message}\n`);
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

/** What `--timings` says of how the code ran: one bundle or separate modules, the wasm line scanner, precompiled templates. */
async function runtimeLine(): Promise<string> {
  const { wasmLines, wasmLinesAvailable } = await import('./parsers/wasm-lines.js');
  const { templatesPrecompiled } = await import('./report/render-html.js');
  const { BUNDLE_FILE } = await import('./paths.js');
  const cache = (globalThis as Record<symbol, unknown>)[Symbol.for('calico-diags.code-cache')];
  const code = import.meta.url.endsWith(`/${BUNDLE_FILE}`) ? `one bundle (dist/src/${BUNDLE_FILE}, code cache ${typeof cache === 'string' ? cache : 'off'})` : 'separate modules';
  const wasm = wasmLines() !== undefined ? 'on' : wasmLinesAvailable() ? 'off (CALICO_DIAGS_WASM=0)' : 'not built';
  const { recycleTotals } = await import('./bundle/recycling-gunzip.js');
  const z = recycleTotals();
  const zlib = z.retired === 0 ? 'none inflated on this thread' : `${z.reused} of ${z.retired} reused`;
  return `runtime: ${code}; wasm line scanner ${wasm}; templates ${templatesPrecompiled() ? 'precompiled' : 'compiled at run time'}; zlib output buffers ${zlib}`;
}
