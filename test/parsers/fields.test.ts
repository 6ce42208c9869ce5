import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fields } from '../../src/parsers/fields.js';

test('splits on runs of spaces and tabs, ignores leading and trailing blanks', () => {
  assert.equal(fields('  blackhole 192.168.0.0/26  proto bird  '), ['blackhole', '192.168.0.0/26', 'proto', 'bird']);
  assert.equal(fields('\tnexthop via 10.0.0.1\tdev eth0 weight 1'), ['nexthop', 'via', '10.0.0.1', 'dev', 'eth0', 'weight', '1']);
  assert.equal(fields(''), []);
  assert.equal(fields(' \t '), []);
});

test.run();
