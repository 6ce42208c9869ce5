import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitSvlogd, svlogdStyle, svlogdToIso } from '../../src/parsers/svlogd-prefix.js';

test('-tt stamp (bird file, calicoctl#900) is split off', () => {
  const r = splitSvlogd('2016-03-30_19:50:39.34382 bird: Mesh_10_121_42_75: State changed to up');
  assert.is(r.stamp, '2016-03-30_19:50:39.34382');
  assert.is(r.style, 'tt');
  assert.is(r.rest, 'bird: Mesh_10_121_42_75: State changed to up');
});

test('-ttt stamp in front of a felix line keeps the felix timestamp in rest', () => {
  const r = splitSvlogd('2024-03-15T00:46:55.75312 2024-03-15 00:46:55.752 [INFO][68] felix/int_dataplane.go 1689: x');
  assert.is(r.style, 'ttt');
  assert.is(r.stamp, '2024-03-15T00:46:55.75312');
  assert.ok(r.rest.startsWith('2024-03-15 00:46:55.752 [INFO]'));
});

test('lines without a stamp are returned whole', () => {
  for (const line of [
    '',
    'bird: Started',
    '2019-05-30 03:02:20.427 [INFO][8] startup.go 256: Early log level set to info',
    '2016-03-30_19:50:39.3438 bird: one digit short',
    '2016-03-30_19:50:39.34382',
    '2016-03-30_19:50:39.34382bird: no space',
    '2016-03-30 19:50:39.34382 bird: space separator is not svlogd',
    'ü016-03-30_19:50:39.34382 bird: unicode',
  ]) {
    const r = splitSvlogd(line);
    assert.is(r.stamp, undefined, line);
    assert.is(r.style, undefined, line);
    assert.is(r.rest, line);
    assert.is(svlogdStyle(line), undefined);
  }
});

test('an empty line after the stamp gives an empty rest', () => {
  const r = splitSvlogd('2016-03-30_19:50:39.34382 ');
  assert.is(r.style, 'tt');
  assert.is(r.rest, '');
});

test('svlogdToIso converts both styles to UTC ISO with milliseconds', () => {
  assert.is(svlogdToIso('2016-03-30_19:50:39.34382'), '2016-03-30T19:50:39.343Z');
  assert.is(svlogdToIso('2024-03-15T00:46:55.75312'), '2024-03-15T00:46:55.753Z');
  assert.is(new Date(svlogdToIso('2024-03-15T00:46:55.75312')).toISOString(), '2024-03-15T00:46:55.753Z');
});

test.run();
