import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHostname } from '../../src/parsers/hostname.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/hostname.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes the fixture', () => {
  assert.ok(doc.includes(norm(fixture('hostname-calico-10213.txt'))));
});

test('calico#10213 node name', () => {
  assert.equal(parseHostname(fixture('hostname-calico-10213.txt')), {
    hostname: 'aks-nodepool1-17730618-vmss000001',
    line: 1,
    text: 'aks-nodepool1-17730618-vmss000001',
  });
});

test('first non-empty line, trimmed', () => {
  assert.equal(parseHostname('\n  node-a.example.com  \nother\n'), { hostname: 'node-a.example.com', line: 2, text: '  node-a.example.com  ' });
});

test('not a hostname', () => {
  assert.equal(parseHostname('hostname: command not found\n'), { line: 1, text: 'hostname: command not found' });
  assert.is(parseHostname('/usr/bin/hostname').hostname, undefined);
  assert.is(parseHostname('a'.repeat(300)).hostname, undefined);
  assert.equal(parseHostname(''), { line: 0, text: '' });
});

test('property: never throws; a hostname has no whitespace or slash', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 100 }), (s) => {
      const h = parseHostname(s).hostname;
      if (h !== undefined) assert.ok(!/[\s/]/.test(h));
    }),
  );
});

test.run();
