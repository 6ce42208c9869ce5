import { LineSplitter } from '../../src/bundle/line-splitter.js';
import type { LineParser } from '../../src/parsers/line-parser.js';

/**
 * Feeds `text` to `parser` through the real LineSplitter in chunks of `size` bytes, as the bundle
 * reader does (so `pushLines` fast paths run), and returns its result with the number of lines
 * that became strings (went through `push`).
 */
export function feedChunks<T>(parser: LineParser<T>, text: string | Buffer, size: number): { result: T; strings: number; lines: number } {
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
  for (let i = 0; i < buf.length; i += size) s.write(buf.subarray(i, i + size));
  s.end();
  return { result: parser.finish(), strings, lines: s.lines };
}
