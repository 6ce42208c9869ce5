/**
 * Reads a `.tar.gz`/`.tgz`/`.tar` as a stream (zlib + tar-stream), never extracting to
 * disk: every regular file is piped to the collector's sink chunk by chunk.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PassThrough, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { createRecyclingGunzip } from './recycling-gunzip.js';
import { GzipMembers } from './gzip-members.js';
import * as tar from 'tar-stream';
import { stat, open } from 'node:fs/promises';
import yauzl from 'yauzl';
import { BundleCollector } from './bundle-collector.js';
import { mayJoinRenamedBundle } from './artifact-path.js';
import type { AttachmentFile } from './read-attachment.js';
import { attachmentFromText, guessBinary, readHead, sniffBytes } from './read-attachment.js';
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

/**
 * Bounds on one input, the archives inside it included: a hostile or broken archive stops at one of them
 * with one line naming the archive and the entry, and what was read before (and every other input) is analyzed.
 */
export interface ArchiveLimits {
  /** Archives inside archives (a ticket zip holding a tarball of bundles holding each node's tarball) are read this deep. */
  maxNesting: number;
  /** Entries read from one input, all nested archives included (a hostile archive of millions of entries stops here). */
  maxEntries: number;
  /** Bytes of the members of one input, counted at every level (a nested archive's members count again). */
  maxInflatedBytes: number;
  /**
   * The members of an archive (its nested archives' members included) add up to at most this many times the
   * archive's own size (on disk, or as a member of its outer archive)…: one deflate layer reaches ~1030 times at
   * most, so only archives of archives of zeros (a zip bomb) get past it.
   */
  maxRatio: number;
  /** …once past this many bytes (small archives of text compress well). */
  ratioFloorBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ArchiveLimits> = {
  maxNesting: 3,
  maxEntries: 200_000,
  maxInflatedBytes: 64 * 1024 * 1024 * 1024,
  maxRatio: 2000,
  ratioFloorBytes: 64 * 1024 * 1024,
};

export const MAX_NESTING = DEFAULT_LIMITS.maxNesting;
export const MAX_ENTRIES_PER_INPUT = DEFAULT_LIMITS.maxEntries;

/** A zip inside an archive needs random access, so it is held in memory: up to this size, else reported. */
export const MAX_NESTED_ZIP_BYTES = 256 * 1024 * 1024;

/** A zip entry claiming more than this, or past `ratioFloorBytes` and more than `maxRatio` times its compressed size, is a zip bomb and is skipped. */
export const MAX_ZIP_ENTRY_BYTES = 16 * 1024 * 1024 * 1024;

/** Files beside the bundles inside an archive (notes, screenshots, pasted output) are read up to this size. */
export const MAX_INNER_ATTACHMENT_BYTES = 8 * 1024 * 1024;

/**
 * The path of a member inside an archive: `ticket.zip!/node-b/diags-….tar.gz`, nesting repeats it
 * (`a.zip!/b.tar.gz!/c/diags.tar.gz`). The member name is normalised (`./`, leading `/`, `\\` separators).
 */
export function memberPath(archive: string, name: string): string {
  return `${archive}!/${normaliseName(name)}`;
}

function isArchiveName(name: string): boolean {
  const l = name.toLowerCase();
  return l.endsWith('.tar.gz') || l.endsWith('.tgz') || l.endsWith('.tar');
}

function isZipName(name: string): boolean {
  return name.toLowerCase().endsWith('.zip');
}

/**
 * What tells the same bytes under two paths: size and a hash of the first and last MiB (load-inputs takes
 * it of files on disk, the reader of archives inside archives as it streams them).
 */
export const FINGERPRINT_BYTES = 1 << 20;

export function fingerprintOf(size: number, head: Buffer, tail: Buffer): string {
  return `${size}:${createHash('sha256').update(head).update(tail).digest('hex')}`;
}

/** `fingerprintOf` of streamed bytes: keeps the first MiB and the last, nothing else. */
class FingerprintTap {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  private size = 0;

  push(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.headBytes < FINGERPRINT_BYTES) {
      const part = chunk.subarray(0, FINGERPRINT_BYTES - this.headBytes);
      this.head.push(part);
      this.headBytes += part.length;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= FINGERPRINT_BYTES) this.tailBytes -= this.tail.shift()!.length;
  }

  digest(): string {
    const n = Math.min(this.size, FINGERPRINT_BYTES);
    const tail = Buffer.concat(this.tail);
    return fingerprintOf(this.size, Buffer.concat(this.head).subarray(0, n), tail.subarray(tail.length - n));
  }
}

interface TarResult {
  collectors: BundleCollector[];
  problems: string[];
  /** Archives inside (at any depth) with their fingerprints, in reading order. */
  inner: { path: string; fingerprint: string }[];
  /** Files seen in this archive and the archives inside it. */
  files: number;
  fatal?: string;
  /** Files inside that are neither bundle files nor resources: pasted output, notes, images. */
  attachments: AttachmentFile[];
  /**
   * Stray files that may belong to a re-packed bundle whose folder is recognised only by a later file
   * (`hostname` before `ipv4_route`), with their bytes: given to that bundle at the archive's end.
   */
  deferred?: { name: string; data: Buffer; attachment: AttachmentFile }[];
}

/** Shared by every archive of one input: the limits and the entry count. */
interface Budget {
  limits: ArchiveLimits;
  entries: number;
  reported: boolean;
}

/** One archive being read (the input, or an archive inside it): the bytes its members and theirs may add up to. */
interface Scope {
  label: string;
  limit: number;
  /** Why the limit is what it is: `2000 times its 4096 bytes`. */
  why: string;
  used: number;
  parent?: Scope;
}

function scopeFor(label: string, packed: number, limits: ArchiveLimits, parent?: Scope): Scope {
  const byRatio = Math.max(limits.ratioFloorBytes, limits.maxRatio * packed);
  const capped = parent === undefined && limits.maxInflatedBytes < byRatio;
  return {
    label,
    limit: capped ? limits.maxInflatedBytes : byRatio,
    why: capped ? 'the most read from one input' : byRatio === limits.ratioFloorBytes ? `${limits.ratioFloorBytes} bytes, for any archive` : `${limits.maxRatio} times its ${packed} bytes`,
    used: 0,
    ...(parent !== undefined ? { parent } : {}),
  };
}

/**
 * Counts `size` bytes of a member against its archive and every archive around it; the one whose limit it
 * would pass, if any, is returned (and nothing is counted).
 */
function charge(scope: Scope, size: number): Scope | undefined {
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) if (s.used + size > s.limit) return s;
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) s.used += size;
  return undefined;
}

function tooLarge(at: string, size: number, over: Scope, label: string): string {
  return `${at}: ${size} bytes would take ${over.label} past ${over.limit} bytes inflated (${over.why}: a zip bomb?); the rest of ${label} was not read`;
}

/** A file inside an archive that no bundle uses: read (bounded) as a pasted file, or listed as ignored with what it is. */
async function strayFile(stream: AsyncIterable<unknown> & { resume(): unknown }, size: number, input: string, name: string, keep?: (data: Buffer) => void): Promise<AttachmentFile | undefined> {
  const p = name.replace(/\\/g, '/');
  const base = p.split('/').pop() ?? p;
  // Dotfiles, macOS resource forks, and the cluster-level files of a cluster diags tree (part of that bundle).
  if (base.length === 0 || base.startsWith('.') || p.split('/').some((x) => x.startsWith('.') || x === '__MACOSX' || x.startsWith('calico-diagnostics'))) {
    await drain(stream);
    return undefined;
  }
  // The file becomes an input of its own, so it is its own `input` (as a pasted file given directly).
  const at = memberPath(input, p);
  const where = { input: at, file: at, path: at };
  const empty: AttachmentFile = { ...where, parts: [], promptHosts: [], unrecognisedLines: 0, totalLines: 0 };
  if (size > MAX_INNER_ATTACHMENT_BYTES) {
    await drain(stream);
    return { ...empty, ignored: `file of ${size} bytes inside an archive, too large to read as pasted output` };
  }
  const parts: Buffer[] = [];
  let got = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (got < MAX_INNER_ATTACHMENT_BYTES) parts.push(Buffer.from(b)); // lent: copied
    got += b.length;
  }
  const buf = Buffer.concat(parts).subarray(0, MAX_INNER_ATTACHMENT_BYTES);
  const head = buf.subarray(0, 4096);
  if (sniffBytes(head) !== 'text') return { ...empty, ignored: guessBinary(head) };
  if (got <= MAX_INNER_ATTACHMENT_BYTES) keep?.(buf);
  return attachmentFromText(buf.toString('utf8'), where);
}

function overBudget(budget: Budget, out: TarResult, label: string, at: string): boolean {
  budget.entries++;
  if (budget.entries <= budget.limits.maxEntries) return false;
  if (!budget.reported) out.problems.push(`${label}: holds more than ${budget.limits.maxEntries} entries (archives inside included); ${at} and the rest were skipped`);
  budget.reported = true;
  return true;
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: yauzl.Entry) => {
      zip.removeListener('end', onEnd);
      zip.removeListener('error', onError);
      resolve(e);
    };
    const onEnd = () => {
      zip.removeListener('entry', onEntry);
      zip.removeListener('error', onError);
      resolve(undefined);
    };
    const onError = (err: Error) => {
      zip.removeListener('entry', onEntry);
      zip.removeListener('end', onEnd);
      reject(err);
    };
    zip.once('entry', onEntry);
    zip.once('end', onEnd);
    zip.once('error', onError);
    zip.readEntry();
  });
}

/**
 * Names are never used as paths here (nothing is extracted), so `../` or absolute names are classified like
 * tar members, not fatal: names are decoded here (yauzl's decoding rejects the whole zip on one such name).
 */
const ZIP_OPTIONS: yauzl.Options = { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: false };

/**
 * Reads a zip (opened from a file on disk, or a bounded buffer when nested): its central directory gives the
 * entries; each is streamed like a tar entry, archives inside are read in turn. Nothing is extracted to disk.
 */
async function readZip(zip: yauzl.ZipFile, input: string, label: string, archiveName: string, depth: number, budget: Budget, scope: Scope): Promise<TarResult> {
  const collector = new BundleCollector(input, archiveName);
  const out: TarResult = { collectors: [collector], problems: [], inner: [], files: 0, attachments: [] };
  try {
    for (;;) {
      const e = await nextEntry(zip);
      if (e === undefined) break;
      const raw = e.fileName as unknown as Buffer | string;
      const name = typeof raw === 'string' ? raw : yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields, false);
      const at = memberPath(label, name);
      if (overBudget(budget, out, label, at)) {
        zip.close();
        break;
      }
      if (name.endsWith('/')) {
        collector.noteDirectory(name);
        continue;
      }
      // Symlinks (unix mode in the high bits of the external attributes) are skipped, as in tarballs.
      const mode = (e.externalFileAttributes >>> 16) & 0o170000;
      if (mode !== 0 && mode !== 0o100000) continue;
      out.files++;
      const { limits } = budget;
      if (e.uncompressedSize > MAX_ZIP_ENTRY_BYTES || (e.uncompressedSize > limits.ratioFloorBytes && e.uncompressedSize / Math.max(1, e.compressedSize) > limits.maxRatio)) {
        out.problems.push(`${at}: expands from ${e.compressedSize} to ${e.uncompressedSize} bytes (a zip bomb?); skipped`);
        continue;
      }
      if (e.isEncrypted()) {
        out.problems.push(`${at}: encrypted; skipped`);
        continue;
      }
      const over = charge(scope, e.uncompressedSize);
      if (over !== undefined) {
        out.problems.push(tooLarge(at, e.uncompressedSize, over, label));
        zip.close();
        break;
      }
      const stream = await zip.openReadStreamPromise(e);
      await readMember(stream, name, e.uncompressedSize, collector, out, input, label, depth, budget, scope);
    }
  } catch (err) {
    out.fatal = describeReadError(err);
  }
  joinDeferred(collector, out);
  return out;
}

/** One regular file of an archive: a nested archive, a bundle or resource file, or a stray file. */
async function readMember(
  stream: NodeJS.ReadableStream & AsyncIterable<unknown> & { resume(): unknown },
  name: string,
  size: number,
  collector: BundleCollector,
  out: TarResult,
  input: string,
  label: string,
  depth: number,
  budget: Budget,
  scope: Scope,
  consumed?: (bytes: number) => void,
): Promise<void> {
  const at = memberPath(label, name);
  if ((isArchiveName(name) || isZipName(name)) && depth >= budget.limits.maxNesting) {
    out.problems.push(`${at}: archive nested more than ${budget.limits.maxNesting} deep; not read`);
    await drain(stream);
    return;
  }
  if (isArchiveName(name)) {
    // Streamed through a tap that fingerprints it (the same archive twice is read once: load-inputs)
    const tap = new FingerprintTap();
    const through = tapStream((chunk) => tap.push(chunk));
    const drained = finished(through).catch(() => undefined);
    (stream as unknown as Readable).pipe(through);
    const at0 = out.inner.length;
    const inner = await readTar(through, memberPath(input, name), at, basename(name), depth + 1, budget, scopeFor(at, size, budget.limits, scope));
    mergeInner(out, inner, at);
    // the rest of the member, if the inner archive stopped early
    through.resume();
    await drained;
    out.inner.splice(at0, 0, { path: memberPath(input, name), fingerprint: tap.digest() });
    return;
  }
  if (isZipName(name)) {
    if (size > MAX_NESTED_ZIP_BYTES) {
      out.problems.push(`${at}: zip of ${size} bytes inside an archive is too large to read in memory; extract it and give it directly`);
      await drain(stream);
      return;
    }
    const parts: Buffer[] = [];
    let got = 0;
    for await (const chunk of stream) {
      got += (chunk as Buffer).length;
      if (got > MAX_NESTED_ZIP_BYTES) break;
      parts.push(Buffer.from(chunk as Buffer)); // lent: copied
    }
    if (got > MAX_NESTED_ZIP_BYTES) {
      out.problems.push(`${at}: zip inside an archive is larger than ${MAX_NESTED_ZIP_BYTES} bytes; not read`);
      await drain(stream);
      return;
    }
    let inner: TarResult;
    const whole = Buffer.concat(parts);
    const n = Math.min(whole.length, FINGERPRINT_BYTES);
    out.inner.push({ path: memberPath(input, name), fingerprint: fingerprintOf(whole.length, whole.subarray(0, n), whole.subarray(whole.length - n)) });
    try {
      const zip = await yauzl.fromBufferPromise(whole, ZIP_OPTIONS);
      inner = await readZip(zip, memberPath(input, name), at, basename(name), depth + 1, budget, scopeFor(at, size, budget.limits, scope));
    } catch (err) {
      inner = { collectors: [], problems: [], inner: [], files: 0, attachments: [], fatal: describeReadError(err) };
    }
    mergeInner(out, inner, at);
    return;
  }
  const sink = collector.openFile(name, size);
  if (sink === undefined) {
    if (!collector.inBundle(name)) {
      let data: Buffer | undefined;
      const a = await strayFile(stream, size, input, name, mayJoinRenamedBundle(normaliseName(name)) ? (b) => (data = b) : undefined);
      if (a !== undefined) out.attachments.push(a);
      if (a !== undefined && data !== undefined) (out.deferred ??= []).push({ name, data, attachment: a });
    } else await drain(stream);
    return;
  }
  try {
    for await (const chunk of stream) {
      sink.write(chunk as Buffer);
      consumed?.((chunk as Buffer).length);
    }
  } finally {
    sink.end();
  }
}

function normaliseName(name: string): string {
  return name.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

function mergeInner(out: TarResult, inner: TarResult, where: string): void {
  out.collectors.push(...inner.collectors);
  out.problems.push(...inner.problems);
  out.attachments.push(...inner.attachments);
  out.inner.push(...inner.inner);
  out.files += inner.files;
  if (inner.fatal !== undefined) {
    out.problems.push(inner.files === 0 ? `${where}: cannot read archive: ${inner.fatal}` : `${where}: archive is damaged after ${inner.files} files: ${inner.fatal}`);
  }
}

/**
 * Reads one tar stream (gzip detected from its first bytes). Each nested archive gets its own
 * collector, so several `diagnostics/` bundles inside one attachment stay separate nodes.
 */
async function readTar(source: NodeJS.ReadableStream, input: string, label: string, archiveName: string, depth: number, budget: Budget, scope: Scope): Promise<TarResult> {
  const collector = new BundleCollector(input, archiveName);
  const out: TarResult = { collectors: [collector], problems: [], inner: [], files: 0, attachments: [] };
  let stopped = false;
  let recycling: ReturnType<typeof createRecyclingGunzip> | undefined;
  try {
    const extract = tar.extract();
    const head = await peekGzip(source);
    // Inflated bytes are lent to each member's reader, which is done with them when it returns (or
    // after each chunk, for bundle files); then their buffers go back to zlib. Every entry is read to
    // its end before the next (drained, not resumed), so "done up to here" is a position in the stream.
    recycling = head.gzip ? createRecyclingGunzip(CHUNK_BYTES) : undefined;
    const feeding = recycling !== undefined ? pipeline(head.stream, recycling.gunzip, extract) : pipeline(head.stream, extract);
    // Avoid an unhandled rejection: the iterator below reports the same error.
    feeding.catch(() => undefined);
    for await (const entry of extract) {
      const h = entry.header;
      // Where the entry's bytes start in the tar stream (tar-stream sets it on every header).
      const start = (h as { byteOffset?: number }).byteOffset;
      const r = recycling;
      const done = r !== undefined && typeof start === 'number' ? (end: number) => r.release(end) : undefined;
      if (h.type === 'directory') {
        collector.noteDirectory(h.name);
        await drain(entry);
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        await drain(entry);
        continue;
      }
      const at = memberPath(label, h.name);
      if (overBudget(budget, out, label, at)) {
        await drain(entry);
        continue;
      }
      out.files++;
      const over = charge(scope, h.size ?? 0);
      if (over !== undefined) {
        // A tar is a stream: skipping the entry would inflate it all the same. Stop here (the loop's end
        // destroys the extractor; an outer archive drains the rest of this one's compressed bytes).
        out.problems.push(tooLarge(at, h.size ?? 0, over, label));
        stopped = true;
        break;
      }
      let read = start ?? 0;
      await readMember(entry as unknown as NodeJS.ReadableStream & AsyncIterable<unknown> & { resume(): unknown }, h.name, h.size ?? 0, collector, out, input, label, depth, budget, scope, done && ((n) => done((read += n))));
      done?.(read);
    }
    if (!stopped) {
      await feeding;
      const garbage = recycling?.gunzip.trailingGarbage ?? 0;
      if (garbage > 0) out.problems.push(`${label}: trailing garbage ignored: ${garbage} bytes after the end of the gzip data are not gzip (appended to the file after it was made); what the archive holds is analyzed`);
    }
  } catch (err) {
    out.fatal = describeReadError(err);
  } finally {
    // Every entry was read (or drained) by now: the buffers the stream still holds can go to the next.
    recycling?.close();
  }
  joinDeferred(collector, out);
  return out;
}

/** Gives the deferred stray files whose folder turned out to be a re-packed bundle to that bundle; they are no attachments then. */
function joinDeferred(collector: BundleCollector, out: TarResult): void {
  for (const d of out.deferred ?? []) {
    if (!collector.inBundle(d.name)) continue;
    const sink = collector.openFile(d.name, d.data.length);
    if (sink !== undefined) {
      sink.write(d.data);
      sink.end();
    }
    const i = out.attachments.indexOf(d.attachment);
    if (i !== -1) out.attachments.splice(i, 1);
  }
  out.deferred = undefined;
}

/** Reads a stream to its end and drops what it holds (unlike `resume()`, the bytes are gone when this resolves). */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

/** Reads the first two bytes to tell gzip from plain tar, and gives back a stream that still has them. */
async function peekGzip(source: NodeJS.ReadableStream): Promise<{ gzip: boolean; stream: NodeJS.ReadableStream }> {
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

/** Whether the file is gzip whose inflated data starts as gzip again (from its first 64 KiB). */
async function gzipInsideGzip(path: string): Promise<boolean> {
  try {
    const buf = await readHead(path, 64 * 1024);
    if (sniffBytes(buf) !== 'gzip') return false;
    // Z_SYNC_FLUSH: what the first bytes inflate to, without failing on the rest being absent.
    return sniffBytes(gunzipSync(buf, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, 2)) === 'gzip';
  } catch {
    return false;
  }
}

/** A zip file, from its first bytes (a local file header, or the end record of an empty zip). */
async function isZipFile(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'r');
    try {
      const b = Buffer.alloc(4);
      const { bytesRead } = await fh.read(b, 0, 4, 0);
      return bytesRead === 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}

/** A stage that hands every chunk to `onChunk` and passes it on unchanged. */
function tapStream(onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    highWaterMark: CHUNK_BYTES,
    transform(chunk: Buffer, _enc, cb) {
      onChunk(chunk);
      cb(null, chunk);
    },
  });
}

/** `onRead` is told how many compressed bytes of the file were read so far (for progress); `limits` lowers the bounds (tests). */
export async function readArchive(path: string, onRead?: (bytesRead: number) => void, limits: Partial<ArchiveLimits> = {}): Promise<SourceResult> {
  const problems: string[] = [];
  const budget: Budget = { limits: { ...DEFAULT_LIMITS, ...limits }, entries: 0, reported: false };
  const size = await stat(path).then(
    (st) => st.size,
    () => undefined,
  );
  // An empty bundle is a copy or upload that did not finish (calicoctl never writes one).
  if (size === 0) return { path, kind: 'archive', nodes: [], resources: [], problems: [`${path}: cannot read archive: empty file (0 bytes: the copy or upload did not finish; collect or send it again)`], unreadable: true };
  const scope = scopeFor(path, size ?? 0, budget.limits);
  let r: TarResult;
  if (await isZipFile(path)) {
    try {
      const zip = await yauzl.openPromise(path, ZIP_OPTIONS);
      r = await readZip(zip, path, path, basename(path), 0, budget, scope);
    } catch (err) {
      r = { collectors: [], problems: [], inner: [], files: 0, attachments: [], fatal: describeReadError(err) };
    }
    onRead?.(size ?? 0);
  } else {
    const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    let source: NodeJS.ReadableStream = file;
    if (onRead !== undefined) {
      // A stage of its own, not a `data` listener on the file: a listener would set the file flowing before
      // the reader listens, and the bytes read meanwhile (a small archive whole) would be lost.
      let read = 0;
      const counter = tapStream((chunk) => onRead((read += chunk.length)));
      file.once('error', (err) => counter.destroy(err)); // pipe() does not pass errors on
      source = file.pipe(counter);
    }
    r = await readTar(source, path, path, basename(path), 0, budget, scope);
    // Read to its end, or stopped at a limit: never left flowing.
    file.destroy();
    if (r.fatal !== undefined && r.files === 0 && (await gzipInsideGzip(path))) {
      // Compressed twice (`gzip` run on the .tar.gz, or a browser or proxy that gzipped the download):
      // read again through one more gunzip; the inner gzip is then the one the reader knows.
      const again = createReadStream(path, { highWaterMark: CHUNK_BYTES });
      const outer = new GzipMembers({ chunkSize: CHUNK_BYTES });
      again.once('error', (err) => outer.destroy(err));
      r = await readTar(again.pipe(outer), path, path, basename(path), 0, budget, scope);
      again.destroy();
    }
  }
  await Promise.all(r.collectors.map((c) => c.settle()));
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
  } else if (nodes.length === 0 && resources.length === 0 && r.attachments.length === 0) {
    problems.push(`${path}: holds no calicoctl diags bundle (no diagnostics/ folder) and no Calico resources`);
  }
  return {
    path,
    kind: 'archive',
    nodes,
    resources,
    problems,
    unreadable: unreadable || (nodes.length === 0 && resources.length === 0 && r.attachments.length === 0),
    ...(r.attachments.length > 0 ? { attachments: r.attachments } : {}),
    ...(r.inner.length > 0 ? { inner: r.inner } : {}),
  };
}
