#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json), so that nothing has used libuv's thread pool before the line below:
// the pool starts with the first asynchronous call (an ES module entry's own load is one), and its
// size is read from the environment then.
//
// Two threads on two cores: one per archive inflating at a time. Four (libuv's default) made the
// main thread wait on the pool's lock and signal more often, behind threads at nice 19 (see
// src/thread-priority.ts): 2 GB, 8 alternating pairs, 4.58 -> 4.46 s, 7 of 8 pairs faster. Set
// UV_THREADPOOL_SIZE to choose another size.
if (process.env.UV_THREADPOOL_SIZE === undefined && require('node:os').availableParallelism() <= 2) process.env.UV_THREADPOOL_SIZE = '2';

// The bundle (npm run build): the CLI and its dependencies in one file, loaded ~0.3 s faster than
// the modules one by one (dist/src/cli.js, which it is made from), and compiled from V8's code
// cache for it when the build made one (see load-cli.js).
const { loadCli } = require('./load-cli.js');

// A closed pipe (`calico-diags ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

let main;
try {
  ({ main } = loadCli().exports);
} catch (err) {
  process.stderr.write(`calico-diags: cannot load dist/src/cli.bundle.cjs (run npm run build): ${err?.message ?? err}\n`);
  process.exit(2);
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`calico-diags: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
