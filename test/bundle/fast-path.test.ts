import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { feedChunks } from '../helpers/feed-chunks.js';
import { createBirdLogParser, parseBirdLog } from '../../src/parsers/bird-log.js';
import { createContainerLogParser, parseContainerLog } from '../../src/parsers/container-log.js';
import { createCalicoLogParser, parseCalicoLog } from '../../src/parsers/calico-log.js';

/** A felix log mixing every level, a restart (new PID), signatures at INFO and WARNING, and a panic. */
function felixLog(): string {
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const pid = i < 2000 ? 68 : 71;
    const t = `2026-11-27 10:${String(10 + Math.floor(i / 60) % 50).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}`;
    const stamp = `2026-11-27T10:${String(10 + Math.floor(i / 60) % 50).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 100000).padStart(5, '0')}`;
    const lvl = i % 397 === 0 ? 'INFO' : ['DEBUG', 'INFO', 'DEBUG', 'INFO', 'TRACE'][i % 5];
    let msg = `felix/route_table.go ${400 + (i % 90)}: Syncing interface routes ifaceName="cali${i.toString(16).padStart(11, '0')}" ipVersion=0x4`;
    if (i % 397 === 0) msg = 'felix/route_table.go 623: Interface missing, will retry if it appears. ifaceName="vxlan.calico"';
    if (i % 501 === 0) out.push(`${stamp} ${t} [WARNING][${pid}] felix/health.go 66: Report timed out name="int_dataplane"`);
    if (i === 1500) out.push('panic: (*logrus.Entry) 0xc0005ed420', 'goroutine 172 [running]:');
    out.push(`${stamp} ${t} [${lvl}][${pid}] ${msg}`);
  }
  return out.join('\n') + '\n';
}

test('the byte fast path gives exactly the summary of the string path, whatever the chunking', () => {
  const text = felixLog();
  // calico-node's helpers: INFO lines are prescanned for the INFO-level signatures.
  const want = parseCalicoLog(text, { daemon: 'calico-node', file: 'diagnostics/logs/monitor-addresses/current' });
  for (const size of [97, 4096, 1 << 20]) {
    const { result: got, strings, lines } = feedChunks(createCalicoLogParser({ daemon: 'calico-node', file: 'diagnostics/logs/monitor-addresses/current' }), text, size);
    const fast = lines - strings;
    if (size >= 4096) assert.ok(fast > 2000, `most lines took the fast path (${fast}) at chunk size ${size}`);
    assert.equal(got.byLevel, want.byLevel);
    assert.equal(got.pids, want.pids);
    assert.is(got.lines, want.lines);
    assert.is(got.lastTime, want.lastTime);
    assert.is(got.firstTime, want.firstTime);
    assert.is(got.signatures['interface-missing']!.count, want.signatures['interface-missing']!.count);
    assert.ok(want.signatures['interface-missing']!.count >= 7);
    assert.equal(got.notable.map((r) => r.line), want.notable.map((r) => r.line));
    assert.equal(got.signatures['interface-missing']!.last, want.signatures['interface-missing']!.last, 'the last hit is the same record');
    assert.equal(got.files, want.files);
  }
});

test('felix: INFO lines are counted, not searched; WARNING and worse are parsed in full', () => {
  const text = felixLog();
  const s = parseCalicoLog(text, { daemon: 'felix', file: 'diagnostics/logs/felix/current' });
  assert.is(s.signatures['interface-missing']!.count, 0);
  assert.ok(s.byLevel['INFO']! > 1000);
  assert.ok(s.notable.some((r) => r.level === 'WARNING' && r.message.includes('Report timed out')));
});

/** A BIRD log with `debug all`: route traces and untracked messages between the state changes and errors. */
function birdLog(): string {
  const out: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const stamp = `2026-11-27_10:${String(10 + Math.floor(i / 600)).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')}.${String(i % 100000).padStart(5, '0')}`;
    const p = `Mesh_10_0_0_${11 + (i % 3)}`;
    let msg = `${p}: Reconfigured`;
    if (i % 4 === 1) msg = `${p} < rejected by protocol 192.168.${i % 200}.0/26 via 10.0.0.${11 + (i % 3)} on eth0`;
    if (i % 4 === 2) msg = `${p} > added [best] 192.168.${i % 200}.0/26 via 10.0.0.${11 + (i % 3)} on eth0`;
    if (i % 97 === 0) msg = `${p}: State changed to ${i % 2 ? 'up' : 'start'}`;
    if (i % 211 === 0) msg = `${p}: Error: Hold timer expired`;
    if (i % 307 === 0) msg = `${p}: Received: Connection rejected`;
    if (i % 401 === 0) msg = `${p}: Connecting to 10.0.0.${11 + (i % 3)} from local address 10.0.0.10`;
    if (i % 503 === 0) msg = 'BGP: Unexpected connect from unknown address 10.0.0.99 (port 40000)';
    if (i % 13 === 0) msg = 'Reconfigured';
    if (i % 13 === 1) msg = 'Reconfiguring';
    if (i % 13 === 2) msg = 'Reconfiguration requested by SIGHUP';
    if (i % 17 === 3) msg = 'Next hop address 10.0.0.12 resolvable through recursive route for 10.0.0.12/32';
    if (i === 2000) msg = '/etc/calico/confd/config/bird.cfg, line 12: syntax error';
    if (i === 2001) msg = 'Started';
    if (i === 1234) msg = 'device1: Scanning interfaces';
    out.push(`${stamp} bird: ${msg}`);
  }
  out.push('2026-11-27_11:00:00.00000 bird: Mesh_10_0_0_11 > added [best] 192.168.7.0/26 via 10.0.0.11 on eth0');
  return out.join('\n') + '\n';
}

test('bird: route traces and untracked messages are counted from bytes; the summary is the string path\'s', () => {
  const text = birdLog();
  const want = parseBirdLog(text, { daemon: 'bird', file: 'diagnostics/logs/bird/current' });
  for (const size of [89, 4096, 1 << 20]) {
    const { result: got, strings, lines } = feedChunks(createBirdLogParser({ daemon: 'bird', file: 'diagnostics/logs/bird/current' }), text, size);
    if (size >= 4096) assert.ok(lines - strings > 3000, `most lines counted from bytes (${lines - strings} of ${lines})`);
    assert.equal(got, want);
  }
  assert.is(want.lastTime, '2026-11-27T11:00:00.000Z', 'the last stamp comes from a route trace');
  assert.ok(want.protocols['Mesh_10_0_0_11']!.errorCount > 0);
  assert.ok((want.eventCounts['unknown-connect'] ?? 0) > 0);
  assert.ok(want.eventCounts['reconfigured']! > 250 && want.eventsDropped > 50, 'Reconfigured beyond the event cap is counted');
  assert.is(want.eventCounts['config-error'], 1);
  assert.is(want.eventCounts['started'], 1);
});

test('container log: BIRD and Calico stretches go to their fast paths; the summary is the string path\'s', () => {
  const felix = felixLog().split('\n').filter((l) => l.length > 0).map((l) => (l.startsWith('2026-11-27T') ? l.slice(26) : l));
  const bird = birdLog().split('\n').filter((l) => l.length > 0).map((l) => l.slice(26));
  const out: string[] = [];
  for (let i = 0; i < felix.length; i++) {
    out.push(felix[i]!);
    if (i % 3 === 0 && bird[i] !== undefined) out.push(bird[i]!);
    if (i === 1000) out.push('Calico node started successfully');
  }
  const text = out.join('\n') + '\n';
  const opts = { file: 'diagnostics/logs/k8s_calico-node_calico-node-x_kube-system_0.log' };
  const want = parseContainerLog(text, opts);
  for (const size of [71, 4096, 1 << 20]) {
    const { result: got, strings, lines } = feedChunks(createContainerLogParser(opts), text, size);
    if (size >= 4096) assert.ok(lines - strings > 3000, `most lines counted from bytes (${lines - strings} of ${lines})`);
    assert.equal(got, want);
  }
  assert.is(want.lines, out.length);
  assert.ok(want.bird.lines > 900 && want.calico.lines > 3000);
  assert.is(want.calico.signatures['node-started']!.count, 1);
});

test.run();
