import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIpAddr } from '../../src/parsers/ip-addr.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/ip-addr.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes both fixtures', () => {
  assert.ok(doc.includes(norm(fixture('ip-addr-vxlan-towards5gs-62.txt'))));
  assert.ok(doc.includes(norm(fixture('ip-addr-flattened-felix-1833.txt'))));
});

test('towards5gs-helm#62: vxlan.calico and a workload veth', () => {
  const ifs = parseIpAddr(fixture('ip-addr-vxlan-towards5gs-62.txt'));
  assert.is(ifs.length, 2);
  const vx = ifs[0]!;
  assert.equal(
    [vx.index, vx.name, vx.linkPeer, vx.mtu, vx.state, vx.linkType, vx.mac, vx.line],
    [5, 'vxlan.calico', undefined, 1450, 'UNKNOWN', 'ether', '66:ae:fe:7c:7a:02', 1],
  );
  assert.equal(vx.flags, ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']);
  assert.is(vx.addresses.length, 2);
  assert.equal(vx.addresses[0], {
    line: 3,
    text: '    inet 192.168.47.192/32 scope global vxlan.calico',
    family: 4,
    address: '192.168.47.192',
    prefix: 32,
    cidr: '192.168.47.192/32',
    scope: 'global',
    label: 'vxlan.calico',
  });
  assert.equal(
    [vx.addresses[1]!.family, vx.addresses[1]!.address, vx.addresses[1]!.prefix, vx.addresses[1]!.scope, vx.addresses[1]!.label],
    [6, 'fe80::64ae:feff:fe7c:7a02', 64, 'link', undefined],
  );
  const veth = ifs[1]!;
  assert.equal([veth.name, veth.linkPeer, veth.state, veth.mac], ['calib60157fc38c', 'if3', 'UP', 'ee:ee:ee:ee:ee:ee']);
  assert.is(veth.addresses[0]!.address, 'fe80::ecee:eeff:feee:eeee');
});

test('felix#1833: flattened tunl0@NONE', () => {
  const ifs = parseIpAddr(fixture('ip-addr-flattened-felix-1833.txt'));
  assert.is(ifs.length, 1);
  const t = ifs[0]!;
  assert.equal([t.index, t.name, t.linkPeer, t.mtu, t.linkType], [4, 'tunl0', 'NONE', 1440, 'ipip']);
  assert.equal(t.flags, ['NOARP', 'UP', 'LOWER_UP']);
  assert.is(t.addresses[0]!.cidr, '10.253.252.128/32');
  assert.is(t.addresses[0]!.label, 'tunl0');
  assert.is(t.addresses[0]!.line, 3);
});

test('brd, dynamic, secondary, label with colon, altname, link-netnsid, peer', () => {
  const ifs = parseIpAddr(
    [
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000',
      '    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
      '    altname enp0s5',
      '    inet 10.0.0.11/24 brd 10.0.0.255 scope global dynamic eth0',
      '       valid_lft 3286sec preferred_lft 3286sec',
      '    inet 10.0.0.50/24 scope global secondary eth0:1',
      '    inet6 2001:db8::1/64 scope global dynamic mngtmpaddr noprefixroute',
      '3: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN group default qlen 1000',
      '    link/none ',
      '    inet 10.9.0.1 peer 10.9.0.2/32 scope global wg0',
    ].join('\n'),
  );
  assert.is(ifs.length, 2);
  const e = ifs[0]!;
  assert.is(e.mtu, 9001);
  assert.is(e.addresses.length, 3);
  assert.equal([e.addresses[0]!.brd, e.addresses[0]!.dynamic, e.addresses[0]!.label], ['10.0.0.255', true, 'eth0']);
  assert.equal([e.addresses[1]!.secondary, e.addresses[1]!.label], [true, 'eth0:1']);
  assert.equal([e.addresses[2]!.dynamic, e.addresses[2]!.label], [true, undefined]);
  const w = ifs[1]!;
  assert.is(w.linkType, 'none');
  assert.is(w.mac, undefined);
  assert.equal([w.addresses[0]!.address, w.addresses[0]!.peer, w.addresses[0]!.prefix, w.addresses[0]!.cidr], ['10.9.0.1', '10.9.0.2/32', 32, '10.9.0.1/32']);
});

test('error text and garbage give no interfaces', () => {
  assert.equal(parseIpAddr('Cannot open netlink socket: Operation not permitted\n'), []);
  assert.equal(parseIpAddr('    inet 10.0.0.1/24 scope global eth0\n12abc\n1:\n1: :\n'), []);
});

test('property: arbitrary text never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      for (const i of parseIpAddr(s)) assert.ok(Number.isInteger(i.index));
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('1:', 'eth0:', '<UP>', 'mtu', 'state', 'inet', 'inet6', 'peer', 'brd', '/', '\n', '1: x:', 'link/ether'), { maxLength: 40 }), (a) => {
      parseIpAddr(a.join(' '));
    }),
  );
});

test.run();
