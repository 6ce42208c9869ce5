#!/usr/bin/env node
// The bundle (npm run build): the CLI and its dependencies in one file, loaded ~0.3 s faster than
// the modules one by one (dist/src/cli.js, which it is made from), and compiled from V8's code
// cache for it when the build made one (see load-cli.js).
import { loadCli } from './load-cli.js';

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
