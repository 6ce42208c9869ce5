/**
 * `inspect` over every committed sample: what each input was taken to be, for which node, and which
 * artifacts were found, missing, empty or failed, matches test/golden/inspect/<scenario>.txt
 * (UPDATE_GOLDEN=1 npm test rewrites them; a missing or stale golden fails).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/make-tarball.js';
import { join, relative } from 'node:path';
import { inspect } from '../../src/inspect.js';
import { main } from '../../src/cli.js';
import { captureIO } from '../helpers/io.js';
import { analyze } from '../../src/analyze.js';
import { maskReportSecrets, redactReport } from '../../src/report/redact.js';

const root = new URL('../../../', import.meta.url).pathname;
const scenariosDir = join(root, 'samples', 'scenarios');
const goldenDir = join(root, 'test', 'golden', 'inspect');
const ids = existsSync(scenariosDir) ? readdirSync(scenariosDir).filter((d) => !d.startsWith('.')).sort() : [];

for (const id of ids) {
  test(`inspect ${id}: golden matches`, async () => {
    const dir = relative(process.cwd(), join(scenariosDir, id)) || '.';
    const { text } = await inspect([dir], { workers: false });
    const golden = join(goldenDir, `${id}.txt`);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(golden, text);
    }
    assert.ok(existsSync(golden), `golden ${golden} exists (UPDATE_GOLDEN=1 npm test writes it)`);
    assert.fixture(text, readFileSync(golden, 'utf8'));
  });
}

test('calico-diags inspect: prints the same text, exit 0; --node needs <name>=<file>', async () => {
  const dir = relative(process.cwd(), join(scenariosDir, 'healthy'));
  const c = captureIO();
  assert.is(await main(['node', 'calico-diags', 'inspect', dir], c.io), 0);
  assert.is(c.out(), (await inspect([dir], { workers: false })).text);
  assert.match(c.out(), /^calico-diags inspect: \d+ nodes/);
  assert.is(await main(['node', 'calico-diags', 'inspect', dir, '--node', 'nonsense'], captureIO().io), 2);
});

test('--node ties a pasted file nothing else places; the file need not be listed as an input', async () => {
  const dir = relative(process.cwd(), join(scenariosDir, 'healthy'));
  const tmp = tempDir('cdiags-node-');
  const neigh = join(tmp, 'neigh.txt');
  writeFileSync(neigh, '10.77.0.11 dev eth0 lladdr 52:54:00:12:34:11 REACHABLE\n');
  const c = captureIO();
  assert.is(await main(['node', 'calico-diags', 'inspect', dir, '--node', `node-b=${neigh}`], c.io), 0);
  assert.match(c.out(), 'taken as ip-neigh, for node-b (--node)');
  const plain = captureIO();
  await main(['node', 'calico-diags', 'inspect', dir, neigh], plain.io);
  assert.match(plain.out(), 'taken as ip-neigh, node not decided');
});

const MIXED = ['healthy', 'bgp-as-mismatch', 'healthy-v3.20'];

test('inspect groups inputs into clusters exactly as analyze does, and says why', async () => {
  const dirs = MIXED.map((id) => relative(process.cwd(), join(scenariosDir, id)));
  const { text, clusters } = await inspect(dirs, { workers: false });
  const r = await analyze(dirs, { workers: false });
  assert.equal(clusters.map((c) => c.name), r.clusters!.map((c) => c.cluster!.name));
  assert.equal(clusters.map((c) => c.model.nodes.map((n) => n.name)), r.clusters!.map((c) => c.nodes.map((n) => n.name)));
  assert.match(text, /^calico-diags inspect: 10 nodes, 13 inputs, 3 clusters\n/);
  for (const c of r.clusters!) {
    assert.match(text, `\n== cluster ${c.cluster!.name}: ${c.nodes.length} nodes`);
    for (const w of c.cluster!.why) assert.ok(text.includes(`  why: ${w}\n`), w);
  }
  assert.match(text, 'node-b is given twice');
});

test('inspect --redact: none of the original names, addresses or paths; the pseudonyms analyze --redact gives', async () => {
  const dirs = MIXED.map((id) => relative(process.cwd(), join(scenariosDir, id)));
  const c = captureIO();
  assert.is(await main(['node', 'calico-diags', 'inspect', ...dirs, '--redact'], c.io), 0, c.err());
  const report = await analyze(dirs, { workers: false });
  const names = new Set<string>();
  const addresses = new Set<string>();
  const paths = new Set<string>(report.inputs.map((i) => i.path));
  for (const cl of report.clusters!) {
    names.add(cl.cluster!.name);
    for (const n of cl.nodes) {
      names.add(n.name.replace(/#\d+$/, ''));
      for (const a of n.addresses) if (!a.startsWith('127.') && !a.includes(':')) addresses.add(a.split('/')[0]!);
      if (n.nodeIP !== undefined) addresses.add(n.nodeIP);
    }
  }
  assert.ok(names.size >= 6 && addresses.size >= 3 && paths.size >= 13);
  const plain = (await inspect(dirs, { workers: false })).text;
  const out = c.out();
  for (const n of names) {
    assert.match(plain, new RegExp(`(?<![A-Za-z0-9_-])${n}(?![A-Za-z0-9_]|-[A-Za-z0-9_])`), `${n} in the plain text`);
    assert.not.match(out, new RegExp(`(?<![A-Za-z0-9_-])${n.replace(/\./g, '\\.')}(?![A-Za-z0-9_]|-[A-Za-z0-9_])`), n);
  }
  for (const a of addresses) assert.not.match(out, new RegExp(`(?<![\\d.])${a.replace(/\./g, '\\.')}(?![\\d]|\\.\\d)`), a);
  for (const p of paths) assert.not.ok(out.includes(p), p);
  assert.not.ok(out.includes('samples/'));
  assert.match(out, /^calico-diags inspect: 10 nodes, 13 inputs, 3 clusters\n/);

  // The same key: the same pseudonym for every original both outputs name.
  const key = 'fixed-test-key';
  const a = redactReport(maskReportSecrets(report), { key }).map;
  const i = (await inspect(dirs, { workers: false, redact: true, redactKey: key })).map!;
  let shared = 0;
  for (const kind of ['names', 'inputs', 'addresses'] as const) {
    const back = new Map(Object.entries(a[kind]).map(([p, o]) => [o, p]));
    for (const [p, o] of Object.entries(i[kind])) {
      if (!back.has(o)) continue;
      shared++;
      assert.is(back.get(o), p, `${kind} ${o}`);
    }
  }
  assert.ok(shared >= 20, `${shared} shared pseudonyms`);
});

test.run();
