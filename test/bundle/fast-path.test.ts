import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter } from '../../src/bundle/line-splitter.js';
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
    const p = createCalicoLogParser({ daemon: 'calico-node', file: 'diagnostics/logs/monitor-addresses/current' });
    let fast = 0;
    const s = new LineSplitter(
      (l, n) => p.push(l, n),
      (b, st, e, n) => {
        const r = p.pushBytes!(b, st, e, n);
        if (r) fast++;
        return r;
      },
      (b) => p.scanChunk!(b),
    );
    const buf = Buffer.from(text);
    for (let i = 0; i < buf.length; i += size) s.write(buf.subarray(i, i + size));
    s.end();
    const got = p.finish();
    if (size >= 4096) assert.ok(fast > 2000, `most lines took the fast path (${fast}) at chunk size ${size}`);
    assert.equal(got.byLevel, want.byLevel);
    assert.equal(got.pids, want.pids);
    assert.is(got.lines, want.lines);
    assert.is(got.lastTime, want.lastTime);
    assert.is(got.firstTime, want.firstTime);
    assert.is(got.signatures['interface-missing']!.count, want.signatures['interface-missing']!.count);
    assert.ok(want.signatures['interface-missing']!.count >= 7);
    assert.equal(got.notable.map((r) => r.line), want.notable.map((r) => r.line));
  }
});

test('felix: INFO lines are counted, not searched; WARNING and worse are parsed in full', () => {
  const text = felixLog();
  const s = parseCalicoLog(text, { daemon: 'felix', file: 'diagnostics/logs/felix/current' });
  assert.is(s.signatures['interface-missing']!.count, 0);
  assert.ok(s.byLevel['INFO']! > 1000);
  assert.ok(s.notable.some((r) => r.level === 'WARNING' && r.message.includes('Report timed out')));
});

test.run();
