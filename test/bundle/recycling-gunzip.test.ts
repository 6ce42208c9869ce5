import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadStream, createWriteStream, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import fc from 'fast-check';
import { createRecyclingGunzip, poisonRecycledBuffers, recycleTotals } from '../../src/bundle/recycling-gunzip.js';
import { readArchive, CHUNK_BYTES } from '../../src/bundle/read-archive.js';
import { POOL_SLOTS, setWasmEnabled, wasmLines } from '../../src/parsers/wasm-lines.js';
import type { SourceResult } from '../../src/bundle/source-result.js';
import { generateBundles } from '../../bench/generate-bundles.js';
import { tempDir } from '../helpers/make-tarball.js';

const dir = tempDir();
/** Freed buffers are filled with this: a reader that reads bytes after saying it was done sees `~`. */
const POISON = 0x7e;

/** Pseudo-random text (incompressible enough that gzip output spans many input chunks). */
function text(bytes: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const r = (x >>> 0) % 64;
    b[i] = r === 0 ? 10 : 32 + (r % 90);
  }
  return b;
}

async function inflateAll(gz: Buffer, release: boolean, close = true): Promise<{ out: Buffer; reused: number; retired: number; inPlace: number; chunks: number; lent: number }> {
  const r = createRecyclingGunzip(CHUNK_BYTES);
  const wasm = wasmLines();
  const parts: Buffer[] = [];
  let pos = 0;
  let inPlace = 0;
  let lent = 0;
  const done = (async () => {
    for await (const c of r.gunzip) {
      parts.push(Buffer.from(c as Buffer)); // copied: the reader keeps nothing lent
      if (wasm?.inPlace(c as Buffer) === true) inPlace++;
      pos += (c as Buffer).length;
      if (release) r.release(pos);
      lent = Math.max(lent, POOL_SLOTS - (wasm?.freeBuffers ?? POOL_SLOTS));
    }
  })();
  r.gunzip.end(gz);
  await done;
  if (close) r.close();
  return { out: Buffer.concat(parts), reused: r.stats.reused, retired: r.stats.retired, inPlace, chunks: parts.length, lent };
}

test('the scanner off: inflates the same bytes as gunzip in plain buffers, reusing them once the reader releases them', async () => {
  poisonRecycledBuffers(POISON);
  setWasmEnabled(false);
  try {
    const raw = text(9 * CHUNK_BYTES + 12345, 7);
    const gz = gzipSync(raw);
    const released = await inflateAll(gz, true);
    assert.ok(released.out.equals(raw));
    assert.ok(released.retired >= 9, `retired ${released.retired}`);
    assert.ok(released.reused >= released.retired - 2, `reused ${released.reused} of ${released.retired}`);
    const kept = await inflateAll(gz, false);
    assert.ok(kept.out.equals(raw));
    assert.is(kept.reused, 0, 'a reader that never releases gets plain gunzip');
    assert.is(released.inPlace + kept.inPlace, 0);
  } finally {
    poisonRecycledBuffers(undefined);
    setWasmEnabled(true);
  }
});

test('the scanner on: zlib inflates into its slots (read in place), which go back as the reader releases them, at a member\'s end, and at close()', async () => {
  const wasm = wasmLines()!;
  const before = wasm.freeBuffers;
  assert.is(before, POOL_SLOTS, 'every slot free between streams');
  poisonRecycledBuffers(POISON);
  try {
    const raw = text(9 * CHUNK_BYTES + 12345, 7);
    const released = await inflateAll(gzipSync(raw), true);
    assert.ok(released.out.equals(raw));
    assert.is(released.inPlace, released.chunks, 'every chunk in a slot');
    assert.ok(released.lent <= 3, `lent ${released.lent}`);
    assert.is(wasm.freeBuffers, before);
    // Two members (`cat a.gz b.gz`): each inflater's last slot goes back when it ends.
    const second = text(2 * CHUNK_BYTES + 7, 8);
    const two = await inflateAll(Buffer.concat([gzipSync(raw), gzipSync(second)]), true, false);
    assert.ok(two.out.equals(Buffer.concat([raw, second])));
    assert.ok(wasm.freeBuffers >= before - 1, `free ${wasm.freeBuffers} before close()`);
    // A reader that never releases: the slots run out, then zlib's own buffers; the bytes are the same, and close() gives every slot back.
    const big = text((POOL_SLOTS + 6) * CHUNK_BYTES, 9);
    const kept = await inflateAll(gzipSync(big), false);
    assert.ok(kept.out.equals(big));
    assert.is(kept.lent, POOL_SLOTS);
    assert.ok(kept.inPlace >= POOL_SLOTS && kept.inPlace < kept.chunks, `${kept.inPlace} of ${kept.chunks} in place`);
    assert.is(wasm.freeBuffers, before);
  } finally {
    poisonRecycledBuffers(undefined);
  }
});

test('the scanner on: every slot goes back after zlib fails and after a destroy, only once zlib\'s write is over', async () => {
  const wasm = wasmLines()!;
  const before = wasm.freeBuffers;
  const gz = gzipSync(text(3 * CHUNK_BYTES, 12));
  gz.fill(0xff, gz.length >> 1, (gz.length >> 1) + 64); // damaged deflate data
  const failed = createRecyclingGunzip(CHUNK_BYTES);
  let pos = 0;
  const reading = (async () => {
    for await (const c of failed.gunzip) failed.release((pos += (c as Buffer).length));
  })();
  failed.gunzip.end(gz);
  await reading.then(
    () => assert.unreachable('damaged data inflated'),
    (err: { code?: string }) => assert.match(String(err.code), /^Z_/),
  );
  failed.close();
  await new Promise((r) => setImmediate(r));
  assert.is(wasm.freeBuffers, before, 'zlib failed: every slot back');
  // Destroyed while zlib inflates into a slot: that slot comes back when zlib's write is over, not
  // before (given back, it is poisoned: a write after that would leave other bytes in it).
  poisonRecycledBuffers(POISON);
  const cut = createRecyclingGunzip(CHUNK_BYTES);
  const inflater = () => (cut.gunzip as unknown as { inflater: { _outBuffer: Buffer } }).inflater;
  let whileWriting: number | undefined;
  const stopped = (async () => {
    for await (const c of cut.gunzip) {
      cut.release((c as Buffer).length);
      cut.gunzip.destroy();
      whileWriting = wasm.freeBuffers;
      assert.ok(wasm.inPlace(inflater()._outBuffer));
    }
  })();
  cut.gunzip.end(gzipSync(text(8 * CHUNK_BYTES, 13)));
  await stopped.catch(() => undefined);
  cut.close();
  assert.ok(whileWriting !== undefined && whileWriting < before, `free while zlib wrote: ${whileWriting}`);
  for (let i = 0; i < 50 && wasm.freeBuffers < before; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  poisonRecycledBuffers(undefined);
  assert.is(wasm.freeBuffers, before, 'destroyed: every slot back once the write was over');
  const last = inflater()._outBuffer;
  assert.ok(last.every((b) => b === POISON), 'nothing wrote the slot after it was given back');
});

test('the poison shows a reader that keeps a lent chunk past its release (what the archive tests rely on)', async () => {
  poisonRecycledBuffers(POISON);
  try {
    const raw = text(4 * CHUNK_BYTES, 3);
    const r = createRecyclingGunzip(CHUNK_BYTES);
    const kept: Buffer[] = [];
    let pos = 0;
    const done = (async () => {
      for await (const c of r.gunzip) {
        kept.push(c as Buffer); // kept without a copy: wrong on purpose
        pos += (c as Buffer).length;
        r.release(pos);
      }
    })();
    r.gunzip.end(gzipSync(raw));
    await done;
    assert.ok(r.stats.reused > 0);
    assert.not.ok(Buffer.concat(kept).equals(raw), 'kept chunks were overwritten');
  } finally {
    poisonRecycledBuffers(undefined);
  }
});

test('Buffer.allocUnsafe is unchanged for every other caller', async () => {
  await inflateAll(gzipSync(text(3 * CHUNK_BYTES, 5)), true);
  const a = Buffer.allocUnsafe(CHUNK_BYTES);
  const b = Buffer.allocUnsafe(CHUNK_BYTES);
  assert.is.not(a.buffer, b.buffer);
  assert.is(Buffer.allocUnsafe(10).length, 10);
});

/** What an archive read gives, without the input's own path (the .tar.gz and the .tar of it differ there). */
function comparable(r: SourceResult, path: string): string {
  const name = basename(path);
  return JSON.stringify(r).split(JSON.stringify(path).slice(1, -1)).join('<input>').split(name).join('<name>');
}

async function gunzipFile(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createGunzip(), createWriteStream(to));
}

function archivesUnder(root: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...archivesUnder(p));
    else if (e.name.endsWith('.tar.gz')) out.push(p);
  }
  return out.sort();
}

test('reading generated node and cluster diags with recycled buffers gives what the plain tar gives', async () => {
  const set = join(dir, 'set');
  await generateBundles({ dir: set, nodes: 4, totalBytes: 48_000_000, seed: 11 });
  const archives = archivesUnder(set);
  assert.ok(archives.length >= 4, `${archives.length} archives`);
  poisonRecycledBuffers(POISON);
  const before = recycleTotals().reused;
  try {
    for (const gz of archives) {
      const plain = gz.replace(/\.gz$/, '');
      await gunzipFile(gz, plain);
      const a = await readArchive(gz);
      const b = await readArchive(plain);
      assert.ok(statSync(plain).size > CHUNK_BYTES);
      assert.is(comparable(a, gz), comparable(b, plain), relative(set, gz));
    }
  } finally {
    poisonRecycledBuffers(undefined);
  }
  assert.ok(recycleTotals().reused - before > 20, `reused ${recycleTotals().reused - before}`);
});

/** A tar of the shapes a reader could trip on, entries crossing every 1 MiB boundary at odd offsets. */
async function awkwardTar(): Promise<Buffer> {
  const pack = tar.pack();
  const long = 'diagnostics/' + 'd'.repeat(120) + '/notes-' + 'n'.repeat(140) + '.txt'; // a pax path
  pack.entry({ name: 'diagnostics/', type: 'directory', mode: 0 });
  pack.entry({ name: 'diagnostics/hostname' }, 'node-awkward\n');
  pack.entry({ name: 'diagnostics/logs/', type: 'directory' });
  pack.entry({ name: 'diagnostics/logs/felix/', type: 'directory' });
  let t = Date.UTC(2024, 2, 15, 6, 0, 0);
  const felix: string[] = [];
  for (let i = 0, n = 0; n < 2.6 * CHUNK_BYTES; i++, n += felix[felix.length - 1]!.length) {
    t += 37;
    const stamp = new Date(t).toISOString().replace('T', ' ').replace('Z', '').slice(0, 23);
    const level = i % 97 === 0 ? 'WARNING' : i % 3 === 0 ? 'INFO' : 'DEBUG';
    felix.push(`${stamp} [${level}][${100 + (i % 5)}] felix/int_dataplane.go ${200 + (i % 50)}: Applying dataplane updates ipSetsToUpdate=${i % 11} msgType=${i}\n`);
  }
  // then lines that are no records (a stack trace): the file's last time is the last record's, chunks back
  for (let i = 0, n = 0; n < 2.2 * CHUNK_BYTES; i++, n += felix[felix.length - 1]!.length) felix.push(`\tgithub.com/projectcalico/calico/felix/dataplane/linux.(*InternalDataplane).loopUpdatingDataplane(0xc000${i})\n`);
  pack.entry({ name: 'diagnostics/logs/felix/current' }, felix.join(''));
  pack.entry({ name: 'diagnostics/ipv4_route', type: 'symlink', linkname: '/etc/passwd' });
  pack.entry({ name: long }, 'pasted: calicoctl node status\n' + text(3000, 9).toString('latin1'));
  const bird: string[] = [];
  for (let i = 0, n = 0; n < 1.3 * CHUNK_BYTES; i++, n += bird[bird.length - 1]!.length) {
    const text = i % 13 === 0 ? 'State changed to start' : 'Starting';
    bird.push(`2024-03-15_06:0${Math.floor(i / 6000) % 10}:${String(Math.floor(i / 100) % 60).padStart(2, '0')}.${String(i % 100000).padStart(5, '0')} bird: Mesh_10_0_0_${(i % 7) + 2}: ${text}\n`);
  }
  // then unstamped lines: the file's last time is the last stamped line's, chunks back
  for (let i = 0, n = 0; n < 2.2 * CHUNK_BYTES; i++, n += bird[bird.length - 1]!.length) bird.push(`bird: Mesh_10_0_0_${(i % 7) + 2}: Starting\n`);
  pack.entry({ name: 'diagnostics/logs/bird/current' }, bird.join(''));
  pack.entry({ name: 'diagnostics/big-unrelated.bin' }, text(CHUNK_BYTES + 511, 4));
  for (let i = 0; i < 40; i++) pack.entry({ name: `diagnostics/tiny-${i}` }, text(i * 97 + 1, i + 20));
  pack.entry({ name: 'diagnostics/ipv4_addr' }, '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    inet 127.0.0.1/8 scope host lo\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('pax names, symlinks, skipped and tiny entries, a nested tar.gz: recycled buffers read what the plain tar reads', async () => {
  const inner = await awkwardTar();
  const outerPack = tar.pack();
  outerPack.entry({ name: 'ticket/node-a/diags-20240315_060000.tar.gz' }, gzipSync(inner));
  outerPack.entry({ name: 'ticket/readme.txt' }, 'collected by the customer\n');
  outerPack.entry({ name: 'ticket/node-b/diagnostics/hostname' }, 'node-b\n');
  outerPack.entry({ name: 'ticket/node-b/diagnostics/logs/felix/current' }, text(2 * CHUNK_BYTES + 3, 8));
  outerPack.finalize();
  const parts: Buffer[] = [];
  for await (const c of outerPack) parts.push(c as Buffer);
  const outer = Buffer.concat(parts);
  poisonRecycledBuffers(POISON);
  try {
    for (const [name, bytes] of [['awkward', inner], ['ticket', outer]] as const) {
      const gz = join(dir, `${name}.tar.gz`);
      const plain = join(dir, `${name}.tar`);
      writeFileSync(gz, gzipSync(bytes));
      writeFileSync(plain, bytes);
      const a = await readArchive(gz);
      const b = await readArchive(plain);
      assert.ok(a.nodes.length >= 1);
      if (name === 'awkward') {
        const n = a.nodes[0]!;
        assert.match(String(n.bird?.lastTime), /^2024-03-15T06:0/);
        assert.match(String(n.felix?.lastTime), /^2024-03-15 0/);
      }
      assert.is(comparable(a, gz), comparable(b, plain), name);
    }
  } finally {
    poisonRecycledBuffers(undefined);
  }
});

/** One member of a random archive: where it lands in a bundle, what kind of entry, how big. */
const member = fc.record({
  path: fc.constantFrom('logs/felix/current', 'logs/felix/@400000006566d1a20000000000000000.s', 'logs/bird/current', 'logs/confd/current', 'ipv4_route', 'ipsets', 'ipv4_tables', 'netstat', 'notes.txt', 'x/' + 'y'.repeat(150) + '/long-name.log', 'logs/k8s_calico-node_calico-node-abc_calico-system_0.log'),
  type: fc.constantFrom('file', 'file', 'file', 'file', 'symlink', 'directory'),
  // up to ~1.5 MiB: entries cross the 1 MiB output buffers at every offset
  size: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 100_000, max: 1_600_000 })),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

/** Log-like text of `size` bytes: stamped Felix/BIRD lines, some without a newline at the end. */
function logText(size: number, seed: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const l =
      (i + seed) % 5 === 0
        ? `2024-03-15_06:0${i % 10}:${String(i % 60).padStart(2, '0')}.${String((i * 7) % 100000).padStart(5, '0')} bird: Mesh_10_0_0_${i % 9}: ${(i + seed) % 3 === 0 ? 'State changed to up' : 'Starting'}\n`
        : `2024-03-15 06:${String(i % 60).padStart(2, '0')}:${String((i * 13) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')} [${['INFO', 'DEBUG', 'WARNING', 'ERROR'][(i + seed) % 4]}][${88 + (seed % 3)}] felix/route_table.go ${100 + (i % 900)}: line ${i} of ${seed}\n`;
    lines.push(l);
    n += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

test('property: random archives (sizes across every buffer boundary, pax names, links, folders) read the same with recycled buffers', async () => {
  poisonRecycledBuffers(POISON);
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(member, { minLength: 2, maxLength: 9 }), async (members) => {
        const pack = tar.pack();
        pack.entry({ name: 'diagnostics/', type: 'directory', mode: 0 });
        pack.entry({ name: 'diagnostics/hostname' }, 'node-prop\n');
        for (const m of members) {
          const name = `diagnostics/${m.path}`;
          if (m.type === 'directory') pack.entry({ name: name + '.d/', type: 'directory' });
          else if (m.type === 'symlink') pack.entry({ name: name + '.lnk', type: 'symlink', linkname: '/etc/passwd' });
          else pack.entry({ name }, logText(m.size, m.seed));
        }
        pack.finalize();
        const parts: Buffer[] = [];
        for await (const c of pack) parts.push(c as Buffer);
        const raw = Buffer.concat(parts);
        const gz = join(dir, 'prop.tar.gz');
        const plain = join(dir, 'prop.tar');
        writeFileSync(gz, gzipSync(raw, { level: constants.Z_BEST_SPEED }));
        writeFileSync(plain, raw);
        assert.is(comparable(await readArchive(gz), gz), comparable(await readArchive(plain), plain));
      }),
      { numRuns: 12 },
    );
  } finally {
    poisonRecycledBuffers(undefined);
  }
});

test.run();
