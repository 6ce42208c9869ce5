import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import { dynamicImportAt } from '../../src/build/bundle-cli.js';
import { TRAINING_INPUTS } from '../../src/build/code-cache.js';
import { BUNDLE_FILE, builtFile, CODE_CACHE_FILE, PACKAGE_JSON, templatesDir } from '../../src/paths.js';
import { captureIO } from '../helpers/io.js';
import { tempDir } from '../helpers/make-tarball.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'calico-diags.js');
const SAMPLE = join(ROOT, 'samples', 'scenarios', 'bgp-port179-blocked');
const dir = tempDir();

test('paths: the built files the CLI loads are where src/paths.ts says, for the modules and the bundle alike', () => {
  assert.is(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).name, 'calico-diags');
  assert.ok(existsSync(join(templatesDir(), 'report.hbs')), templatesDir());
  for (const f of ['wasm/lines.wasm', 'report/templates.precompiled.cjs', 'bundle/archive-worker.js', 'bundle/resources-worker.js', BUNDLE_FILE, CODE_CACHE_FILE]) {
    assert.ok(existsSync(builtFile(f)), f);
  }
});

test('bin/calico-diags.js runs the bundle, with the wasm scanner and the precompiled templates, and writes what the modules write', async () => {
  const viaBin = join(dir, 'bin.json');
  const env = { ...process.env, CALICO_DIAGS_WASM: '1' };
  const r = spawnSync(process.execPath, [BIN, 'analyze', SAMPLE, '--json', viaBin, '-o', join(dir, 'bin.html'), '--timings'], { env, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const err = r.stderr;
  assert.match(err, /^runtime: one bundle \(dist\/src\/cli\.bundle\.cjs, code cache accepted\); wasm line scanner on; templates precompiled; zlib output buffers (none inflated on this thread|\d+ of \d+ reused)$/m);

  const viaModules = join(dir, 'modules.json');
  const c = captureIO();
  await main(['node', 'calico-diags', 'analyze', SAMPLE, '--json', viaModules, '-o', join(dir, 'modules.html'), '--timings'], c.io);
  assert.match(c.err(), /^runtime: separate modules; wasm line scanner (on|off \(CALICO_DIAGS_WASM=0\)); templates precompiled; zlib output buffers (none inflated on this thread|\d+ of \d+ reused)$/m);
  assert.is(readFileSync(viaBin, 'utf8'), readFileSync(viaModules, 'utf8'));
  assert.is(readFileSync(join(dir, 'bin.html'), 'utf8'), readFileSync(join(dir, 'modules.html'), 'utf8'));
});

/** Loads the bundle through bin/load-cli.js in a child process with `cache`, analyzes SAMPLE into `json`; returns the cache status. */
function loadAndRun(cache: string | null, json: string): string {
  const script = `
    import { loadCli } from ${JSON.stringify(join(ROOT, 'bin', 'load-cli.js'))};
    const { exports, codeCache } = loadCli({ cache: ${JSON.stringify(cache)} });
    const code = await exports.main(['node', 'calico-diags', 'analyze', ${JSON.stringify(SAMPLE)}, '--json', ${JSON.stringify(json)}, '-o', '-'], { stdout: { write() { return true; } }, stderr: process.stderr, env: process.env });
    process.stdout.write(codeCache + ' ' + code);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

test('bin/load-cli.js: a cache that is not V8\'s, or none, is compiled around and the analysis is the same', () => {
  const garbage = join(dir, 'garbage.cache');
  writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
  const code = loadAndRun(fileURLToPath(builtFile(CODE_CACHE_FILE)), join(dir, 'cache.json')).replace(/^accepted /, '');
  assert.match(code, /^\d+$/);
  assert.is(loadAndRun(garbage, join(dir, 'garbage.json')), `rejected ${code}`);
  assert.is(loadAndRun(join(dir, 'absent.cache'), join(dir, 'absent.json')), `missing ${code}`);
  assert.is(loadAndRun(null, join(dir, 'off.json')), `off ${code}`);
  const strip = (f: string) => readFileSync(join(dir, f), 'utf8').replace(/"(generatedAt|elapsed|durationMs)": *[^,}\n]*/g, '');
  for (const f of ['garbage.json', 'absent.json', 'off.json']) assert.is(strip(f), strip('cache.json'), f);
});

test('bin/calico-diags.js: libuv\'s pool gets 2 threads on 2 cores or fewer (set before anything starts it), UV_THREADPOOL_SIZE wins', () => {
  const helpers = (env: NodeJS.ProcessEnv): { count: number; pool: string } => {
    const r = spawnSync(process.execPath, [BIN, 'analyze', SAMPLE, '--json', join(dir, 'pool.json'), '-o', join(dir, 'pool.html'), '--timings'], { env, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const m = /^threads: (\d+) helper threads at nice \d+.*; libuv's pool (\d+) threads$/m.exec(r.stderr);
    assert.ok(m !== null, r.stderr);
    return { count: Number(m[1]), pool: m[2]! };
  };
  const { UV_THREADPOOL_SIZE: _, ...base } = process.env;
  const chosen = helpers({ ...base, CALICO_DIAGS_FAVOUR_MAIN: '1' });
  const four = helpers({ ...base, UV_THREADPOOL_SIZE: '4' });
  assert.is(four.pool, '4');
  if (availableParallelism() <= 2) {
    assert.is(chosen.pool, '2');
    assert.is(chosen.count, four.count - 2, 'two pool threads fewer: the size was set before the pool started');
  } else {
    assert.is(chosen.pool, '4');
    assert.is(chosen.count, four.count);
  }
});

test('bundle-cli: a dynamic import() left in the bundle is found (vm.Script cannot run one)', () => {
  assert.is(dynamicImportAt('const m = await import("./x.js");'), 16);
  assert.is(dynamicImportAt('x = import (y)'), 4);
  for (const ok of ['loader.import(x)', 'reimport(x)', '$import(x)', 'import_x(1)', 'const importer = 1;', 'import { a } from "b";']) assert.is(dynamicImportAt(ok), -1, ok);
  assert.is(dynamicImportAt(readFileSync(builtFile(BUNDLE_FILE), 'utf8')), -1);
});

test('code-cache: every training input is in the repository (a renamed sample would leave its code out of the cache)', () => {
  assert.ok(TRAINING_INPUTS.length >= 3);
  for (const inputs of TRAINING_INPUTS) for (const p of inputs) assert.ok(existsSync(join(ROOT, p)), p);
});

test.run();
