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
 */
import type { InflateRaw } from 'node:zlib';
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
  _outBuffer: Buffer;
  _outOffset: number;
  _chunkSize: number;
  destroyed: boolean;
}

export interface RecyclingGunzip {
  gunzip: GzipMembers;
  /** The reader will never read the inflated bytes before `position` again. */
  release(position: number): void;
  readonly stats: RecycleStats;
}

export function createRecyclingGunzip(chunkSize: number): RecyclingGunzip {
  install();
  const stats: RecycleStats = { retired: 0, reused: 0 };
  /** Buffers zlib moved past, with the output position just after their last byte; oldest first. */
  const retired: { buf: Buffer; end: number }[] = [];
  const free: Buffer[] = [];
  let position = 0;
  let expected: Buffer | undefined;
  let enabled = true;

  const stop = (why: string) => {
    enabled = false;
    stats.disabled = why;
    retired.length = 0;
    free.length = 0;
  };

  /** Hooks one member's inflater (they come one after another, never two at once). */
  const attach = (inflater: InflateRaw) => {
    const z = inflater as unknown as ZlibInternals & InflateRaw;
    // A buffer handed to the previous member's inflater, which ended before using it, is not expected here.
    expected = undefined;
    if (enabled && !(typeof z._outOffset === 'number' && typeof z._chunkSize === 'number' && Buffer.isBuffer(z._outBuffer))) stop('this Node.js zlib has no _outBuffer');
    const push = z.push;
    z.push = function (this: InflateRaw, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (handoff !== undefined) handoff = undefined; // never carried past the push it was armed for
      if (chunk === null || !enabled) return push.call(this, chunk, encoding);
      const c = chunk as Buffer;
      if (expected !== undefined) {
        if (c.buffer !== expected.buffer) stop('zlib did not take the buffer handed over');
        expected = undefined;
      }
      const out = push.call(this, chunk, encoding);
      position += c.length;
      if (enabled && z._outOffset >= z._chunkSize && !z.destroyed) {
        // zlib allocates its next buffer as soon as this returns.
        retired.push({ buf: z._outBuffer, end: position });
        stats.retired++;
        totals.retired++;
        const next = free.pop();
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
  return {
    gunzip,
    stats,
    release(done: number): void {
      while (retired.length > 0 && retired[0]!.end <= done) {
        const { buf } = retired.shift()!;
        if (!enabled || free.length >= MAX_FREE) continue;
        if (poisonByte !== undefined) buf.fill(poisonByte);
        free.push(buf);
      }
    },
  };
}
