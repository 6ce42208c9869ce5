/** Writes a tarball the way calicoctl's `tar -zcvf diags-….tar.gz diagnostics` does: `diagnostics/` (mode 0000) first. */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix = 'cdiags-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function makeTarball(path: string, files: Record<string, string | Buffer>, opts: { gzip?: boolean; root?: string } = {}): Promise<void> {
  const pack = tar.pack();
  const root = opts.root ?? 'diagnostics';
  const dirs = new Set<string>();
  if (root.length > 0) pack.entry({ name: `${root}/`, type: 'directory', mode: 0o000 });
  for (const [rel, content] of Object.entries(files)) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      pack.entry({ name: `${root.length > 0 ? root + '/' : ''}${d}/`, type: 'directory', mode: 0o755 });
    }
    pack.entry({ name: `${root.length > 0 ? root + '/' : ''}${rel}`, mode: rel.endsWith('lock') ? 0o600 : 0o644 }, content);
  }
  pack.finalize();
  if (opts.gzip === false) await pipeline(pack, createWriteStream(path));
  else await pipeline(pack, createGzip(), createWriteStream(path));
}
