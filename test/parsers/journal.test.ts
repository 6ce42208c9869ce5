import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createJournalParser, MAX_NOTABLE, parseJournal } from '../../src/parsers/journal.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/journal.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes the fixture', () => {
  assert.ok(doc.includes(norm(fixture('journal-no-entries-charmed-398.txt'))));
});

test('charmed-kubernetes#398: no entries', () => {
  assert.equal(parseJournal(fixture('journal-no-entries-charmed-398.txt')), { noEntries: true, lines: 0, notable: [] });
});

test('entries with header, reboot marker and notable lines', () => {
  const j = parseJournal(
    [
      '-- Logs begin at Mon 2017-08-28 10:00:00 UTC, end at Tue 2017-08-29 20:30:00 UTC. --',
      'Aug 28 10:00:01 node1 systemd[1]: Starting calico-node...',
      'Aug 28 10:00:02 node1 docker[1234]: 2017-08-28 10:00:02.123 [INFO][9] startup.go 100: Early log level set to info',
      'Aug 28 10:00:03 node1 docker[1234]: 2017-08-28 10:00:03.123 [ERROR][9] startup.go 200: Unable to reach datastore',
      'Aug 28 10:00:04 node1 docker[1234]: 2017-08-28 10:00:04.123 [WARNING][9] startup.go 300: something',
      '-- Reboot --',
      '-- Journal begins at Mon 2017-08-28 10:00:00 UTC. --',
      'Aug 28 10:05:00 node1 systemd[1]: calico-node.service: Failed with result \'exit-code\'.',
      'Aug 28 10:05:01 node1 docker[1234]: connection error: desc = "transport is closing"',
    ].join('\n'),
  );
  assert.is(j.noEntries, false);
  assert.is(j.lines, 6);
  assert.equal(j.notable.map((n) => n.line), [4, 5, 8, 9]);
  assert.is(j.notable[0]!.text.includes('[ERROR]'), true);
});

test('notable is capped', () => {
  const p = createJournalParser();
  for (let i = 1; i <= 200; i++) p.push(`Aug 28 10:00:00 h x[1]: [FATAL] ${i}`, i);
  const j = p.finish();
  assert.equal([j.lines, j.notable.length], [200, MAX_NOTABLE]);
});

test('property: never throws; notable within cap', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      const j = parseJournal(s);
      assert.ok(j.notable.length <= MAX_NOTABLE && j.notable.length <= j.lines);
    }),
  );
});

test.run();
