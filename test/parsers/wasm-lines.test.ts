import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { countNewlines, wasmLines, wasmLinesAvailable } from '../../src/parsers/wasm-lines.js';

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

test.run();
