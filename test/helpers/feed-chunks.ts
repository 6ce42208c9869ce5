import { POOL_SLOT_BYTES, wasmLines } from '../../src/parsers/wasm-lines.js';
import { LineSplitter } from '../../src/bundle/line-splitter.js';
import type { LineParser } from '../../src/parsers/line-parser.js';

/** Bytes a slot holds around a chunk in `feedChunks(..., garbage)`: what a scanner might find if it read past the chunk. */
const GARBAGE = Buffer.from('\n\r 0123456789[]-:.ABDEFGINORTUW_abcdegijlnoprstu\u00e9\u0000\u00ff', 'latin1');

/**
 * Feeds `text` to `parser` through the real LineSplitter in chunks of `size` bytes, as the bundle
 * reader does (so `pushLines` fast paths run), and returns its result with the number of lines
 * that became strings (went through `push`). With `garbage` (a seed),
 * each chunk is first written into a slot of the WebAssembly module's memory at an offset of up to
 * 255 bytes, as zlib writes it, between bytes drawn from GARBAGE: the module then reads the chunk in
 * place, and what it finds around it must change nothing.
 */
export function feedChunks<T>(parser: LineParser<T>, text: string | Buffer, size: number, garbage?: number): { result: T; strings: number; lines: number } {
  let strings = 0;
  const target: LineParser<T> = {
    push: (l, n) => {
      strings++;
      parser.push(l, n);
    },
    finish: () => parser.finish(),
  };
  if (parser.pushLines !== undefined) target.pushLines = parser.pushLines.bind(parser);
  if (parser.scanChunk !== undefined) target.scanChunk = parser.scanChunk.bind(parser);
  const s = new LineSplitter(target);
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const wasm = garbage === undefined ? undefined : wasmLines();
  let seed = (garbage ?? 0) | 0;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 16;
  for (let i = 0; i < buf.length; i += size) {
    const chunk = buf.subarray(i, i + size);
    if (wasm === undefined) {
      s.write(chunk);
      continue;
    }
    const slot = wasm.takeBuffer(POOL_SLOT_BYTES);
    if (slot === undefined) throw new Error('feedChunks: no slot of the WebAssembly module is free (one was not given back)');
    try {
      const at = next() & 255;
      const end = Math.min(slot.length, at + chunk.length + 256);
      for (let k = 0; k < end; k++) slot[k] = GARBAGE[next() % GARBAGE.length]!;
      chunk.copy(slot, at);
      s.write(slot.subarray(at, at + chunk.length));
    } finally {
      wasm.giveBack(slot);
    }
  }
  s.end();
  return { result: parser.finish(), strings, lines: s.lines };
}
