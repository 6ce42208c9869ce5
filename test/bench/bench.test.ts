import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { median, parseSize } from '../../bench/bench.js';

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

test('median of odd and even counts', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.is(median([7]), 7);
});

test.run();
