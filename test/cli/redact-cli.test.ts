/** `analyze --redact` / `--redact-map`: wiring, every output redacted, the same root causes. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { captureIO } from '../helpers/io.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, ipRoute, NODES } from '../helpers/healthy-cluster.js';

const dir = tempDir();
const argv = (...a: string[]) => ['node', 'calico-diags', ...a];
const tars: string[] = [];
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

test.before(async () => {
  for (const [i, n] of NODES.slice(0, 3).entries()) {
    const files = healthyNodeFiles(n, NODES.slice(0, 3));
    if (i === 0) files.ipv4_route = ipRoute(NODES[0]!, [NODES[1]!]); // node-a lacks node-c's block
    const path = join(dir, `${n.name}-diags.tar.gz`);
    await makeTarball(path, files);
    tars.push(path);
  }
  writeFileSync(join(dir, 'node-d-broken.tar.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]));
  tars.push(join(dir, 'node-d-broken.tar.gz'));
});

test('--redact: same root causes, no node name, address or input path in stdout, stderr, HTML or JSON; the map restores them', async () => {
  const plain = captureIO();
  assert.is(await main(argv('analyze', ...tars, '-o', join(dir, 'p.html'), '--json', join(dir, 'p.json')), plain.io), 0);
  const c = captureIO();
  const code = await main(argv('analyze', ...tars, '-o', join(dir, 'r.html'), '--json', join(dir, 'r.json'), '--redact-map', join(dir, 'map.json')), c.io);
  assert.is(code, 0);
  const pj = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
  const rj = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  assert.equal(rj.findings.map((f: { rule: string }) => f.rule), pj.findings.map((f: { rule: string }) => f.rule));
  assert.ok(rj.findings.some((f: { rule: string }) => f.rule === 'block-route-missing'));
  assert.ok(rj.redacted.note.length > 0);
  const outputs = [c.out(), c.err(), readFileSync(join(dir, 'r.html'), 'utf8'), readFileSync(join(dir, 'r.json'), 'utf8')];
  for (const text of outputs) {
    for (const n of NODES) {
      assert.not.match(text, new RegExp(`(?<![A-Za-z0-9_])(?<![A-Za-z0-9_]-)${n.name}(?![A-Za-z0-9_]|-[A-Za-z0-9_])`), `${n.name} left`);
      assert.not.match(text, new RegExp(`(?<![\\d.])${n.ip.replace(/\./g, '\\.')}(?!\\d)`), `${n.ip} left`);
    }
    for (const t of tars) assert.not.ok(text.includes(t), `${t} left`);
  }
  assert.match(c.err(), /calico-diags: input-4\.tar\.gz: cannot read archive/);
  assert.match(c.out(), 'Redacted report');
  const map = JSON.parse(readFileSync(join(dir, 'map.json'), 'utf8'));
  assert.equal(Object.values(map.names).sort(), NODES.map((n) => n.name).sort());
  assert.ok(Object.values(map.addresses).includes(NODES[0]!.ip));
  assert.ok(Object.values(map.inputs).includes(tars[0]));
  // the pseudonym the map gives node-a is the one the report uses
  const pseudo = Object.entries(map.names).find(([, v]) => v === 'node-a')![0];
  assert.ok(rj.nodes.some((n: { name: string }) => n.name === pseudo));
});

test('without --redact nothing is renamed, but secrets are masked in every output', async () => {
  const files = healthyNodeFiles(NODES[1]!, NODES.slice(0, 3));
  const path = join(dir, 'secret.tar.gz');
  // a notable Felix line (TLS error, goes to the timeline) that carries a bearer token and a password
  const line = `2026-11-27T10:14:05.00001 2026-11-27 10:14:05.000 [ERROR][68] felix/watchersyncer.go 88: request failed: x509: certificate signed by unknown authority header="Authorization: Bearer ${TOKEN}" password=hunter2hunter2\n`;
  await makeTarball(path, { ...files, 'logs/felix/current': files['logs/felix/current'] + line });
  const c = captureIO();
  assert.is(await main(argv('analyze', path, '-o', join(dir, 's.html'), '--json', '-'), c.io), 0);
  const out = c.out();
  const j = JSON.parse(out);
  assert.ok(j.redacted === undefined);
  assert.ok(j.nodes.some((n: { name: string }) => n.name === NODES[1]!.name));
  assert.ok(out.includes('x509: certificate signed by unknown authority'), 'the line is in the report');
  const html = readFileSync(join(dir, 's.html'), 'utf8');
  for (const text of [out, c.err(), html]) {
    assert.not.ok(text.includes(TOKEN));
    assert.not.ok(text.includes('hunter2hunter2'));
  }
  assert.ok(out.includes('Bearer [REDACTED]'));
});

test.run();
