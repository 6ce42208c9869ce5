/**
 * The bounds on archives and archives inside them (depth, inflated bytes and ratio, entry count), with small
 * crafted archives and the limits lowered where a real bomb would be too large for a test: each stops at one
 * line naming the archive and the entry, and the rest of the input (and the other inputs) is still analyzed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';
import { analyze } from '../../src/analyze.js';
import type { ArchiveLimits } from '../../src/bundle/read-archive.js';
import { DEFAULT_LIMITS, readArchive } from '../../src/bundle/read-archive.js';
import type { SourceResult } from '../../src/bundle/source-result.js';
import { healthyNodeFiles, NODES } from '../helpers/healthy-cluster.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';

const dir = tempDir();
const MiB = 1024 * 1024;
let nodeA: Buffer;
let nodeB: Buffer;

function makeZip(path: string, files: Record<string, Buffer | string>): Promise<void> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name);
  z.end();
  return new Promise((res, rej) => {
    z.outputStream.pipe(createWriteStream(path)).on('close', () => res()).on('error', rej);
  });
}

/** A tar.gz of `files` (no root folder), returned as bytes. */
async function tgz(name: string, files: Record<string, Buffer | string>): Promise<Buffer> {
  const p = join(dir, name);
  await makeTarball(p, files, { root: '' });
  return readFileSync(p);
}

function withLimits(limits: Partial<ArchiveLimits>) {
  return { workers: false, readArchive: (p: string, onRead?: (n: number) => void) => readArchive(p, onRead, limits) };
}

function oneLine(r: SourceResult, needle: string): string {
  const hits = r.problems.filter((p) => p.includes(needle));
  assert.is(hits.length, 1, r.problems.join('\n'));
  assert.not.match(hits[0]!, '\n');
  return hits[0]!;
}

test.before(async () => {
  const a = join(dir, 'node-a.tar.gz');
  const b = join(dir, 'node-b.tar.gz');
  await makeTarball(a, healthyNodeFiles(NODES[0]!, NODES.slice(0, 2)));
  await makeTarball(b, healthyNodeFiles(NODES[1]!, NODES.slice(0, 2)));
  nodeA = readFileSync(a);
  nodeB = readFileSync(b);
});

test('defaults: 3 deep, 200k entries, 2000 times past 64 MiB, 64 GiB per input', () => {
  assert.equal(DEFAULT_LIMITS, { maxNesting: 3, maxEntries: 200_000, maxInflatedBytes: 64 * 1024 * MiB, maxRatio: 2000, ratioFloorBytes: 64 * MiB });
});

test('depth: the archive 4 deep is named and not read; node-b beside the chain is', async () => {
  let chain = nodeA;
  for (const level of [4, 3, 2, 1]) chain = await tgz(`level-${level}.tar.gz`, { [`level-${level + 1}.tar.gz`]: chain });
  const outer = join(dir, 'deep.tar.gz');
  await makeTarball(outer, { 'level-1.tar.gz': chain, 'node-b/diags-20261127_101502.tar.gz': nodeB }, { root: '' });
  const r = await readArchive(outer);
  const line = oneLine(r, 'nested');
  assert.is(line, `${outer}!/level-1.tar.gz!/level-2.tar.gz!/level-3.tar.gz!/level-4.tar.gz: archive nested more than 3 deep; not read`);
  assert.equal(r.nodes.map((n) => n.hostname), ['node-b']);
  const shallow = await readArchive(outer, undefined, { maxNesting: 1 });
  assert.is(oneLine(shallow, 'nested'), `${outer}!/level-1.tar.gz!/level-2.tar.gz: archive nested more than 1 deep; not read`);
  assert.equal(shallow.nodes.map((n) => n.hostname), ['node-b']);
});

test('ratio, for real: zeros gzipped twice inside a tar.gz stop at their archive; node-b after them is read', async () => {
  const zeros = await tgz('zeros.tar.gz', { 'zeros.log': Buffer.alloc(16 * MiB) });
  const mid = await tgz('mid.tar.gz', { 'zeros.tar.gz': zeros });
  assert.ok(16 * MiB > 2000 * mid.length, `gzip twice: ${mid.length} bytes hold 16 MiB`);
  const outer = join(dir, 'ratio.tar.gz');
  await makeTarball(outer, { 'mid.tar.gz': mid, 'node-b/diags-20261127_101502.tar.gz': nodeB }, { root: '' });
  // Only the floor is lowered (a real bomb past 64 MiB is too slow for a test); the ratio is the default 2000.
  const limits = { ratioFloorBytes: 64 * 1024 };
  const r = await readArchive(outer, undefined, limits);
  const line = oneLine(r, 'zip bomb');
  assert.match(line, `${outer}!/mid.tar.gz!/zeros.tar.gz!/zeros.log: ${16 * MiB} bytes would take ${outer}!/mid.tar.gz past ${2000 * mid.length} bytes inflated (2000 times its ${mid.length} bytes: a zip bomb?); the rest of ${outer}!/mid.tar.gz!/zeros.tar.gz was not read`);
  assert.equal(r.nodes.map((n) => n.hostname), ['node-b']);
  assert.ok(!r.unreadable);
  // Through analyze, with another input: the line is the inner archive's, node-a (another input) and node-b are analyzed.
  const other = join(dir, 'node-a-given.tar.gz');
  await makeTarball(other, healthyNodeFiles(NODES[0]!, NODES.slice(0, 2)));
  const rep = await analyze([outer, other], withLimits(limits));
  assert.equal(rep.nodes.map((n) => n.name), ['node-a', 'node-b']);
  const rows = rep.inputs.filter((i) => i.problems.some((p) => p.includes('zip bomb')));
  assert.is(rows.length, 1);
  assert.equal(rows[0]!.problems.filter((p) => p.includes('zip bomb')).length, 1);
});

test('ratio, with the limit lowered: one deflate layer past 100 times its size stops that archive only', async () => {
  const bomb = await tgz('bomb.tar.gz', { 'zeros.log': Buffer.alloc(4 * MiB) });
  const outer = join(dir, 'ratio-low.tar.gz');
  await makeTarball(outer, { 'node-a/diags-20261127_101500.tar.gz': nodeA, 'bomb.tar.gz': bomb, 'node-b/diags-20261127_101502.tar.gz': nodeB }, { root: '' });
  const r = await readArchive(outer, undefined, { maxRatio: 100, ratioFloorBytes: 64 * 1024 });
  assert.match(oneLine(r, 'zip bomb'), `${outer}!/bomb.tar.gz!/zeros.log: ${4 * MiB} bytes would take ${outer}!/bomb.tar.gz past ${100 * bomb.length} bytes inflated (100 times its ${bomb.length} bytes`);
  assert.equal(r.nodes.map((n) => n.hostname).sort(), ['node-a', 'node-b']);
  // The defaults read it whole.
  assert.equal((await readArchive(outer)).problems, []);
});

test('total inflated bytes of one input: past the cap the input stops there, what came before is analyzed', async () => {
  const outer = join(dir, 'total.tar.gz');
  await makeTarball(outer, { 'node-a/diags-20261127_101500.tar.gz': nodeA, 'big.log': Buffer.alloc(2 * MiB), 'node-b/diags-20261127_101502.tar.gz': nodeB }, { root: '' });
  const limits = { maxInflatedBytes: MiB, ratioFloorBytes: 512 * MiB };
  const r = await readArchive(outer, undefined, limits);
  assert.is(oneLine(r, 'zip bomb'), `${outer}!/big.log: ${2 * MiB} bytes would take ${outer} past ${MiB} bytes inflated (the most read from one input: a zip bomb?); the rest of ${outer} was not read`);
  assert.equal(r.nodes.map((n) => n.hostname), ['node-a']);
  const rep = await analyze([outer], withLimits(limits));
  assert.equal(rep.nodes.map((n) => n.name), ['node-a']);
  assert.ok(rep.inputs.some((i) => i.problems.some((p) => p.endsWith(`the rest of ${outer} was not read`))));
});

test('zip: an entry past the ratio is skipped and the next read; the total stops the zip', async () => {
  const zip = join(dir, 'ticket.zip');
  await makeZip(zip, { 'zeros.bin': Buffer.alloc(4 * MiB), 'node-b/diags-20261127_101502.tar.gz': nodeB });
  const r = await readArchive(zip, undefined, { maxRatio: 100, ratioFloorBytes: 64 * 1024 });
  assert.match(oneLine(r, 'zip bomb'), new RegExp(`^${zip.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}!/zeros\\.bin: expands from \\d+ to ${4 * MiB} bytes \\(a zip bomb\\?\\); skipped$`));
  assert.equal(r.nodes.map((n) => n.hostname), ['node-b']);
  const capped = await readArchive(zip, undefined, { maxInflatedBytes: MiB, ratioFloorBytes: 512 * MiB });
  assert.is(oneLine(capped, 'zip bomb'), `${zip}!/zeros.bin: ${4 * MiB} bytes would take ${zip} past ${MiB} bytes inflated (the most read from one input: a zip bomb?); the rest of ${zip} was not read`);
});

test('entries: past the count the entry is named, the rest skipped, what came before analyzed (tar and zip)', async () => {
  const files: Record<string, Buffer | string> = { 'node-a/diags-20261127_101500.tar.gz': nodeA };
  for (let i = 0; i < 10; i++) files[`notes/n${i}.txt`] = `note ${i}\n`;
  const tar = join(dir, 'many.tar.gz');
  await makeTarball(tar, files, { root: '' });
  const zip = join(dir, 'many.zip');
  await makeZip(zip, files);
  // node-a's tarball and its files, then three notes
  const max = 1 + Object.keys(healthyNodeFiles(NODES[0]!, NODES.slice(0, 2))).length + 3;
  for (const path of [tar, zip]) {
    const r = await readArchive(path, undefined, { maxEntries: max });
    assert.is(oneLine(r, 'entries'), `${path}: holds more than ${max} entries (archives inside included); ${path}!/notes/n3.txt and the rest were skipped`);
    assert.equal(r.nodes.map((n) => n.hostname), ['node-a']);
    assert.is(r.attachments?.length, 3);
  }
});

test.run();
