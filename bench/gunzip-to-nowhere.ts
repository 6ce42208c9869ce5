import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { pathToFileURL } from 'node:url';

/**
 * The decompression ceiling of this runtime: gunzips every file given on the command line to
 * nowhere with 1 MiB chunks (`chunkSize` and `highWaterMark`), one file at a time, or
 * `--concurrency N` at a time. Prints `{"bytes":<uncompressed>,"seconds":<wall>}` on stdout.
 * Run by bench.ts as a child process so it gets a fresh heap and its own RSS.
 */
export async function gunzipToNowhere(files: string[], concurrency = 1): Promise<{ bytes: number; seconds: number }> {
  const started = process.hrtime.bigint();
  let bytes = 0;
  const one = async (file: string): Promise<void> => {
    const sink = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb();
      },
    });
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), createGunzip({ chunkSize: 1 << 20 }), sink);
  };
  const queue = [...files];
  const lanes = Array.from({ length: Math.max(1, concurrency) }, async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) await one(f);
  });
  await Promise.all(lanes);
  return { bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  let concurrency = 1;
  const ci = args.indexOf('--concurrency');
  if (ci !== -1) {
    concurrency = Number(args[ci + 1]);
    args.splice(ci, 2);
  }
  gunzipToNowhere(args, concurrency)
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((e: unknown) => {
      process.stderr.write(String(e) + '\n');
      process.exitCode = 1;
    });
}
