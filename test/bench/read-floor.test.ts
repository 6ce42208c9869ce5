import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { readFloor } from '../../bench/read-floor.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';

test('read floor: every byte and line of every entry of every archive, chunks joined', async () => {
  const dir = tempDir();
  try {
    const big = Array.from({ length: 40000 }, (_, i) => `2026-11-27 10:00:00.${String(i % 1000).padStart(3, '0')} [DEBUG][68] felix/health.go 159: GET /liveness n=${i}`).join('\n') + '\n';
    await makeTarball(join(dir, 'a.tar.gz'), { 'logs/felix/current': big, hostname: 'node-a\n' });
    await makeTarball(join(dir, 'b.tar.gz'), { 'date': 'Fri Nov 27 10:00:00 UTC 2026', 'ipsets': 'Name: x\nMembers:\n' });
    const r = await readFloor([join(dir, 'a.tar.gz'), join(dir, 'b.tar.gz')], 2);
    assert.ok(big.length > 3 * 1024 * 1024, 'the log spans several 1 MiB chunks');
    assert.is(r.bytes, big.length + 'node-a\n'.length + 'Fri Nov 27 10:00:00 UTC 2026'.length + 'Name: x\nMembers:\n'.length);
    assert.is(r.lines, 40000 + 1 + 1 + 2, 'a last line without newline counts');
    assert.ok(r.seconds > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
