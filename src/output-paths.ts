/**
 * Where each output file goes, decided and checked before any input is read, so that a wrong `-o`
 * fails in a second with one line instead of throwing away a finished analysis with a bare
 * `ENOENT`/`EISDIR`.
 *
 * - a missing parent folder is created;
 * - a folder (an existing one, or a path ending in `/`) receives the output's default file name;
 * - a path that cannot be written (a parent that is a file, a read-only file system, no permission)
 *   is an `OutputPathError`;
 * - `-` is stdout, for at most one output.
 */
import { access, mkdir, open, stat, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

export type OutputKind = 'html' | 'json' | 'summary' | 'junit' | 'sarif';

/** The file name an output gets when it is given a folder. */
export const DEFAULT_OUTPUT_NAMES: Record<OutputKind, string> = {
  html: 'calico-diags-report.html',
  json: 'calico-diags-report.json',
  summary: 'calico-diags-summary.txt',
  junit: 'calico-diags-junit.xml',
  sarif: 'calico-diags.sarif',
};

export interface OutputRequest {
  kind: OutputKind;
  /** The option as the user typed it (`-o`, `--json`), for messages. */
  option: string;
  /** The value given: a file, a folder, or `-`. */
  value: string;
}

export interface OutputTarget {
  kind: OutputKind;
  option: string;
  /** Absolute file path, or `-` for stdout. */
  path: string;
}

export class OutputPathError extends Error {}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'EISDIR':
      return 'is a folder';
    case 'ENOENT':
      return 'no such folder';
    case 'ENAMETOOLONG':
      return 'name too long';
    default:
      return (err as Error)?.message ?? String(err);
  }
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** One output: resolve, create the parent folder, prove the file can be written (a new file is created and removed again). */
async function prepareOne(req: OutputRequest): Promise<OutputTarget> {
  if (req.value === '-') return { kind: req.kind, option: req.option, path: '-' };
  const fail = (path: string, err: unknown): never => {
    throw new OutputPathError(`cannot write ${req.option} ${path}: ${reason(err)}`);
  };
  let path = resolve(req.value);
  const endsAsFolder = req.value.endsWith('/') || req.value.endsWith(sep);
  let existing = await statOrUndefined(path).catch((err) => fail(path, err));
  if (endsAsFolder || existing?.isDirectory()) {
    path = join(path, DEFAULT_OUTPUT_NAMES[req.kind]);
    existing = endsAsFolder && existing === undefined ? undefined : await statOrUndefined(path).catch((err) => fail(path, err));
  }
  const parent = dirname(path);
  await mkdir(parent, { recursive: true }).catch((err) => fail(path, err));
  if (existing?.isDirectory()) fail(path, Object.assign(new Error('is a folder'), { code: 'EISDIR' }));
  if (existing !== undefined) {
    await access(path, constants.W_OK).catch((err) => fail(path, err));
  } else {
    // Root passes every permission check: only a real create proves a read-only mount or a full quota.
    const handle = await open(path, 'wx').catch((err) => fail(path, err));
    await handle.close();
    await unlink(path).catch(() => undefined);
  }
  return { kind: req.kind, option: req.option, path };
}

/**
 * Resolves and checks every output; throws `OutputPathError` (one line, naming the option and the
 * path) on the first that cannot be written, when two outputs share a file, or when more than one
 * asks for stdout.
 */
export async function prepareOutputs(requests: readonly OutputRequest[]): Promise<OutputTarget[]> {
  const toStdout = requests.filter((r) => r.value === '-');
  if (toStdout.length > 1) {
    throw new OutputPathError(`only one output can go to stdout ('-'), got ${toStdout.map((r) => r.option).join(', ')}`);
  }
  const targets: OutputTarget[] = [];
  for (const req of requests) {
    const target = await prepareOne(req);
    const clash = targets.find((t) => t.path !== '-' && t.path === target.path);
    if (clash !== undefined) throw new OutputPathError(`${clash.option} and ${req.option} would both write ${target.path}`);
    targets.push(target);
  }
  return targets;
}
