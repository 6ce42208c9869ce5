import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateBundles, type GenerateResult } from './generate-bundles.js';

/**
 * `npm run bench`: measures the analyzer against the decompression ceiling and the manual
 * workflow on the same synthetic bundles (issue 4), at 1x, 2x and 4x the size.
 *
 *   (a) node bin/calico-diags.js analyze <dir> --json <tmp>/report.json -o <tmp>/report.html
 *   (b) Node gunzip to nowhere, 1 MiB chunks, one tarball at a time (b2: one per core)
 *   (c) gzip -dc <every tarball> > /dev/null
 *   (d) tar -xzf <each tarball> -C <tmp>/<host>, chmod -R u+rwX (diagnostics/ is mode 0000), grep -rc ERROR
 *   (e) the analyzer's read path with every parser replaced by a newline count (the floor of (a))
 *
 * For (a) it also reads, on Linux, the CPU time of the analyzer's main thread and of its other
 * threads (zlib's thread pool, V8's GC and compiler threads) from /proc/self/task at exit.
 */

/** Bump when the generator's output changes, so cached bundle sets are regenerated. */
const GENERATOR_VERSION = 2;
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const ANALYZER = join(ROOT, 'bin', 'calico-diags.js');
const GUNZIP_CHILD = join(HERE, 'gunzip-to-nowhere.js');
const FLOOR_CHILD = join(HERE, 'read-floor.js');
const TIME_BIN = '/usr/bin/time';

interface Measure {
  seconds: number;
  rssKiB?: number;
  /** CPU seconds of the main thread and of all other threads (analyzer only, Linux). */
  cpuMain?: number;
  cpuOther?: number;
  error?: string;
  note?: string;
}

interface ScaleResult {
  scale: number;
  set: GenerateResult;
  results: Record<MeasureId, Measure[]>;
}

type MeasureId = 'a' | 'b' | 'b2' | 'c' | 'd' | 'e';
const LABELS: Record<MeasureId, string> = {
  a: '(a) calico-diags analyze --json',
  b: '(b) Node gunzip, 1 MiB chunks',
  b2: '(b2) Node gunzip, 1 per core',
  c: '(c) gzip -dc',
  d: '(d) tar -xzf + grep -rc ERROR',
  e: '(e) read floor (lines only)',
};
const IDS = ['a', 'b', 'b2', 'c', 'd', 'e'] as const;

/** `100MB`, `2GB`, `1.5GiB`, `5e8` → bytes (MB/GB decimal, MiB/GiB binary). */
export function parseSize(text: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(text);
  if (!m) throw new Error(`bad size: ${text}`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase().replace(/b$/, '');
  const mult: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 };
  const f = mult[unit];
  if (f === undefined) throw new Error(`bad size unit: ${text}`);
  return Math.round(n * f);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

interface RunOutput {
  code: number | null;
  seconds: number;
  stdout: string;
  stderr: string;
  rssKiB?: number;
  cpuMain?: number;
  cpuOther?: number;
}

const hasTime = existsSync(TIME_BIN);

/**
 * Runs a command, timing it; with `rss`, reads the peak RSS from `/usr/bin/time -v`, or (for
 * node commands, without GNU time) from a preload that writes `process.resourceUsage().maxRSS` on exit.
 */
/**
 * Preload for node children: at exit, writes `<main thread CPU s> <other threads CPU s>` read from
 * /proc/self/task (Linux; utime+stime in clock ticks of 100 Hz) to $CALICO_DIAGS_BENCH_THREADS.
 */
const THREAD_CPU_PRELOAD = `process.on('exit',()=>{try{const fs=require('fs');let m=0,o=0;for(const t of fs.readdirSync('/proc/self/task')){const st=fs.readFileSync('/proc/self/task/'+t+'/stat','utf8');const f=st.slice(st.lastIndexOf(')')+2).split(' ');const s=(Number(f[11])+Number(f[12]))/100;if(Number(t)===process.pid)m+=s;else o+=s}fs.writeFileSync(process.env.CALICO_DIAGS_BENCH_THREADS,m+' '+o)}catch{}})\n`;

/** Preload for node children without GNU time: writes `process.resourceUsage().maxRSS` (KiB) to $CALICO_DIAGS_BENCH_RSS at exit. */
const RSS_PRELOAD = "process.on('exit',()=>{try{require('fs').writeFileSync(process.env.CALICO_DIAGS_BENCH_RSS,String(process.resourceUsage().maxRSS))}catch{}})\n";

function run(cmd: string, args: string[], opts: { rss?: boolean; threads?: boolean; stdoutTo?: string; keepStdout?: boolean } = {}): Promise<RunOutput> {
  let file = cmd;
  let argv = args;
  let rssFile: string | undefined;
  let threadsFile: string | undefined;
  const env = { ...process.env };
  /** Writes a preload that reports into a file named by `envVar`; returns that file. */
  const preloadInto = (name: string, code: string, envVar: string): string => {
    const dir = mkdtempSync(join(tmpdir(), `calico-diags-${name}-`));
    const preload = join(dir, `${name}.cjs`);
    writeFileSync(preload, code);
    env[envVar] = join(dir, name);
    argv = ['--require', preload, ...argv];
    return join(dir, name);
  };
  if (opts.threads && cmd === process.execPath && existsSync('/proc/self/task')) {
    threadsFile = preloadInto('threads', THREAD_CPU_PRELOAD, 'CALICO_DIAGS_BENCH_THREADS');
  }
  if (opts.rss && hasTime) {
    file = TIME_BIN;
    argv = ['-v', cmd, ...argv];
  } else if (opts.rss && cmd === process.execPath) {
    rssFile = preloadInto('rss', RSS_PRELOAD, 'CALICO_DIAGS_BENCH_RSS');
  }
  const outFd = opts.stdoutTo ? openSync(opts.stdoutTo, 'w') : undefined;
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { env, stdio: ['ignore', outFd ?? 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      if (opts.keepStdout || stdout.length < 8192) stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-16384);
    });
    child.on('error', (e) => {
      if (outFd !== undefined) closeSync(outFd);
      reject(e);
    });
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (outFd !== undefined) closeSync(outFd);
      let rssKiB: number | undefined;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (m) rssKiB = Number(m[1]);
      if (rssFile && existsSync(rssFile)) {
        rssKiB = Number(readFileSync(rssFile, 'utf8'));
        rmSync(dirname(rssFile), { recursive: true, force: true });
      }
      let cpu: { cpuMain: number; cpuOther: number } | undefined;
      if (threadsFile && existsSync(threadsFile)) {
        const [m, o] = readFileSync(threadsFile, 'utf8').split(' ').map(Number);
        if (Number.isFinite(m) && Number.isFinite(o)) cpu = { cpuMain: m as number, cpuOther: o as number };
      }
      if (threadsFile) rmSync(dirname(threadsFile), { recursive: true, force: true });
      if (hasTime && opts.rss) stderr = stderr.replace(/\n?(Command exited with non-zero status \d+\n)?\tCommand being timed:[\s\S]*$/, '');
      resolvePromise({ code, seconds, stdout, stderr, ...(rssKiB !== undefined ? { rssKiB } : {}), ...(cpu ?? {}) });
    });
  });
}

const tail = (s: string, n = 600): string => (s.length > n ? '…' + s.slice(-n) : s).trim();

/**
 * What `--timings` says of how the analyzer runs (its `runtime:` line), with a warning unless the code
 * cache was accepted: a bundle rebuilt after its cache was made (`node dist/src/build/bundle-cli.js`
 * alone) has it rejected, and every run then compiles the bundle's functions on first call (~0.2 s more
 * at 2 GB, found once in a bench run that had to be thrown away).
 */
export function runtimeNote(stderr: string): { line: string; warning?: string } {
  const line = /^runtime: (.*)$/m.exec(stderr)?.[1]?.trim() ?? '(no runtime line: the analyzer did not run)';
  const cache = /code cache (\w+)/.exec(line)?.[1];
  if (cache === 'accepted') return { line };
  return { line, warning: `the code cache was ${cache ?? 'not reported'}: run npm run build first (each run now compiles the bundle's functions on first call, ~0.2 s slower at 2 GB)` };
}

/** The analyzer run once on a small sample with `--timings`: its runtime line (see runtimeNote). */
async function analyzerRuntime(work: string): Promise<{ line: string; warning?: string }> {
  if (!existsSync(ANALYZER)) return { line: '(not built)', warning: `${ANALYZER} not found` };
  const r = await run(process.execPath, [ANALYZER, 'analyze', join(ROOT, 'samples', 'scenarios', 'healthy'), '--json', join(work, 'runtime.json'), '-o', join(work, 'runtime.html'), '--timings']);
  return runtimeNote(r.stderr);
}

async function measureAnalyzer(bundlesDir: string, work: string): Promise<Measure> {
  if (!existsSync(ANALYZER)) return { seconds: NaN, error: `${ANALYZER} not found (analyzer not built yet?)` };
  const json = join(work, 'report.json');
  const html = join(work, 'report.html');
  rmSync(json, { force: true });
  rmSync(html, { force: true });
  const r = await run(process.execPath, [ANALYZER, 'analyze', bundlesDir, '--json', json, '-o', html], { rss: true, threads: true });
  const wroteJson = existsSync(json) && statSync(json).size > 0;
  if (!wroteJson) return { seconds: r.seconds, ...(r.rssKiB ? { rssKiB: r.rssKiB } : {}), error: `exit ${r.code}, no JSON report written. stderr: ${tail(r.stderr) || '(empty)'} stdout: ${tail(r.stdout) || '(empty)'}` };
  const note = [`exit ${r.code}`, `json ${(statSync(json).size / 1e3).toFixed(0)} kB`, existsSync(html) ? `html ${(statSync(html).size / 1e6).toFixed(2)} MB` : 'no html'].join(', ');
  const cpu = r.cpuMain !== undefined && r.cpuOther !== undefined ? { cpuMain: r.cpuMain, cpuOther: r.cpuOther } : {};
  return { seconds: r.seconds, ...(r.rssKiB ? { rssKiB: r.rssKiB } : {}), ...cpu, note };
}

async function measureReadFloor(files: string[]): Promise<Measure> {
  const r = await run(process.execPath, [FLOOR_CHILD, ...files], { rss: true, keepStdout: true });
  if (r.code !== 0) return { seconds: NaN, error: `exit ${r.code}: ${tail(r.stderr)}` };
  return { seconds: r.seconds, ...(r.rssKiB ? { rssKiB: r.rssKiB } : {}) };
}

async function measureNodeGunzip(files: string[], concurrency: number): Promise<Measure> {
  const r = await run(process.execPath, [GUNZIP_CHILD, '--concurrency', String(concurrency), ...files], { rss: true, keepStdout: true });
  if (r.code !== 0) return { seconds: NaN, error: `exit ${r.code}: ${tail(r.stderr)}` };
  return { seconds: r.seconds, ...(r.rssKiB ? { rssKiB: r.rssKiB } : {}) };
}

async function measureGzip(files: string[]): Promise<Measure> {
  const r = await run('gzip', ['-dc', ...files], { stdoutTo: '/dev/null' });
  if (r.code !== 0) return { seconds: NaN, error: `gzip exit ${r.code}: ${tail(r.stderr)}` };
  return { seconds: r.seconds };
}

async function measureByHand(set: GenerateResult, work: string): Promise<Measure> {
  const out = join(work, 'extract');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const started = process.hrtime.bigint();
  for (const b of set.bundles) {
    const dest = join(out, b.hostname);
    mkdirSync(dest);
    const r = await run('tar', ['-xzf', b.path, '-C', dest]);
    if (r.code !== 0) return { seconds: NaN, error: `tar exit ${r.code}: ${tail(r.stderr)}` };
  }
  // diagnostics/ is mode 0000 in the tarball: without this a non-root engineer cannot read it.
  const ch = await run('chmod', ['-R', 'u+rwX', out]);
  if (ch.code !== 0) return { seconds: NaN, error: `chmod exit ${ch.code}: ${tail(ch.stderr)}` };
  const g = await run('grep', ['-rc', 'ERROR', out], { stdoutTo: '/dev/null' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(out, { recursive: true, force: true });
  if (g.code !== 0 && g.code !== 1) return { seconds: NaN, error: `grep exit ${g.code}: ${tail(g.stderr)}` };
  return { seconds };
}

/** Generates the bundle set for a size, or reuses the one from an earlier run (same size/nodes/seed/generator). */
async function bundleSet(base: string, size: number, nodes: number, seed: number, generated: string[]): Promise<GenerateResult> {
  const key = `bundles-${size}-${nodes}-${seed}`;
  const dir = join(base, key);
  const manifest = join(base, key + '.json');
  if (existsSync(manifest) && existsSync(dir)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { version: number; result: GenerateResult };
    if (m.version === GENERATOR_VERSION && m.result.bundles.every((b) => existsSync(b.path))) {
      console.error(`reusing ${dir}`);
      return m.result;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(manifest, { force: true });
  console.error(`generating ${(size / 1e6).toFixed(0)} MB in ${nodes} bundles under ${dir} ...`);
  generated.push(dir, manifest);
  const result = await generateBundles({ dir, nodes, totalBytes: size, seed, onProgress: (m) => console.error('  ' + m) });
  writeFileSync(manifest, JSON.stringify({ version: GENERATOR_VERSION, result }, null, 2));
  console.error(`  done in ${result.seconds.toFixed(1)} s, gzip ratio ${result.gzipRatio.toFixed(2)}x`);
  return result;
}

const fmtS = (s: number): string => (Number.isFinite(s) ? s.toFixed(2) : '-');
const fmtMiB = (kib: number | undefined): string => (kib === undefined ? '-' : (kib / 1024).toFixed(0));

function summarize(ms: Measure[]): { seconds: number; rssKiB?: number; cpuMain?: number; cpuOther?: number; errors: string[]; note?: string } {
  const ok = ms.filter((m) => !m.error);
  const rss = ok.map((m) => m.rssKiB).filter((x): x is number => x !== undefined);
  const cpuMain = ok.map((m) => m.cpuMain).filter((x): x is number => x !== undefined);
  const cpuOther = ok.map((m) => m.cpuOther).filter((x): x is number => x !== undefined);
  const last = ok[ok.length - 1];
  return {
    seconds: ok.length ? median(ok.map((m) => m.seconds)) : NaN,
    ...(rss.length ? { rssKiB: median(rss) } : {}),
    ...(cpuMain.length ? { cpuMain: median(cpuMain) } : {}),
    ...(cpuOther.length ? { cpuOther: median(cpuOther) } : {}),
    errors: [...new Set(ms.filter((m) => m.error).map((m) => m.error as string))],
    ...(last?.note ? { note: last.note } : {}),
  };
}

function printScale(r: ScaleResult, runs: number): void {
  const mb = r.set.uncompressedBytes / 1e6;
  console.log('');
  console.log(`## ${r.scale}x: ${r.set.bundles.length} bundles, ${mb.toFixed(0)} MB uncompressed, ${(r.set.compressedBytes / 1e6).toFixed(1)} MB gzipped (ratio ${r.set.gzipRatio.toFixed(2)}x), median of ${runs} run(s)`);
  const a = summarize(r.results.a);
  const rows: string[][] = [['measure', 'wall s', 'MB/s', 'speed a/x', 'peak RSS MiB']];
  for (const id of IDS) {
    const s = summarize(r.results[id]);
    const ratio = id !== 'a' && Number.isFinite(a.seconds) && Number.isFinite(s.seconds) ? (s.seconds / a.seconds).toFixed(2) : '-';
    rows.push([LABELS[id], fmtS(s.seconds), Number.isFinite(s.seconds) ? (mb / s.seconds).toFixed(0) : '-', ratio, fmtMiB(s.rssKiB)]);
  }
  printTable(rows);
  console.log('speed a/x = wall(x) / wall(a); targets: a/b >= 0.8, a/d >= 3, analyzer peak RSS <= 256 MiB');
  if (a.cpuMain !== undefined && a.cpuOther !== undefined) {
    console.log(`(a) CPU: main thread ${fmtS(a.cpuMain)} s, other threads ${fmtS(a.cpuOther)} s (zlib thread pool, V8 GC and compiler), total ${fmtS(a.cpuMain + a.cpuOther)} s in ${fmtS(a.seconds)} s wall`);
  }
  if (a.note) console.log(`(a) ${a.note}`);
  for (const id of IDS) for (const e of summarize(r.results[id]).errors) console.log(`${LABELS[id]} FAILED: ${e}`);
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  rows.forEach((r, k) => {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

function printScaling(all: ScaleResult[]): void {
  if (all.length < 2) return;
  console.log('');
  console.log('## Scaling (growth relative to the first scale)');
  const first = all[0] as ScaleResult;
  const a0 = summarize(first.results.a);
  const b0 = summarize(first.results.b);
  const rows: string[][] = [['scale', 'MB', '(a) s', '(a) time x', '(a) RSS MiB', '(a) RSS x', '(b) s', '(b) time x']];
  for (const r of all) {
    const a = summarize(r.results.a);
    const b = summarize(r.results.b);
    const g = (x: number | undefined, y: number | undefined): string => (x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) && y > 0 ? (x / y).toFixed(2) : '-');
    rows.push([`${r.scale}x`, (r.set.uncompressedBytes / 1e6).toFixed(0), fmtS(a.seconds), g(a.seconds, a0.seconds), fmtMiB(a.rssKiB), g(a.rssKiB, a0.rssKiB), fmtS(b.seconds), g(b.seconds, b0.seconds)]);
  }
  printTable(rows);
  console.log('targets: (a) time grows ~linearly with size, (a) RSS flat (RSS x ~1.0)');
}

async function versionOf(cmd: string): Promise<string> {
  try {
    const r = await run(cmd, ['--version']);
    return (r.stdout || r.stderr).split('\n')[0]?.trim() ?? '?';
  } catch {
    return 'not found';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '2GB' },
      nodes: { type: 'string', default: '20' },
      runs: { type: 'string', default: '3' },
      scales: { type: 'string', default: '1,2,4' },
      seed: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--size 2GB] [--nodes 20] [--runs 3] [--scales 1,2,4] [--seed 1] [--keep] [--dir <folder>]');
    return 0;
  }
  const size = parseSize(values.size as string);
  const nodes = Number(values.nodes);
  const runs = Math.max(1, Number(values.runs));
  const seed = Number(values.seed);
  const scales = (values.scales as string).split(',').map(Number).filter((x) => x > 0);
  const base = values.dir ? resolve(values.dir) : join(tmpdir(), 'calico-diags-bench');
  mkdirSync(base, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'calico-diags-bench-work-'));

  const cpu = cpus();
  console.log('# calico-diags benchmark');
  console.log(`machine: ${cpu.length} cores, ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform} ${process.arch}`);
  console.log(`node ${process.version}; ${await versionOf('gzip')}; ${await versionOf('tar')}; peak RSS via ${hasTime ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS preload'}`);
  console.log(`size ${(size / 1e6).toFixed(0)} MB x scales ${scales.join(',')}, ${nodes} nodes, seed ${seed}, ${runs} run(s) each; bundles under ${base}`);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine skews the figures)`);
  console.log(`(a) = node bin/calico-diags.js analyze <bundles dir> --json <tmp>/report.json -o <tmp>/report.html`);

  const runtime = await analyzerRuntime(work);
  console.log(`(a) runtime: ${runtime.line}`);
  if (runtime.warning !== undefined) console.log(`(a) WARNING: ${runtime.warning}`);

  const generated: string[] = [];
  const all: ScaleResult[] = [];
  let benchError = false;
  try {
    for (const scale of scales) {
      const set = await bundleSet(base, Math.round(size * scale), nodes, seed, generated);
      const files = set.bundles.map((b) => b.path);
      const results: ScaleResult['results'] = { a: [], b: [], b2: [], c: [], d: [], e: [] };
      for (let i = 0; i < runs; i++) {
        console.error(`${scale}x run ${i + 1}/${runs}`);
        results.a.push(await measureAnalyzer(set.dir, work));
        results.b.push(await measureNodeGunzip(files, 1));
        results.b2.push(await measureNodeGunzip(files, cpu.length));
        results.c.push(await measureGzip(files));
        results.d.push(await measureByHand(set, work));
        results.e.push(await measureReadFloor(files));
      }
      const r = { scale, set, results };
      all.push(r);
      printScale(r, runs);
      for (const id of ['b', 'b2', 'c', 'd', 'e'] as const) if (results[id].some((m) => m.error)) benchError = true;
    }
    printScaling(all);
    console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (all[0]) {
      const f = all[0].set.faults;
      console.log('');
      console.log(`faults in the bundles: BGP stuck ${f.bgpStuck?.initiator ?? '-'} -> ${f.bgpStuck?.passive ?? '-'} (SYN_SENT); ${f.routeMissing?.on ?? '-'} lacks the block of ${f.routeMissing?.missingBlockOf ?? '-'}; no natOutgoing rule on ${f.natOutgoingMissing ?? '-'}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (!values.keep) for (const p of generated) rmSync(p, { recursive: true, force: true });
    else if (generated.length) console.error(`kept bundles under ${base}`);
  }
  return benchError ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
