/**
 * Reads a `.tar.gz`/`.tgz`/`.tar` as a stream (zlib + tar-stream), never extracting to
 * disk: every regular file is piped to the collector's sink chunk by chunk.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { BundleCollector } from './bundle-collector.js';
import type { SourceResult } from './source-result.js';

/** 1 MiB chunks: Node's 16 KiB default loses most of zlib's throughput. */
export const CHUNK_BYTES = 1 << 20;

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

/** Archives inside archives (a ticket attachment holding every node's tarball) are read this deep. */
export const MAX_NESTING = 2;

function isArchiveName(name: string): boolean {
  const l = name.toLowerCase();
  return l.endsWith('.tar.gz') || l.endsWith('.tgz') || l.endsWith('.tar');
}

interface TarResult {
  collectors: BundleCollector[];
  problems: string[];
  /** Files seen in this archive and the archives inside it. */
  files: number;
  fatal?: string;
}

/**
 * Reads one tar stream (gzip detected from its first bytes). Each nested archive gets its own
 * collector, so several `diagnostics/` bundles inside one attachment stay separate nodes.
 */
async function readTar(source: NodeJS.ReadableStream, input: string, label: string, archiveName: string, depth: number): Promise<TarResult> {
  const collector = new BundleCollector(input, archiveName);
  const out: TarResult = { collectors: [collector], problems: [], files: 0 };
  try {
    const extract = tar.extract();
    const head = await peekGzip(source);
    const feeding = head.gzip
      ? pipeline(head.stream, createGunzip({ chunkSize: CHUNK_BYTES }), extract)
      : pipeline(head.stream, extract);
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
      out.files++;
      if (isArchiveName(h.name) && depth < MAX_NESTING) {
        const inner = await readTar(entry as unknown as NodeJS.ReadableStream, `${input}!${h.name}`, `${label}!${h.name}`, basename(h.name), depth + 1);
        out.collectors.push(...inner.collectors);
        out.problems.push(...inner.problems);
        out.files += inner.files;
        if (inner.fatal !== undefined) {
          out.problems.push(inner.files === 0 ? `${label}!${h.name}: cannot read archive: ${inner.fatal}` : `${label}!${h.name}: archive is damaged after ${inner.files} files: ${inner.fatal}`);
        }
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
    out.fatal = describeReadError(err);
  }
  return out;
}

/** Reads the first two bytes to tell gzip from plain tar, and gives back a stream that still has them. */
async function peekGzip(source: NodeJS.ReadableStream): Promise<{ gzip: boolean; stream: NodeJS.ReadableStream }> {
  const { PassThrough } = await import('node:stream');
  const pass = new PassThrough({ highWaterMark: CHUNK_BYTES });
  return new Promise((resolve, reject) => {
    let decided = false;
    const onData = (chunk: Buffer) => {
      if (!decided) {
        decided = true;
        source.pause();
        source.removeListener('data', onData);
        source.removeListener('end', onEnd);
        source.removeListener('error', onError);
        pass.write(chunk);
        resolve({ gzip: chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b, stream: (source as NodeJS.ReadableStream & { pipe: <T extends NodeJS.WritableStream>(d: T) => T }).pipe(pass) });
        source.resume();
      }
    };
    const onEnd = () => {
      if (!decided) {
        decided = true;
        pass.end();
        resolve({ gzip: false, stream: pass });
      }
    };
    const onError = (err: Error) => {
      if (!decided) {
        decided = true;
        reject(err);
      }
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
  });
}

/** `onRead` is told how many compressed bytes of the file were read so far (for progress). */
export async function readArchive(path: string, onRead?: (bytesRead: number) => void): Promise<SourceResult> {
  const problems: string[] = [];
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  if (onRead !== undefined) {
    let read = 0;
    file.on('data', (chunk) => {
      read += chunk.length;
      onRead(read);
    });
  }
  const r = await readTar(file, path, path, basename(path), 0);
  const nodes = r.collectors.flatMap((c) => c.finish());
  const resources = r.collectors.flatMap((c) => c.resources);
  problems.push(...r.problems);
  for (const c of r.collectors) problems.push(...c.problems);
  const unreadable = r.fatal !== undefined && r.files === 0;
  if (r.fatal !== undefined) {
    problems.unshift(
      unreadable
        ? `${path}: cannot read archive: ${r.fatal}`
        : `${path}: archive is damaged after ${r.files} files: ${r.fatal}; what was read before is analyzed`,
    );
  } else if (nodes.length === 0 && resources.length === 0) {
    problems.push(`${path}: holds no calicoctl diags bundle (no diagnostics/ folder) and no Calico resources`);
  }
  return {
    path,
    kind: 'archive',
    nodes,
    resources,
    problems,
    unreadable: unreadable || (nodes.length === 0 && resources.length === 0),
  };
}
