/**
 * The WebAssembly step of the read path: a small module (assembly/lines.ts, AssemblyScript with
 * SIMD, built by `npm run build` into dist/src/wasm/lines.wasm) that counts newlines and skips the
 * lines a parser only counts (Calico log records, BIRD messages, iptables rules and declarations,
 * ipset members), so that JS visits only the lines it must read. It also lists where needles occur
 * (a chunk's INFO needles, a WARNING line's signature needles) in one pass for many needles.
 *
 * The fast paths ask `load(buf)` for the address the chunk's offset 0 has in the module's memory.
 * Chunks inflated by zlib are there already: zlib's output buffers are slots of that memory
 * (`takeBuffer`, see bundle/recycling-gunzip.ts), so such a chunk is read in place. Any other
 * Buffer (a line joined across two chunks, a plain tar) is copied into a fixed area first. The
 * memory is grown once, when the module is made, and never again: a grown memory would detach the
 * slots' Buffers from under zlib. The splitter calls `forget()` at each new chunk, so a Buffer
 * reused with other bytes is copied again.
 *
 * Read in place, the bytes after a chunk are the rest of its zlib buffer, which zlib may be filling
 * on its own thread meanwhile. The scanners' loads run up to SLACK bytes past a line's end, and
 * nothing they find there is used (a test runs every scanner with random bytes after each chunk);
 * each slot is followed by SLACK bytes nobody writes, so a load never leaves the memory.
 *
 * `CALICO_DIAGS_WASM=0` turns it off (the JS fast paths do the same work); so does a missing
 * build output. Tests switch it with `setWasmEnabled`.
 */
import { readFileSync } from 'node:fs';
import { builtFile } from '../paths.js';

/** The part of the WebAssembly API used here (the project's `lib` has no DOM types, where it is declared). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  results(): number;
  countLines(p: number, n: number): number;
  scanCalico(s: number, end: number, flags: number, lastPid: number, hit: number, hitCount: number, maxLine: number): number;
  hits(): number;
  hitIds(): number;
  hitLines(): number;
  hitNeedles(): number;
  hitNeedleBytes(): number;
  hitNeedleOk(): number;
  findHits(p: number, n: number): number;
  countMembers(s: number, end: number, maxLine: number): number;
  needleBits(): number;
  needleMasks(): number;
  candidates(): number;
  findCandidates(p: number, n: number, set: number): number;
  lineNeedles(): number;
  lineNeedleBytes(): number;
  knownPids(): number;
  prefixTables(): number;
  prefixBytes(): number;
  scanBird(s: number, end: number, flags: number, maxLine: number): number;
  iptablesName(): number;
  iptSetKey(): number;
  iptSetAdd(len: number): number;
  iptSetClear(): void;
  scanIptables(s: number, end: number, flags: number, nameLen: number, maxLine: number): number;
}

/** Prefixes per table and bytes per prefix of the scanners' prefix tables (assembly/lines.ts). */
const MAX_PREFIXES = 16;
const PREFIX_SLOT = 64;
/** The tables: BIRD's tracked global messages and protocol texts, iptables-save's verdicts and policy chain prefixes. */
const BIRD_GLOBAL_TABLE = 0;
const IPTABLES_VERDICT_TABLE = 2;

/**
 * Needles for `WasmLines.findNeedles`: grouped by their first 4 bytes (little-endian u32), the key
 * the module's prefilter hashes. Made once per needle list (`needleIndex`).
 */
export interface NeedleIndex {
  readonly needles: readonly Buffer[];
  /** Positions in `needles` by the needles' first 4 bytes. */
  readonly byPrefix: ReadonlyMap<number, readonly number[]>;
}

/** The index of `needles`, or undefined when one is shorter than 4 bytes (the prefilter's window). */
export function needleIndex(needles: readonly Buffer[]): NeedleIndex | undefined {
  const byPrefix = new Map<number, number[]>();
  for (const [k, n] of needles.entries()) {
    if (n.length < 4) return undefined;
    const key = n.readUInt32LE(0);
    byPrefix.set(key, [...(byPrefix.get(key) ?? []), k]);
  }
  return { needles, byPrefix };
}

/** The module's 16-bit hash of a 4-byte prefix (assembly/lines.ts `hash4`). */
function hash4(x: number): number {
  return Math.imul(x, 0x9e3779b1) >>> 16;
}

/** `onlyNeedleIn`: more than one needle occurs, or the module cannot tell. */
export const NEEDLES_MANY = -2;

/** Bytes of one table set of the prefilter (assembly/lines.ts NEEDLE_BITS_SIZE, NEEDLE_MASKS_SIZE). */
const NEEDLE_BITS_SIZE = 8192;
const NEEDLE_MASKS_SIZE = 96;

/** Whether the needle `n`, whose first 4 bytes are at `pos` in `buf`, is there whole and ends by `end`. */
function endsAt(buf: Buffer, pos: number, n: Buffer, end: number): boolean {
  const len = n.length;
  if (pos + len > end) return false;
  let k = 4;
  while (k < len && buf[pos + k] === n[k]) k++;
  return k === len;
}

/**
 * Where chunks start in the module's memory: above its static data (tables, hit lists, the iptables
 * chain set; ~220 KiB), which must fit the 4 pages assembly/asconfig.json gives the module at start
 * (the build fails otherwise).
 */
const CHUNK_BASE = 1 << 18;
/** Bytes kept readable after a chunk: the scanner's 16-byte loads may run past a line's end. */
const SLACK = 64;
const PAGE = 1 << 16;
/** Larger chunks stay with the JS paths (the copy area is this large). */
export const WASM_MAX_CHUNK = 8 << 20;
/** Slots of the module's memory lent to zlib as output buffers (two archives at a time, each a few MiB ahead of its reader). */
export const POOL_SLOTS = 24;
/** A slot's size: zlib's output chunk (bundle/read-archive.ts CHUNK_BYTES); other sizes are not lent. */
export const POOL_SLOT_BYTES = 1 << 20;

/** Flags of `scanCalico` (see assembly/lines.ts). */
export const SCAN_SVLOGD_KNOWN = 1;
export const SCAN_PREFIX_KNOWN = 2;
export const SCAN_INFO_OK = 4;
export const SCAN_INFO_SEARCH = 8;

/** The hit list of `scanCalico` (assembly/lines.ts HIT_COUNTABLE, HIT_STOP_ALL, HIT_ADDRESS, MAX_HIT_NEEDLES, HIT_NEEDLE_SLOT). */
const HIT_COUNTABLE = 0x80000000;
const HIT_STOP_ALL = 0x40000000;
const HIT_ADDRESS = 0x3fffffff;
const MAX_HIT_NEEDLES = 32;
const HIT_NEEDLE_SLOT = 128;

/** How many PIDs `scanCalico` knows besides the last one (assembly/lines.ts MAX_PIDS). */
const MAX_KNOWN_PIDS = 16;

/** What `scanCalico` can search in each INFO line itself (assembly/lines.ts MAX_NEEDLES, NEEDLE_SLOT). */
const MAX_LINE_NEEDLES = 4;
const LINE_NEEDLE_SLOT = 256;

/** The longest chain name the iptables chain set holds (assembly/lines.ts IPT_SET_NAME). */
const IPT_SET_NAME = 32;

/**
 * Whether `scanCalico` can search these needles in each INFO line (SCAN_INFO_SEARCH): at most 4,
 * each 1 to 256 bytes without `\n` or `\r` (so a needle starting in a line also ends in it).
 */
export function lineSearchable(needles: readonly Buffer[]): boolean {
  return needles.length <= MAX_LINE_NEEDLES && needles.every((n) => n.length >= 1 && n.length <= LINE_NEEDLE_SLOT && !n.includes(10) && !n.includes(13));
}

export class WasmLines {
  private readonly x: Exports;
  private bytes: Uint8Array;
  private i32: Int32Array;
  private dv: DataView;
  private readonly resultsAt: number;
  private loaded: Buffer | undefined;
  /** Where the loaded chunk's offset 0 is in the module's memory. */
  private base = CHUNK_BASE;
  /** The base of the chunk the last `scanCalico` read (its hit lines are offsets from it). */
  private scanBase = CHUNK_BASE;
  /** Where the slots start: addresses from here on are zlib's buffers, read in place. */
  private readonly poolBase: number;
  /** The slots not lent, and which addresses they start at (to refuse one given back twice). */
  private readonly freeSlots: Buffer[] = [];
  private readonly freeAt = new Set<number>();
  /** The needle list in each of the prefilter's two table sets (0: `findNeedles` and `listHits`, 1: `onlyNeedleIn`). */
  private readonly bitsFor: (NeedleIndex | undefined)[] = [undefined, undefined];
  /** Who listed the module's hit list (`listHits`), for which chunk, and how many hits it holds. */
  private hitsOwner: object | undefined;
  private hitsChunk: Buffer | undefined;
  private hitCount = 0;
  /** The needle list whose bytes `findHits` compares with. */
  private hitNeedlesFor: NeedleIndex | undefined;
  /** The PID list written for `scanCalico`, and its length then. */
  private pidsFor: readonly number[] | undefined;
  private pidsLength = 0;
  /** The needle list `scanCalico` searches in INFO lines (SCAN_INFO_SEARCH). */
  private lineNeedlesFor: readonly Buffer[] | undefined;
  /** Whose chains the iptables chain set holds (an iptables-save parser's current table). */
  private iptSetOwner: object | undefined;
  private u32View: Uint32Array | undefined;
  /** The pair of lists in prefix tables n and n + 1 (by n). */
  private readonly prefixTablesFor: (readonly [readonly Buffer[], readonly Buffer[]] | undefined)[] = [];

  constructor(module: object) {
    this.x = new WA.Instance(module, {}).exports as unknown as Exports;
    // The copy area, then the slots, each with SLACK bytes after it; grown here once and never again.
    this.poolBase = Math.ceil((CHUNK_BASE + WASM_MAX_CHUNK + SLACK) / PAGE) * PAGE;
    const stride = POOL_SLOT_BYTES + SLACK;
    const pages = Math.ceil((this.poolBase + POOL_SLOTS * stride) / PAGE);
    this.x.memory.grow(pages - this.x.memory.buffer.byteLength / PAGE);
    for (let i = POOL_SLOTS - 1; i >= 0; i--) {
      const at = this.poolBase + i * stride;
      this.freeSlots.push(Buffer.from(this.x.memory.buffer, at, POOL_SLOT_BYTES));
      this.freeAt.add(at);
    }
    this.bytes = new Uint8Array(this.x.memory.buffer);
    this.i32 = new Int32Array(this.x.memory.buffer);
    this.dv = new DataView(this.x.memory.buffer);
    this.resultsAt = this.x.results() >> 2;
  }

  /** Drops the chunk last copied in (the next `load` copies again). */
  forget(): void {
    this.loaded = undefined;
  }

  /**
   * The address of `buf`'s byte 0 in the module's memory: where it lies when it is in a slot, else
   * where it is copied to (unless it is the chunk already there); -1 when a chunk to copy is larger
   * than WASM_MAX_CHUNK.
   */
  load(buf: Buffer): number {
    if (buf === this.loaded) return this.base;
    if (this.inPlace(buf)) {
      this.loaded = buf;
      this.base = buf.byteOffset;
      return this.base;
    }
    if (buf.length > WASM_MAX_CHUNK) return -1;
    this.bytes.set(buf, CHUNK_BASE);
    this.bytes.fill(0, CHUNK_BASE + buf.length, CHUNK_BASE + buf.length + SLACK);
    this.loaded = buf;
    this.base = CHUNK_BASE;
    return CHUNK_BASE;
  }

  /** A slot of the module's memory to inflate into (`size` must be POOL_SLOT_BYTES), or undefined when all are lent. */
  takeBuffer(size: number): Buffer | undefined {
    if (size !== POOL_SLOT_BYTES) return undefined;
    const slot = this.freeSlots.pop();
    if (slot !== undefined) this.freeAt.delete(slot.byteOffset);
    return slot;
  }

  /**
   * Gives a slot back, once nothing will read or write it again (zlib moved past it and the reader
   * is done with its bytes). Anything that is not a lent slot is ignored, a slot given back twice too.
   */
  giveBack(buf: Buffer): void {
    const at = buf.byteOffset;
    if (buf.buffer !== this.x.memory.buffer || buf.length !== POOL_SLOT_BYTES || at < this.poolBase || (at - this.poolBase) % (POOL_SLOT_BYTES + SLACK) !== 0) return;
    if (this.freeAt.has(at)) return;
    this.freeAt.add(at);
    this.freeSlots.push(buf);
  }

  /** Slots not lent (for tests). */
  get freeBuffers(): number {
    return this.freeSlots.length;
  }

  /** Whether `buf` lies in a slot (zlib wrote it where the module reads it). */
  inPlace(buf: Buffer): boolean {
    return buf.buffer === this.x.memory.buffer && buf.byteOffset >= this.poolBase;
  }

  /** Number of `\n` in `buf[start..end)`. */
  countLines(buf: Buffer, start: number, end: number): number {
    const base = this.load(buf);
    if (base < 0) return countNewlines(buf, start, end);
    return this.x.countLines(base + start, end - start);
  }

  /**
   * Runs the Calico log scanner over `buf[s..end)` (`buf` loaded at `base`); returns the offset of
   * the first line left to JS. What it counted is read with `result(i)` (0 lines, 1 bytes, 2 DEBUG,
   * 3 INFO, 4 TRACE, 5 offset of the last counted header, 8 INFO lines counted with a hit, 9 the first
   * hit not passed), the hits counted with `hitLine`. Under SCAN_INFO_OK, the hits from `hit` to
   * `hitCount` of the list written last (`listHits`, `setStopHit`) are those an INFO line is checked against.
   */
  scanCalico(base: number, s: number, end: number, flags: number, lastPid: number, hit: number, hitCount: number, maxLine: number): number {
    this.scanBase = base;
    return this.x.scanCalico(base + s, base + end, flags, lastPid, hit, hitCount, maxLine) - base;
  }

  /**
   * Lists where the needles of `index` start in `buf` (what `findNeedles` lists) into `positions`, their
   * needles into `ids`, and into the module's hit list for `scanCalico`, where a hit is countable when
   * `countable[id]` holds and no other needle starts at its offset; `owner` owns the list until
   * another is written (`hitsAreFor`). False when the module cannot list them (chunk too large, more
   * than MAX_HIT_NEEDLES needles or one longer than HIT_NEEDLE_SLOT, more than MAX_HITS hits).
   */
  listHits(owner: object, buf: Buffer, index: NeedleIndex, countable: readonly boolean[], positions: number[], ids: number[]): boolean {
    this.hitsOwner = undefined;
    if (index.needles.length > MAX_HIT_NEEDLES || index.needles.some((n) => n.length > HIT_NEEDLE_SLOT)) return false;
    const base = this.load(buf);
    if (base < 0) return false;
    this.useIndex(0, index);
    if (this.hitNeedlesFor !== index) {
      const meta = this.x.hitNeedles() >> 2;
      this.i32[meta] = index.needles.length;
      index.needles.forEach((n, k) => {
        this.i32[meta + 1 + k] = n.length;
        this.bytes.set(n, this.x.hitNeedleBytes() + k * HIT_NEEDLE_SLOT);
      });
      this.hitNeedlesFor = index;
    }
    const ok = this.x.hitNeedleOk();
    for (let k = 0; k < index.needles.length; k++) this.bytes[ok + k] = countable[k] ? 1 : 0;
    const count = this.x.findHits(base, buf.length);
    this.hitCount = Math.max(0, count);
    if (count < 0) return false;
    const at = this.x.hits() >> 2;
    const idAt = this.x.hitIds();
    const view = this.u32();
    positions.length = ids.length = count;
    for (let i = 0; i < count; i++) {
      positions[i] = (view[at + i]! & HIT_ADDRESS) - base;
      ids[i] = this.bytes[idAt + i]!;
    }
    this.hitsOwner = owner;
    this.hitsChunk = buf;
    return true;
  }

  /** Whether the module's hit list is the one `owner` listed for `buf` with `listHits`. */
  hitsAreFor(owner: object, buf: Buffer): boolean {
    return this.hitsOwner === owner && this.hitsChunk === buf && this.loaded === buf;
  }

  /** Marks the hits of the list again: countable when `countable[id]` holds and no other needle starts at the offset. */
  remarkHits(countable: readonly boolean[]): void {
    const at = this.x.hits() >> 2;
    const idAt = this.x.hitIds();
    const view = this.u32();
    const n = this.hitCount;
    for (let i = 0; i < n; i++) {
      const addr = view[at + i]! & HIT_ADDRESS;
      const alone = !(i > 0 && (view[at + i - 1]! & HIT_ADDRESS) === addr) && !(i + 1 < n && (view[at + i + 1]! & HIT_ADDRESS) === addr);
      view[at + i] = (addr | (alone && countable[this.bytes[idAt + i]!] ? HIT_COUNTABLE : 0)) >>> 0;
    }
  }

  /** Whether each hit of the module's list is marked countable (for tests). */
  hitMarks(): boolean[] {
    const at = this.x.hits() >> 2;
    const view = this.u32();
    return Array.from({ length: this.hitCount }, (_, i) => (view[at + i]! & HIT_COUNTABLE) !== 0);
  }

  /** Writes a list of one entry for `scanCalico`: every INFO line from the one holding `offset` on goes to JS. */
  setStopHit(offset: number): number {
    this.u32()[this.x.hits() >> 2] = ((this.base + offset) | HIT_STOP_ALL) >>> 0;
    this.hitsOwner = undefined;
    return 1;
  }

  /** Field `f` of the `i`th INFO line the last `scanCalico` counted with a hit: 0 hit index, 1 line start, 2 newline (chunk offsets), 3 lines counted before it. */
  hitLine(i: number, f: number): number {
    const v = this.i32[(this.x.hitLines() >> 2) + 4 * i + f]!;
    return f === 1 || f === 2 ? v - this.scanBase : v;
  }

  /**
   * Makes the last MAX_KNOWN_PIDS of `pids` (a parser's PIDs in order of first sight) the PIDs whose
   * records `scanCalico` counts besides `lastPid`. Parsers share the module, so each sets its list
   * before a scan; the list is written again only when it is another list or has grown.
   */
  setKnownPids(pids: readonly number[]): void {
    if (this.pidsFor === pids && this.pidsLength === pids.length) return;
    const at = this.x.knownPids();
    const from = Math.max(0, pids.length - MAX_KNOWN_PIDS);
    this.i32[at >> 2] = pids.length - from;
    for (let i = from; i < pids.length; i++) this.dv.setFloat64(at + 8 + 8 * (i - from), pids[i]!, true);
    this.pidsFor = pids;
    this.pidsLength = pids.length;
  }

  /** The PID of the last record the last `scanCalico` counted. */
  resultPid(): number {
    return this.dv.getFloat64((this.resultsAt << 2) + 24, true);
  }

  /**
   * Makes `needles` (which must be `lineSearchable`) the ones `scanCalico` searches in each INFO line
   * under SCAN_INFO_SEARCH. Parsers share the module, so each sets its list before a scan; the same
   * list object is not written again.
   */
  setLineNeedles(needles: readonly Buffer[]): void {
    if (this.lineNeedlesFor === needles) return;
    const meta = this.x.lineNeedles() >> 2;
    const at = this.x.lineNeedleBytes();
    this.i32[meta] = needles.length;
    needles.forEach((n, i) => {
      this.i32[meta + 1 + i] = n.length;
      this.bytes.set(n, at + i * LINE_NEEDLE_SLOT);
    });
    this.lineNeedlesFor = needles;
  }

  /**
   * Writes the BIRD scanner's two prefix tables (global messages, protocol message texts) once per
   * pair of lists; false when a list does not fit (then the scanner must not be used).
   */
  setBirdPrefixes(global: readonly Buffer[], text: readonly Buffer[]): boolean {
    return this.setPrefixTables(BIRD_GLOBAL_TABLE, global, text);
  }

  /** Writes iptables-save's verdicts (whole target words) and policy chain prefixes (targets), as setBirdPrefixes. */
  setIptablesWords(verdicts: readonly Buffer[], policyPrefixes: readonly Buffer[]): boolean {
    return this.setPrefixTables(IPTABLES_VERDICT_TABLE, verdicts, policyPrefixes);
  }

  /** Tables `first` and `first + 1` hold `a` and `b` (written once per pair of lists). */
  private setPrefixTables(first: number, a: readonly Buffer[], b: readonly Buffer[]): boolean {
    const held = this.prefixTablesFor[first];
    if (held !== undefined && held[0] === a && held[1] === b) return true;
    const tables = [a, b];
    if (tables.some((t) => t.length > MAX_PREFIXES || t.some((p) => p.length > PREFIX_SLOT || p.length === 0))) return false;
    const meta = this.x.prefixTables() >> 2;
    const at = this.x.prefixBytes();
    tables.forEach((t, k) => {
      const ti = first + k;
      const m = meta + ti * (1 + MAX_PREFIXES);
      this.i32[m] = t.length;
      t.forEach((p, i) => {
        this.i32[m + 1 + i] = p.length;
        this.bytes.set(p, at + (ti * MAX_PREFIXES + i) * PREFIX_SLOT);
      });
    });
    this.prefixTablesFor[first] = [a, b];
    return true;
  }

  /**
   * Runs the iptables-save scanner over `buf[s..end)` (`buf` loaded at `base`) for the chain whose
   * name (`len` bytes, 4 to 64; 0 for none) is in `words` as iptables-save.ts keeps it: 32-bit words
   * read at 0, 4, 8, … and one ending at the name's end, and the rules of the chains that follow it
   * which it can judge from their names (those not in the chain set, see `iptablesChainsFor`).
   * Returns the offset of the first line left to JS; `result(0)` rules of the handed chain counted,
   * `result(1)` policy rules among all counted, `result(2)` declarations counted, `result(3)` rules
   * of other chains counted (chains without an entry: the table's `otherRules`), `result(4)` 1 when
   * it stopped at a rule JS keeps.
   */
  scanIptables(base: number, s: number, end: number, flags: number, words: Int32Array, len: number, maxLine: number): number {
    const at = this.x.iptablesName();
    if (len === 0) return this.x.scanIptables(base + s, base + end, flags, 0, maxLine) - base;
    const full = len >> 2;
    const view = this.i32;
    for (let w = 0; w < full; w++) view[(at >> 2) + w] = words[w]!;
    // The last word ends at the name's end: written at that byte offset, over the bytes the words before wrote alike.
    this.dv.setInt32(at + len - 4, words[full]!, true);
    return this.x.scanIptables(base + s, base + end, flags, len, maxLine) - base;
  }

  /**
   * Makes the iptables chain set (assembly/lines.ts IPT_SET: the chains `scanIptables` may not judge
   * from their names) the one of `owner`, a parser's current table, filled with `names()` when it
   * held another's. Parsers share the module, so each calls this before a scan.
   */
  iptablesChainsFor(owner: object, names: () => Iterable<string>): void {
    if (this.iptSetOwner === owner) return;
    this.x.iptSetClear();
    this.iptSetOwner = owner;
    for (const name of names()) this.addIptablesChain(owner, name);
  }

  /**
   * Adds `name` to `owner`'s chain set, if the set is its. Names the scanner never judges (longer
   * than IPT_SET_NAME bytes, not ASCII, empty) need not be there.
   */
  addIptablesChain(owner: object, name: string): void {
    if (this.iptSetOwner !== owner || name.length === 0 || name.length > IPT_SET_NAME) return;
    const at = this.x.iptSetKey();
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 128) return;
      this.bytes[at + i] = c;
    }
    this.x.iptSetAdd(name.length);
  }

  /**
   * Runs the BIRD log scanner over `buf[s..end)` (`buf` loaded at `base`): returns the offset of the
   * first line left to JS; `result(i)`: 0 lines, 1 bytes, 2 `Reconfigured` lines counted, 3 address of
   * the last stamped line counted, 4 lines counted up to it (0: none).
   */
  scanBird(base: number, s: number, end: number, flags: number, maxLine: number): number {
    return this.x.scanBird(base + s, base + end, flags, maxLine) - base;
  }

  /**
   * Counts the ipset member lines of `buf[s..end)` (`buf` loaded at `base`) the ipset parser only
   * counts (assembly/lines.ts `countMembers`); returns the offset of the first line left to JS. The
   * count is `result(0)`.
   */
  countMembers(base: number, s: number, end: number, maxLine: number): number {
    return this.x.countMembers(base + s, base + end, maxLine) - base;
  }

  /**
   * Every offset of `buf` where one of the needles starts, ascending (an offset once per needle that
   * starts there): what one `indexOf` pass per needle finds, in one pass of the module's prefilter.
   * With `ids`, the needle of each (its position in `index.needles`) goes there too. Undefined when
   * the module cannot answer (chunk too large, too many candidate positions).
   */
  findNeedles(buf: Buffer, index: NeedleIndex, ids?: number[]): number[] | undefined {
    const base = this.load(buf);
    if (base < 0) return undefined;
    this.useIndex(0, index);
    const count = this.x.findCandidates(base, buf.length, 0);
    if (count < 0) return undefined;
    const hits: number[] = [];
    if (ids !== undefined) ids.length = 0;
    const first = this.x.candidates() >> 2;
    const at = this.u32();
    for (let i = 0; i < count; i++) {
      const pos = at[first + i]!;
      const list = index.byPrefix.get(buf.readUInt32LE(pos));
      if (list === undefined) continue;
      // The first 4 bytes match (the map's key); the rest is compared here, byte by byte: needles are
      // tens of bytes, and a call to Buffer#compare per candidate cost more than the comparison.
      for (const k of list) {
        if (!endsAt(buf, pos, index.needles[k]!, buf.length)) continue;
        hits.push(pos);
        ids?.push(k);
      }
    }
    return hits;
  }

  /**
   * Which of the needles occur whole in `buf[s..e)` (`buf` loaded at `base`): -1 none, the needle's
   * position in `index.needles` when only that one occurs (once or more), NEEDLES_MANY when several
   * different ones occur or the module cannot tell (too many candidate positions). What an `indexOf`
   * per needle over that range would tell, in one pass of the prefilter, with its second table set
   * (so this list stays written while `findNeedles` uses the first).
   */
  onlyNeedleIn(buf: Buffer, base: number, s: number, e: number, index: NeedleIndex): number {
    this.useIndex(1, index);
    const count = this.x.findCandidates(base + s, e - s, 1);
    if (count < 0) return NEEDLES_MANY;
    const first = this.x.candidates() >> 2;
    const at = this.u32();
    let found = -1;
    for (let i = 0; i < count; i++) {
      const pos = s + at[first + i]!;
      const list = index.byPrefix.get(buf.readUInt32LE(pos));
      if (list === undefined) continue;
      for (const k of list) {
        if (k === found || !endsAt(buf, pos, index.needles[k]!, e)) continue;
        if (found !== -1) return NEEDLES_MANY;
        found = k;
      }
    }
    return found;
  }

  /** Writes `index` into the prefilter's table set `set` (0 or 1) unless it is there already. */
  private useIndex(set: number, index: NeedleIndex): void {
    if (this.bitsFor[set] === index) return;
    const at = this.x.needleBits() + set * NEEDLE_BITS_SIZE;
    this.bytes.fill(0, at, at + NEEDLE_BITS_SIZE);
    const masks = this.x.needleMasks() + set * NEEDLE_MASKS_SIZE;
    this.bytes.fill(0, masks, masks + NEEDLE_MASKS_SIZE);
    let bucket = 0;
    for (const key of index.byPrefix.keys()) {
      const h = hash4(key);
      this.bytes[at + (h >>> 3)]! |= 1 << (h & 7);
      // The SIMD filter before the hash (assembly/lines.ts findCandidates): the prefix's first 3
      // bytes set its bucket's bit under their low and high nibbles; 8 buckets in turn.
      const bit = 1 << (bucket++ & 7);
      for (let j = 0; j < 3; j++) {
        const b = (key >>> (8 * j)) & 0xff;
        this.bytes[masks + 32 * j + (b & 15)]! |= bit;
        this.bytes[masks + 32 * j + 16 + (b >>> 4)]! |= bit;
      }
    }
    this.bitsFor[set] = index;
  }

  private u32(): Uint32Array {
    if (this.u32View === undefined || this.u32View.buffer !== this.x.memory.buffer) this.u32View = new Uint32Array(this.x.memory.buffer);
    return this.u32View;
  }

  /** One figure of the last `scanCalico` (offsets are made chunk-relative with `base`). */
  result(i: number): number {
    return this.i32[this.resultsAt + i]!;
  }
}

/** The JS count (`indexOf` per line): the fallback of `countLines`. */
export function countNewlines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let p = buf.indexOf(10, start); p !== -1 && p < end; p = buf.indexOf(10, p + 1)) n++;
  return n;
}

function instantiate(): WasmLines | undefined {
  try {
    const bytes = readFileSync(builtFile('wasm/lines.wasm'));
    return new WasmLines(new WA.Module(bytes));
  } catch {
    return undefined; // not built (tsc only) or no SIMD: the JS fast paths do the work
  }
}

const instance = instantiate();
let enabled = instance !== undefined && process.env['CALICO_DIAGS_WASM'] !== '0';

/** The module, or undefined when it is switched off (`CALICO_DIAGS_WASM=0`) or not built. */
export function wasmLines(): WasmLines | undefined {
  return enabled ? instance : undefined;
}

/** Whether the module was built and loaded (whatever the switch says). */
export function wasmLinesAvailable(): boolean {
  return instance !== undefined;
}

/** Switches the module on or off (tests compare both paths); returns whether it is on. */
export function setWasmEnabled(on: boolean): boolean {
  enabled = on && instance !== undefined;
  return enabled;
}
