/**
 * A gunzip that writes into a few reused output buffers instead of a fresh one per MiB.
 *
 * node:zlib gives each output chunk a new `Buffer.allocUnsafe(chunkSize)`. Reading 2 GB of bundles
 * allocates 2000 of them: V8 counts each as young external memory and runs a scavenge for every
 * ~16-32 MB of it (about 100 per 2 GB, ~4 ms each on the one JS thread), and glibc keeps ~60 MiB of
 * freed buffers mapped. Reusing them removes both.
 *
 * A buffer may be reused only when nothing will read its bytes again. The reader knows that, not
 * zlib: it calls `release(position)` with the number of inflated bytes it is done with (bytes before
 * `position` in the gunzip's output will never be read again). A buffer zlib has moved past and whose
 * last byte is below that position goes back to the pool; zlib's next buffer is taken from the pool
 * when one is free, or allocated as before. A reader that never calls `release` gets plain gunzip.
 *
 * How the buffer is handed to zlib: node:zlib (lib/zlib.js, processCallback) pushes the slice it
 * filled, and when the buffer is full it allocates the next one with `Buffer.allocUnsafe(chunkSize)`
 * right after `push` returns, with no other code between. `push` is wrapped to arm a one-shot
 * hand-off, and `Buffer.allocUnsafe` (wrapped once, process-wide) returns the armed buffer for that
 * one call only. Every hand-off is checked: the next chunk must lie in the buffer handed over, else
 * recycling stops for that stream (a Node.js whose zlib allocates differently gets plain gunzip).
 *
 * The gunzip is `GzipMembers` (gzip framing read here, deflate data inflated by zlib's raw inflater,
 * one per gzip member): the hooks go on each member's inflater, and positions run on across members.
 *
 * When the WebAssembly line scanner is on, the buffers zlib fills are slots of the scanner's memory
 * (`WasmLines.takeBuffer`), so the scanner reads the inflated bytes where zlib wrote them instead of
 * copying each chunk in (2 GB: ~0.2 s of the main thread). Slots are shared by every stream: one goes
 * back when the reader released its bytes and zlib moved past it (a member inflater's last one once
 * the inflater closed and no write of its is under way on zlib's thread), at the latest at `close()`,
 * which the reader calls when it is done with the whole stream. When none is free, zlib's buffers are
 * plain ones, recycled as above.
 */
import type { InflateRaw } from 'node:zlib';
import { wasmLines } from '../parsers/wasm-lines.js';
import { GzipMembers } from './gzip-members.js';

/** Buffers kept free per stream: two archives at a time, each a few MiB ahead of its reader. */
const MAX_FREE = 8;

/** The buffer the next `Buffer.allocUnsafe(handoffSize)` returns (set only between a push and zlib's allocation). */
let handoff: Buffer | undefined;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const original = Buffer.allocUnsafe;
  const wrapped = function allocUnsafe(size: number): Buffer {
    const b = handoff;
    if (b !== undefined) {
      handoff = undefined;
      if (size === b.length) return b;
    }
    return original(size);
  };
  Buffer.allocUnsafe = wrapped as typeof Buffer.allocUnsafe;
}

/** What a stream did with its buffers (for tests and `--timings`). */
export interface RecycleStats {
  /** Output buffers zlib filled and moved past. */
  retired: number;
  /** Of those, the ones handed back to zlib instead of a new allocation. */
  reused: number;
  /** Set when a hand-off was not taken as expected and recycling stopped for the stream. */
  disabled?: string;
}

/** Fills buffers with this byte as they go back to the pool (tests: a reader that reads too late sees it). */
let poisonByte: number | undefined;

/** Tests only: fill every buffer that goes back to the pool with `byte` (undefined turns it off). */
export function poisonRecycledBuffers(byte: number | undefined): void {
  poisonByte = byte;
}

const totals: RecycleStats = { retired: 0, reused: 0 };

/** Buffers retired and reused by every recycling gunzip of this process so far. */
export function recycleTotals(): Readonly<RecycleStats> {
  return totals;
}

interface ZlibInternals {
  _transform(chunk: Buffer, enc: BufferEncoding, cb: (err?: Error | null, data?: unknown) => void): void;
  _outBuffer: Buffer;
  _outOffset: number;
  _chunkSize: number;
  destroyed: boolean;
}

export interface RecyclingGunzip {
  gunzip: GzipMembers;
  /** The reader will never read the inflated bytes before `position` again. */
  release(position: number): void;
  /** The reader is done with every byte of the stream: the slots it still holds go back. */
  close(): void;
  readonly stats: RecycleStats;
}

export function createRecyclingGunzip(chunkSize: number): RecyclingGunzip {
  install();
  const pool = wasmLines();
  const stats: RecycleStats = { retired: 0, reused: 0 };
  /** Buffers zlib moved past, with the output position just after their last byte; oldest first. */
  const retired: { buf: Buffer; end: number }[] = [];
  const free: Buffer[] = [];
  let position = 0;
  let expected: Buffer | undefined;
  let enabled = true;
  /** Set by `close()`: the reader is done, so a slot that comes free later goes straight back. */
  let readerDone = false;
  /** A buffer going back to a pool (tests: filled with the poison byte first). */
  const poison = (buf: Buffer): Buffer => (poisonByte !== undefined ? buf.fill(poisonByte) : buf);
  const giveBack = (buf: Buffer) => pool?.giveBack(poison(buf));

  const stop = (why: string) => {
    enabled = false;
    stats.disabled = why;
    // Slots stay listed, to go back when the reader is done with them; plain buffers are left to the GC.
    const slots = retired.filter((r) => pool?.inPlace(r.buf) === true);
    retired.length = 0;
    retired.push(...slots);
    free.length = 0;
  };

  /** Hooks one member's inflater (they come one after another, never two at once). */
  const attach = (inflater: InflateRaw) => {
    const z = inflater as unknown as ZlibInternals & InflateRaw;
    // A buffer handed to the previous member's inflater, which ended before using it, is not expected here.
    expected = undefined;
    if (enabled && !(typeof z._outOffset === 'number' && typeof z._chunkSize === 'number' && Buffer.isBuffer(z._outBuffer))) stop('this Node.js zlib has no _outBuffer');
    if (enabled && z._outOffset === 0 && z._chunkSize === chunkSize) {
      // Nothing inflated yet: its first buffer can still be a slot.
      const slot = pool?.takeBuffer(chunkSize);
      if (slot !== undefined) z._outBuffer = slot;
    }
    // Its last buffer, once zlib writes no more: when the inflater closed (ended, failed or was
    // destroyed) and no write of its is on zlib's thread. A write under way when it was destroyed
    // still ends with its callback (zlib.js processCallback), and only then is the buffer given up;
    // one that failed ends with zlib's error instead.
    let writing = false;
    let closed = false;
    let retiredLast = false;
    const retireLast = () => {
      if (retiredLast || writing || !closed) return;
      retiredLast = true;
      const buf = z._outBuffer;
      if (pool?.inPlace(buf) !== true) return;
      if (readerDone) giveBack(buf);
      else retired.push({ buf, end: position });
    };
    const transform = z._transform;
    z._transform = function (this: InflateRaw, chunk: Buffer, enc: BufferEncoding, cb: (err?: Error | null, data?: unknown) => void): void {
      writing = true;
      transform.call(this, chunk, enc, (err?: Error | null, data?: unknown) => {
        writing = false;
        retireLast();
        cb(err, data);
      });
    };
    // zlib reports its own failure when the write is over, without the write's callback.
    z.once('error', (err: { errno?: unknown; code?: unknown }) => {
      if (typeof err.errno === 'number' && typeof err.code === 'string' && err.code.startsWith('Z_')) writing = false;
    });
    z.once('close', () => {
      closed = true;
      retireLast();
    });
    const push = z.push;
    z.push = function (this: InflateRaw, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (handoff !== undefined) handoff = undefined; // never carried past the push it was armed for
      if (chunk === null || !enabled) return push.call(this, chunk, encoding);
      const c = chunk as Buffer;
      if (expected !== undefined) {
        // (Slots share one ArrayBuffer: the chunk must lie inside the one handed over.)
        if (c.buffer !== expected.buffer || c.byteOffset < expected.byteOffset || c.byteOffset + c.length > expected.byteOffset + expected.length) stop('zlib did not take the buffer handed over');
        expected = undefined;
      }
      const out = push.call(this, chunk, encoding);
      position += c.length;
      if (enabled && z._outOffset >= z._chunkSize && !z.destroyed) {
        // zlib allocates its next buffer as soon as this returns.
        retired.push({ buf: z._outBuffer, end: position });
        stats.retired++;
        totals.retired++;
        const next = pool?.takeBuffer(chunkSize) ?? free.pop();
        if (next !== undefined) {
          stats.reused++;
          totals.reused++;
          handoff = next;
          expected = next;
        }
      }
      return out;
    } as typeof z.push;
  };

  const gunzip = new GzipMembers({ chunkSize, onInflater: attach });
  const release = (done: number): void => {
    while (retired.length > 0 && retired[0]!.end <= done) {
      const { buf } = retired.shift()!;
      if (pool?.inPlace(buf) === true) {
        // Back to every stream (after a stop too: zlib moved past it all the same).
        giveBack(buf);
        continue;
      }
      if (!enabled || free.length >= MAX_FREE) continue;
      free.push(poison(buf));
    }
  };
  return {
    gunzip,
    stats,
    release,
    close(): void {
      readerDone = true;
      release(Infinity);
      free.length = 0;
    },
  };
}
