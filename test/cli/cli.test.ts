import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { RULES } from '../../src/rules/index.js';
import { captureIO } from '../helpers/io.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, ipRoute, NODES, POOL_YAML } from '../helpers/healthy-cluster.js';

const dir = tempDir();
const argv = (...a: string[]) => ['node', 'calico-diags', ...a];
let tarA = '';
let tarB = '';
let tarC = '';

test.before(async () => {
  tarA = join(dir, 'a.tar.gz');
  tarB = join(dir, 'b.tar.gz');
  tarC = join(dir, 'c.tar.gz');
  const a = healthyNodeFiles(NODES[0]!);
  a.ipv4_route = ipRoute(NODES[0]!, [NODES[1]!]); // node-a lacks node-c's block
  await makeTarball(tarA, a);
  await makeTarball(tarB, healthyNodeFiles(NODES[1]!));
  await makeTarball(tarC, healthyNodeFiles(NODES[2]!));
  writeFileSync(join(dir, 'pools.yaml'), POOL_YAML);
});

test('analyze writes the HTML report and a summary on stdout; exit 0', async () => {
  const out = join(dir, 'r1.html');
  const c = captureIO();
  const code = await main(argv('analyze', tarA, tarB, tarC, join(dir, 'pools.yaml'), '-o', out), c.io);
  assert.is(code, 0);
  assert.ok(existsSync(out));
  assert.match(c.out(), /3 nodes/);
  assert.match(c.out(), 'node-a has no route to node-c');
  assert.not.match(c.out(), '\u001b[', 'no colour when not a TTY');
});

test('--json - writes only JSON to stdout, summary to stderr; same input, same bytes', async () => {
  const c1 = captureIO();
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '--json', '-', '-o', join(dir, 'r2.html')), c1.io), 0);
  const j = JSON.parse(c1.out());
  assert.is(j.schemaVersion, 1);
  assert.is(j.tool.name, 'calico-diags');
  assert.ok(j.findings.some((f: { id: string }) => f.id === 'block-route-missing:node-a->node-c'));
  assert.equal(j.rules.map((r: { id: string }) => r.id), RULES.map((r) => r.meta.id));
  assert.match(c1.err(), 'node-a has no route');
  const c2 = captureIO();
  await main(argv('analyze', tarA, tarB, tarC, '--json', '-', '-o', join(dir, 'r3.html')), c2.io);
  assert.is(c2.out(), c1.out());
  assert.is(readFileSync(join(dir, 'r2.html'), 'utf8'), readFileSync(join(dir, 'r3.html'), 'utf8'));
});

test('--fail-on: 1 when a finding at or above the level exists, 0 otherwise', async () => {
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r4.html'), '--fail-on', 'critical'), captureIO().io), 1);
  assert.is(await main(argv('analyze', tarB, tarC, '-o', join(dir, 'r5.html'), '--fail-on', 'critical'), captureIO().io), 0);
});

test('a corrupt tarball among good ones: one-line error naming it, exit 0, input unreadable', async () => {
  const bad = join(dir, 'corrupt.tar.gz');
  writeFileSync(bad, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const c = captureIO();
  const json = join(dir, 'r6.json');
  const code = await main(argv('analyze', tarB, bad, tarC, '-o', join(dir, 'r6.html'), '--json', json), c.io);
  assert.is(code, 0);
  const lines = c.err().trim().split('\n').filter((l) => l.includes('corrupt.tar.gz'));
  assert.is(lines.length, 1);
  assert.match(lines[0]!, `calico-diags: ${bad}: cannot read archive`);
  const j = JSON.parse(readFileSync(json, 'utf8'));
  const input = j.inputs.find((i: { path: string }) => i.path === bad);
  assert.is(input.status, 'unreadable');
  assert.is(j.nodes.length, 2);
});

test('exit 2 when no input could be read, and on usage errors', async () => {
  const c = captureIO();
  assert.is(await main(argv('analyze', join(dir, 'missing.tar.gz'), '-o', join(dir, 'r7.html')), c.io), 2);
  assert.match(c.err(), 'no input could be read');
  assert.is(await main(argv('analyze'), captureIO().io), 2);
  assert.is(await main(argv('analyze', tarA, '--fail-on', 'bogus'), captureIO().io), 2);
  assert.is(await main(argv('frobnicate'), captureIO().io), 2);
});

test('colour only on a TTY and never with NO_COLOR', async () => {
  const tty = captureIO({}, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r8.html'), '--no-progress'), tty.io);
  assert.match(tty.out(), '\u001b[');
  const noColor = captureIO({ NO_COLOR: '1' }, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r9.html'), '--no-progress'), noColor.io);
  assert.not.match(noColor.out(), '\u001b[');
});

test('rules and rules --json list every rule; explain shows one, unknown ids exit 2', async () => {
  const c = captureIO();
  assert.is(await main(argv('rules'), c.io), 0);
  for (const r of RULES) assert.match(c.out(), r.meta.id);
  const j = captureIO();
  await main(argv('rules', '--json'), j.io);
  assert.equal(JSON.parse(j.out()).map((r: { id: string }) => r.id), RULES.map((r) => r.meta.id));
  const e = captureIO();
  assert.is(await main(argv('explain', 'bgp-port179-blocked'), e.io), 0);
  assert.match(e.out(), 'bgp-port179-blocked [critical]');
  assert.match(e.out(), 'What to do:');
  assert.match(e.out(), 'Can be the root cause of: block-route-missing, dns-resolution-failure');
  assert.match(e.out(), 'When it cannot decide, collect:\n  calicoctl node status\n');
  assert.is(await main(argv('explain', 'nope'), captureIO().io), 2);
});

test('progress bars go to stderr only on a TTY, never to stdout, and not in CI', async () => {
  const tty = captureIO({}, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r10.html')), tty.io);
  assert.match(tty.err(), 'archives');
  assert.not.match(tty.out(), 'archives');
  const ci = captureIO({ CI: 'true' }, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r11.html')), ci.io);
  assert.not.match(ci.err(), 'archives');
  const pipe = captureIO({}, false);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r12.html')), pipe.io);
  assert.not.match(pipe.err(), 'archives');
});

test('problem lines stay one line each, even for hostile member names', async () => {
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const { createGzip } = await import('node:zlib');
  const tar = await import('tar-stream');
  const outer = join(dir, 'hostile-names.tar.gz');
  const pack = tar.pack();
  pack.entry({ name: 'x\n\u001b[31mEVIL\u001b[0m.tar.gz' }, 'not an archive at all, just text');
  pack.entry({ name: 'diagnostics/hostname' }, 'node-h\n');
  pack.finalize();
  await pipeline(pack, createGzip(), createWriteStream(outer));
  const c = captureIO();
  assert.is(await main(argv('analyze', outer, '-o', join(dir, 'r13.html')), c.io), 0);
  const lines = c.err().split('\n').filter((l) => l.includes('EVIL'));
  assert.is(lines.length, 1, c.err());
  assert.not.match(c.err(), '\u001b[31m');
});

test.run();
