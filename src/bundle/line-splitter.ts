import { MAX_LINE_BYTES, type LineTarget, type SlowLine } from '../parsers/line-parser.js';
import { wasmLines } from '../parsers/wasm-lines.js';

export { MAX_LINE_BYTES };

/**
 * Splits a byte stream into lines while holding at most one chunk and one partial line.
 * Lines are found by scanning the Buffer for `\n`; a line that becomes a string gets its own
 * (`toString` on the byte range), so a line a parser keeps never pins the whole chunk in memory.
 * A trailing `\r` is removed. Lines longer than MAX_LINE_BYTES are cut short, so a hostile file
 * without newlines cannot grow memory.
 *
 * A target with `pushLines` is handed every run of whole lines of a chunk at once and walks them
 * itself (no call per line); it gives back through `line()` the lines it wants as strings. A line
 * split across two chunks is joined here and always goes the string way.
 */
export class LineSplitter implements SlowLine {
  private partial: Buffer | undefined;
  private partialOverflow = false;
  private lineNo = 0;
  truncatedLines = 0;
  bytes = 0;

  constructor(private readonly target: LineTarget) {}

  get lines(): number {
    return this.lineNo;
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    wasmLines()?.forget(); // a new chunk: the module copies it in again when a fast path asks
    this.target.scanChunk?.(chunk);
    let start = 0;
    const n = chunk.length;
    if (this.partial !== undefined || this.partialOverflow) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.appendPartial(chunk, 0, n);
        return;
      }
      this.appendPartial(chunk, 0, nl);
      const p = this.partial ?? Buffer.alloc(0);
      this.partial = undefined;
      if (this.partialOverflow) this.truncatedLines++;
      this.partialOverflow = false;
      this.line(p, 0, p.length, ++this.lineNo);
      start = nl + 1;
    }
    if (this.target.pushLines !== undefined && start < n) {
      const last = chunk.lastIndexOf(10);
      if (last >= start) {
        this.lineNo += this.target.pushLines(chunk, start, last + 1, this.lineNo + 1, this);
        start = last + 1;
      }
      if (start < n) this.appendPartial(chunk, start, n);
      return;
    }
    while (start < n) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.appendPartial(chunk, start, n);
        return;
      }
      this.line(chunk, start, nl, ++this.lineNo);
      start = nl + 1;
    }
  }

  end(): void {
    if (this.partial !== undefined || this.partialOverflow) {
      const p = this.partial ?? Buffer.alloc(0);
      if (this.partialOverflow) this.truncatedLines++;
      this.partial = undefined;
      this.partialOverflow = false;
      this.line(p, 0, p.length, ++this.lineNo);
    }
  }

  /** Hands `buf[start..end)` (no `\n`) to the target as a string, cut to MAX_LINE_BYTES and without a trailing `\r`. */
  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    if (end - start > MAX_LINE_BYTES) {
      this.truncatedLines++;
      end = start + MAX_LINE_BYTES;
    }
    if (end > start && buf[end - 1] === 13) end--;
    this.target.push(buf.toString('utf8', start, end), lineNo);
  }

  private appendPartial(chunk: Buffer, start: number, end: number): void {
    const have = this.partial?.length ?? 0;
    const room = MAX_LINE_BYTES - have;
    let take = end - start;
    if (take > room) {
      take = Math.max(room, 0);
      this.partialOverflow = true;
    }
    if (take <= 0) return;
    const piece = Buffer.from(chunk.subarray(start, start + take)); // copy: never pin the chunk
    this.partial = this.partial === undefined ? piece : Buffer.concat([this.partial, piece]);
  }
}
