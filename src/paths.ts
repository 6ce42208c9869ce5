/**
 * Where the package's own files are. Every path is taken from this module's folder, `dist/src/`,
 * which is also the folder of the CLI bundle (`dist/src/cli.bundle.cjs`, one file holding this module
 * and every other one the CLI runs): so the same paths hold whether the code runs as separate modules
 * (tests, `dist/src/cli.js`) or from the bundle. A module that took paths from its own location would
 * point elsewhere once bundled.
 */
import { fileURLToPath } from 'node:url';

/** `dist/src/`: this module's folder, and the bundle's. */
const SRC = new URL('./', import.meta.url);

/** A file under `dist/src/` (`wasm/lines.wasm`, `bundle/archive-worker.js`). */
export function builtFile(rel: string): URL {
  return new URL(rel, SRC);
}

/** The CLI bundle's file name, under `dist/src/` (written by `src/build/bundle-cli.ts`, run by `bin/`). */
export const BUNDLE_FILE = 'cli.bundle.cjs';

/** V8's code cache for the bundle, under `dist/src/` (written by `src/build/code-cache.ts`, read by `bin/load-cli.js`). */
export const CODE_CACHE_FILE = 'cli.bundle.cache';

/** The package's root (where package.json and templates/ are). */
const PACKAGE_ROOT = new URL('../../', SRC);

export const PACKAGE_JSON = new URL('package.json', PACKAGE_ROOT);

/**
 * Whether the process was started with the built module `rel` (`node dist/src/<rel>`), for build steps
 * that run when started. Compared with the built path, not `import.meta.url`: inside the bundle that is
 * the bundle's.
 */
export function startedAs(rel: string): boolean {
  return process.argv[1] !== undefined && process.argv[1] === fileURLToPath(builtFile(rel));
}

/** `templates/` at the package root, as a path. */
export function templatesDir(): string {
  return fileURLToPath(new URL('templates/', PACKAGE_ROOT));
}
