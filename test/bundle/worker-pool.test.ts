import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createArchivePool } from '../../src/bundle/worker-pool.js';
import { readArchive } from '../../src/bundle/read-archive.js';
import { analyze } from '../../src/analyze.js';
import { renderJson } from '../../src/report/render-json.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, NODES } from '../helpers/healthy-cluster.js';

const dir = tempDir();

test('worker threads yield exactly what the in-thread reader yields', async () => {
  const paths = [];
  for (const n of NODES) {
    const p = join(dir, `${n.name}.tar.gz`);
    await makeTarball(p, healthyNodeFiles(n));
    paths.push(p);
  }
  const bad = join(dir, 'bad.tgz');
  writeFileSync(bad, 'garbage');
  paths.push(bad);
  const pool = createArchivePool(2);
  try {
    for (const p of paths) assert.equal(await pool.read(p), await readArchive(p));
  } finally {
    await pool.close();
  }
  const a = renderJson(await analyze(paths, { workers: true }));
  const b = renderJson(await analyze(paths, { workers: false }));
  assert.is(a, b);
});

test.run();
