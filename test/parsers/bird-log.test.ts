import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createBirdLogParser, decodeBirdProtocolName, parseBirdLog, protocolRemoved } from '../../src/parsers/bird-log.js';
import { mergeBirdSummaries } from '../../src/parsers/log-summary-merge.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/parsers/${name}`, import.meta.url), 'utf8');
const opts = { daemon: 'bird' as const, file: 'logs/bird/current' };

test('doc-comment sample (calicoctl#900, -tt, debug all): state, traces counted only, times', () => {
  const s = parseBirdLog(fixture('log-bird-tt-calicoctl-900.txt'), opts);
  assert.is(s.lines, 6);
  assert.is(s.files.length, 1);
  assert.equal(s.files[0]!.svlogd, 'tt');
  assert.is(s.files[0]!.lines, 6);
  const p = s.protocols['Mesh_10_121_42_75']!;
  assert.is(p.peerType, 'Mesh');
  assert.is(p.peerIP, '10.121.42.75');
  assert.is(p.lastState, 'up');
  assert.ok(p.everUp);
  assert.is(p.stateChanges, 1);
  assert.is(p.lastStateRef!.line, 3);
  assert.is(p.lastStateRef!.time, '2016-03-30T19:50:39.343Z');
  assert.is(p.lastStateRef!.file, 'logs/bird/current');
  assert.is(p.lastStateRef!.text, '2016-03-30_19:50:39.34382 bird: Mesh_10_121_42_75: State changed to up');
  // Sending UPDATE / route traces / Scanning interfaces create no protocol entries and no events.
  assert.equal(Object.keys(s.protocols), ['Mesh_10_121_42_75']);
  assert.is(s.events.length, 0);
  assert.is(s.firstTime, '2016-03-30T19:50:39.343Z');
  assert.is(s.lastTime, '2016-03-30T19:50:41.343Z');
});

test('config error, Reconfigured (bird#28)', () => {
  const s = parseBirdLog(fixture('log-bird-config-error-bird-28.txt'), opts);
  assert.equal(
    s.events.map((e) => [e.kind, e.line]),
    [
      ['reconfigured', 1],
      ['config-error', 3],
    ],
  );
  assert.is(s.events[1]!.detail, '/config/bird.cfg, line 55: Only internal neighbor can be RR client');
  assert.is(s.eventCounts['config-error'], 1);
});

test('socket errors (calicoctl#819) are protocol errors, all counted', () => {
  const s = parseBirdLog(fixture('log-bird-socket-error-calicoctl-819.txt'), opts);
  const p = s.protocols['Mesh_10_0_5_102']!;
  assert.is(p.errorCount, 3);
  assert.is(p.errors.length, 3);
  assert.is(p.errors[0]!.kind, 'socket-error');
  assert.is(p.errors[0]!.detail, 'bind: Address not available');
  assert.is(p.lastState, undefined);
  assert.not.ok(p.everUp);
});

test('kernel traces (bird#61) are counted as lines only', () => {
  const s = parseBirdLog(fixture('log-bird-kernel-traces-bird-61.txt'), opts);
  assert.is(s.lines, 6);
  assert.equal(s.protocols, {});
  assert.equal(s.events, []);
});

test('Received: Bad peer AS (calico#2961, container lines, redacted peer)', () => {
  const s = parseBirdLog(fixture('log-bird-bad-peer-as-calico-2961.txt'), opts);
  const p = s.protocols['Global_XXX_XXX_XX_50']!;
  assert.is(p.peerType, 'Global');
  assert.is(p.peerIP, undefined);
  assert.is(p.errors[0]!.kind, 'error-received');
  assert.is(p.errors[0]!.detail, 'Bad peer AS: 64512');
  assert.is(p.lastState, 'down');
  assert.is(p.stateChanges, 2);
  assert.is(p.downsAfterUp, 0);
  assert.is(s.files[0]!.svlogd, undefined);
  assert.is(s.firstTime, undefined);
});

test('startup sequence (calico#2992): Started is a global event, device1 reaches up', () => {
  const s = parseBirdLog(fixture('log-bird-startup-calico-2992.txt'), opts);
  assert.equal(s.events.map((e) => e.kind), ['started']);
  assert.is(s.events[0]!.line, 9);
  assert.is(s.protocols['device1']!.lastState, 'up');
  assert.is(s.protocols['device1']!.peerType, undefined);
  assert.is(s.protocols['direct1']!.lastState, 'feed');
  assert.is(s.protocols['Mesh_XXX_217']!.lastState, 'start');
});

test('every message of the §3.3 table that the model knows', () => {
  const text = [
    '2024-03-15T00:46:55.80123 bird: Mesh_10_0_0_12: State changed to up',
    '2024-03-15T00:46:56.80123 bird: Mesh_10_0_0_12: Error: Hold timer expired',
    '2024-03-15T00:46:57.80123 bird: Mesh_10_0_0_12: State changed to start',
    'bird: Mesh_10_0_0_12: Connection lost (Connection refused)',
    'bird: Mesh_10_0_0_12: Connection closed',
    'bird: Mesh_10_0_0_12: Connecting to 10.0.0.12 from local address 10.0.0.11',
    'bird: Mesh_10_0_0_12: BGP session established',
    'bird: Mesh_10_0_0_12: State changed to up',
    'bird: BGP: Unexpected connect from unknown address 10.250.12.180 (port 60008)',
    'bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg: No such file or directory',
    'bird: I found another BIRD running.',
    'bird: Started',
    'bird: Reconfigured',
    'bird: Shutting down',
    'bird: Mesh_10_0_0_12: Shutting down',
    'bird: KRT: Received strange multipath route 10.0.0.0/24',
    'bird: KIF: Ignore kube-ipvs0 that is not UP',
    'bird: Node_10_0_0_1_port_1790: Received: Connection rejected',
  ].join('\n');
  const s = parseBirdLog(text, opts);
  const p = s.protocols['Mesh_10_0_0_12']!;
  assert.equal(
    p.errors.map((e) => e.kind),
    ['error-sent', 'connection-lost', 'connection-closed'],
  );
  assert.is(p.errors[0]!.detail, 'Hold timer expired');
  assert.is(p.errors[1]!.detail, 'Connection refused');
  assert.is(p.downsAfterUp, 1);
  assert.is(p.stateChanges, 3);
  assert.is(p.lastState, 'up');
  assert.is(p.lastStateRef!.line, 8);
  assert.is(p.eventCounts.connecting, 1);
  assert.is(p.eventCounts.established, 1);
  assert.is(p.lastConnecting!.detail, '10.0.0.12 from local address 10.0.0.11');
  assert.equal(
    s.events.map((e) => e.kind),
    ['unknown-connect', 'config-missing', 'another-bird', 'started', 'reconfigured', 'shutdown'],
  );
  assert.is(s.events[0]!.detail, '10.250.12.180');
  assert.is(s.events[1]!.detail, '/etc/calico/confd/config/bird.cfg: No such file or directory');
  assert.not.ok('KRT' in s.protocols);
  assert.not.ok('KIF' in s.protocols);
  const n = s.protocols['Node_10_0_0_1_port_1790']!;
  assert.equal([n.peerType, n.peerIP, n.peerPort], ['Node', '10.0.0.1', 1790]);
  assert.is(n.errors[0]!.detail, 'Connection rejected');
  assert.is(s.files[0]!.svlogd, 'ttt');
  assert.is(s.firstTime, '2024-03-15T00:46:55.801Z');
  assert.is(s.lastTime, '2024-03-15T00:46:57.801Z');
});

test('netlink errors (calico#10585, #4273): the kernel refused a route', () => {
  const s = parseBirdLog(
    [
      '2025-01-10_08:00:01.00001 bird: Netlink: File exists',
      '2025-01-10_08:00:01.00002 bird: Kernel dropped some netlink messages, will resync on next scan.',
      '2025-01-10_08:00:02.00003 bird: Netlink: Network is down',
      '2025-01-10_08:00:03.00004 bird: kernel1: Initializing',
    ].join('\n'),
    { daemon: 'bird', file: 'logs/bird/current' },
  );
  const ev = s.events.filter((e) => e.kind === 'netlink-error');
  assert.equal(ev.map((e) => [e.line, e.detail]), [[1, 'File exists'], [2, 'Kernel dropped some netlink messages, will resync on next scan.'], [3, 'Network is down']]);
  assert.not.ok('Netlink' in s.protocols, 'Netlink is not a protocol');
});

test('protocol names decode to peer type, IP and port', () => {
  assert.equal(decodeBirdProtocolName('Mesh_10_0_0_12'), { peerType: 'Mesh', peerIP: '10.0.0.12' });
  assert.equal(decodeBirdProtocolName('Node_10_0_0_1_port_1790'), { peerType: 'Node', peerIP: '10.0.0.1', peerPort: 1790 });
  assert.equal(decodeBirdProtocolName('Global_192_168_1_1'), { peerType: 'Global', peerIP: '192.168.1.1' });
  assert.equal(decodeBirdProtocolName('Local_Workload_10_65_0_5'), { peerType: 'Local_Workload', peerIP: '10.65.0.5' });
  assert.equal(decodeBirdProtocolName('Mesh_fd80_24e2_f998_72d7__2'), { peerType: 'Mesh', peerIP: 'fd80:24e2:f998:72d7::2' });
  assert.equal(decodeBirdProtocolName('kernel1'), {});
  assert.equal(decodeBirdProtocolName('Mesh_300_1_1_1'), { peerType: 'Mesh' });
});

test('bird6 daemon: same bird: prefix, IPv6 mesh names', () => {
  const s = parseBirdLog('bird: Mesh_fd80_24e2_f998_72d7__2: State changed to up\n', { daemon: 'bird6', file: 'logs/bird6/current' });
  assert.is(s.daemon, 'bird6');
  assert.is(s.protocols['Mesh_fd80_24e2_f998_72d7__2']!.peerIP, 'fd80:24e2:f998:72d7::2');
});

test('startFile continues one summary across rotated files, line numbers per file', () => {
  const p = createBirdLogParser({ daemon: 'bird', file: 'logs/bird/@4000000065f3a0c10a1b2c3d.s' });
  p.push('2024-03-15T00:46:55.80123 bird: Mesh_10_0_0_12: State changed to up', 1);
  p.push('2024-03-15T00:46:56.80123 bird: Started', 2);
  p.startFile('logs/bird/current');
  p.push('2024-03-15T01:00:00.00000 bird: Mesh_10_0_0_12: State changed to start', 1);
  const s = p.finish();
  assert.equal(s.files.map((f) => [f.file, f.lines]), [
    ['logs/bird/@4000000065f3a0c10a1b2c3d.s', 2],
    ['logs/bird/current', 1],
  ]);
  const m = s.protocols['Mesh_10_0_0_12']!;
  assert.is(m.downsAfterUp, 1);
  assert.is(m.lastStateRef!.file, 'logs/bird/current');
  assert.is(m.lastStateRef!.line, 1);
  assert.is(s.events[0]!.file, 'logs/bird/@4000000065f3a0c10a1b2c3d.s');
  assert.is(s.firstTime, '2024-03-15T00:46:55.801Z');
  assert.is(s.lastTime, '2024-03-15T01:00:00.000Z');
});

test('caps: 20 errors kept per protocol (the latest), 200 global events', () => {
  const lines: string[] = [];
  for (let i = 0; i < 25; i++) lines.push(`bird: Mesh_10_0_0_12: Error: Hold timer expired ${i}`);
  for (let i = 0; i < 210; i++) lines.push('bird: Reconfigured');
  const s = parseBirdLog(lines.join('\n'), opts);
  const p = s.protocols['Mesh_10_0_0_12']!;
  assert.is(p.errorCount, 25);
  assert.is(p.errors.length, 20);
  assert.is(p.errors[19]!.detail, 'Hold timer expired 24');
  assert.is(s.events.length, 200);
  assert.is(s.eventsDropped, 10);
  assert.is(s.eventCounts.reconfigured, 210);
});

test('CRLF, no trailing newline, garbage and unicode', () => {
  const s = parseBirdLog('bird: Mesh_10_0_0_1: State changed to up\r\nbird: Mesh_10_0_0_2: State changed to down', opts);
  assert.is(s.protocols['Mesh_10_0_0_1']!.lastState, 'up');
  assert.is(s.protocols['Mesh_10_0_0_2']!.lastState, 'down');
  const g = parseBirdLog('\u0000\u0001 bird:\nbird: \nbird: :\nbird: Mesh_ü: State changed to up\nbird: x: \nbird: Mesh_1_2_3_4:', opts);
  assert.is(g.lines, 6);
  assert.equal(g.protocols, {});
});

test('property: arbitrary lines never throw', () => {
  const birdish = fc.oneof(
    fc.string(),
    fc.string().map((s) => `bird: ${s}`),
    fc.tuple(fc.string(), fc.string()).map(([a, b]) => `bird: ${a}: ${b}`),
    fc.string().map((s) => `2016-03-30_19:50:39.34382 bird: Mesh_${s}: State changed to ${s}`),
  );
  fc.assert(
    fc.property(fc.array(birdish), (lines) => {
      const p = createBirdLogParser(opts);
      lines.forEach((l, i) => p.push(l, i + 1));
      const s = p.finish();
      return s.lines === lines.length;
    }),
  );
});

test('Removing protocol / Adding protocol (reconfiguration): the last one is kept per protocol, also across rotated files', () => {
  const older = parseBirdLog(
    [
      '2026-11-27_10:14:09.20001 bird: Mesh_10_77_0_14: State changed to up',
      '2026-11-27_10:20:00.10003 bird: Removing protocol Mesh_10_77_0_14',
      '2026-11-27_10:20:00.10004 bird: Mesh_10_77_0_14: Shutting down',
      '2026-11-27_10:20:00.10006 bird: Mesh_10_77_0_14: State changed to down',
    ].join('\n') + '\n',
    { daemon: 'bird', file: 'logs/bird/@4000000067470a1a1234abcd.s' },
  );
  const p = older.protocols['Mesh_10_77_0_14']!;
  assert.ok(protocolRemoved(p));
  assert.equal([p.configChange!.kind, p.configChange!.line, p.configChange!.protocol], ['protocol-removed', 2, 'Mesh_10_77_0_14']);
  assert.ok(older.events.some((e) => e.kind === 'protocol-removed'));
  const newer = parseBirdLog('2026-11-27_10:30:00.10001 bird: Adding protocol Mesh_10_77_0_14\n', { daemon: 'bird', file: 'logs/bird/current' });
  assert.not.ok(protocolRemoved(newer.protocols['Mesh_10_77_0_14']!));
  assert.not.ok(protocolRemoved(mergeBirdSummaries([older, newer])!.protocols['Mesh_10_77_0_14']!));
  assert.ok(protocolRemoved(mergeBirdSummaries([older, parseBirdLog('', { daemon: 'bird', file: 'logs/bird/current' })])!.protocols['Mesh_10_77_0_14']!));
});

test.run();
