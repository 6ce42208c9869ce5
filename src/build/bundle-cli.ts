/**
 * Build step (`npm run build`): bundles the CLI and everything it imports, the npm dependencies
 * included, into one CommonJS file, `dist/src/cli.bundle.cjs`, which `bin/calico-diags.js` runs
 * (through `bin/load-cli.js`, with V8's code cache for it: `src/build/code-cache.ts`).
 *
 * Loading ~180 modules of our own and ~150 of the dependencies one by one (resolve, stat, read,
 * compile, link each) cost ~0.3 s of the main thread on every run, as long as analyzing a small
 * ticket; one file costs a fraction of it. Dynamic `import()`s stay lazy inside the bundle. The
 * bundle sits in `dist/src/` beside the modules, so the paths of `src/paths.ts` hold in both; the
 * worker threads (`bundle/*-worker.js`) still load the separate modules.
 *
 * CommonJS because Node 20 has a code cache only for scripts (`vm.Script`), not for ES modules. The
 * sources are ES modules: the bundle is strict as they are ("use strict" first), `import.meta.url`
 * is the bundle's file URL, and a dynamic `import()` left in it (`vm.Script` cannot run one without
 * a loader) fails the build.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILE, builtFile, startedAs } from '../paths.js';

export async function bundleCli(): Promise<void> {
  const outfile = fileURLToPath(builtFile(BUNDLE_FILE));
  await build({
    entryPoints: [fileURLToPath(builtFile('cli.js'))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    define: { 'import.meta.url': '__calicoDiagsUrl' },
    banner: { js: `"use strict";\nconst __calicoDiagsUrl = require('node:url').pathToFileURL(__filename).href;` },
  });
  const left = dynamicImportAt(readFileSync(outfile, 'utf8'));
  if (left >= 0) throw new Error(`${outfile}: a dynamic import() is left in the bundle (at offset ${left}); bin/load-cli.js cannot run it`);
}

/** Offset of the first dynamic `import(` in bundled code, or -1 (`x.import(`, `reimport(` are not one). */
export function dynamicImportAt(code: string): number {
  return /(?<![\w$.])import\s*\(/.exec(code)?.index ?? -1;
}

if (startedAs('build/bundle-cli.js')) {
  bundleCli().catch((err: unknown) => {
    process.stderr.write(`bundle-cli: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
