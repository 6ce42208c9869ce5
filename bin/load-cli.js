// Loads the CLI bundle (dist/src/cli.bundle.cjs, `npm run build`) with V8's code cache for it
// (dist/src/cli.bundle.cache, made by the build from a run on the samples).
//
// Why: V8 compiles a function's bytecode the first time it is called. A run of the CLI calls
// ~3,000 functions of its 2 MB bundle (parsers, combiners, rules, report, YAML and tar libraries),
// and compiling them cost ~0.13 s of the main thread on every run, a third of a small ticket's run.
// The cache holds that bytecode: the main thread deserializes it instead.
//
// Node 20 gives ES modules no code cache, so the bundle is CommonJS, compiled here by `vm.Script`
// with the cache as `cachedData`. V8 checks the cache against the source, its own version and its
// flags, and compiles as usual when it does not match (`rejected`) or is absent (`missing`): the
// run is then slower, never different.
//
// CommonJS, as bin/calico-diags.js (bin/package.json).
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'src', 'cli.bundle.cjs');
const CODE_CACHE = join(__dirname, '..', 'dist', 'src', 'cli.bundle.cache');

/** Where the bundle reads how it was loaded (for `--timings`). */
const CODE_CACHE_STATUS = Symbol.for('calico-diags.code-cache');

/**
 * Compiles and runs the bundle; returns its exports, the compiled script (the build makes the
 * cache from it) and what became of the cache: 'accepted', 'rejected', 'missing' or 'off'.
 * `cache`: the cache file to use, or null to compile without one.
 */
function loadCli({ cache = CODE_CACHE } = {}) {
  // The bundle turns --expose-gc on at run time (src/collect-garbage.ts), and V8 keys a code cache
  // by the flags of the moment it was made: after that. Turned on first, the flags match.
  setFlagsFromString('--expose-gc');
  const source = readFileSync(BUNDLE, 'utf8');
  let cachedData;
  if (cache !== null) {
    try {
      cachedData = readFileSync(cache);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE,
    cachedData,
  });
  const codeCache = cache === null ? 'off' : cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
  globalThis[CODE_CACHE_STATUS] = codeCache;
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { exports: module.exports, script, codeCache };
}

module.exports = { BUNDLE, CODE_CACHE, CODE_CACHE_STATUS, loadCli };
