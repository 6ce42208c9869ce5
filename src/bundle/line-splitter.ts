/** Longest line kept whole; the rest of a longer line is dropped (counted in `truncatedLines`). */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Splits a byte stream into lines while holding at most one chunk and one partial line.
 * Lines are found by scanning the Buffer for `\n`; each line becomes its own string
 * (`toString` on the byte range), so a line a parser keeps never pins the whole chunk
 * in memory. A trailing `\r` is removed. Lines longer than MAX_LINE_BYTES are cut short,
 * so a hostile file without newlines cannot grow memory.
 */
export class LineSplitter {
  private partial: Buffer | undefined;
  private partialOverflow = false;
  private lineNo = 0;
  truncatedLines = 0;
  bytes = 0;

  constructor(
    private readonly onLine: (line: string, lineNo: number) => void,
    /** Byte-level fast path: return true to drop the line without making a string. */
    private readonly onBytes?: (buf: Buffer, start: number, end: number, lineNo: number) => boolean,
    /** Sees each chunk before its lines (prescans for rare needles). */
    private readonly onChunk?: (buf: Buffer) => void,
  ) {}

  get lines(): number {
    return this.lineNo;
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.onChunk?.(chunk);
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
      this.emit(p, 0, p.length);
      start = nl + 1;
    }
    while (start < n) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.appendPartial(chunk, start, n);
        return;
      }
      if (nl - start > MAX_LINE_BYTES) {
        this.truncatedLines++;
        this.emit(chunk, start, start + MAX_LINE_BYTES);
      } else {
        this.emit(chunk, start, nl);
      }
      start = nl + 1;
    }
  }

  end(): void {
    if (this.partial !== undefined || this.partialOverflow) {
      const p = this.partial ?? Buffer.alloc(0);
      if (this.partialOverflow) this.truncatedLines++;
      this.partial = undefined;
      this.partialOverflow = false;
      this.emit(p, 0, p.length);
    }
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

  private emit(buf: Buffer, start: number, end: number): void {
    this.lineNo++;
    if (end > start && buf[end - 1] === 13) end--;
    if (this.onBytes !== undefined && this.onBytes(buf, start, end, this.lineNo)) return;
    this.onLine(buf.toString('utf8', start, end), this.lineNo);
  }
}
