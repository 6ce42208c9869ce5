/**
 * Inputs inside archives are named `outer!/member`, nested as often as they are (`a.zip!/b.tar.gz!/c/diags.tar.gz`),
 * the same way in the inputs table, JSON, evidence, SARIF locations, `--node`, `--cluster` and redaction.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yazl from 'yazl';
import { analyze } from '../../src/analyze.js';
import { main } from '../../src/cli.js';
import { inspect } from '../../src/inspect.js';
import { captureIO } from '../helpers/io.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';

const S = 'samples/scenarios';
const ID = 'bgp-as-mismatch';
const dir = tempDir();
const zip = join(dir, 'a.zip');
const NEIGH = '10.77.0.11 dev eth0 lladdr 52:54:00:12:34:11 REACHABLE\n';

function makeZip(path: string, files: Record<string, Buffer | string>): Promise<void> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name);
  z.end();
  return new Promise((res, rej) => {
    z.outputStream.pipe(createWriteStream(path)).on('close', () => res()).on('error', rej);
  });
}

/** `a.zip` holding `b.tar.gz` holding the scenario's bundles and YAML under `c/`, and a pasted `c/neigh.txt`. */
test.before(async () => {
  const files: Record<string, Buffer | string> = { 'neigh.txt': NEIGH };
  for (const sub of readdirSync(join(S, ID))) for (const f of readdirSync(join(S, ID, sub))) files[`${sub}/${f}`] = readFileSync(join(S, ID, sub, f));
  const b = join(dir, 'b.tar.gz');
  await makeTarball(b, files, { root: 'c' });
  await makeZip(zip, { 'b.tar.gz': readFileSync(b) });
});

const inner = (node: string) => {
  const f = readdirSync(join(S, ID, node))[0]!;
  return `${zip}!/b.tar.gz!/c/${node}/${f}`;
};

test('inputs, nodes, evidence and the causes: `a.zip!/b.tar.gz!/c/node-a/diags-….tar.gz`', async () => {
  const r = await analyze([zip], { workers: false });
  const alone = await analyze([join(S, ID)], { workers: false });
  assert.equal(r.findings.map((f) => f.id).sort(), alone.findings.map((f) => f.id).sort());
  for (const n of ['node-a', 'node-b', 'node-c']) {
    const row = r.inputs.find((i) => i.path === inner(n));
    assert.ok(row !== undefined && row.status === 'ok' && row.nodes[0] === n, `${inner(n)} in ${r.inputs.map((i) => i.path).join(', ')}`);
    assert.is(r.nodes.find((x) => x.name === n)!.input, inner(n));
  }
  assert.ok(r.inputs.some((i) => i.path === `${zip}!/b.tar.gz!/c/neigh.txt` && i.kind === 'attachment'));
  const evidence = r.findings.flatMap((f) => f.evidence);
  assert.ok(evidence.some((e) => e.input === inner('node-a') && e.file.startsWith('c/') === false && e.file.length > 0), JSON.stringify(evidence.slice(0, 3)));
  const text = JSON.stringify(r);
  assert.not.match(text, /[^!]!(?!\/)[A-Za-z]/, 'no `outer!member` without the slash');
});

test('SARIF locations `input!/file` are not doubled, JSON and summary name the inner paths', async () => {
  const c = captureIO();
  const sarif = join(dir, 'r.sarif');
  const json = join(dir, 'r.json');
  assert.is(await main(['node', 'calico-diags', 'analyze', zip, '--sarif', sarif, '--json', json, '-o', join(dir, 'r.html'), '--no-progress'], c.io), 0, c.err());
  const uris: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'uri' && typeof x === 'string' ? uris.push(x) : walk(x));
  };
  walk(JSON.parse(readFileSync(sarif, 'utf8')));
  const memberUris = uris.filter((u) => u.includes('diagnostics/'));
  assert.ok(memberUris.length > 0, uris.join('\n'));
  for (const u of memberUris) {
    assert.match(u, /a\.zip!\/b\.tar\.gz!\/c\/node-[abc]\/diags-\d+_\d+\.tar\.gz!\/diagnostics\//);
    assert.not.match(u, /!\/!|!!|a\.zip!\/.*a\.zip/);
  }
  assert.ok(readFileSync(json, 'utf8').includes(JSON.stringify(inner('node-b')).slice(1, -1)));
});

test('--node and --cluster take inner paths', async () => {
  const { text } = await inspect([zip], { workers: false, nodeFor: new Map([[resolve(`${zip}!/b.tar.gz!/c/neigh.txt`), 'node-b']]) });
  assert.match(text, 'taken as ip-neigh, for node-b (--node)');
  const c = captureIO();
  assert.is(await main(['node', 'calico-diags', 'inspect', zip, '--node', `node-c=${zip}!/b.tar.gz!/c/neigh.txt`], c.io), 0, c.err());
  assert.match(c.out(), 'taken as ip-neigh, for node-c (--node)');
  assert.not.match(c.out(), 'cannot read');
  const r = await analyze([zip], { workers: false, clusters: new Map([['lab', [resolve(inner('node-a'))]]]) });
  assert.equal(r.clusters?.map((x) => [x.cluster!.name, x.nodes.map((n) => n.name)]), [['lab', ['node-a']], ['c', ['node-b', 'node-c']]]);
});

test('--redact: an inner path keeps its nesting, `input-1.zip!/input-2.tar.gz!/input-3.tar.gz`, and no original', async () => {
  const c = captureIO();
  const json = join(dir, 'red.json');
  const map = join(dir, 'map.json');
  assert.is(await main(['node', 'calico-diags', 'analyze', zip, '--json', json, '--redact-map', map, '-o', join(dir, 'red.html'), '--no-progress'], c.io), 0, c.err());
  const out = readFileSync(json, 'utf8');
  for (const original of [dir, 'a.zip', 'b.tar.gz', 'neigh.txt', 'diags-2026']) assert.not.ok(out.includes(original), original);
  const paths: string[] = JSON.parse(out).inputs.map((i: { path: string }) => i.path);
  assert.ok(paths.some((p) => /^input-\d+\.zip!\/input-\d+\.tar\.gz!\/input-\d+\.tar\.gz$/.test(p)), paths.join('\n'));
  const back = JSON.parse(readFileSync(map, 'utf8')).inputs as Record<string, string>;
  for (const p of paths) assert.ok(back[p] !== undefined, `${p} in the map`);
  assert.ok(Object.values(back).includes(inner('node-a')));
});

test.run();
