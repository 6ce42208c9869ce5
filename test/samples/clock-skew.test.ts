import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shiftedArchiveName, shiftStamps } from '../../samples/lab/clock-skew.js';

test('the lab moves every stamp shape by the offset, fractions kept', () => {
  assert.is(shiftStamps('2026-11-27T10:14:01.10001 bird: Started', 420), '2026-11-27T10:21:01.10001 bird: Started');
  assert.is(
    shiftStamps('2026-11-27T23:59:00.00001 2026-11-27 23:59:00.000 [INFO][68] felix/int_dataplane.go 1689: Applying dataplane updates', 120),
    '2026-11-28T00:01:00.00001 2026-11-28 00:01:00.000 [INFO][68] felix/int_dataplane.go 1689: Applying dataplane updates',
  );
  assert.is(shiftStamps('2016-03-30_19:50:39.34382 bird: x', -60), '2016-03-30_19:49:39.34382 bird: x');
  assert.is(shiftedArchiveName('diags-20261127_235930.tar.gz', 60), 'diags-20261128_000030.tar.gz');
});

test.run();
