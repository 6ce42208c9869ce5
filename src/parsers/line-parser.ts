/**
 * The shape every parser has: lines are pushed one at a time (1-based line numbers,
 * no trailing newline or `\r`), then `finish()` returns the typed facts. The bundle
 * reader streams each artifact through its parser, so no parser ever needs the whole
 * file in memory; `runParser` feeds a whole string for tests and small inputs.
 */
export interface LineParser<T> extends LineTarget {
  finish(): T;
}

/** What the line splitter feeds: strings one by one, and optionally whole runs of raw lines. */
export interface LineTarget {
  push(line: string, lineNo: number): void;
  /**
   * Optional chunk-level fast path for big artifacts: `buf[start..end)` holds whole lines only
   * (`end` is just past a `\n`), the first numbered `firstLineNo`. The parser walks them itself,
   * counts from the bytes the lines it needs no string for, and hands every other line to
   * `slow.line(buf, lineStart, newlineIndex, lineNo)`, which makes the string and calls `push`
   * (cut to the line cap, `\r` removed). Returns the number of lines in the range.
   * `buf` is lent for the call only: the reader reuses its memory for later bytes, so a parser keeps
   * strings or numbers from it, never `buf` or a view of it.
   */
  pushLines?(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine): number;
  /** Optional: sees each whole chunk before its lines (to reset per-chunk state, or prescan it for needles); lent like `pushLines`' `buf`. */
  scanChunk?(buf: Buffer): void;
}

/** Whether the line starting at `buf[at]` ends a run (a router hands each parser its runs of lines). */
export type LineStop = (buf: Buffer, at: number) => boolean;

/** Where a `pushLines` fast path sends the lines it wants as strings. */
export interface SlowLine {
  line(buf: Buffer, start: number, end: number, lineNo: number): void;
}

/**
 * Longest line kept whole (the splitter cuts longer ones and counts them). A `pushLines` fast path
 * hands longer lines to `slow.line` so they are cut and counted the same way.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/** End of a line's content: `nl`, or one less when the line ends with `\r`. */
export function contentEnd(buf: Buffer, start: number, nl: number): number {
  return nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
}

/** Feeds `text` to `parser` line by line and returns its result. */
export function runParser<T>(parser: LineParser<T>, text: string): T {
  let start = 0;
  let lineNo = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    lineNo++;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    parser.push(text.slice(start, stop), lineNo);
    start = end + 1;
  }
  return parser.finish();
}
