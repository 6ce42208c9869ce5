import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 256 * 1024;

/**
 * Appends ASCII lines to a file through a small string buffer (flushed every 256 KiB),
 * so a generated artifact of any size never exists as one big string in memory.
 * `bytes` is the exact size written (all generated text is ASCII: one char = one byte).
 */
export class TextFileWriter {
  private fd: number;
  private buf = '';
  bytes = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  line(text: string): void {
    this.buf += text;
    this.buf += '\n';
    this.bytes += text.length + 1;
    this.lines++;
    if (this.buf.length >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.buf.length > 0) writeSync(this.fd, this.buf, null, 'latin1');
    this.buf = '';
  }

  close(): number {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }
}
