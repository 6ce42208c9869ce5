import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDate } from '../../src/parsers/date.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/date.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes the fixture', () => {
  assert.ok(doc.includes(norm(fixture('date-calicoctl-1349.txt'))));
});

test('calicoctl#1349 bundle: C locale, UTC', () => {
  assert.equal(parseDate(fixture('date-calicoctl-1349.txt')), {
    line: 1,
    text: 'Mon Nov 28 11:28:38 UTC 2016',
    zone: 'UTC',
    iso: '2016-11-28T11:28:38.000Z',
  });
});

test('locale variants and numeric zones', () => {
  assert.is(parseDate('Fri 27 Nov 2026 10:15:00 AM UTC\n').iso, '2026-11-27T10:15:00.000Z');
  assert.is(parseDate('Fri 27 Nov 2026 12:15:00 AM UTC\n').iso, '2026-11-27T00:15:00.000Z');
  assert.is(parseDate('Fri 27 Nov 2026 01:15:00 PM GMT\n').iso, '2026-11-27T13:15:00.000Z');
  assert.is(parseDate('Mon 28 Nov 2016 11:28:38 UTC').iso, '2016-11-28T11:28:38.000Z');
  assert.is(parseDate('Thu Mar  6 09:00:00  2025').iso, undefined); // no zone
  const ist = parseDate('Mon Nov 28 16:58:38 +0530 2016');
  assert.equal([ist.zone, ist.iso], ['+0530', '2016-11-28T11:28:38.000Z']);
  assert.is(parseDate('Mon Nov 28 04:28:38 -07 2016').iso, '2016-11-28T11:28:38.000Z');
  assert.is(parseDate('\n\nMon Nov 28 11:28:38 UTC 2016').line, 3);
});

test('zone abbreviation other than UTC: zone kept, iso undefined', () => {
  const d = parseDate('Mon Nov 28 12:28:38 CET 2016\n');
  assert.equal([d.zone, d.iso], ['CET', undefined]);
});

test('garbage and impossible dates', () => {
  assert.equal(parseDate(''), { line: 0, text: '' });
  assert.equal(parseDate('/bin/sh: date: not found\n'), { line: 1, text: '/bin/sh: date: not found' });
  assert.is(parseDate('Mon Feb 30 11:28:38 UTC 2016').iso, undefined);
  assert.is(parseDate('Mon Nov 28 25:28:38 UTC 2016').iso, undefined);
  assert.is(parseDate('Mon Nov 28 13:28:38 PM UTC 2016').iso, undefined);
});

test('property: arbitrary text never throws; iso, when set, is valid', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const d = parseDate(s);
      if (d.iso !== undefined) assert.ok(!Number.isNaN(Date.parse(d.iso)));
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('Mon', 'Nov', '28', '2016', '11:28:38', 'UTC', 'AM', 'PM', '+0530', '99', '-99'), { maxLength: 10 }), (a) => {
      const d = parseDate(a.join(' '));
      if (d.iso !== undefined) assert.ok(!Number.isNaN(Date.parse(d.iso)));
    }),
  );
});

test.run();
