/**
 * Turns the paths given on the command line into SourceResults: archives, folders
 * (an extracted bundle, many bundles, archives inside), and YAML exports.
 * Archives are read concurrently, up to the number of cores.
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { findArchives, readDirectory } from './read-directory.js';
import { describeReadError, readArchive } from './read-archive.js';
import { readYaml } from './read-yaml.js';
import { guessBinary, isCalicoJson, readAttachment, readHead, sniffBytes } from './read-attachment.js';
import type { SourceResult } from './source-result.js';

export type ArchiveReader = (path: string, onRead?: (bytesRead: number) => void) => Promise<SourceResult>;

/** What a progress display needs: archives with their sizes, bytes read per archive, completions. */
export interface ProgressSink {
  start(archives: { path: string; bytes: number }[]): void;
  read(path: string, bytesRead: number): void;
  done(path: string): void;
}

export interface LoadOptions {
  concurrency?: number;
  /** Reads one archive; defaults to the in-thread reader (a worker pool can be plugged in). */
  readArchive?: ArchiveReader;
  progress?: ProgressSink;
}

function isYamlPath(p: string): boolean {
  const l = p.toLowerCase();
  return l.endsWith('.yaml') || l.endsWith('.yml');
}

function isArchivePath(p: string): boolean {
  const l = p.toLowerCase();
  return l.endsWith('.tar.gz') || l.endsWith('.tgz') || l.endsWith('.tar');
}

/**
 * How a plain file is read, from its first bytes (never its name alone): gzip or tar → archive;
 * a text file → pasted output (or resources, for a Calico JSON export); a binary not named like an
 * archive → an ignored attachment. A binary named `.tar.gz` stays an archive, so a corrupt bundle is
 * still reported as one.
 */
async function plainFileKind(p: string): Promise<'archive' | 'attachment' | 'yaml'> {
  let head: Buffer;
  try {
    head = await readHead(p);
  } catch {
    return 'archive';
  }
  const sniffed = sniffBytes(head);
  if (sniffed === 'gzip' || sniffed === 'tar') return 'archive';
  if (sniffed === 'text') return isCalicoJson(head.toString('utf8')) ? 'yaml' : 'attachment';
  // A screenshot or a zip renamed .tar.gz is not a damaged bundle: list it as ignored with what it is.
  return isArchivePath(p) && guessBinary(head) === 'binary data' ? 'archive' : 'attachment';
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** How many archives are read at a time by default: one per core, at most 8. */
export function archiveConcurrency(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

async function attachmentInput(path: string, where: { input: string; file: string }): Promise<SourceResult> {
  const a = await readAttachment(path, where);
  return { path, kind: 'attachment', nodes: [], resources: [], problems: a.problem !== undefined ? [a.problem] : [], unreadable: a.problem !== undefined, attachments: [a] };
}

export async function loadInputs(paths: string[], opts: LoadOptions = {}): Promise<SourceResult[]> {
  const reader = opts.readArchive ?? readArchive;
  const sized: string[] = [];
  const readWithProgress = async (path: string): Promise<SourceResult> => {
    const progress = opts.progress;
    const r = await reader(path, progress !== undefined ? (n) => progress.read(path, n) : undefined);
    progress?.done(path);
    return r;
  };
  const tasks: (() => Promise<SourceResult>)[] = [];
  const immediate: SourceResult[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (err) {
      immediate.push({ path: p, kind: isYamlPath(p) ? 'yaml' : 'archive', nodes: [], resources: [], problems: [`${p}: cannot read: ${describeReadError(err)}`], unreadable: true });
      continue;
    }
    if (isDir) {
      const archives: string[] = [];
      for (const a of await findArchives(p)) {
        // Named like an archive but holding text (a pasted output saved as .tgz): a pasted file.
        if ((await plainFileKind(a)) === 'archive') archives.push(a);
        else tasks.push(() => attachmentInput(a, { input: p, file: relative(p, a) }));
      }
      for (const a of archives) sized.push(a);
      tasks.push(async () => {
        const r = await readDirectory(p);
        if (r.nodes.length === 0 && r.resources.length === 0 && archives.length === 0 && (r.attachments ?? []).length === 0) {
          r.problems.push(`${p}: holds no calicoctl diags bundle, archive or Calico resource YAML`);
          r.unreadable = true;
        }
        return r;
      });
      for (const a of archives) tasks.push(() => readWithProgress(a));
    } else if (isYamlPath(p)) {
      tasks.push(() => readYaml(p));
    } else {
      const kind = await plainFileKind(p);
      if (kind === 'yaml') tasks.push(() => readYaml(p));
      else if (kind === 'attachment') tasks.push(() => attachmentInput(p, { input: p, file: p }));
      else {
        sized.push(p);
        tasks.push(() => readWithProgress(p));
      }
    }
  }
  if (opts.progress !== undefined) {
    const list: { path: string; bytes: number }[] = [];
    for (const a of sized) list.push({ path: a, bytes: (await stat(a).catch(() => ({ size: 0 }))).size });
    opts.progress.start(list);
  }
  const limit = opts.concurrency ?? archiveConcurrency();
  const results = await mapLimit(tasks, limit, (t) => t());
  // Folders that yielded nothing themselves but held archives are not listed as inputs.
  // Pasted files found in a folder are inputs of their own (kind `attachment`).
  for (const r of [...results]) {
    if (r.kind !== 'directory' || r.attachments === undefined) continue;
    for (const a of r.attachments) {
      results.push({ path: join(r.path, a.file), kind: 'attachment', nodes: [], resources: [], problems: a.problem !== undefined ? [a.problem] : [], unreadable: a.problem !== undefined, attachments: [a] });
    }
    delete r.attachments;
  }
  // Folders that yielded nothing themselves but held archives or pasted files are not listed as inputs.
  const kept = results.filter((r) => !(r.kind === 'directory' && r.nodes.length === 0 && r.resources.length === 0 && r.problems.length === 0));
  return [...immediate, ...kept];
}
