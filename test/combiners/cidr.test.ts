import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidrInside, ipInCidr, ipv4CidrNumber, ipv4Number, maskIpv4, networkOf, parseCidr } from '../../src/combiners/cidr.js';

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

test('IPv4 numbers: masking a number agrees with ipInCidr (the block index of blockOwnership)', () => {
  assert.is(ipv4Number('10.244.17.1'), 0x0af41101);
  assert.is(ipv4Number('255.255.255.255'), 0xffffffff);
  assert.is(ipv4Number('fd00::1'), undefined);
  assert.is(ipv4Number('nope'), undefined);
  assert.equal(ipv4CidrNumber('10.244.17.7/26'), [0x0af41107, 26]);
  assert.is(ipv4CidrNumber('fd00::/64'), undefined);
  for (const [ip, cidr] of [['10.244.17.63', '10.244.17.0/26'], ['10.244.17.64', '10.244.17.0/26'], ['10.244.17.1', '10.244.17.9/26'], ['1.2.3.4', '0.0.0.0/0'], ['1.2.3.4', '1.2.3.4/32'], ['1.2.3.5', '1.2.3.4/32']] as const) {
    const c = ipv4CidrNumber(cidr)!;
    assert.is(maskIpv4(ipv4Number(ip)!, c[1]) === maskIpv4(c[0], c[1]), ipInCidr(ip, cidr), `${ip} in ${cidr}`);
  }
});

test.run();
