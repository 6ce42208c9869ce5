import { Writable } from 'node:stream';
import type { CliIO } from '../../src/cli.js';

export function captureIO(env: NodeJS.ProcessEnv = {}, tty = false): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const mk = (push: (s: string) => void) =>
    Object.assign(
      new Writable({
        write(chunk, _enc, cb) {
          push(String(chunk));
          cb();
        },
      }),
      { isTTY: tty },
    );
  return {
    io: { stdout: mk((s) => (out += s)), stderr: mk((s) => (err += s)), env },
    out: () => out,
    err: () => err,
  };
}
