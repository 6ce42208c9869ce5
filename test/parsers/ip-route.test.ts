import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createIpRouteParser, parseIpRoute } from '../../src/parsers/ip-route.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/ip-route.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes both fixtures', () => {
  assert.ok(doc.includes(norm(fixture('ip-route-ipip-calico-9010.txt'))));
  assert.ok(doc.includes(norm(fixture('ip-route-old-iproute2-calicoctl-772.txt'))));
});

test('calico#9010: IPIP block routes, blackhole, workload host routes', () => {
  const r = parseIpRoute(fixture('ip-route-ipip-calico-9010.txt'));
  assert.is(r.length, 8);
  assert.equal(r[0], {
    line: 1,
    text: '172.27.174.0/26 via 10.77.20.196 dev tunl0 proto bird onlink',
    type: 'unicast',
    dst: '172.27.174.0/26',
    via: '10.77.20.196',
    dev: 'tunl0',
    proto: 'bird',
    onlink: true,
  });
  assert.equal(r[2], { line: 3, text: 'blackhole 172.27.198.192/26 proto bird', type: 'blackhole', dst: '172.27.198.192/26', proto: 'bird', onlink: false });
  assert.is(r[3]!.dst, '172.27.198.195/32');
  assert.is(r[3]!.dev, 'cali5ce32826680');
  assert.is(r[3]!.scope, 'link');
  assert.is(r[3]!.via, undefined);
  assert.is(r[5]!.dst, '172.27.198.225/32');
  assert.is(r[5]!.via, '10.77.20.145');
  assert.is(r[7]!.line, 8);
});

test('calicoctl#772: old iproute2 double spacing and trailing spaces', () => {
  const r = parseIpRoute(fixture('ip-route-old-iproute2-calicoctl-772.txt'));
  assert.is(r.length, 6);
  assert.is(r[0]!.dst, 'default');
  assert.is(r[0]!.via, '172.31.16.1');
  assert.is(r[0]!.dev, 'eth0');
  assert.is(r[0]!.text, 'default via 172.31.16.1 dev eth0  ');
  assert.equal([r[1]!.proto, r[1]!.scope, r[1]!.src], ['kernel', 'link', '10.0.3.1']);
  assert.equal([r[3]!.type, r[3]!.dst, r[3]!.proto], ['blackhole', '192.168.0.0/26', 'bird']);
  assert.is(r[4]!.dst, '192.168.0.12/32');
  assert.is(r[4]!.dev, 'calie8beb266c79');
});

test('Felix proto 80, VXLAN onlink', () => {
  const r = parseIpRoute('blackhole 10.65.0.0/26 proto 80\n10.65.1.0/26 via 10.65.1.0 dev vxlan.calico proto 80 onlink\n');
  assert.is(r[0]!.proto, '80');
  assert.is(r[1]!.dev, 'vxlan.calico');
  assert.ok(r[1]!.onlink);
});

test('table all: local/broadcast types, table, metric, IPv6 pref/expires, unreachable', () => {
  const r = parseIpRoute(
    [
      'default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.11 metric 100',
      'local 10.0.0.11 dev eth0 table local proto kernel scope host src 10.0.0.11',
      'broadcast 10.0.0.255 dev eth0 table local proto kernel scope link src 10.0.0.11',
      'fe80::/64 dev eth0 proto kernel metric 256 pref medium',
      '2001:db8::/64 dev eth0 proto ra metric 100 expires 3599sec mtu lock 1500 pref medium',
      'unreachable ::/96 dev lo  metric 1024  error -101',
      'fd00::5 dev cali1234567890a metric 1024 pref medium',
      'default via inet6 fe80::1 dev eth0 proto static',
    ].join('\n'),
  );
  assert.is(r.length, 8);
  assert.is(r[0]!.metric, 100);
  assert.is(r[0]!.proto, 'dhcp');
  assert.equal([r[1]!.type, r[1]!.dst, r[1]!.table, r[1]!.scope], ['local', '10.0.0.11/32', 'local', 'host']);
  assert.equal([r[2]!.type, r[2]!.table], ['broadcast', 'local']);
  assert.is(r[3]!.metric, 256);
  assert.is(r[4]!.metric, 100);
  assert.is(r[4]!.dev, 'eth0');
  assert.equal([r[5]!.type, r[5]!.dst, r[5]!.metric], ['unreachable', '::/96', 1024]);
  assert.is(r[6]!.dst, 'fd00::5/128');
  assert.is(r[7]!.via, 'fe80::1');
});

test('ECMP nexthop continuation lines attach to the route above', () => {
  const r = parseIpRoute(
    'default proto static metric 100\n\tnexthop via 10.0.0.1 dev eth0 weight 1\n  nexthop via 10.0.1.1 dev eth1 weight 2 onlink\n10.1.0.0/16 dev eth0\n',
  );
  assert.is(r.length, 2);
  assert.equal(r[0]!.nexthops, [
    { via: '10.0.0.1', dev: 'eth0', weight: 1 },
    { via: '10.0.1.1', dev: 'eth1', weight: 2 },
  ]);
  assert.is(r[1]!.nexthops, undefined);
});

test('error text and garbage give no routes', () => {
  assert.equal(parseIpRoute('Error: Peer netns reference is invalid.\n'), []);
  assert.equal(parseIpRoute('Cannot open netlink socket: Operation not permitted\n'), []);
  assert.equal(parseIpRoute('\n\n   \nfoo bar\nnexthop via 1.2.3.4\n'), []);
  assert.equal(parseIpRoute(''), []);
});

test('streaming push gives the same result as parseIpRoute', () => {
  const p = createIpRouteParser();
  p.push('blackhole 10.0.0.0/26 proto bird', 7);
  const r = p.finish();
  assert.is(r[0]!.line, 7);
});

test('property: arbitrary text never throws, and every route has a dst', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      for (const r of parseIpRoute(s)) assert.ok(r.dst.length > 0);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('via', 'dev', 'nexthop', 'blackhole', '10.0.0.1', '::', 'metric', 'x', '\t', ' ', '\n', 'lock'), { maxLength: 40 }), (a) => {
      parseIpRoute(a.join(' '));
    }),
  );
});

test.run();
