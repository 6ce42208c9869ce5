/**
 * Build step (`npm run build`): bundles the CLI and everything it imports, the npm dependencies
 * included, into one ES module, `dist/src/cli.bundle.js`, which `bin/calico-diags.js` runs.
 *
 * Loading ~180 modules of our own and ~150 of the dependencies one by one (resolve, stat, read,
 * compile, link each) cost ~0.3 s of the main thread on every run, as long as analyzing a small
 * ticket; one file costs a fraction of it. Dynamic `import()`s stay lazy inside the bundle. The
 * bundle sits in `dist/src/` beside the modules, so the paths of `src/paths.ts` hold in both; the
 * worker threads (`bundle/*-worker.js`) still load the separate modules.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILE, builtFile, startedAs } from '../paths.js';

export async function bundleCli(): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(builtFile('cli.js'))],
    outfile: fileURLToPath(builtFile(BUNDLE_FILE)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    // The CommonJS dependencies (handlebars, fast-glob, yauzl...) call require() for Node's own modules.
    banner: { js: "import { createRequire as __calicoDiagsRequire } from 'node:module';\nconst require = __calicoDiagsRequire(import.meta.url);" },
  });
}

if (startedAs('build/bundle-cli.js')) {
  bundleCli().catch((err: unknown) => {
    process.stderr.write(`bundle-cli: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
