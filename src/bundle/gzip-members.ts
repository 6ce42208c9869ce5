/**
 * A gunzip stream that reads the gzip framing itself and inflates each member's deflate data with
 * node:zlib's raw inflater, so the CRC-32 of the inflated bytes is never computed.
 *
 * Why: node:zlib's Gunzip computes the CRC-32 of every inflated byte on the zlib thread, about 18% of
 * the CPU time of inflating (2 GB of bundles: 2.34 s of CPU with Gunzip, 1.91 s with the raw
 * inflater; on two cores that CPU is shared with the parsers). What the CRC would catch is still
 * caught, but for one case:
 * - a cut archive: the deflate data or the trailer ends early ("unexpected end of file");
 * - damaged deflate data: zlib rejects invalid codes, distances and block types, and the tar
 *   headers inside carry their own checksums;
 * - each member's trailer size (ISIZE, the inflated length modulo 2^32) is checked.
 * The one case left is damage that still decodes to the same number of bytes (a flipped bit inside a
 * stored block, or a literal that stays a valid code), which a read-only analyzer shows as a changed
 * character in a log line.
 *
 * Framing, as RFC 1952 and node:zlib read it: a header (magic 1f 8b, method 8, flags; optional
 * extra field, name, comment and header CRC), the deflate data, an 8-byte trailer (CRC-32, ISIZE).
 * Members may follow one another (`cat a.gz b.gz`): their bytes are concatenated. After a member,
 * zero bytes are padding and are skipped. Bytes that do not start with the gzip magic are trailing
 * garbage (something appended to the file): as GNU gzip ("decompression OK, trailing garbage
 * ignored"), the stream ends with what the members held and `trailingGarbage` counts the bytes
 * ignored; node:zlib would fail the whole stream there. A second member with the magic but a bad
 * header is an error.
 *
 * Back-pressure: each member's inflater is paused when this stream's reader is full, and this
 * stream's write callback waits for the inflater's, so memory stays at a chunk or two per stream.
 */
import { Duplex } from 'node:stream';
import { createInflateRaw, type InflateRaw } from 'node:zlib';

export interface GzipMembersOptions {
  /** Size of the inflater's output buffers. */
  chunkSize: number;
  /** Called with each member's inflater before it inflates anything (buffer recycling hooks in here). */
  onInflater?: (inflater: InflateRaw) => void;
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

/** A framing error, coded as zlib codes its own so callers describe both alike. */
function zlibError(code: 'Z_DATA_ERROR' | 'Z_BUF_ERROR', message: string): Error {
  return Object.assign(new Error(message), { code });
}

type HeaderStep = 'fixed' | 'xlen' | 'extra' | 'name' | 'comment' | 'hcrc' | 'done';

/** Reads one gzip member header, across chunks (names, comments and extra fields are skipped, not kept). */
class HeaderReader {
  private step: HeaderStep = 'fixed';
  private flags = 0;
  /** Bytes of the current step read so far (fixed part, XLEN, header CRC). */
  private have = 0;
  private extraLeft = 0;

  /** Consumes header bytes from `buf[from..]`; returns where the header ended, or `buf.length` when it needs more. */
  feed(buf: Buffer, from: number): number {
    let i = from;
    while (i < buf.length && this.step !== 'done') {
      if (this.step === 'extra') {
        const skip = Math.min(this.extraLeft, buf.length - i);
        i += skip;
        this.extraLeft -= skip;
        if (this.extraLeft === 0) this.step = this.after('extra');
        continue;
      }
      const b = buf[i++]!;
      switch (this.step) {
        case 'fixed':
          if ((this.have === 0 && b !== 0x1f) || (this.have === 1 && b !== 0x8b)) throw Object.assign(zlibError('Z_DATA_ERROR', 'incorrect header check'), { notGzip: true });
          if (this.have === 2 && b !== 8) throw zlibError('Z_DATA_ERROR', 'unknown compression method');
          if (this.have === 3) {
            if ((b & FRESERVED) !== 0) throw zlibError('Z_DATA_ERROR', 'unknown header flags set');
            this.flags = b;
          }
          if (++this.have === 10) this.to(this.after('fixed'));
          break;
        case 'xlen':
          this.extraLeft |= b << (8 * this.have);
          if (++this.have === 2) this.to(this.extraLeft > 0 ? 'extra' : this.after('extra'));
          break;
        case 'name':
        case 'comment':
          if (b === 0) this.to(this.after(this.step));
          break;
        case 'hcrc':
          if (++this.have === 2) this.to('done');
          break;
      }
    }
    return i;
  }

  get done(): boolean {
    return this.step === 'done';
  }

  /** Started but not finished. */
  get partial(): boolean {
    return this.step !== 'done' && (this.step !== 'fixed' || this.have > 0);
  }

  private to(step: HeaderStep): void {
    this.step = step;
    this.have = 0;
  }

  /** The optional field that follows `step`, by the flags. */
  private after(step: 'fixed' | 'extra' | 'name' | 'comment'): HeaderStep {
    const f = this.flags;
    if (step === 'fixed' && (f & FEXTRA) !== 0) return 'xlen';
    if ((step === 'fixed' || step === 'extra') && (f & FNAME) !== 0) return 'name';
    if (step !== 'comment' && (f & FCOMMENT) !== 0) return 'comment';
    if ((f & FHCRC) !== 0) return 'hcrc';
    return 'done';
  }
}

type State = 'header' | 'body' | 'trailer' | 'between' | 'garbage';

export class GzipMembers extends Duplex {
  private state: State = 'header';
  private header = new HeaderReader();
  private inflater: InflateRaw | undefined;
  private readonly trailer = Buffer.alloc(8);
  private trailerHave = 0;
  /** Bytes the current member inflated so far (its trailer's ISIZE is this modulo 2^32). */
  private memberOut = 0;
  private members = 0;
  /** Bytes of the current header read so far (given back as garbage when they turn out not to be gzip). */
  private headerBytes = 0;
  private garbage = 0;

  constructor(private readonly opts: GzipMembersOptions) {
    super({ readableHighWaterMark: opts.chunkSize });
  }

  /** Members read so far (for tests). */
  get memberCount(): number {
    return this.members;
  }

  /** Bytes after the last member that were not gzip data and were ignored (0: none). */
  get trailingGarbage(): number {
    return this.garbage;
  }

  override _read(): void {
    this.inflater?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.consume(chunk, 0, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const finish = () => {
      if (this.state === 'body' || this.state === 'trailer' || (this.state === 'header' && this.header.partial) || this.members === 0) {
        cb(zlibError('Z_BUF_ERROR', 'unexpected end of file'));
        return;
      }
      this.push(null);
      cb();
    };
    const z = this.inflater;
    if (this.state === 'body' && z !== undefined) {
      // Let zlib see the end: it fails a cut deflate stream with its own error.
      z.end();
      this.afterMember(z, finish);
    } else finish();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inflater?.destroy();
    cb(err);
  }

  private consume(chunk: Buffer, from: number, cb: (err?: Error | null) => void): void {
    let i = from;
    try {
      while (i < chunk.length) {
        switch (this.state) {
          case 'header': {
            const from = i;
            try {
              i = this.header.feed(chunk, i);
            } catch (err) {
              // After a member, bytes without the gzip magic are trailing garbage, not an error.
              if (this.members === 0 || (err as { notGzip?: boolean }).notGzip !== true) throw err;
              this.state = 'garbage';
              this.garbage = this.headerBytes;
              break;
            }
            this.headerBytes += i - from;
            if (this.header.done) this.startMember();
            break;
          }
          case 'garbage':
            this.garbage += chunk.length - i;
            i = chunk.length;
            break;
          case 'body': {
            const part = i === 0 ? chunk : chunk.subarray(i);
            const z = this.inflater!;
            const before = z.bytesWritten;
            z.write(part, (err) => {
              if (err) return cb(err);
              const used = z.bytesWritten - before;
              if (used >= part.length) return cb();
              // The member's deflate data ended inside this chunk: once its last bytes are read out,
              // go on with its trailer from here.
              this.state = 'trailer';
              this.trailerHave = 0;
              this.afterMember(z, () => this.consume(part, used, cb));
            });
            return;
          }
          case 'trailer': {
            const n = Math.min(8 - this.trailerHave, chunk.length - i);
            chunk.copy(this.trailer, this.trailerHave, i, i + n);
            this.trailerHave += n;
            i += n;
            if (this.trailerHave === 8) {
              const size = this.trailer.readUInt32LE(4);
              if (size !== this.memberOut % 0x100000000) throw zlibError('Z_DATA_ERROR', `gzip trailer says ${size} bytes, ${this.memberOut} were inflated (damaged archive)`);
              this.inflater = undefined;
              this.state = 'between';
            }
            break;
          }
          case 'between':
            // zero bytes are padding; anything else starts another member
            if (chunk[i] === 0) i++;
            else {
              this.header = new HeaderReader();
              this.headerBytes = 0;
              this.state = 'header';
            }
            break;
        }
      }
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb();
  }

  /** Calls `then` once the member's inflater has handed over its last bytes ('end' may have come already). */
  private afterMember(z: InflateRaw, then: () => void): void {
    const go = () => {
      z.destroy();
      then();
    };
    if (z.readableEnded) go();
    else {
      z.once('end', go);
      z.resume();
    }
  }

  private startMember(): void {
    const z = createInflateRaw({ chunkSize: this.opts.chunkSize });
    this.opts.onInflater?.(z);
    this.inflater = z;
    this.memberOut = 0;
    this.members++;
    this.state = 'body';
    z.on('data', (d: Buffer) => {
      this.memberOut += d.length;
      if (!this.push(d)) z.pause();
    });
    z.on('error', (err) => this.destroy(err));
  }
}
