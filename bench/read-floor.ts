import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { LineSplitter } from '../src/bundle/line-splitter.js';
import { archiveConcurrency } from '../src/bundle/load-inputs.js';
import { CHUNK_BYTES } from '../src/bundle/read-archive.js';
import type { LineTarget } from '../src/parsers/line-parser.js';
import { favourMainThread } from '../src/thread-priority.js';

/**
 * The floor of any analyzer that reads every line: the analyzer's own read path (file stream,
 * gunzip and tar-stream with 1 MiB chunks, its LineSplitter, as many archives at a time as it
 * reads, its helper threads lowered as the CLI lowers them) with every parser replaced by a bare
 * newline count. (a) minus this is what parsing,
 * the cross-node model, the rules and the report cost. Prints
 * `{"bytes":<uncompressed>,"lines":<n>,"seconds":<wall>}`. Run by bench.ts as a child process.
 */
export async function readFloor(files: string[], concurrency: number): Promise<{ bytes: number; lines: number; seconds: number }> {
  const started = process.hrtime.bigint();
  let bytes = 0;
  let lines = 0;
  const counter: LineTarget = {
    push: () => undefined,
    pushLines(buf, start, end) {
      let n = 0;
      for (let s = start; s < end; n++) s = buf.indexOf(10, s) + 1;
      return n;
    },
  };
  const one = async (file: string): Promise<void> => {
    const extract = tar.extract();
    const feeding = pipeline(createReadStream(file, { highWaterMark: CHUNK_BYTES }), createGunzip({ chunkSize: CHUNK_BYTES }), extract);
    feeding.catch(() => undefined);
    for await (const entry of extract) {
      const splitter = new LineSplitter(counter);
      for await (const chunk of entry) splitter.write(chunk as Buffer);
      splitter.end();
      bytes += splitter.bytes;
      lines += splitter.lines;
    }
    await feeding;
  };
  const queue = [...files];
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) await one(f);
    }),
  );
  return { bytes, lines, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const files = process.argv.slice(2);
  favourMainThread()
    .then(() => readFloor(files, archiveConcurrency()))
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((e: unknown) => {
      process.stderr.write(String(e) + '\n');
      process.exitCode = 1;
    });
}
