/**
 * Turns the paths given on the command line into SourceResults: archives, folders
 * (an extracted bundle, many bundles, archives inside), and YAML exports.
 * Archives are read concurrently, up to the number of cores.
 */
import { availableParallelism } from 'node:os';
import { open, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { findArchives, readDirectory } from './read-directory.js';
import { describeReadError, FINGERPRINT_BYTES, fingerprintOf, readArchive } from './read-archive.js';
import { readYaml } from './read-yaml.js';
import { guessBinary, isCalicoJson, readAttachment, readHead, sniffBytes } from './read-attachment.js';
import type { SourceResult } from './source-result.js';
import { forgetLoadedItems } from '../parsers/calico-resources.js';

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
  return l.endsWith('.tar.gz') || l.endsWith('.tgz') || l.endsWith('.tar') || l.endsWith('.zip');
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
  // An empty file named like an archive is a bundle whose copy did not finish: the archive reader says so.
  if (head.length === 0 && isArchivePath(p)) return 'archive';
  // A zip (a ticket's attachments zipped together): read as an archive of archives, YAML and pasted files.
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'archive';
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

/** Size and hash of the first and last MiB of a file on disk (see `fingerprintOf`); reads at most 2 MiB. */
async function fingerprint(p: string, size: number): Promise<string | undefined> {
  try {
    const fh = await open(p, 'r');
    try {
      const n = Math.min(size, FINGERPRINT_BYTES);
      const head = Buffer.alloc(n);
      await fh.read(head, 0, n, 0);
      const tail = Buffer.alloc(n);
      await fh.read(tail, 0, n, Math.max(0, size - n));
      return fingerprintOf(size, head, tail);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Which files hold the same bytes, whatever their paths. Only files of equal size can, so a file is
 * hashed (`fingerprint`) only once another input or an archive inside one has its size: twenty
 * bundles of twenty sizes cost twenty `stat`s, not 40 MiB of reads and hashing before the first
 * archive is opened.
 */
export class SameBytes {
  constructor(private readonly fingerprintOfFile: (p: string, size: number) => Promise<string | undefined> = fingerprint) {}

  /** fingerprint → first path seen with it */
  private readonly byFingerprint = new Map<string, string>();
  /** size → files of that size not hashed yet, in the order given */
  private readonly pending = new Map<number, string[]>();
  private readonly sizes = new Set<number>();

  /** The earlier path with the same bytes as file `p`, or undefined (then `p` is remembered). */
  async firstOf(p: string): Promise<string | undefined> {
    let size: number;
    try {
      size = (await stat(p)).size;
    } catch {
      return undefined;
    }
    if (!this.sizes.has(size)) {
      this.sizes.add(size);
      this.pending.set(size, [p]);
      return undefined;
    }
    await this.hashPending(size);
    const fp = await this.fingerprintOfFile(p, size);
    if (fp === undefined) return undefined;
    const first = this.byFingerprint.get(fp);
    if (first !== undefined) return first;
    this.byFingerprint.set(fp, p);
    return undefined;
  }

  /** The path first seen with `fp` (a fingerprint taken while streaming), remembering `path` if none. */
  async firstOfFingerprint(fp: string, path: string): Promise<string | undefined> {
    const size = Number(fp.slice(0, fp.indexOf(':')));
    this.sizes.add(size);
    await this.hashPending(size);
    const first = this.byFingerprint.get(fp);
    if (first === undefined) this.byFingerprint.set(fp, path);
    return first;
  }

  private async hashPending(size: number): Promise<void> {
    const files = this.pending.get(size);
    if (files === undefined) return;
    this.pending.delete(size);
    for (const f of files) {
      const fp = await this.fingerprintOfFile(f, size);
      if (fp !== undefined && !this.byFingerprint.has(fp)) this.byFingerprint.set(fp, f);
    }
  }
}

/**
 * Archives inside archives that hold the same bytes as a file given directly, or as an archive read before
 * (a node tarball given directly and inside the ticket zip, or twice inside it): the later copy and all it
 * held become one row `same bytes as <path>`; files given directly win over copies inside archives.
 */
async function dropInnerDuplicates(results: SourceResult[], seen: SameBytes): Promise<SourceResult[]> {
  const dropped: { path: string; of: string }[] = [];
  for (const r of results) {
    for (const x of r.inner ?? []) {
      if (dropped.some((d) => x.path.startsWith(d.path + '!/'))) continue;
      const first = await seen.firstOfFingerprint(x.fingerprint, x.path);
      if (first !== undefined && first !== x.path) dropped.push({ path: x.path, of: first });
    }
    delete r.inner;
  }
  if (dropped.length === 0) return results;
  const inside = (p: string) => dropped.some((d) => p === d.path || p.startsWith(d.path + '!/'));
  const out = results.filter((r) => !inside(r.path));
  for (const r of out) {
    // what the copy held but was left with its outer archive (problems naming it, nodes of its bundles)
    r.nodes = r.nodes.filter((n) => !inside(n.input));
    r.resources = r.resources.filter((x) => !inside(x.ref.input));
    r.problems = r.problems.filter((p) => !dropped.some((d) => p.startsWith(d.path + ':') || p.startsWith(d.path + '!/')));
  }
  for (const d of dropped) out.push(duplicateInput(d.path, 'archive', d.of));
  return out;
}

function duplicateInput(path: string, kind: SourceResult['kind'], of: string): SourceResult {
  return { path, kind, nodes: [], resources: [], problems: [], unreadable: false, duplicateOf: of };
}

/**
 * Archives inside an archive (`ticket.zip!/node-b/diags-….tar.gz`) become inputs of their own: their nodes,
 * resources and problems move to a row named by their path inside the outer one.
 */
function innerInputs(outer: SourceResult): SourceResult[] {
  const inner = new Map<string, SourceResult>();
  const rowFor = (path: string): SourceResult => {
    let row = inner.get(path);
    if (row === undefined) {
      row = { path, kind: 'archive', nodes: [], resources: [], problems: [], unreadable: false };
      inner.set(path, row);
    }
    return row;
  };
  outer.nodes = outer.nodes.filter((n) => {
    if (n.input === outer.path) return true;
    rowFor(n.input).nodes.push(n);
    return false;
  });
  outer.resources = outer.resources.filter((x) => {
    if (x.ref.input === outer.path) return true;
    rowFor(x.ref.input).resources.push(x);
    return false;
  });
  if (inner.size === 0) return [];
  // A problem goes to the deepest archive its text names.
  const paths = [...inner.keys()].sort((a, b) => b.length - a.length);
  outer.problems = outer.problems.filter((p) => {
    const at = paths.find((x) => p.startsWith(x + ':') || p.startsWith(x + '!'));
    if (at === undefined) return true;
    inner.get(at)!.problems.push(p);
    return false;
  });
  // The outer archive held only archives: it is listed, as what held them, without the "no bundle" complaint.
  if (outer.nodes.length === 0 && outer.resources.length === 0) {
    outer.problems = outer.problems.filter((p) => !p.includes('holds no calicoctl diags bundle'));
    outer.unreadable = false;
  }
  return [...inner.values()];
}

export async function loadInputs(paths: string[], opts: LoadOptions = {}): Promise<SourceResult[]> {
  const reader = opts.readArchive ?? readArchive;
  const seen = new SameBytes();
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
    let dup: string | undefined;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (err) {
      immediate.push({ path: p, kind: isYamlPath(p) ? 'yaml' : 'archive', nodes: [], resources: [], problems: [`${p}: cannot read: ${describeReadError(err)}`], unreadable: true });
      continue;
    }
    if (isDir) {
      const archives: string[] = [];
      for (const a of await findArchives(p)) {
        const first = await seen.firstOf(a);
        if (first !== undefined) {
          immediate.push(duplicateInput(a, 'archive', first));
          continue;
        }
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
    } else if ((dup = await seen.firstOf(p)) !== undefined) {
      immediate.push(duplicateInput(p, isYamlPath(p) ? 'yaml' : 'archive', dup));
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
  // Resource list items loaded while reading are remembered only for the copies of this read.
  const results = await mapLimit(tasks, limit, (t) => t()).finally(forgetLoadedItems);
  // Folders that yielded nothing themselves but held archives are not listed as inputs.
  // Pasted files found in a folder are inputs of their own (kind `attachment`).
  for (const r of [...results]) {
    if (r.kind === 'archive') results.push(...innerInputs(r));
    if ((r.kind !== 'directory' && r.kind !== 'archive') || r.attachments === undefined) continue;
    for (const a of r.attachments) {
      const path = r.kind === 'archive' ? a.file : join(r.path, a.file);
      results.push({ path, kind: 'attachment', nodes: [], resources: [], problems: a.problem !== undefined ? [a.problem] : [], unreadable: a.problem !== undefined, attachments: [a] });
    }
    delete r.attachments;
  }
  // Folders that yielded nothing themselves but held archives or pasted files are not listed as inputs.
  const kept = (await dropInnerDuplicates(results, seen)).filter((r) => !(r.kind === 'directory' && r.nodes.length === 0 && r.resources.length === 0 && r.problems.length === 0));
  return [...immediate, ...kept];
}
