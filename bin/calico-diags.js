#!/usr/bin/env node
// The bundle (npm run build): the CLI and its dependencies in one file, loaded ~0.3 s faster than
// the modules one by one (dist/src/cli.js, which it is made from).
import { main } from '../dist/src/cli.bundle.js';

// A closed pipe (`calico-diags ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
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
