import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { GzipMembers } from '../../src/bundle/gzip-members.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Member {
  data: Buffer;
  name?: string;
  comment?: string;
  extra?: Buffer;
  headerCrc?: boolean;
}

/** One gzip member as RFC 1952 frames it, with the optional header fields asked for. */
function member(m: Member): Buffer {
  let flags = 0;
  const parts: Buffer[] = [];
  if (m.headerCrc) flags |= 0x02;
  if (m.extra !== undefined) {
    flags |= 0x04;
    const xlen = Buffer.alloc(2);
    xlen.writeUInt16LE(m.extra.length);
    parts.push(xlen, m.extra);
  }
  if (m.name !== undefined) {
    flags |= 0x08;
    parts.push(Buffer.from(m.name + '\0', 'latin1'));
  }
  if (m.comment !== undefined) {
    flags |= 0x10;
    parts.push(Buffer.from(m.comment + '\0', 'latin1'));
  }
  const fixed = Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3]);
  const header = Buffer.concat([fixed, ...parts]);
  const hcrc = Buffer.alloc(m.headerCrc ? 2 : 0);
  if (m.headerCrc) hcrc.writeUInt16LE(crc32(header) & 0xffff);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(m.data), 0);
  trailer.writeUInt32LE(m.data.length % 0x100000000, 4);
  return Buffer.concat([header, hcrc, deflateRawSync(m.data), trailer]);
}

/** Feeds `bytes` in chunks of the given sizes (cycled) and collects what comes out. */
async function inflate(bytes: Buffer, sizes: number[] = [bytes.length || 1], chunkSize = 16384): Promise<{ out: Buffer; members: number }> {
  const chunks: Buffer[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  const g = new GzipMembers({ chunkSize });
  const got: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    g,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        got.push(Buffer.from(chunk));
        cb();
      },
    }),
  );
  return { out: Buffer.concat(got), members: g.memberCount };
}

async function failure(bytes: Buffer, sizes?: number[]): Promise<Error & { code?: string }> {
  try {
    await inflate(bytes, sizes);
  } catch (err) {
    return err as Error;
  }
  throw new Error('inflated without an error');
}

const memberArb = fc.record(
  {
    data: fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.string({ maxLength: 20000 }).map((s) => new TextEncoder().encode(s.repeat(3)))).map((a) => Buffer.from(a)),
    name: fc.string({ maxLength: 40 }).map((s) => s.replace(/\0/g, '')),
    comment: fc.string({ maxLength: 40 }).map((s) => s.replace(/\0/g, '')),
    extra: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    headerCrc: fc.boolean(),
  },
  { requiredKeys: ['data'] },
);

test('a gzip from node:zlib inflates to its bytes, in one chunk or one byte at a time', async () => {
  const data = Buffer.from('2024-03-15 06:01:30.123 [INFO][64] felix/int_dataplane.go 1234: Applying dataplane updates\n'.repeat(5000));
  const gz = gzipSync(data);
  for (const sizes of [[gz.length], [1], [7, 1, 4096]]) {
    const r = await inflate(gz, sizes);
    assert.ok(r.out.equals(data), `chunks ${sizes}`);
    assert.is(r.members, 1);
  }
});

test('property: members with any header fields, concatenated, padded with zeros, in any chunks read as node:zlib gunzip reads them', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(memberArb, { minLength: 1, maxLength: 3 }), fc.nat(600), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 6 }), async (members, padding, sizes) => {
      const bytes = Buffer.concat([...members.map(member), Buffer.alloc(padding)]);
      const want = Buffer.concat(members.map((m) => m.data));
      assert.ok(gunzipSync(bytes).equals(want), 'the framing the test builds is what gunzip reads');
      const r = await inflate(bytes, sizes);
      assert.ok(r.out.equals(want));
      assert.is(r.members, members.length);
    }),
    { numRuns: 150 },
  );
});

test('property: a gzip cut anywhere before its trailer ends is an error, never a hang or a short success', async () => {
  await fc.assert(
    fc.asyncProperty(memberArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 4 }), async (m, where, sizes) => {
      const whole = member(m);
      const cut = 1 + Math.floor(where * (whole.length - 2));
      const err = await failure(whole.subarray(0, cut), sizes);
      assert.ok(err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR', `${err.code}: ${err.message}`);
    }),
    { numRuns: 150 },
  );
});

test('a trailer whose size disagrees with the inflated bytes is a damaged archive', async () => {
  const gz = gzipSync(Buffer.from('x'.repeat(1000)));
  gz.writeUInt32LE(999, gz.length - 4);
  const err = await failure(gz);
  assert.is(err.code, 'Z_DATA_ERROR');
  assert.match(err.message, 'gzip trailer says 999 bytes, 1000 were inflated');
});

test('bytes after a member that do not start another are trailing garbage: ignored and counted, as GNU gzip does (node:zlib fails)', async () => {
  const data = Buffer.from('abc'.repeat(1000));
  const gz = Buffer.concat([gzipSync(data), gzipSync(data)]);
  for (const tail of [Buffer.from('not gzip'), Buffer.concat([Buffer.alloc(100), Buffer.from('x')]), Buffer.from([0x1f, 0x8c, 0x08]), Buffer.from([0x1f, 0x00])]) {
    const bytes = Buffer.concat([gz, tail]);
    assert.throws(() => gunzipSync(Buffer.concat([gz, Buffer.from('not gzip')])));
    for (const sizes of [[bytes.length], [1], [7, 1, 3]]) {
      const g = new GzipMembers({ chunkSize: 4096 });
      const got: Buffer[] = [];
      const chunks: Buffer[] = [];
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = sizes[k % sizes.length]!;
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      await pipeline(Readable.from(chunks), g, new Writable({ write: (c: Buffer, _e, cb) => (got.push(Buffer.from(c)), cb()) }));
      assert.ok(Buffer.concat(got).equals(Buffer.concat([data, data])), `tail ${tail.toString('hex')}, chunks ${sizes}`);
      assert.is(g.memberCount, 2);
      // Zero padding before the garbage is not counted as garbage.
      assert.is(g.trailingGarbage, tail.length - (tail[0] === 0 ? 100 : 0), `tail ${tail.toString('hex')}, chunks ${sizes}`);
    }
  }
  // Before any member, bytes that are not gzip are an error, and a second member with the magic but a bad header is one.
  assert.is((await failure(Buffer.from('not gzip at all'))).message, 'incorrect header check');
  const bad = gzipSync(data);
  bad[2] = 7;
  assert.is((await failure(Buffer.concat([gzipSync(data), bad]))).message, 'unknown compression method');
});

test('a header with another method or reserved flags is refused', async () => {
  const gz = gzipSync(Buffer.from('abc'));
  const method = Buffer.from(gz);
  method[2] = 7;
  assert.is((await failure(method)).message, 'unknown compression method');
  const flags = Buffer.from(gz);
  flags[3] = 0x20;
  assert.is((await failure(flags)).message, 'unknown header flags set');
});

test('a slow reader holds the inflater back: what waits in memory stays near one output buffer', async () => {
  // 32 MiB of zeros is ~32 kB of gzip, written at once: without back-pressure it would all wait in memory.
  const gz = gzipSync(Buffer.alloc(32 << 20));
  const chunkSize = 1 << 20;
  const g = new GzipMembers({ chunkSize });
  let most = 0;
  let total = 0;
  const slow: Writable = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _e, cb) {
      total += chunk.length;
      // inflated bytes not yet taken by the reader: in this stream's buffer or queued at the writer
      most = Math.max(most, g.readableLength + slow.writableLength);
      setTimeout(cb, 15);
    },
  });
  await pipeline(Readable.from([gz]), g, slow);
  assert.is(total, 32 << 20);
  assert.ok(most <= 3 * chunkSize, `${most} bytes waited`);
});

test.run();
