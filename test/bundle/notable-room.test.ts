import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readArchive } from '../../src/bundle/read-archive.js';
import { MAX_CALICO_NOTABLE, parseCalicoLog } from '../../src/parsers/calico-log.js';
import { mergeCalicoSummaries } from '../../src/parsers/log-summary-merge.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';

const dir = tempDir();

/** A felix log file of `n` WARNING records (each notable) and some INFO around them, its times from `hour`. */
function felixFile(hour: number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = `2024-03-15 ${String(hour).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}`;
    out.push(`${t} [INFO][88] felix/int_dataplane.go 1904: Applying dataplane updates`);
    out.push(`${t} [WARNING][88] felix/health.go 66: Report timed out name="int_dataplane" n=${hour}-${i}`);
  }
  return out.join('\n') + '\n';
}

// Rotation order: the two @…s files by name, then current. Written to the archive out of that order.
const files: [string, string][] = [
  ['logs/felix/current', felixFile(9, 120)],
  ['logs/felix/@400000006566d1a30000000000000000.s', felixFile(8, 150)],
  ['logs/felix/@400000006566d1a20000000000000000.s', felixFile(7, 90)],
];
const rotationOrder = [files[2]!, files[1]!, files[0]!];

for (const [name, order] of [
  ['archive order current, newer, older', files],
  ['archive order in rotation order', rotationOrder],
] as const) {
  test(`rotated felix files (${name}): the merged notable records are the first ${MAX_CALICO_NOTABLE} in rotation order, the rest counted`, async () => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.tar.gz`);
    await makeTarball(path, Object.fromEntries([['hostname', 'node-a\n'], ...order]));
    const felix = (await readArchive(path)).nodes[0]!.felix!;
    // What merging whole per-file summaries gives: every file with its own full room.
    const whole = mergeCalicoSummaries(rotationOrder.map(([rel, text]) => parseCalicoLog(text, { daemon: 'felix', file: `diagnostics/${rel}` })))!;
    assert.is(felix.notable.length, MAX_CALICO_NOTABLE);
    assert.equal(felix.notable, whole.notable);
    assert.is(felix.notableDropped, whole.notableDropped);
    assert.is(felix.notableDropped, 90 + 150 + 120 - MAX_CALICO_NOTABLE);
    assert.match(felix.notable[0]!.message, /n=7-0$/);
    assert.match(felix.notable[MAX_CALICO_NOTABLE - 1]!.message, /n=8-109$/);
  });
}

test('a parser given less room keeps that many notable records and counts the rest', () => {
  const s = parseCalicoLog(felixFile(7, 30), { daemon: 'felix', file: 'f', maxNotable: 12 });
  assert.is(s.notable.length, 12);
  assert.is(s.notableDropped, 18);
  const none = parseCalicoLog(felixFile(7, 5), { daemon: 'felix', file: 'f', maxNotable: 0 });
  assert.is(none.notable.length, 0);
  assert.is(none.notableDropped, 5);
});

test.run();
