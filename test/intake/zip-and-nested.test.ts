import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';
import { analyze } from '../../src/analyze.js';
import { readArchive } from '../../src/bundle/read-archive.js';
import type { Report } from '../../src/report/report-types.js';
import { healthyNodeFiles, NODES } from '../helpers/healthy-cluster.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';

const S = 'samples/scenarios';
const opts = { workers: false } as const;
const dir = tempDir();
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function makeZip(path: string, files: Record<string, Buffer | string>): Promise<void> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name);
  z.end();
  return new Promise((resolve, reject) => {
    z.outputStream.pipe(createWriteStream(path)).on('close', () => resolve()).on('error', reject);
  });
}

/** A scenario's files (bundles and resources) under `<prefix>/`, as a customer would zip them. */
function scenarioFiles(id: string, prefix = id): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const sub of readdirSync(join(S, id))) {
    for (const f of readdirSync(join(S, id, sub))) out[`${prefix}/${sub}/${f}`] = readFileSync(join(S, id, sub, f));
  }
  return out;
}

function causes(r: Report): string[] {
  return r.findings.map((f) => `${f.severity} ${f.id}`).sort();
}

test('a ticket zip holding two clusters, notes and a screenshot: each cluster alone, every file accounted for', async () => {
  const zip = join(dir, 'ticket.zip');
  await makeZip(zip, { ...scenarioFiles('healthy'), ...scenarioFiles('bgp-as-mismatch'), 'notes.txt': 'customer says pods on node-c cannot reach node-a\nsince Tuesday\n', 'screenshot.png': PNG });
  const r = await analyze([zip], opts);
  assert.equal(r.clusters?.map((c) => c.cluster!.name).sort(), ['bgp-as-mismatch', 'healthy']);
  for (const id of ['healthy', 'bgp-as-mismatch']) {
    const alone = await analyze([join(S, id)], opts);
    assert.equal(causes(r.clusters!.find((c) => c.cluster!.name === id)!), causes(alone), id);
  }
  const row = (suffix: string) => r.inputs.find((i) => i.path.endsWith(suffix));
  const inner = r.inputs.filter((i) => i.path.startsWith(`${zip}!/`) && i.kind === 'archive');
  assert.is(inner.length, 6, 'each bundle inside the zip is an input of its own');
  assert.ok(inner.every((i) => i.status === 'ok' && i.nodes.length === 1), JSON.stringify(inner));
  assert.ok(row('!/healthy/node-a/diags-20261127_182334.tar.gz') !== undefined);
  assert.equal([row('!/notes.txt')!.status, row('!/notes.txt')!.attachment!.guess], ['ignored', 'unknown text, 2 lines']);
  assert.equal([row('!/screenshot.png')!.status, row('!/screenshot.png')!.attachment!.guess], ['ignored', 'image (PNG)']);
  assert.ok(!r.inputs.some((i) => i.status === 'unreadable'));
});

test('nested: a tar.gz holding a zip holding node tarballs and YAML; too deep is reported, not read', async () => {
  const a = join(dir, 'a.tar.gz');
  const b = join(dir, 'b.tar.gz');
  await makeTarball(a, healthyNodeFiles(NODES[0]!));
  await makeTarball(b, healthyNodeFiles(NODES[1]!));
  const inner = join(dir, 'inner.zip');
  await makeZip(inner, { 'node-a/diags-20261127_101500.tar.gz': readFileSync(a), 'node-b/diags-20261127_101502.tar.gz': readFileSync(b), 'pools.yaml': 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p\nspec:\n  cidr: 10.244.0.0/16\n' });
  const outer = join(dir, 'outer.tgz');
  await makeTarball(outer, { 'inner.zip': readFileSync(inner) }, { root: 'case-1' });
  const r = await readArchive(outer);
  assert.equal(r.problems, []);
  assert.equal(r.nodes.map((n) => n.hostname).sort(), ['node-a', 'node-b']);
  assert.is(r.nodes.find((n) => n.hostname === 'node-a')!.input, `${outer}!/case-1/inner.zip!/node-a/diags-20261127_101500.tar.gz`);
  assert.is(r.resources.length, 1);
  const rep = await analyze([outer], opts);
  assert.is(rep.clusters, undefined);
  assert.equal(rep.nodes.map((n) => n.name), ['node-a', 'node-b']);
  assert.ok(rep.inputs.some((i) => i.path === `${outer}!/case-1/inner.zip!/node-b/diags-20261127_101502.tar.gz` && i.nodes[0] === 'node-b'));

  // Five archives deep: the ones past the limit are named in one problem, nothing throws.
  let prev = a;
  for (let i = 0; i < 5; i++) {
    const next = join(dir, `deep-${i}.tar.gz`);
    await makeTarball(next, { [`level-${i}.tar.gz`]: readFileSync(prev) }, { root: '' });
    prev = next;
  }
  const deep = await readArchive(prev);
  assert.ok(deep.problems.some((p) => p.includes('nested more than 3 deep')), deep.problems.join('\n'));
  assert.ok(deep.problems.every((p) => !p.includes('\n')));
});

test('hostile zip: traversal names and links are only classified, a damaged zip is one line', async () => {
  const zip = join(dir, 'hostile.zip');
  // yazl refuses such names: write safe ones of the same length, then patch the bytes.
  await makeZip(zip, { 'XX/XX/XX/XX/tmp/evil/diagnostics/hostname': 'node-x\n', 'Xabs/diagnostics/ipv4_route': 'default via 10.0.0.1 dev eth0\n' });
  let bytes = readFileSync(zip);
  const swap = (a: string, b: string) => {
    for (let at = bytes.indexOf(a); at !== -1; at = bytes.indexOf(a, at + 1)) bytes.write(b, at, 'latin1');
  };
  swap('XX/XX/XX/XX/', '../../../../');
  swap('Xabs/', '/abs/');
  writeFileSync(zip, bytes);
  bytes = readFileSync(zip);
  assert.ok(bytes.includes('../../../../tmp/evil'));
  const r = await readArchive(zip);
  assert.equal(r.nodes.map((n) => n.root).sort(), ['abs/diagnostics', 'tmp/evil/diagnostics'], 'read, with the names only classified');
  assert.ok(r.nodes.some((n) => n.hostname === 'node-x'));
  assert.ok(r.problems.every((p) => !p.includes('\n')));
  const bad = join(dir, 'bad.zip');
  writeFileSync(bad, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 7)]));
  const rb = await readArchive(bad);
  assert.ok(rb.unreadable);
  assert.is(rb.problems.length, 1);
  assert.match(rb.problems[0]!, 'cannot read archive');
});

test('the same bytes twice (a copy under another name) are one input', async () => {
  const copy = join(dir, 'copy-of-node-a.tar.gz');
  const orig = join(S, 'healthy/node-a/diags-20261127_182334.tar.gz');
  writeFileSync(copy, readFileSync(orig));
  const r = await analyze([join(S, 'healthy'), copy], opts);
  assert.is(r.clusters, undefined);
  assert.equal(r.nodes.map((n) => n.name), ['node-a', 'node-b', 'node-c']);
  const row = r.inputs.find((i) => i.path === copy)!;
  assert.is(row.status, 'ignored');
  assert.is(row.note, `same bytes as ${orig}; read once`);
});

test('the same bytes nested: a tarball given directly and inside a zip, twice inside one zip, a zip inside a tarball', async () => {
  const orig = join(S, 'healthy/node-b/diags-20261127_182335.tar.gz');
  const nodeB = readFileSync(orig);
  const nodeA = readFileSync(join(S, 'healthy/node-a/diags-20261127_182334.tar.gz'));
  const zip = join(dir, 'dup-ticket.zip');
  await makeZip(zip, { 'node-a/diags-20261127_182334.tar.gz': nodeA, 'node-b/diags-20261127_182335.tar.gz': nodeB, 'again/node-b-copy.tar.gz': nodeB, 'again/notes.txt': 'pods on node-b\n' });
  // given directly (after the zip): the file given directly is read, both copies inside are not
  const r = await analyze([zip, orig], opts);
  assert.equal(r.nodes.map((n) => n.name), ['node-a', 'node-b']);
  const row = (p: string) => r.inputs.find((i) => i.path === p);
  assert.is(row(orig)!.status, 'ok');
  for (const copy of [`${zip}!/node-b/diags-20261127_182335.tar.gz`, `${zip}!/again/node-b-copy.tar.gz`]) {
    assert.is(row(copy)?.status, 'ignored', copy);
    assert.is(row(copy)!.note, `same bytes as ${orig}; read once`);
  }
  assert.is(row(`${zip}!/node-a/diags-20261127_182334.tar.gz`)!.status, 'ok');
  assert.ok(row(`${zip}!/again/notes.txt`) !== undefined, 'other files beside the copy are still listed');
  // only the zip: the first copy inside is read, the second names it
  const z = await analyze([zip], opts);
  assert.equal(z.nodes.map((n) => n.name), ['node-a', 'node-b']);
  const again = z.inputs.find((i) => i.path === `${zip}!/again/node-b-copy.tar.gz`)!;
  assert.equal([again.status, again.note], ['ignored', `same bytes as ${zip}!/node-b/diags-20261127_182335.tar.gz; read once`]);
  // the whole zip again inside a tarball: it and everything it holds is one row, the same bytes as the zip
  const outer = join(dir, 'dup-outer.tar.gz');
  await makeTarball(outer, { 'attachments/ticket.zip': readFileSync(zip), 'node-c/diags-20261127_182335.tar.gz': readFileSync(join(S, 'healthy/node-c/diags-20261127_182335.tar.gz')) }, { root: '' });
  const o = await analyze([zip, outer], opts);
  assert.equal(o.nodes.map((n) => n.name), ['node-a', 'node-b', 'node-c']);
  const inner = o.inputs.filter((i) => i.path.startsWith(`${outer}!/attachments/ticket.zip`));
  assert.equal(inner.map((i) => [i.path, i.status, i.note]), [[`${outer}!/attachments/ticket.zip`, 'ignored', `same bytes as ${zip}; read once`]]);
  assert.ok(!o.inputs.some((i) => i.problems.length > 0), JSON.stringify(o.inputs.filter((i) => i.problems.length > 0)));
});

test('a text file given directly is never a truncated archive', async () => {
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'the customer rebooted node-b at 10:00\n');
  const r = await analyze([join(S, 'healthy'), notes], opts);
  const row = r.inputs.find((i) => i.path === notes)!;
  assert.is(row.status, 'ignored');
  assert.ok(!JSON.stringify(row).includes('truncated'));
  assert.match(row.attachment!.guess!, 'unknown text');
});

test.run();
