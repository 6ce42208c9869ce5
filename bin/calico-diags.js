#!/usr/bin/env node
import { main } from '../dist/src/cli.js';

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
