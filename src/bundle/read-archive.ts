/**
 * Reads a `.tar.gz`/`.tgz`/`.tar` as a stream (zlib + tar-stream), never extracting to
 * disk: every regular file is piped to the collector's sink chunk by chunk.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { BundleCollector } from './bundle-collector.js';
import type { SourceResult } from './source-result.js';

/** 1 MiB chunks: Node's 16 KiB default loses most of zlib's throughput. */
export const CHUNK_BYTES = 1 << 20;

async function sniffGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** One-line description of a read error, without stack or absolute paths beyond the input's. */
export function describeReadError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = (e?.message ?? String(err)).split('\n')[0]!;
  switch (e?.code) {
    case 'Z_DATA_ERROR':
      return `not a valid gzip stream (${msg})`;
    case 'Z_BUF_ERROR':
      return 'gzip stream ends early (truncated archive)';
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      if (/unexpected end/i.test(msg)) return 'archive ends early (truncated): ' + msg;
      if (/invalid tar header/i.test(msg)) return 'not a tar archive (invalid tar header)';
      return msg;
  }
}

export async function readArchive(path: string): Promise<SourceResult> {
  const collector = new BundleCollector(path, basename(path));
  const problems: string[] = [];
  let fatal: string | undefined;
  try {
    const gz = await sniffGzip(path);
    const extract = tar.extract();
    const source = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    const feeding = gz
      ? pipeline(source, createGunzip({ chunkSize: CHUNK_BYTES }), extract)
      : pipeline(source, extract);
    // Avoid an unhandled rejection: the iterator below reports the same error.
    feeding.catch(() => undefined);
    for await (const entry of extract) {
      const h = entry.header;
      if (h.type === 'directory') {
        collector.noteDirectory(h.name);
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const sink = collector.openFile(h.name, h.size ?? 0);
      if (sink === undefined) {
        entry.resume();
        continue;
      }
      try {
        for await (const chunk of entry) sink.write(chunk as Buffer);
      } finally {
        sink.end();
      }
    }
    await feeding;
  } catch (err) {
    fatal = describeReadError(err);
  }
  const nodes = collector.finish();
  problems.push(...collector.problems);
  const unreadable = fatal !== undefined && collector.filesSeen === 0;
  if (fatal !== undefined) {
    problems.unshift(
      unreadable
        ? `${path}: cannot read archive: ${fatal}`
        : `${path}: archive is damaged after ${collector.filesSeen} files: ${fatal}; what was read before is analyzed`,
    );
  } else if (nodes.length === 0 && collector.resources.length === 0) {
    problems.push(`${path}: holds no calicoctl diags bundle (no diagnostics/ folder) and no Calico resources`);
  }
  return {
    path,
    kind: 'archive',
    nodes,
    resources: collector.resources,
    problems,
    unreadable: unreadable || (nodes.length === 0 && collector.resources.length === 0),
  };
}
