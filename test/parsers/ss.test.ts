import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normaliseSsState, parseSs } from '../../src/parsers/ss.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/ss.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes the fixture', () => {
  assert.ok(doc.includes(norm(fixture('ss-netdata-2169.txt'))));
});

test('netdata#2169: state-first rows are counted; port 8080 not kept', () => {
  const t = parseSs(fixture('ss-netdata-2169.txt'));
  const header = fixture('ss-netdata-2169.txt').split('\n')[0]!;
  assert.equal(t, { source: 'ss', tcp: [], tcpRows: 4, header: { line: 1, text: header } });
  const kept = parseSs(fixture('ss-netdata-2169.txt').replaceAll('10.1.1.1:8080', '10.1.1.1:179'));
  assert.is(kept.tcp.length, 4);
  assert.equal([kept.tcp[0]!.state, kept.tcp[0]!.line, kept.tcp[0]!.remote], ['SYN_SENT', 2, { address: '10.1.1.1', port: 179 }]);
});

test('ss -a -n with Netid column: only tcp rows, states normalised, address forms', () => {
  const t = parseSs(
    [
      'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process',
      'nl    UNCONN 0      0      0:1                 *',
      'u_str ESTAB  0      0      * 12345             * 12346',
      'udp   UNCONN 0      0      0.0.0.0:4789        0.0.0.0:*',
      'tcp   LISTEN 0      8      0.0.0.0:179         0.0.0.0:*',
      'tcp   ESTAB  0      0      10.0.0.11:179       10.0.0.12:45678',
      'tcp   SYN-SENT 0    1      10.0.0.11:45679     10.0.0.13:179',
      'tcp   LISTEN 0      4096   [::]:179            [::]:*',
      'tcp   LISTEN 0      128    *:5473              *:*',
      'tcp   ESTAB  0      0      [::ffff:10.0.0.11]:6443 [::ffff:10.0.0.20]:50000',
      'tcp   LISTEN 0      128    10.0.0.11%eth0:2379 0.0.0.0:*',
      'tcp   TIME-WAIT 0   0      10.0.0.11:1000      10.0.0.14:22',
    ].join('\n'),
  );
  assert.is(t.tcpRows, 8);
  assert.is(t.tcp.length, 7);
  assert.equal(t.tcp.map((s) => s.state), ['LISTEN', 'ESTABLISHED', 'SYN_SENT', 'LISTEN', 'LISTEN', 'ESTABLISHED', 'LISTEN']);
  assert.equal(t.tcp[3]!.local, { address: '::', port: 179 });
  assert.equal(t.tcp[4]!.local, { address: '*', port: 5473 });
  assert.equal(t.tcp[5]!.local, { address: '::ffff:10.0.0.11', port: 6443 });
  assert.equal(t.tcp[6]!.local, { address: '10.0.0.11', port: 2379 });
  assert.ok(t.tcp.every((s) => s.proto === 'tcp'));
});

test('state names', () => {
  const m: Record<string, string> = {
    ESTAB: 'ESTABLISHED',
    'SYN-SENT': 'SYN_SENT',
    'SYN-RECV': 'SYN_RECV',
    'FIN-WAIT-1': 'FIN_WAIT1',
    'FIN-WAIT-2': 'FIN_WAIT2',
    'TIME-WAIT': 'TIME_WAIT',
    'CLOSE-WAIT': 'CLOSE_WAIT',
    'LAST-ACK': 'LAST_ACK',
    UNCONN: 'CLOSE',
    LISTEN: 'LISTEN',
    CLOSING: 'CLOSING',
  };
  for (const [k, v] of Object.entries(m)) assert.is(normaliseSsState(k), v);
  assert.is(normaliseSsState('toString'), 'toString');
});

test('garbage gives an empty table', () => {
  assert.equal(parseSs('Cannot open netlink socket: Operation not permitted\nSTATE\nESTAB 1 2\n'), { source: 'ss', tcp: [], tcpRows: 0 });
});

test('property: arbitrary text never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      parseSs('State x\n' + s);
      parseSs('tcp ' + s);
    }),
  );
});

test.run();
