import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidrInside, ipInCidr, networkOf, parseCidr } from '../../src/combiners/cidr.js';

test('CIDR math: membership, containment, network, garbage', () => {
  assert.ok(ipInCidr('10.244.99.129', '10.244.99.128/26'));
  assert.not.ok(ipInCidr('10.244.99.1', '10.244.99.128/26'));
  assert.not.ok(ipInCidr('fd00::1', '10.0.0.0/8'), 'family mismatch');
  assert.ok(cidrInside('10.244.201.128/26', '10.244.0.0/16'));
  assert.not.ok(cidrInside('10.244.201.128/26', '10.244.0.0/17'));
  assert.not.ok(cidrInside('10.0.0.0/8', '10.244.0.0/16'), 'wider is not inside');
  assert.is(networkOf('10.244.150.65', 26), '10.244.150.64/26');
  assert.is(networkOf('10.77.0.13', 24), '10.77.0.0/24');
  assert.is(parseCidr('not-a-cidr'), undefined);
  assert.is(parseCidr('not-a-cidr'), undefined, 'cached failures stay failures');
  assert.not.ok(ipInCidr('999.1.1.1', '10.0.0.0/8'));
});

test.run();
