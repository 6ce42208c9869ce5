/**
 * Build step (`npm run build`, after `bundle-cli`): V8's code cache for the CLI bundle,
 * `dist/src/cli.bundle.cache`, which `bin/load-cli.js` hands to V8 when it compiles the bundle.
 *
 * The cache holds the bytecode of every function compiled when it is made, so it is made after the
 * bundle has analyzed a few of the samples in this process (node and cluster bundles, attachments,
 * a zip, every output): the functions a run calls are then read from the cache instead of compiled
 * on the main thread (~0.13 s per run). Functions the samples never call are compiled when first
 * called, as without a cache. V8 checks the cache against the source, its version and its flags
 * (`--expose-gc`, which the bundle sets at run time, is set by the loader first for that reason), so
 * a cache made by another Node.js is rejected and the run compiles as usual.
 *
 * The training runs write their reports into a temporary folder, removed afterwards; the samples
 * are only read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CliIO } from '../cli.js';
import { builtFile, CODE_CACHE_FILE, startedAs } from '../paths.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Inputs the training runs analyze (paths under the package root), one run each. */
export const TRAINING_INPUTS: readonly (readonly string[])[] = [
  ['samples/scenarios/bgp-port179-blocked-attachments'],
  ['samples/scenarios/policy-deny-no-match'],
  ['samples/scenarios/healthy-vxlan'],
  ['samples/scenarios/dns-resolution-failure'],
  ['samples/intake/ticket-01234.zip'],
];

interface Loader {
  loadCli(opts: { cache: string | null }): {
    exports: { main(argv: string[], io: CliIO): Promise<number> };
    script: { createCachedData(): Buffer };
  };
}

/** Runs the bundle on the training inputs and writes the code cache; returns its size in bytes. */
export async function writeCodeCache(): Promise<number> {
  const loader = (await import(pathToFileURL(join(ROOT, 'bin', 'load-cli.js')).href)) as Loader;
  const { exports, script } = loader.loadCli({ cache: null });
  const sink = (): Writable =>
    new Writable({
      write(_chunk, _enc, cb) {
        cb();
      },
    });
  const io: CliIO = { stdout: sink(), stderr: sink(), env: { ...process.env, CALICO_DIAGS_FAVOUR_MAIN: '0' } };
  const out = mkdtempSync(join(tmpdir(), 'calico-diags-code-cache-'));
  try {
    for (const [i, inputs] of TRAINING_INPUTS.entries()) {
      const argv = ['node', 'calico-diags', 'analyze', ...inputs.map((p) => join(ROOT, p)), '--json', join(out, 'report.json'), '-o', join(out, 'report.html')];
      await exports.main(i === 0 ? [...argv, '--timings'] : argv, io);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const data = script.createCachedData();
  writeFileSync(builtFile(CODE_CACHE_FILE), data);
  return data.length;
}

if (startedAs('build/code-cache.js')) {
  writeCodeCache().catch((err: unknown) => {
    process.stderr.write(`code-cache: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
