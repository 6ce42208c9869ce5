/**
 * `inspect` over every committed sample: what each input was taken to be, for which node, and which
 * artifacts were found, missing, empty or failed, matches test/golden/inspect/<scenario>.txt
 * (UPDATE_GOLDEN=1 npm test rewrites them; a missing or stale golden fails).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inspect } from '../../src/inspect.js';
import { main } from '../../src/cli.js';
import { captureIO } from '../helpers/io.js';

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
  const tmp = mkdtempSync(join(tmpdir(), 'cdiags-node-'));
  const neigh = join(tmp, 'neigh.txt');
  writeFileSync(neigh, '10.77.0.11 dev eth0 lladdr 52:54:00:12:34:11 REACHABLE\n');
  const c = captureIO();
  assert.is(await main(['node', 'calico-diags', 'inspect', dir, '--node', `node-b=${neigh}`], c.io), 0);
  assert.match(c.out(), 'taken as ip-neigh, for node-b (--node)');
  const plain = captureIO();
  await main(['node', 'calico-diags', 'inspect', dir, neigh], plain.io);
  assert.match(plain.out(), 'taken as ip-neigh, node not decided');
});

test.run();
