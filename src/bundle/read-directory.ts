/**
 * Reads a folder that holds an extracted bundle, many bundles, cluster diags, or YAML:
 * every file under a `diagnostics/` (or `calico-diagnostics-*​/nodes/<node>/`) folder is
 * streamed to the collector; archives found inside are read by the archive reader.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import fg from 'fast-glob';
import { BundleCollector } from './bundle-collector.js';
import type { AttachmentFile } from './read-attachment.js';
import { isCalicoJson, readAttachment, readHead } from './read-attachment.js';
import { MAX_RESOURCE_YAML_BYTES } from './bundle-collector.js';
import { parseResourcesOffThread } from './parse-resources-off-thread.js';
import { CHUNK_BYTES, describeReadError } from './read-archive.js';
import type { SourceResult } from './source-result.js';

export const ARCHIVE_PATTERNS = ['**/*.tar.gz', '**/*.tgz', '**/*.tar', '**/*.zip'];

/** Archives under a folder (sorted), read separately as their own inputs. */
export async function findArchives(dir: string): Promise<string[]> {
  const found = await fg(ARCHIVE_PATTERNS, { cwd: dir, onlyFiles: true, followSymbolicLinks: false, dot: false, suppressErrors: true });
  return found.sort().map((f) => join(dir, f));
}

export async function readDirectory(dir: string): Promise<SourceResult> {
  const collector = new BundleCollector(dir);
  const problems: string[] = [];
  const attachments: AttachmentFile[] = [];
  let files: string[] = [];
  try {
    files = await fg(['**/*'], {
      cwd: dir,
      onlyFiles: true,
      followSymbolicLinks: false,
      dot: true,
      suppressErrors: false,
      ignore: ARCHIVE_PATTERNS,
    });
  } catch (err) {
    problems.push(`${dir}: cannot list folder: ${describeReadError(err)}`);
  }
  files.sort();
  // A folder pointed at `diagnostics/` itself: treat its files as under `diagnostics/`.
  const base = relative(join(dir, '..'), dir);
  const insideDiagnostics = base === 'diagnostics' || (files.includes('hostname') && files.some((f) => f === 'ipv4_route' || f === 'ipv4_addr'));
  // Bundles extracted and kept under another folder name: known before their files are read.
  if (!insideDiagnostics) for (const f of files) collector.noteRenamedRoot(f);
  for (const f of files) {
    const logical = insideDiagnostics ? `diagnostics/${f}` : f;
    const full = join(dir, f);
    let size = 0;
    try {
      size = (await stat(full)).size;
    } catch (err) {
      problems.push(`${dir}: ${f}: ${describeReadError(err)}`);
      continue;
    }
    const sink = collector.openFile(logical, size);
    if (sink === undefined) {
      // Not a bundle file nor resource YAML: command output pasted beside the bundles (dotfiles are not).
      // (not inside an extracted cluster diags tree either: its kubectl outputs are the bundle's own files)
      if (!insideDiagnostics && !collector.inBundle(f) && !f.split('/').some((p) => p.startsWith('.') || p.startsWith('calico-diagnostics-'))) {
        if (f.toLowerCase().endsWith('.json') && size <= MAX_RESOURCE_YAML_BYTES && isCalicoJson((await readHead(full)).toString('utf8'))) {
          // `calicoctl get … -o json`: resources, like the YAML form.
          collector.addResources(parseResourcesOffThread(await readFile(full, 'utf8'), { input: dir, file: f }));
          continue;
        }
        attachments.push(await readAttachment(full, { input: dir, file: f }));
      }
      continue;
    }
    try {
      for await (const chunk of createReadStream(full, { highWaterMark: CHUNK_BYTES })) sink.write(chunk as Buffer);
    } catch (err) {
      problems.push(`${dir}: ${f}: cannot read: ${describeReadError(err)}`);
    } finally {
      sink.end();
    }
  }
  await collector.settle();
  const nodes = collector.finish();
  problems.push(...collector.problems);
  return {
    path: dir,
    kind: 'directory',
    nodes,
    resources: collector.resources,
    problems,
    unreadable: false,
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}
