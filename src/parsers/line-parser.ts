/**
 * The shape every parser has: lines are pushed one at a time (1-based line numbers,
 * no trailing newline or `\r`), then `finish()` returns the typed facts. The bundle
 * reader streams each artifact through its parser, so no parser ever needs the whole
 * file in memory; `runParser` feeds a whole string for tests and small inputs.
 */
export interface LineParser<T> {
  push(line: string, lineNo: number): void;
  finish(): T;
  /**
   * Optional byte-level fast path: sees the raw bytes of a line (`buf[start..end)`, no `\n`)
   * before any string is made. Returns true when it fully handled (counted and dropped) the
   * line; false to have `push` called with the decoded string as usual.
   */
  pushBytes?(buf: Buffer, start: number, end: number, lineNo: number): boolean;
  /** Optional: sees each whole chunk before its lines are pushed (to prescan it for rare needles). */
  scanChunk?(buf: Buffer): void;
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
