import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { readArchive } from '../../src/bundle/read-archive.js';
import { tempDir } from '../helpers/make-tarball.js';
import { MAX_FILES_PER_BUNDLE } from '../../src/bundle/node-bundle-builder.js';
import { MAX_BUNDLES_PER_INPUT } from '../../src/bundle/bundle-collector.js';

const dir = tempDir();

test('symlinks, hard links and devices are skipped; a 5 MB line without newline stays bounded', async () => {
  const path = join(dir, 'links.tar.gz');
  const pack = tar.pack();
  pack.entry({ name: 'diagnostics/', type: 'directory', mode: 0 });
  pack.entry({ name: 'diagnostics/hostname', type: 'symlink', linkname: '/etc/hostname' });
  pack.entry({ name: 'diagnostics/ipv4_route', type: 'link', linkname: '/etc/passwd' });
  pack.entry({ name: 'diagnostics/netstat', type: 'character-device', devmajor: 1, devminor: 3 });
  pack.entry({ name: 'diagnostics/logs/felix/current' }, 'A'.repeat(5 * 1024 * 1024));
  pack.finalize();
  await pipeline(pack, createGzip(), createWriteStream(path));
  const r = await readArchive(path);
  const n = r.nodes[0]!;
  assert.is(n.hostname, undefined);
  assert.is(n.artifacts.hostname.status, 'missing');
  assert.is(n.artifacts.ipv4_route.status, 'missing');
  assert.is(n.artifacts.felix_log.status, 'ok');
  assert.ok(r.problems.every((p) => !p.includes('\n')));
});

test('property: random bytes, with or without a gzip header, never throw and give one-line problems', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (bytes, gz) => {
      const path = join(dir, 'random.tgz');
      writeFileSync(path, gz ? Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(bytes)]) : Buffer.from(bytes));
      const r = await readArchive(path);
      for (const p of r.problems) assert.not.ok(p.includes('\n'), p);
      if (r.nodes.length === 0 && r.resources.length === 0) assert.ok(r.unreadable);
    }),
    { numRuns: 60 },
  );
});

test('a gzip of a valid tar header followed by garbage is damaged, not fatal to the run', async () => {
  const pack = tar.pack();
  pack.entry({ name: 'diagnostics/hostname' }, 'node-q\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const path = join(dir, 'garbage-after.tar.gz');
  writeFileSync(path, gzipSync(Buffer.concat([raw.subarray(0, 1024), Buffer.from('x'.repeat(700))])));
  const r = await readArchive(path);
  assert.is(r.nodes[0]?.hostname, 'node-q');
  assert.is(r.unreadable, false);
});

test('an archive with thousands of entries is read up to the per-bundle and per-input caps, reported once each', async () => {
  const path = join(dir, 'many.tar.gz');
  const pack = tar.pack();
  pack.entry({ name: 'diagnostics/', type: 'directory', mode: 0 });
  pack.entry({ name: 'diagnostics/hostname' }, 'node-a\n');
  for (let i = 0; i < MAX_FILES_PER_BUNDLE + 100; i++) {
    pack.entry({ name: `diagnostics/logs/felix/@4000000065f3${String(i).padStart(12, '0')}.s` }, '2024-03-15 00:46:55.752 [DEBUG][68] felix/health.go 159: GET /liveness\n');
  }
  for (let i = 0; i < MAX_BUNDLES_PER_INPUT + 5; i++) pack.entry({ name: `n${i}/diagnostics/hostname` }, `n${i}\n`);
  pack.finalize();
  await pipeline(pack, createGzip(), createWriteStream(path));
  const r = await readArchive(path);
  assert.is(r.nodes.length, MAX_BUNDLES_PER_INPUT, 'bundles beyond the cap are skipped');
  const a = r.nodes.find((n) => n.hostname === 'node-a')!;
  assert.is(a.felix?.files.length, MAX_FILES_PER_BUNDLE - 1, 'files beyond the cap are not read (hostname was the first)');
  assert.is(r.problems.filter((p) => p.includes(`more than ${MAX_FILES_PER_BUNDLE} files`)).length, 1);
  assert.is(r.problems.filter((p) => p.includes(`more than ${MAX_BUNDLES_PER_INPUT} diags bundles`)).length, 1);
  assert.ok(r.problems.every((p) => p.startsWith(path) && !p.includes('\n')));
});

test.run();
