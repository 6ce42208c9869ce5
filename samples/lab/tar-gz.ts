/** Writes a gzipped tar in memory from entries given in order (headers as GNU tar would write them). */
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export interface TarEntry {
  header: Parameters<tar.Pack['entry']>[0];
  body: Buffer;
}

export async function packTarGz(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  pack.on('data', (c: unknown) => parts.push(c as Buffer));
  const done = new Promise<void>((res, rej) => {
    pack.on('end', res);
    pack.on('error', rej);
  });
  for (const e of entries) pack.entry({ ...e.header, size: e.body.length }, e.body);
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(parts));
}
