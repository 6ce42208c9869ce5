import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { median, parseSize, runtimeNote } from '../../bench/bench.js';

test('parseSize: decimal and binary units, plain bytes', () => {
  assert.is(parseSize('100MB'), 100e6);
  assert.is(parseSize('2GB'), 2e9);
  assert.is(parseSize('1.5gb'), 1.5e9);
  assert.is(parseSize('1GiB'), 2 ** 30);
  assert.is(parseSize('512k'), 512e3);
  assert.is(parseSize('12345'), 12345);
  assert.is(parseSize('5e8'), 5e8);
  assert.throws(() => parseSize('lots'));
  assert.throws(() => parseSize('10 parsecs'));
});

test('runtimeNote: the runtime line, and a warning unless the code cache was accepted', () => {
  const line = 'one bundle (dist/src/cli.bundle.cjs, code cache accepted); wasm line scanner on';
  assert.equal(runtimeNote(`timings: x\nruntime: ${line}\n`), { line });
  const stale = runtimeNote('runtime: one bundle (dist/src/cli.bundle.cjs, code cache rejected); wasm line scanner on\n');
  assert.match(stale.warning ?? '', /code cache was rejected: run npm run build/);
  assert.match(runtimeNote('calico-diags: cannot load\n').warning ?? '', /not reported/);
});

test('median of odd and even counts', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.is(median([7]), 7);
});

test.run();
