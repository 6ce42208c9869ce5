import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readArchive } from '../../src/bundle/read-archive.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, NODES } from '../helpers/healthy-cluster.js';

const dir = tempDir();

test('reads a calicoctl-shaped .tar.gz as a stream: hostname, artifacts, logs', async () => {
  const path = join(dir, 'diags-20261127_101500.tar.gz');
  await makeTarball(path, { ...healthyNodeFiles(NODES[0]!), 'logs/bird/lock': '', 'logs/bird/config': 's10000000\nn5\n' });
  const r = await readArchive(path);
  assert.is(r.unreadable, false);
  assert.equal(r.problems, []);
  assert.is(r.nodes.length, 1);
  const n = r.nodes[0]!;
  assert.is(n.hostname, 'node-a');
  assert.is(n.root, 'diagnostics');
  assert.is(n.archiveName, 'diags-20261127_101500.tar.gz');
  assert.is(n.artifacts.ipv4_route.status, 'ok');
  assert.equal(n.artifacts.ipv4_route.files, ['diagnostics/ipv4_route']);
  assert.is(n.artifacts.ss.status, 'missing');
  assert.ok(n.routes4.some((x) => x.type === 'blackhole' && x.dst === '10.244.17.0/26' && x.proto === 'bird'));
  assert.is(n.bird?.protocols['Mesh_10_77_0_12']?.lastState, 'up');
  assert.is(n.layout.versionHint, '>=v3.31');
});

test('plain .tar (not gzipped) is read too', async () => {
  const path = join(dir, 'plain.tar');
  await makeTarball(path, { hostname: 'node-x\n', ipv4_route: 'default via 10.0.0.1 dev eth0\n' }, { gzip: false });
  const r = await readArchive(path);
  assert.is(r.nodes[0]?.hostname, 'node-x');
});

test('rotated svlogd files are merged in order: current is the latest state', async () => {
  const path = join(dir, 'rotated.tar.gz');
  await makeTarball(path, {
    hostname: 'node-r\n',
    // archive order deliberately puts current first
    'logs/bird/current': '2026-11-27T10:20:00.00001 bird: Mesh_10_0_0_2: State changed to start\n',
    'logs/bird/@400000006566d1a20b2c3d4e.s': '2026-11-27T10:00:00.00001 bird: Mesh_10_0_0_2: State changed to up\n',
  });
  const r = await readArchive(path);
  const p = r.nodes[0]!.bird!.protocols['Mesh_10_0_0_2']!;
  assert.is(p.lastState, 'start');
  assert.is(p.everUp, true);
  assert.equal(r.nodes[0]!.artifacts.bird_log.files, ['diagnostics/logs/bird/@400000006566d1a20b2c3d4e.s', 'diagnostics/logs/bird/current']);
});

test('a corrupt archive gives one line naming it and is unreadable', async () => {
  const path = join(dir, 'corrupt.tar.gz');
  writeFileSync(path, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('this is not deflate data at all')]));
  const r = await readArchive(path);
  assert.is(r.unreadable, true);
  assert.is(r.problems.length, 1);
  assert.ok(r.problems[0]!.startsWith(`${path}: cannot read archive:`), r.problems[0]);
  assert.not.match(r.problems[0]!, '\n');
});

test('a truncated archive keeps what was read and says where it broke', async () => {
  const good = join(dir, 'whole.tar.gz');
  await makeTarball(good, { ...healthyNodeFiles(NODES[1]!), 'logs/felix/current': 'x'.repeat(200000) + '\n' });
  const buf = readFileSync(good);
  const cut = join(dir, 'cut.tar.gz');
  writeFileSync(cut, buf.subarray(0, Math.floor(buf.length * 0.8)));
  const r = await readArchive(cut);
  assert.is(r.unreadable, false);
  assert.ok(r.problems[0]!.includes('damaged'), r.problems[0]);
  assert.ok(r.nodes.length === 1);
});

test('bytes appended after the gzip data (after zero padding or not) are ignored and named; the bundle is read whole', async () => {
  const good = join(dir, 'appended-src.tar.gz');
  await makeTarball(good, healthyNodeFiles(NODES[0]!));
  const buf = readFileSync(good);
  const want = await readArchive(good);
  for (const [name, tail] of [
    ['appended.tar.gz', Buffer.from('Content-Type: text/plain\r\n\r\n')],
    ['padded-appended.tar.gz', Buffer.concat([Buffer.alloc(512), Buffer.from('xx')])],
  ] as const) {
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([buf, tail]));
    const r = await readArchive(path);
    assert.is(r.unreadable, false);
    assert.is(r.nodes.length, 1);
    assert.equal(r.nodes[0]!.routes4, want.nodes[0]!.routes4);
    assert.equal(r.nodes[0]!.artifacts, want.nodes[0]!.artifacts);
    assert.equal(r.problems, [`${path}: trailing garbage ignored: ${tail.length - (name.startsWith('padded') ? 512 : 0)} bytes after the end of the gzip data are not gzip (appended to the file after it was made); what the archive holds is analyzed`]);
  }
  // Zero padding alone is not worth a word.
  const padded = join(dir, 'padded.tar.gz');
  writeFileSync(padded, Buffer.concat([buf, Buffer.alloc(4096)]));
  assert.equal((await readArchive(padded)).problems, []);
});

test('a bundle gzipped twice (gzip run on the .tar.gz, or a download gzipped in transit) reads as the bundle', async () => {
  const good = join(dir, 'once.tar.gz');
  await makeTarball(good, { ...healthyNodeFiles(NODES[2]!), 'logs/felix/current': 'y'.repeat(300000) + '\n' });
  const twice = join(dir, 'twice.tar.gz');
  writeFileSync(twice, gzipSync(readFileSync(good)));
  const [want, got] = [await readArchive(good), await readArchive(twice)];
  assert.equal(got.problems, []);
  assert.is(got.unreadable, false);
  assert.equal(got.nodes.map((n) => [n.hostname, n.artifacts]), want.nodes.map((n) => [n.hostname, n.artifacts]));
  assert.equal(got.nodes[0]!.routes4, want.nodes[0]!.routes4);
  // Gzipped three times is not guessed at: one line, unreadable.
  const thrice = join(dir, 'thrice.tar.gz');
  writeFileSync(thrice, gzipSync(readFileSync(twice)));
  const r = await readArchive(thrice);
  assert.is(r.unreadable, true);
  assert.is(r.problems.length, 1);
});

test('an empty archive is a copy that did not finish: unreadable, one line saying so', async () => {
  const path = join(dir, 'empty.tar.gz');
  writeFileSync(path, '');
  const r = await readArchive(path);
  assert.is(r.unreadable, true);
  assert.equal(r.problems, [`${path}: cannot read archive: empty file (0 bytes: the copy or upload did not finish; collect or send it again)`]);
});

test('a text file that is not an archive', async () => {
  const path = join(dir, 'notes.tgz');
  writeFileSync(path, 'hello, this is not a tarball\n'.repeat(40));
  const r = await readArchive(path);
  assert.is(r.unreadable, true);
  assert.match(r.problems[0]!, 'cannot read archive');
});

test('hostile member names never escape: nothing is written, paths are only classified', async () => {
  const path = join(dir, 'hostile.tar.gz');
  await makeTarball(path, { hostname: 'evil\n', '../../../../tmp/cdiags-pwned': 'x', 'logs/../../etc/passwd': 'root:x:0:0' });
  const before = statSync(dir).mtimeMs;
  const r = await readArchive(path);
  assert.is(r.nodes[0]?.hostname, 'evil');
  assert.is(statSync(dir).mtimeMs, before);
});

test('the input file is never modified', async () => {
  const path = join(dir, 'diags-20261127_101500.tar.gz');
  const before = readFileSync(path);
  await readArchive(path);
  assert.ok(readFileSync(path).equals(before));
});

test('an attachment holding every node\'s tarball: each nested bundle is its own node', async () => {
  const a = join(dir, 'inner-a.tar.gz');
  const b = join(dir, 'inner-b.tar.gz');
  await makeTarball(a, healthyNodeFiles(NODES[0]!));
  await makeTarball(b, healthyNodeFiles(NODES[1]!));
  const outer = join(dir, 'ticket-12345.tar.gz');
  await makeTarball(outer, { 'node-a/diags-20261127_101500.tar.gz': readFileSync(a), 'node-b/diags-20261127_101502.tar.gz': readFileSync(b), 'ippools.yaml': 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p\nspec:\n  cidr: 10.244.0.0/16\n' }, { root: 'ticket' });
  const r = await readArchive(outer);
  assert.equal(r.problems, []);
  assert.equal(r.nodes.map((n) => n.hostname).sort(), ['node-a', 'node-b']);
  assert.is(r.nodes.find((n) => n.hostname === 'node-a')!.input, `${outer}!/ticket/node-a/diags-20261127_101500.tar.gz`);
  assert.is(r.nodes.find((n) => n.hostname === 'node-a')!.archiveName, 'diags-20261127_101500.tar.gz');
  assert.is(r.resources.length, 1);
});

test.run();
