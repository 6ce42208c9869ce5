import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import { BUNDLE_FILE, builtFile, PACKAGE_JSON, templatesDir } from '../../src/paths.js';
import { captureIO } from '../helpers/io.js';
import { tempDir } from '../helpers/make-tarball.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'calico-diags.js');
const SAMPLE = join(ROOT, 'samples', 'scenarios', 'bgp-port179-blocked');
const dir = tempDir();

test('paths: the built files the CLI loads are where src/paths.ts says, for the modules and the bundle alike', () => {
  assert.is(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).name, 'calico-diags');
  assert.ok(existsSync(join(templatesDir(), 'report.hbs')), templatesDir());
  for (const f of ['wasm/lines.wasm', 'report/templates.precompiled.cjs', 'bundle/archive-worker.js', 'bundle/resources-worker.js', BUNDLE_FILE]) {
    assert.ok(existsSync(builtFile(f)), f);
  }
});

test('bin/calico-diags.js runs the bundle, with the wasm scanner and the precompiled templates, and writes what the modules write', async () => {
  const viaBin = join(dir, 'bin.json');
  const env = { ...process.env, CALICO_DIAGS_WASM: '1' };
  const r = spawnSync(process.execPath, [BIN, 'analyze', SAMPLE, '--json', viaBin, '-o', join(dir, 'bin.html'), '--timings'], { env, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const err = r.stderr;
  assert.match(err, /^runtime: one bundle \(dist\/src\/cli\.bundle\.js\); wasm line scanner on; templates precompiled; zlib output buffers (none inflated on this thread|\d+ of \d+ reused)$/m);

  const viaModules = join(dir, 'modules.json');
  const c = captureIO();
  await main(['node', 'calico-diags', 'analyze', SAMPLE, '--json', viaModules, '-o', join(dir, 'modules.html'), '--timings'], c.io);
  assert.match(c.err(), /^runtime: separate modules; wasm line scanner (on|off \(CALICO_DIAGS_WASM=0\)); templates precompiled; zlib output buffers (none inflated on this thread|\d+ of \d+ reused)$/m);
  assert.is(readFileSync(viaBin, 'utf8'), readFileSync(viaModules, 'utf8'));
  assert.is(readFileSync(join(dir, 'bin.html'), 'utf8'), readFileSync(join(dir, 'modules.html'), 'utf8'));
});

test.run();
