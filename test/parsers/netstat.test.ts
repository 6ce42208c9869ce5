import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNetstat, splitEndpoint } from '../../src/parsers/netstat.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/netstat.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes the fixture', () => {
  assert.ok(doc.includes(norm(fixture('netstat-calico-2905.txt'))));
});

test('calico#2905: BIRD LISTEN and an established session (with -p column)', () => {
  const t = parseNetstat(fixture('netstat-calico-2905.txt'));
  assert.is(t.source, 'netstat');
  assert.is(t.tcpRows, 2);
  assert.equal(t.tcp[0], {
    line: 1,
    text: 'tcp        0      0 0.0.0.0:179             0.0.0.0:*               LISTEN      6746/bird',
    proto: 'tcp',
    local: { address: '0.0.0.0', port: 179 },
    remote: { address: '0.0.0.0', port: 0 },
    state: 'LISTEN',
  });
  assert.equal([t.tcp[1]!.remote, t.tcp[1]!.state], [{ address: '10.3.67.93', port: 37147 }, 'ESTABLISHED']);
});

test('full output: headers, tcp6, filtering, stop at UNIX sockets', () => {
  const t = parseNetstat(
    [
      'Active Internet connections (servers and established)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State      ',
      'tcp        0      0 127.0.0.1:9099          0.0.0.0:*               LISTEN     ',
      'tcp        0      1 10.0.0.11:45678         10.0.0.12:179           SYN_SENT   ',
      'tcp        0      0 10.0.0.11:50000         10.96.0.1:443           ESTABLISHED',
      'tcp6       0      0 :::179                  :::*                    LISTEN     ',
      'tcp6       0      0 ::ffff:10.0.0.11:5473   ::ffff:10.0.0.13:40000  ESTABLISHED',
      'udp        0      0 0.0.0.0:4789            0.0.0.0:*                          ',
      'Active UNIX domain sockets (servers and established)',
      'Proto RefCnt Flags       Type       State         I-Node   Path',
      'tcp        0      0 1.1.1.1:179 2.2.2.2:1 ESTABLISHED',
    ].join('\n'),
  );
  assert.is(t.tcpRows, 5);
  assert.equal(t.tcp.map((s) => s.line), [4, 5, 6, 7]);
  assert.equal([t.tcp[0]!.state, t.tcp[0]!.remote.port], ['SYN_SENT', 179]);
  assert.equal([t.tcp[2]!.proto, t.tcp[2]!.local, t.tcp[2]!.remote], ['tcp6', { address: '::', port: 179 }, { address: '::', port: 0 }]);
  assert.equal(t.tcp[3]!.local, { address: '::ffff:10.0.0.11', port: 5473 });
});

test('splitEndpoint forms', () => {
  assert.equal(splitEndpoint('[::]:179'), { address: '::', port: 179 });
  assert.equal(splitEndpoint('*:179'), { address: '*', port: 179 });
  assert.equal(splitEndpoint('[::ffff:10.0.0.1]:179'), { address: '::ffff:10.0.0.1', port: 179 });
  assert.equal(splitEndpoint('10.0.0.1%eth0:179'), { address: '10.0.0.1', port: 179 });
  assert.equal(splitEndpoint('[fe80::1]%cali12:179'), { address: 'fe80::1', port: 179 });
  assert.equal(splitEndpoint('0.0.0.0:bgp'), { address: '0.0.0.0', port: 179 });
  assert.is(splitEndpoint('nocolon'), undefined);
  assert.is(splitEndpoint('1.2.3.4:99999'), undefined);
  assert.is(splitEndpoint(':179'), undefined);
});

test('error text and garbage give an empty table', () => {
  assert.equal(parseNetstat('/bin/sh: 1: netstat: not found\n'), { source: 'netstat', tcp: [], tcpRows: 0 });
  assert.equal(parseNetstat('tcp\ntcpx 1 2 3 4 5\ntcp a b c d\n'), { source: 'netstat', tcp: [], tcpRows: 0 });
});

test('property: arbitrary text never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      const t = parseNetstat('tcp ' + s);
      assert.ok(t.tcp.length <= t.tcpRows);
    }),
  );
});

test.run();
