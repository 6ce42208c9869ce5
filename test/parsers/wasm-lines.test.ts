import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { countNewlines, needleIndex, SCAN_SVLOGD_KNOWN, wasmLines, wasmLinesAvailable } from '../../src/parsers/wasm-lines.js';

test('the WebAssembly module is built and loads', () => {
  assert.ok(wasmLinesAvailable(), 'dist/src/wasm/lines.wasm missing: npm run build compiles assembly/lines.ts');
});

test('countLines = a JS count on random buffers (ends with or without \\n, any size, empty)', () => {
  const w = wasmLines();
  if (w === undefined) return assert.unreachable('module not loaded');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0, 10, 13, 97), fc.nat(300), fc.nat(300), (bytes, fill, a, b) => {
      const buf = Buffer.from(bytes.map((x, i) => (i % 7 === 0 ? fill : x)));
      const start = Math.min(a, buf.length);
      const end = Math.max(start, Math.min(b, buf.length));
      w.forget();
      let want = 0;
      for (let i = start; i < end; i++) if (buf[i] === 10) want++;
      assert.is(w.countLines(buf, start, end), want);
      assert.is(countNewlines(buf, start, end), want);
    }),
    { numRuns: 500 },
  );
  w.forget();
  assert.is(w.countLines(Buffer.alloc(0), 0, 0), 0);
  const big = Buffer.alloc((1 << 20) + 37, 10);
  w.forget();
  assert.is(w.countLines(big, 0, big.length), big.length);
});

test('findNeedles = one indexOf pass per needle (overlaps, shared prefixes, needles at the very end, near misses)', () => {
  const w = wasmLines();
  if (w === undefined) return assert.unreachable('module not loaded');
  // More distinct 4-byte prefixes than the SIMD filter has buckets (8), so buckets are shared.
  const words = ['natOutgoing', 'nat-outgoing', 'NATOutgoing', 'x509:', 'Failed to get config', 'Failed to create', 'aaaa', 'aaaab', 'Terminating', 'BIRD is not ready', 'is not live:', 'Interface missing', 'masquerade:', '/var/lib/calico/nodename'];
  const index = needleIndex(words.map((x) => Buffer.from(x)))!;
  const other = needleIndex(['abcd', 'bcde', 'zzzz', 'x509'].map((x) => Buffer.from(x)))!;
  const piece = fc.constantFrom(...words, 'natOutgoin', 'x509', 'Failed to ', 'aaa', 'a', '\n', ' ', 'Terminatin', 'abcde', 'zzz', 'BIRD', 'is n', 'Inte', 'masq', '/var');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60, size: 'medium' }), fc.boolean(), (parts, swap) => {
      const buf = Buffer.from(parts.join(''));
      for (const ix of swap ? [other, index] : [index, other]) {
        const want: number[] = [];
        for (const n of ix.needles) for (let p = buf.indexOf(n); p !== -1; p = buf.indexOf(n, p + 1)) want.push(p);
        want.sort((a, b) => a - b);
        w.forget();
        assert.equal(w.findNeedles(buf, ix), want);
      }
    }),
    { numRuns: 500 },
  );
  assert.is(needleIndex([Buffer.from('abc')]), undefined, 'a needle shorter than the 4-byte window is left to indexOf');
  // More candidate positions than the module lists: it declines and the caller searches with indexOf.
  const many = Buffer.alloc(100_000, 'aaaa');
  w.forget();
  assert.is(w.findNeedles(many, index), undefined);
});

test('listHits = findNeedles with the needle of each, and the module\'s hit list marks a hit countable when its needle is and no other needle starts there', () => {
  const w = wasmLines();
  if (w === undefined) return assert.unreachable('module not loaded');
  // 'aaaa' and 'aaaab' start at one offset: neither hit is countable there.
  const words = ['natOutgoing', 'nat-outgoing', 'NATOutgoing', 'x509:', 'Failed to get config', 'Failed to create', 'aaaa', 'aaaab', 'Terminating', 'BIRD is not ready', 'Target config /etc/calico/confd/config/bird.cfg has been updated'];
  const index = needleIndex(words.map((x) => Buffer.from(x)))!;
  const piece = fc.constantFrom(...words, 'natOutgoin', 'x509', 'Failed to ', 'aaa', 'a', '\n', ' ', 'Terminatin', 'Target config /etc/calico/confd/config/bird.cfg has been update');
  const owner = {};
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60, size: 'medium' }), fc.array(fc.boolean(), { minLength: words.length, maxLength: words.length }), (parts, countable) => {
      const buf = Buffer.from(parts.join(''));
      w.forget();
      const ids: number[] = [];
      const want = w.findNeedles(buf, index, ids)!;
      const wantIds = [...ids];
      const positions: number[] = [];
      const gotIds: number[] = [];
      assert.ok(w.listHits(owner, buf, index, countable, positions, gotIds));
      assert.equal(positions, want);
      assert.equal(gotIds, wantIds);
      assert.ok(w.hitsAreFor(owner, buf));
      assert.not.ok(w.hitsAreFor({}, buf));
      const marks = (flags: readonly boolean[]) => positions.map((p, i) => flags[gotIds[i]!]! && positions.filter((q) => q === p).length === 1);
      assert.equal(w.hitMarks(), marks(countable));
      const flipped = countable.map((c) => !c);
      w.remarkHits(flipped);
      assert.equal(w.hitMarks(), marks(flipped));
    }),
    { numRuns: 300 },
  );
  // More hits than the module lists: it declines (the caller uses findNeedles, then indexOf).
  const dense = Buffer.from('x509:'.repeat(3000));
  w.forget();
  assert.not.ok(w.listHits(owner, dense, index, words.map(() => true), [], []));
  assert.not.ok(w.hitsAreFor(owner, dense));
});

test('scanCalico counts the records of known PIDs and reports the PID of the last one it counted, not of the line it stopped at', () => {
  const w = wasmLines();
  if (w === undefined) return assert.unreachable('module not loaded');
  const buf = Buffer.from(
    [
      '2024-03-15 00:46:55.752 [DEBUG][68] x.go 1: a',
      '2024-03-15 00:46:55.753 [DEBUG][70] x.go 2: b',
      '2024-03-15 00:46:55.754 [DEBUG][68] x.go 3: c',
      // A PID it knows, but the first `component/` prefix while it is not known yet: JS takes this line.
      '2024-03-15 00:46:55.755 [DEBUG][70] felix/x.go 4: d',
      '2024-03-15 00:46:55.756 [DEBUG][68] x.go 5: e',
      '',
    ].join('\n'),
  );
  w.forget();
  const base = w.load(buf);
  w.setKnownPids([68, 70]);
  const next = w.scanCalico(base, 0, buf.length, SCAN_SVLOGD_KNOWN, 68, 0, 0, 65536);
  assert.is(w.result(0), 3);
  assert.is(w.resultPid(), 68);
  assert.ok(buf.toString('latin1', next).startsWith('2024-03-15 00:46:55.755 [DEBUG][70] felix/x.go 4'));
  // A PID it does not know stops it at once.
  w.setKnownPids([68]);
  w.scanCalico(base, 0, buf.length, SCAN_SVLOGD_KNOWN, 68, 0, 0, 65536);
  assert.is(w.result(0), 1);
  assert.is(w.resultPid(), 68);
});

test.run();
