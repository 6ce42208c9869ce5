/**
 * Turns the paths given on the command line into SourceResults: archives, folders
 * (an extracted bundle, many bundles, archives inside), and YAML exports.
 * Archives are read concurrently, up to the number of cores.
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { findArchives, readDirectory } from './read-directory.js';
import { describeReadError, readArchive } from './read-archive.js';
import { readYaml } from './read-yaml.js';
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
      const archives = await findArchives(p);
      for (const a of archives) sized.push(a);
      tasks.push(async () => {
        const r = await readDirectory(p);
        if (r.nodes.length === 0 && r.resources.length === 0 && archives.length === 0) {
          r.problems.push(`${p}: holds no calicoctl diags bundle, archive or Calico resource YAML`);
          r.unreadable = true;
        }
        return r;
      });
      for (const a of archives) tasks.push(() => readWithProgress(a));
    } else if (isYamlPath(p)) {
      tasks.push(() => readYaml(p));
    } else {
      sized.push(p);
      tasks.push(() => readWithProgress(p));
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
  const kept = results.filter((r) => !(r.kind === 'directory' && r.nodes.length === 0 && r.resources.length === 0 && r.problems.length === 0));
  return [...immediate, ...kept];
}
