// AssemblyScript (compiled by `npm run build` with `asc --config assembly/asconfig.json`, SIMD on) to
// dist/src/wasm/lines.wasm, loaded by src/parsers/wasm-lines.ts. Pointers are addresses in this
// module's memory, where the loader copies each chunk; the loader keeps 64 bytes of slack after a
// chunk, so the 16-byte loads below may read past a line's end (never past the slack).
//
// The Calico log scanner is the byte twin of the fast path in src/parsers/calico-log.ts
// (`pushLines`): it counts the DEBUG, TRACE and INFO records that path would count and stops at the
// first line it would not, so that JS handles that line (a property test holds both equal). The
// BIRD and iptables-save scanners below are the twins of those parsers' `countOnly`, the same way.

/**
 * Results of the last `scanCalico`: lines, bytes, DEBUG, INFO, TRACE counted, and the header offset
 * of the last one (i32s), then at byte 24 the PID of the last one (f64), at byte 32 the number of
 * HIT_LINES written and at 36 the index of the first hit not passed (i32s).
 */
const RESULTS: usize = memory.data(48, 16);

export function results(): usize {
  return RESULTS;
}

/** Number of `\n` bytes in `[p, p + n)`: 16 bytes at a time (compare, bitmask, popcount). */
export function countLines(p: usize, n: usize): i32 {
  const end = p + n;
  const nl = i8x16.splat(10);
  let count: i32 = 0;
  while (p + 64 <= end) {
    const a = i8x16.bitmask(i8x16.eq(v128.load(p), nl));
    const b = i8x16.bitmask(i8x16.eq(v128.load(p, 16), nl));
    const c = i8x16.bitmask(i8x16.eq(v128.load(p, 32), nl));
    const d = i8x16.bitmask(i8x16.eq(v128.load(p, 48), nl));
    count += popcnt<i32>(a | (b << 16)) + popcnt<i32>(c | (d << 16));
    p += 64;
  }
  while (p + 16 <= end) {
    count += popcnt<i32>(i8x16.bitmask(i8x16.eq(v128.load(p), nl)));
    p += 16;
  }
  while (p < end) {
    if (load<u8>(p) == 10) count++;
    p++;
  }
  return count;
}

/** Address of the first `\n` at or after `p` (one must follow before the chunk ends). */
// @ts-ignore: decorator
@inline
function nextNewline(p: usize): usize {
  const nl = i8x16.splat(10);
  while (true) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(p), nl));
    if (m != 0) return p + <usize>ctz<i32>(m);
    p += 16;
  }
}

/**
 * Whether each of the 16 bytes at `p`, less its lane of `base`, is at most its lane of `most`
 * (unsigned): a digit where base is `0` and most 9, a given byte where base is that byte and most 0,
 * any byte where most is 255 (-1). The byte checks of svlogd-prefix.ts `dateTimeAt` and `fourDigits`,
 * 16 bytes at once, in three instructions: subtract, saturating subtract, test. Each stamp below is
 * two such blocks.
 */
// @ts-ignore: decorator
@inline
function lanesMatch(p: usize, base: v128, most: v128): bool {
  return !v128.any_true(i8x16.sub_sat_u(i8x16.sub(v128.load(p), base), most));
}

/**
 * svlogd `-tt`/`-ttt` stamp and a space at the start of the line at `s` (svlogd-prefix.ts
 * `svlogdStampAt`). None of the bytes looked at may be a `\n` or `\r`, so a match lies inside the
 * line and implies its length (the function reads the line's first 32 bytes, or past its end into
 * bytes it cannot match).
 */
// @ts-ignore: decorator
@inline
function stampAt(s: usize): bool {
  const sep = load<u8>(s, 10);
  if (sep != 95 && sep != 84) return false;
  // `YYYY-MM-DD?HH:MM` (the `?` checked above), then `:SS.ddddd ` (bytes 16-25): digits are 48 (`0`)
  // and 9, `-` 45, `:` 58, `.` 46, the space 32; -1 (255) in `most` for a lane not looked at.
  return (
    lanesMatch(s, i8x16(48, 48, 48, 48, 45, 48, 48, 45, 48, 48, 0, 48, 48, 58, 48, 48), i8x16(9, 9, 9, 9, 0, 9, 9, 0, 9, 9, -1, 9, 9, 0, 9, 9)) &&
    lanesMatch(s + 16, i8x16(58, 48, 48, 46, 48, 48, 48, 48, 48, 32, 0, 0, 0, 0, 0, 0), i8x16(0, 9, 9, 0, 9, 9, 9, 9, 9, 0, -1, -1, -1, -1, -1, -1))
  );
}

/** `YYYY-MM-DD HH:MM:SS.mmm [` at `at` (calico-log.ts `logrusTimeAt`; as `stampAt`, a match lies inside the line). */
// @ts-ignore: decorator
@inline
function logrusTimeAt(at: usize): bool {
  // `YYYY-MM-DD HH:MM`, then `:SS.mmm [` (bytes 16-24; `[` is 91). Lanes as in `stampAt`.
  return (
    lanesMatch(at, i8x16(48, 48, 48, 48, 45, 48, 48, 45, 48, 48, 32, 48, 48, 58, 48, 48), i8x16(9, 9, 9, 9, 0, 9, 9, 0, 9, 9, 0, 9, 9, 0, 9, 9)) &&
    lanesMatch(at + 16, i8x16(58, 48, 48, 46, 48, 48, 48, 32, 91, 0, 0, 0, 0, 0, 0, 0), i8x16(0, 9, 9, 0, 9, 9, 9, 0, 0, -1, -1, -1, -1, -1, -1, -1))
  );
}

// `[DEBUG][`, `[TRACE][` (8 bytes) and `[INFO][` (7 bytes), little-endian.
const DEBUG_TAG: u64 = 0x5b5d475542454400 | 0x5b; // [ D E B U G ] [
const TRACE_TAG: u64 = 0x5b5d454341525400 | 0x5b; // [ T R A C E ] [
const INFO_TAG: u64 = 0x005b5d4f464e4900 | 0x5b; // [ I N F O ] [
const INFO_MASK: u64 = 0x00ffffffffffffff;

/** `flags`: the file's svlogd style is known. */
const SVLOGD_KNOWN: i32 = 1;
/** `flags`: the component prefix has been seen (no need to look for it). */
const PREFIX_KNOWN: i32 = 2;
/** `flags`: INFO records may be counted (the chunk was prescanned for INFO needles). */
const INFO_OK: i32 = 4;
/** `flags`: INFO records may be counted when none of the needles set with `lineNeedles` occurs in the line. */
const INFO_SEARCH: i32 = 8;

/**
 * Needles searched in each INFO line under INFO_SEARCH (a parser with few INFO needles: Felix has one):
 * NEEDLE_COUNT u32, then MAX_NEEDLES u32 lengths, then each needle's bytes in a NEEDLE_SLOT-byte slot.
 * Searching only the INFO lines costs less than a prescan of the whole chunk per needle.
 */
const MAX_NEEDLES: usize = 4;
const NEEDLE_SLOT: usize = 256;
const NEEDLE_META: usize = memory.data(4 + 4 * <i32>MAX_NEEDLES, 16);
const NEEDLE_BYTES: usize = memory.data(<i32>(MAX_NEEDLES * NEEDLE_SLOT), 16);

export function lineNeedles(): usize {
  return NEEDLE_META;
}

export function lineNeedleBytes(): usize {
  return NEEDLE_BYTES;
}

/**
 * Whether the needle of `len` (>= 1) bytes at `n` occurs in `[s, e)`: 16 start positions at a time
 * are kept when their byte equals the needle's first and the byte `len - 1` on its last (SIMD), and
 * only those are compared in full. Loads run up to 15 bytes past `e` (the chunk's slack covers it).
 */
// @ts-ignore: decorator
@inline
function occursIn(s: usize, e: usize, n: usize, len: usize): bool {
  if (e - s < len) return false;
  const lastStart = e - len;
  const first = i8x16.splat(load<u8>(n));
  const last = i8x16.splat(load<u8>(n + len - 1));
  for (let p = s; p <= lastStart; p += 16) {
    let m = i8x16.bitmask(v128.and(i8x16.eq(v128.load(p), first), i8x16.eq(v128.load(p + len - 1), last)));
    while (m != 0) {
      const q = p + <usize>ctz<i32>(m);
      if (q > lastStart) return false;
      let k: usize = 1;
      while (k < len - 1 && load<u8>(q + k) == load<u8>(n + k)) k++;
      if (k >= len - 1) return true;
      m &= m - 1;
    }
  }
  return false;
}

/** Whether one of the needles set with `lineNeedles` occurs in the line `[s, e)`. */
function lineHasNeedle(s: usize, e: usize): bool {
  const count = load<u32>(NEEDLE_META);
  for (let i: usize = 0; i < count; i++) {
    if (occursIn(s, e, NEEDLE_BYTES + i * NEEDLE_SLOT, <usize>load<u32>(NEEDLE_META + 4 + (i << 2)))) return true;
  }
  return false;
}

/**
 * PIDs the parser has seen (JS writes the last MAX_PIDS of its list): a count (i32), then from byte 8
 * the PIDs (f64). A record of one of them is counted like one of `lastPid`; only a new PID must go to
 * JS, which keeps the list of PIDs in order of first sight. (calico-node's container log interleaves
 * the records of Felix, confd and the other processes of the pod, each with its own PID.)
 */
const MAX_PIDS: i32 = 16;
const KNOWN_PIDS: usize = memory.data(8 + 8 * MAX_PIDS, 16);

export function knownPids(): usize {
  return KNOWN_PIDS;
}

/** Whether `pid` is one of KNOWN_PIDS. */
function pidKnown(pid: f64): bool {
  const written = load<i32>(KNOWN_PIDS);
  const count = <usize>(written < MAX_PIDS ? written : MAX_PIDS);
  for (let i: usize = 0; i < count; i++) if (load<f64>(KNOWN_PIDS + 8 + (i << 3)) == pid) return true;
  return false;
}

/**
 * Where INFO needles occur in the chunk (INFO_OK), as `findHits` lists them: each an address in the
 * low 30 bits, ascending, with HIT_COUNTABLE when the line's hit may be counted here (one needle
 * starts there, and HIT_NEEDLE_OK says its signatures are not notable and have their refs full; JS
 * sets and clears the flag as refs fill), or HIT_STOP_ALL (never passed: every INFO line from its
 * line on goes to JS). HIT_IDS holds the needle of each.
 */
const MAX_HITS: i32 = 2048;
const HITS: usize = memory.data(4 * MAX_HITS, 16);
const HIT_IDS: usize = memory.data(MAX_HITS, 16);
const HIT_COUNTABLE: u32 = 0x80000000;
const HIT_STOP_ALL: u32 = 0x40000000;
const HIT_ADDRESS: u32 = 0x3fffffff;
/**
 * INFO lines whose one hit was counted: hit index, line start, newline address, lines counted before
 * it in the call (4 i32s each; JS counts the hits and remembers the lines for `last`).
 */
const HIT_LINES: usize = memory.data(16 * MAX_HITS, 16);
/** The needles `findHits` lists (table set 0 holds their prefixes): count, then lengths (u32s); bytes in slots; a u8 per needle for HIT_COUNTABLE. */
const MAX_HIT_NEEDLES: i32 = 32;
const HIT_NEEDLE_SLOT: usize = 128;
const HIT_NEEDLE_META: usize = memory.data(4 + 4 * MAX_HIT_NEEDLES, 16);
const HIT_NEEDLE_BYTES: usize = memory.data(MAX_HIT_NEEDLES * <i32>HIT_NEEDLE_SLOT, 16);
const HIT_NEEDLE_OK: usize = memory.data(MAX_HIT_NEEDLES, 16);

export function hits(): usize {
  return HITS;
}

export function hitIds(): usize {
  return HIT_IDS;
}

export function hitLines(): usize {
  return HIT_LINES;
}

export function hitNeedles(): usize {
  return HIT_NEEDLE_META;
}

export function hitNeedleBytes(): usize {
  return HIT_NEEDLE_BYTES;
}

export function hitNeedleOk(): usize {
  return HIT_NEEDLE_OK;
}

/**
 * Counts the Calico log records from `s` on that need no string: DEBUG and TRACE records, and INFO
 * records that hold no needle (with INFO_SEARCH: none of the `lineNeedles`; else, with INFO_OK, no
 * hit of HITS[hit..hitCount) in the line, or one HIT_COUNTABLE hit in its message), of PID `lastPid`
 * or one of KNOWN_PIDS. Stops at the first other line (a non-record, any other level, a PID not
 * known, a line longer than `maxLine`, a first svlogd stamp when the style is not yet known, the
 * first `component/` prefix when it is not yet known) and returns its address, or `end`. `end` is
 * just past a `\n`. Counts go to RESULTS, counted hits to HIT_LINES.
 */
export function scanCalico(s: usize, end: usize, flags: i32, lastPid: f64, hit: i32, hitCount: i32, maxLine: usize): usize {
  let lines: i32 = 0;
  let hitsCounted: i32 = 0;
  let bytes: i32 = 0;
  let debug: i32 = 0;
  let info: i32 = 0;
  let trace: i32 = 0;
  let lastAt: usize = 0;
  while (s < end) {
    // The header first: its checks match no `\n` or `\r`, so a header that matches lies inside the
    // line (its loads may read past a short line's end, up to 58 bytes from `s`, within the slack),
    // and the newline is searched for from the message on.
    let at = s;
    if (stampAt(s)) {
      if ((flags & SVLOGD_KNOWN) == 0) break;
      at = s + 26;
    }
    if (!logrusTimeAt(at)) break;
    const tag = load<u64>(at, 24);
    let pidAt: usize = 0;
    let level: i32 = 0;
    if (tag == DEBUG_TAG) {
      pidAt = at + 32;
    } else if ((tag & INFO_MASK) == INFO_TAG) {
      if ((flags & (INFO_SEARCH | INFO_OK)) == 0) break;
      pidAt = at + 31;
      level = 1;
    } else if (tag == TRACE_TAG) {
      pidAt = at + 32;
      level = 2;
    } else break;
    // `<pid>] `: 1 to 10 digits (the loop ends at a non-digit: the line's `\n` at the latest).
    let pid: f64 = 0;
    let q = pidAt;
    for (; q - pidAt <= 10; q++) {
      const d = <u32>load<u8>(q) - 48;
      if (d > 9) break;
      pid = pid * 10 + <f64>d;
    }
    if (q == pidAt || q - pidAt > 10 || load<u8>(q) != 93 || load<u8>(q, 1) != 32) break;
    if (pid != lastPid && !pidKnown(pid)) break;
    const msg = q + 2;
    const nl = nextNewline(msg);
    if (nl - s > maxLine) break;
    const e = nl > msg && load<u8>(nl - 1) == 13 ? nl - 1 : nl;
    let hitHere: i32 = -1;
    if (level == 1) {
      if ((flags & INFO_SEARCH) != 0) {
        // JS looks for signatures in the message only (calico-log.ts `signatureBits` from the PID's end).
        if (lineHasNeedle(msg, e)) break;
      } else {
        // Hits before the line are in lines not searched (DEBUG, TRACE, not records) or counted already.
        while (hit < hitCount) {
          const v = load<u32>(HITS + (<usize>hit << 2));
          if ((v & HIT_STOP_ALL) != 0 || <usize>(v & HIT_ADDRESS) >= s) break;
          hit++;
        }
        if (hit < hitCount && <usize>(load<u32>(HITS + (<usize>hit << 2)) & HIT_ADDRESS) < e) hitHere = hit;
      }
    }
    if (hitHere >= 0) {
      // One countable hit, in the message, and no other hit in the line.
      const v = load<u32>(HITS + (<usize>hitHere << 2));
      if ((v & HIT_COUNTABLE) == 0 || <usize>(v & HIT_ADDRESS) < msg) break;
      if (hitHere + 1 < hitCount && <usize>(load<u32>(HITS + (<usize>(hitHere + 1) << 2)) & HIT_ADDRESS) < e) break;
    }
    if ((flags & PREFIX_KNOWN) == 0) {
      let slash = false;
      let k = msg;
      for (; k < e && load<u8>(k) != 32; k++) if (load<u8>(k) == 47) slash = true;
      if (slash && k < e) break;
    }
    if (hitHere >= 0) {
      const r = HIT_LINES + (<usize>hitsCounted << 4);
      store<i32>(r, hitHere);
      store<i32>(r, <i32>s, 4);
      store<i32>(r, <i32>nl, 8);
      store<i32>(r, lines, 12);
      hitsCounted++;
      hit = hitHere + 1;
    }
    if (level == 0) debug++;
    else if (level == 1) info++;
    else trace++;
    lines++;
    bytes += <i32>(e - s + 1);
    lastAt = at;
    lastPid = pid;
    s = nl + 1;
  }
  store<i32>(RESULTS, lines);
  store<i32>(RESULTS, bytes, 4);
  store<i32>(RESULTS, debug, 8);
  store<i32>(RESULTS, info, 12);
  store<i32>(RESULTS, trace, 16);
  store<i32>(RESULTS, <i32>lastAt, 20);
  store<f64>(RESULTS, lastPid, 24);
  store<i32>(RESULTS, hitsCounted, 32);
  store<i32>(RESULTS, hit, 36);
  return s;
}

/**
 * Multi-needle prefilter for the INFO signatures of calico-node's container log (twenty-odd needles,
 * which `Buffer.indexOf` would search in as many passes): one pass that lists the positions whose 4
 * bytes hash (16 bits) into NEEDLE_BITS, the set of the needles' first-4-byte hashes. JS checks each
 * listed position against the needles with that prefix, so the hits are exactly those of one
 * `indexOf` pass per needle.
 *
 * Before the hash, 16 positions at a time go through a SIMD filter (the "Teddy" nibble-table scheme):
 * JS puts each distinct 4-byte prefix in one of 8 buckets, and for each of the prefix's first 3
 * bytes sets the bucket's bit in the table entries of that byte's low and high nibble (NEEDLE_MASKS:
 * low, high for byte 0, then 1, then 2). A position passes when some bucket accepts all 3 bytes, so
 * every position a needle starts at passes, and the hash check decides as before.
 */
// Two sets of these tables, so that two needle lists are searched in turn without writing them again
// (wasm-lines.ts: set 0 for the chunk prefilter, set 1 for the needles of WARNING and worse lines):
// set k's bits at NEEDLE_BITS + k * NEEDLE_BITS_SIZE, its masks at NEEDLE_MASKS + k * NEEDLE_MASKS_SIZE.
const NEEDLE_BITS_SIZE: i32 = 8192;
const NEEDLE_MASKS_SIZE: i32 = 96;
const NEEDLE_BITS: usize = memory.data(2 * NEEDLE_BITS_SIZE, 16);
const NEEDLE_MASKS: usize = memory.data(2 * NEEDLE_MASKS_SIZE, 16);
/** At most this many positions per call; beyond it the call returns -1 and JS searches as before. */
const MAX_CANDIDATES: i32 = 4096;
const CANDIDATES: usize = memory.data(16384, 16); // MAX_CANDIDATES u32s

export function needleBits(): usize {
  return NEEDLE_BITS;
}

export function needleMasks(): usize {
  return NEEDLE_MASKS;
}

export function candidates(): usize {
  return CANDIDATES;
}

/** The 16-bit hash of 4 bytes (the same in JS: `Math.imul(x, 0x9e3779b1) >>> 16`). */
// @ts-ignore: decorator
@inline
function hash4(x: u32): u32 {
  return (x * 0x9e3779b1) >>> 16;
}

/** Whether the hash of the 4 bytes at `q` is in the bit set at `bits`. */
// @ts-ignore: decorator
@inline
function prefixHashed(q: usize, bits: usize): bool {
  const h = hash4(load<u32>(q));
  return ((load<u8>(bits + (h >> 3)) >> (h & 7)) & 1) != 0;
}

/** Buckets (bit per bucket, per lane) whose byte at this offset of the prefix is the lane's byte, as far as its nibbles tell. */
// @ts-ignore: decorator
@inline
function buckets(v: v128, lo: v128, hi: v128): v128 {
  return v128.and(i8x16.swizzle(lo, v128.and(v, i8x16.splat(15))), i8x16.swizzle(hi, i8x16.shr_u(v, 4)));
}

/**
 * Offsets (from `p`) of the positions of `[p, p + n)` whose 4 bytes hash into table set `set`'s bits
 * (0 or 1); -1 when more than MAX_CANDIDATES.
 */
export function findCandidates(p: usize, n: usize, set: i32): i32 {
  return prefilter(p, n, set, false);
}

/**
 * The hits of the needles set with `hitNeedles` in `[p, p + n)`, in HITS and HIT_IDS: every address
 * where one starts, ascending, once per needle that starts there (what one `indexOf` pass per needle
 * finds); returns their number, or -1 when more than MAX_HITS. Positions go through table set 0's
 * filter and hash (which JS writes from the same needles), then are compared with the needles.
 */
export function findHits(p: usize, n: usize): i32 {
  return prefilter(p, n, 0, true);
}

/** findCandidates (`verify` false) or findHits (true): one pass of the filter over `[p, p + n)`. */
// @ts-ignore: decorator
@inline
function prefilter(p: usize, n: usize, set: i32, verify: bool): i32 {
  if (n < 4) return 0;
  const last = p + n - 4;
  let count: i32 = 0;
  const bits = NEEDLE_BITS + <usize>(set * NEEDLE_BITS_SIZE);
  const masks = NEEDLE_MASKS + <usize>(set * NEEDLE_MASKS_SIZE);
  const lo0 = v128.load(masks);
  const hi0 = v128.load(masks, 16);
  const lo1 = v128.load(masks, 32);
  const hi1 = v128.load(masks, 48);
  const lo2 = v128.load(masks, 64);
  const hi2 = v128.load(masks, 80);
  let i = p;
  // Blocks of 16 positions, all at most `last` (so the loads at +1 and +2 stay inside the chunk).
  while (i + 15 <= last) {
    const m = v128.and(v128.and(buckets(v128.load(i), lo0, hi0), buckets(v128.load(i, 1), lo1, hi1)), buckets(v128.load(i, 2), lo2, hi2));
    if (v128.any_true(m)) {
      let lanes = i8x16.bitmask(i8x16.ne(m, i8x16.splat(0)));
      while (lanes != 0) {
        const q = i + <usize>ctz<i32>(lanes);
        if (prefixHashed(q, bits)) {
          count = verify ? hitsAt(q, p + n, count) : candidate(q, p, count);
          if (count < 0) return -1;
        }
        lanes &= lanes - 1;
      }
    }
    i += 16;
  }
  for (; i <= last; i++) {
    if (prefixHashed(i, bits)) {
      count = verify ? hitsAt(i, p + n, count) : candidate(i, p, count);
      if (count < 0) return -1;
    }
  }
  return count;
}

/** Lists the position `q` (as an offset from `p`) as the `count`th candidate; the new count, -1 when full. */
// @ts-ignore: decorator
@inline
function candidate(q: usize, p: usize, count: i32): i32 {
  if (count == MAX_CANDIDATES) return -1;
  store<u32>(CANDIDATES + (<usize>count << 2), <u32>(q - p));
  return count + 1;
}

/**
 * Lists in HITS (from entry `count`) each needle of HIT_NEEDLE_META that starts at `q` and ends by
 * `end`; the new count, -1 when full. Two or more at one address: none of them is countable.
 */
function hitsAt(q: usize, end: usize, count: i32): i32 {
  const word = load<u32>(q);
  const needles = <usize>load<u32>(HIT_NEEDLE_META);
  const from = count;
  for (let k: usize = 0; k < needles; k++) {
    const nd = HIT_NEEDLE_BYTES + k * HIT_NEEDLE_SLOT;
    if (load<u32>(nd) != word) continue;
    const len = <usize>load<u32>(HIT_NEEDLE_META + 4 + (k << 2));
    if (q + len > end) continue;
    let j: usize = 4;
    while (j + 8 <= len && load<u64>(q + j) == load<u64>(nd + j)) j += 8;
    while (j < len && load<u8>(q + j) == load<u8>(nd + j)) j++;
    if (j < len) continue;
    if (count == MAX_HITS) return -1;
    store<u32>(HITS + (<usize>count << 2), <u32>q | (load<u8>(HIT_NEEDLE_OK + k) != 0 ? HIT_COUNTABLE : 0));
    store<u8>(HIT_IDS + <usize>count, <u8>k);
    count++;
  }
  if (count - from > 1) {
    for (let h = from; h < count; h++) store<u32>(HITS + (<usize>h << 2), load<u32>(HITS + (<usize>h << 2)) & ~HIT_COUNTABLE);
  }
  return count;
}

/**
 * Counts the member lines of an `ipset list` set from `s` on that the ipset parser only counts
 * (src/parsers/ipset-list.ts `pushLines`): at most `maxLine` bytes, not empty once a trailing `\r` is
 * dropped, not starting with `N` (a `Name:` line), a space or a tab. Stops at the first other line
 * and returns its address, or `end` (just past a `\n`). The count goes to RESULTS.
 */
export function countMembers(s: usize, end: usize, maxLine: usize): usize {
  let lines: i32 = 0;
  while (s < end) {
    const nl = nextNewline(s);
    if (nl - s > maxLine) break;
    const e = nl > s && load<u8>(nl - 1) == 13 ? nl - 1 : nl;
    if (e <= s) break;
    const c = load<u8>(s);
    if (c == 78 || c == 32 || c == 9) break;
    lines++;
    s = nl + 1;
  }
  store<i32>(RESULTS, lines);
  return s;
}

/**
 * The BIRD log scanner: the byte twin of `countOnly` in src/parsers/bird-log.ts. It counts the lines
 * that path would only count (route traces `<P> < …`/`<P> > …`, protocol messages whose text is not
 * one BIRD_TEXT prefix, global messages that are not one BIRD_GLOBAL prefix, and `Reconfigured` once
 * the event list is full) and stops at the first other line, returning its address. Results:
 * lines, bytes, `Reconfigured` lines counted, the address of the last stamped line counted and the
 * number of lines counted up to it (0: none).
 *
 * The prefix tables are written by JS from the lists the parsers hold (`prefixTables`): for each
 * table a u32 count and MAX_PREFIXES u32 lengths, then each prefix in a PREFIX_SLOT-byte slot.
 * Tables 0 and 1 are BIRD's; 2 and 3 are iptables-save's (see scanIptables).
 */
const MAX_PREFIXES: usize = 16;
const PREFIX_SLOT: usize = 64;
const PREFIX_TABLE: usize = 4 + 4 * MAX_PREFIXES;
const PREFIX_META: usize = memory.data(4 * (4 + 4 * 16), 16); // 4 tables of PREFIX_TABLE bytes
const PREFIX_BYTES: usize = memory.data(4 * 16 * 64, 16); // 4 x MAX_PREFIXES x PREFIX_SLOT
/** Table 0: global messages (`bird: <msg>`) tracked; table 1: protocol message texts tracked. */
const GLOBAL_PREFIXES: usize = 0;
const TEXT_PREFIXES: usize = 1;
/** Table 2: the verdicts iptables-save.ts keeps (whole words); table 3: policy chain prefixes (targets). */
const VERDICT_WORDS: usize = 2;
const POLICY_PREFIXES: usize = 3;

export function prefixTables(): usize {
  return PREFIX_META;
}

export function prefixBytes(): usize {
  return PREFIX_BYTES;
}

/** `flags`: the file's svlogd style is known (else a stamped line stops the scan). */
const BIRD_SVLOGD_KNOWN: i32 = 1;
/** `flags`: the event list is full (a bare `Reconfigured` is then only counted). */
const BIRD_EVENTS_FULL: i32 = 2;
/** `flags`: only lines that start with `bird: ` themselves (a container log, where any other line ends the run). */
const BIRD_BARE_ONLY: i32 = 4;

/** `bird: ` little-endian in the low 6 bytes. */
const BIRD_TAG: u64 = 0x203a64726962;
const SIX_BYTES: u64 = 0xffffffffffff;
/** `Reconfigured`: `Reconfig` and `ured`, little-endian. */
const RECONFIG: u64 = 0x6769666e6f636552;
const URED: u32 = 0x64657275;
/** `Netlink` in the low 7 bytes. */
const NETLINK: u64 = 0x6b6e696c74654e;
const SEVEN_BYTES: u64 = 0xffffffffffffff;

/**
 * Whether one prefix of table `t` starts at `at` (bird-log.ts `anyPrefixAt`); with `wordEnd`, only
 * one that ends at `wordEnd` or before a space, and not past it (a whole word of `[at, wordEnd)`).
 */
function anyPrefixAt(at: usize, t: usize, wordEnd: usize = 0): bool {
  const meta = PREFIX_META + t * PREFIX_TABLE;
  const count = <usize>load<u32>(meta);
  for (let i: usize = 0; i < count; i++) {
    const len = <usize>load<u32>(meta + 4 + (i << 2));
    if (wordEnd != 0 && (at + len > wordEnd || (at + len < wordEnd && load<u8>(at + len) != 32))) continue;
    const p = PREFIX_BYTES + (t * MAX_PREFIXES + i) * PREFIX_SLOT;
    let k: usize = 0;
    while (k < len && load<u8>(at + k) == load<u8>(p + k)) k++;
    if (k == len) return true;
  }
  return false;
}

export function scanBird(s: usize, end: usize, flags: i32, maxLine: usize): usize {
  let lines: i32 = 0;
  let bytes: i32 = 0;
  let reconfigured: i32 = 0;
  let lastStamped: usize = 0;
  let linesAtStamp: i32 = 0;
  while (s < end) {
    const nl = nextNewline(s);
    if (nl - s > maxLine) break;
    const e = nl > s && load<u8>(nl - 1) == 13 ? nl - 1 : nl;
    let at = s;
    const stamped = stampAt(s);
    if (stamped) {
      if ((flags & BIRD_SVLOGD_KNOWN) == 0 || (flags & BIRD_BARE_ONLY) != 0) break;
      at = s + 26;
    }
    if (e - at < 8 || (load<u64>(at) & SIX_BYTES) != BIRD_TAG) break;
    const m = at + 6;
    const limit = e < m + 130 ? e : m + 130;
    let sp = m;
    while (sp < limit && load<u8>(sp) != 32) sp++;
    let global = false;
    if (sp == e) {
      global = true; // `bird: Reconfigured`: no space at all
    } else if (sp >= limit - 1) {
      break;
    } else {
      const next = load<u8>(sp, 1);
      if (next != 60 && next != 62) {
        const before = load<u8>(sp - 1);
        if (before == 58) {
          // `<P>: <text>`: only untracked texts of real protocol names are counted here.
          const len = sp - 1 - m;
          if (len == 0) break;
          if (len == 3 && load<u8>(m) == 66 && load<u8>(m, 1) == 71 && load<u8>(m, 2) == 80) break; // BGP:
          if (len == 7 && (load<u64>(m) & SEVEN_BYTES) == NETLINK) break; // Netlink: <error>
          if (anyPrefixAt(sp + 1, TEXT_PREFIXES)) break;
        } else if (before == 44) {
          break; // `<file>, line <n>: ...` (a config error)
        } else global = true;
      }
    }
    if (global) {
      // bird-log.ts `globalCountOnly`.
      if (e - m == 12 && load<u64>(m) == RECONFIG && load<u32>(m, 8) == URED) {
        if ((flags & BIRD_EVENTS_FULL) == 0) break;
        reconfigured++;
      } else if (anyPrefixAt(m, GLOBAL_PREFIXES)) break;
    }
    lines++;
    bytes += <i32>(e - s + 1);
    if (stamped) {
      lastStamped = s;
      linesAtStamp = lines;
    }
    s = nl + 1;
  }
  store<i32>(RESULTS, lines);
  store<i32>(RESULTS, bytes, 4);
  store<i32>(RESULTS, reconfigured, 8);
  store<i32>(RESULTS, <i32>lastStamped, 12);
  store<i32>(RESULTS, linesAtStamp, 16);
  return s;
}

/**
 * The iptables-save scanner: the byte twin of `countOnly` in src/parsers/iptables-save.ts for rules
 * and for declarations. JS hands it the chain of the rule it just counted (its name at IPT_NAME, its
 * length, 0 for none, and flags: Felix policy family 1 or 2, a `cali-` chain, the policy rules' cap
 * reached); it counts the following rules of that chain that countOnly would only count, the rules
 * of other chains that countOnly would only count when it can judge those chains from their names
 * (see IPT_SET), and the declarations of chains that cannot be tracked. It stops at the first other
 * line (a chain it cannot judge, a rule JS must keep, a table line), returning its address.
 * Results: rules of the handed chain counted, policy rules among all counted, declarations counted,
 * rules of other chains counted (none of which has an entry in JS: they go to the table's `otherRules`),
 * and 1 when it stopped at a rule JS keeps (countOnly would decide the same: push takes it directly).
 */
const IPT_NAME: usize = memory.data(64, 16);
const DPORT: usize = memory.data<u8>([45, 45, 100, 112, 111, 114, 116]); // --dport

export function iptablesName(): usize {
  return IPT_NAME;
}

/** `flags`: the chain's policy family (iptables-save.ts `policyFamily`) in bits 0-1. */
const IPT_FAMILY: i32 = 3;
/** `flags`: a `cali-` chain. */
const IPT_CALI: i32 = 4;
/** `flags`: MAX_POLICY_RULES policy rules are kept already. */
const IPT_POLICY_FULL: i32 = 8;

/**
 * The chains the scanner may not judge from their names alone, for the table JS is in: those that
 * have an entry in JS (`cur.chains`: tracked chains, and chains that kept a rule) and Felix's fixed
 * chains, whose rules are all kept. Any other chain with an ASCII name of 1 to IPT_SET_NAME bytes
 * that does not start with I, F, O or P (the built-in chains, looked up by JS) has no entry, keeps no
 * rules, and its family and `cali-` flag follow from its name. An open-addressing set of names:
 * IPT_SET_SLOTS slots of IPT_SET_NAME bytes, a length byte per slot (0: empty). JS adds names with
 * `iptSetAdd` (the name written at `iptSetKey()`) and empties it with `iptSetClear`; a set that
 * could not take a name is marked full, and the scanner then judges no chain from its name.
 */
const IPT_SET_SLOTS: u32 = 4096;
const IPT_SET_NAME: usize = 32;
const IPT_SET_MAX: i32 = 3072;
const IPT_SET_NAMES: usize = memory.data(<i32>(IPT_SET_SLOTS * <u32>IPT_SET_NAME), 16);
const IPT_SET_LENS: usize = memory.data(<i32>IPT_SET_SLOTS, 16);
/** Names in the set (i32), then whether it is full (i32). */
const IPT_SET_META: usize = memory.data(8, 16);
const IPT_SET_KEY: usize = memory.data(<i32>IPT_SET_NAME, 16);

export function iptSetKey(): usize {
  return IPT_SET_KEY;
}

/** FNV-1a of the `len` bytes at `p`. */
function nameHash(p: usize, len: usize): u32 {
  let h: u32 = 2166136261;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + i)) * 16777619;
  return h;
}

/** The slot holding the name at `p` (`len` bytes, 1 to IPT_SET_NAME), or the empty slot where it would go. */
function setSlot(p: usize, len: usize): u32 {
  let i = nameHash(p, len) & (IPT_SET_SLOTS - 1);
  while (true) {
    const l = <usize>load<u8>(IPT_SET_LENS + <usize>i);
    if (l == 0) return i;
    if (l == len) {
      const q = IPT_SET_NAMES + <usize>i * IPT_SET_NAME;
      let k: usize = 0;
      while (k < len && load<u8>(p + k) == load<u8>(q + k)) k++;
      if (k == len) return i;
    }
    i = (i + 1) & (IPT_SET_SLOTS - 1);
  }
}

/** Adds the name JS wrote at IPT_SET_KEY (`len` bytes); false (and the set marked full) when it cannot. */
export function iptSetAdd(len: usize): bool {
  if (len == 0 || len > IPT_SET_NAME || load<i32>(IPT_SET_META) >= IPT_SET_MAX) {
    store<i32>(IPT_SET_META, 1, 4);
    return false;
  }
  const i = setSlot(IPT_SET_KEY, len);
  if (load<u8>(IPT_SET_LENS + <usize>i) != 0) return true;
  memory.copy(IPT_SET_NAMES + <usize>i * IPT_SET_NAME, IPT_SET_KEY, len);
  store<u8>(IPT_SET_LENS + <usize>i, <u8>len);
  store<i32>(IPT_SET_META, load<i32>(IPT_SET_META) + 1);
  return true;
}

export function iptSetClear(): void {
  memory.fill(IPT_SET_LENS, 0, <usize>IPT_SET_SLOTS);
  store<i32>(IPT_SET_META, 0);
  store<i32>(IPT_SET_META, 0, 4);
}

/** Whether the `len` bytes at `p` hold, from offset `at`, the `n` (1 to 7) bytes of the little-endian word `w`. */
// @ts-ignore: decorator
@inline
function wordAt(p: usize, len: usize, at: usize, w: u64, n: usize): bool {
  if (len < at + n) return false;
  const mask: u64 = (<u64>1 << (<u64>n * 8)) - 1;
  return (load<u64>(p + at) & mask) == w;
}

/** iptables-save.ts `policyFamily` of the chain named by the `len` bytes at `p` (a `cali-` chain: `len` >= 5). */
function familyOf(p: usize, len: usize): i32 {
  if (len < 8) return 0;
  // After `cali-`: tw- th- thfw- / fw- fh- fhfw- (1); pi- po- pri- pro- / gi- go- (2), little-endian.
  switch (load<u8>(p, 5)) {
    case 116:
      return wordAt(p, len, 5, 0x2d7774, 3) || wordAt(p, len, 5, 0x2d6874, 3) || wordAt(p, len, 5, 0x2d77666874, 5) ? 1 : 0;
    case 102:
      return wordAt(p, len, 5, 0x2d7766, 3) || wordAt(p, len, 5, 0x2d6866, 3) || wordAt(p, len, 5, 0x2d77666866, 5) ? 1 : 0;
    case 112:
      return wordAt(p, len, 5, 0x2d6970, 3) || wordAt(p, len, 5, 0x2d6f70, 3) || wordAt(p, len, 5, 0x2d697270, 4) || wordAt(p, len, 5, 0x2d6f7270, 4) ? 2 : 0;
    case 103:
      return wordAt(p, len, 5, 0x2d6967, 3) || wordAt(p, len, 5, 0x2d6f67, 3) ? 2 : 0;
    default:
      return 0;
  }
}

/** `cali`, little-endian. */
const CALI: u32 = 0x696c6163;

/** `RETU` and `RN`, little-endian. */
const RETU: u32 = 0x55544552;
const RN: u16 = 0x4e52;

/**
 * The first address from `p` that is not an ASCII digit, `e` or `limit` (whichever comes first):
 * the first 16 bytes at once, then byte by byte (a counter longer than 16 digits).
 */
// @ts-ignore: decorator
@inline
function digitsEnd(p: usize, e: usize, limit: usize): usize {
  const stop = e < limit ? e : limit;
  const notDigit = i8x16.bitmask(v128.not(i8x16.lt_u(i8x16.sub(v128.load(p), i8x16.splat(48)), i8x16.splat(10))));
  let i = notDigit != 0 ? p + <usize>ctz<i32>(notDigit) : p + 16;
  if (i >= stop) return stop;
  if (notDigit != 0) return i;
  while (i < stop && <u32>load<u8>(i) - 48 < 10) i++;
  return i;
}

export function scanIptables(s: usize, end: usize, flags: i32, nameLen: usize, maxLine: usize): usize {
  let rules: i32 = 0;
  let policy: i32 = 0;
  let declarations: i32 = 0;
  let otherRules: i32 = 0;
  // 1 when the scan stops at a rule that countOnly would not count either: one JS keeps.
  let kept: i32 = 0;
  // The chain of the rule before: the handed one (at IPT_NAME), or one judged from its name (in the chunk).
  let name: usize = IPT_NAME;
  let handed = true;
  let family = flags & IPT_FAMILY;
  let cali = (flags & IPT_CALI) != 0;
  const policyFull = (flags & IPT_POLICY_FULL) != 0;
  const judge = load<i32>(IPT_SET_META, 4) == 0;
  while (s < end) {
    const nl = nextNewline(s);
    if (nl - s > maxLine) break;
    const e = nl > s && load<u8>(nl - 1) == 13 ? nl - 1 : nl;
    if (e == s) break;
    let pos = s;
    let noPackets = false;
    const c0 = load<u8>(s);
    if (c0 == 58) {
      // `:<name> …`, a chain declaration: counted when the name is ASCII and cannot be a tracked
      // chain (those start with c, I, F, O or P: JS looks them up).
      const n0 = load<u8>(s, 1);
      if (n0 == 99 || n0 == 73 || n0 == 70 || n0 == 79 || n0 == 80) break;
      let sp = s + 1;
      while (sp < e && load<u8>(sp) != 32 && load<u8>(sp) < 128) sp++;
      if (sp == s + 1 || (sp < e && load<u8>(sp) != 32)) break;
      declarations++;
      s = nl + 1;
      continue;
    }
    if (c0 == 91) {
      // `[packets:bytes]` (iptables-save.ts `countersEndBytes`).
      let i = digitsEnd(s + 1, e, s + 22);
      if (i == s + 1 || i - s > 21 || load<u8>(i) != 58) break;
      const b = ++i;
      i = digitsEnd(b, e, b + 21);
      if (i == b || i - b > 20 || load<u8>(i) != 93) break;
      pos = i + 1;
      noPackets = load<u8>(s, 1) == 48 && load<u8>(s, 2) == 58; // [0:
      if (load<u8>(pos) == 32) pos++;
    } else if (c0 != 45) break;
    if (pos + 3 > e || load<u8>(pos) != 45 || load<u8>(pos, 1) != 65 || load<u8>(pos, 2) != 32) break;
    // The same chain: its name, then the line's end or a space.
    const nameStart = pos + 3;
    let nameEnd = nameStart + nameLen;
    let same = nameLen > 0 && nameEnd <= e && (nameEnd == e || load<u8>(nameEnd) == 32);
    if (same) {
      let k: usize = 0;
      while (k + 8 <= nameLen && load<u64>(nameStart + k) == load<u64>(name + k)) k += 8;
      while (k < nameLen && load<u8>(nameStart + k) == load<u8>(name + k)) k++;
      same = k == nameLen;
    }
    if (!same) {
      // Another chain: judged from its name unless JS must look it up (see IPT_SET).
      if (!judge) break;
      nameEnd = nameStart;
      while (nameEnd < e && load<u8>(nameEnd) != 32) {
        if (load<u8>(nameEnd) >= 128) break;
        nameEnd++;
      }
      const len = nameEnd - nameStart;
      if (len == 0 || len > IPT_SET_NAME || (nameEnd < e && load<u8>(nameEnd) != 32)) break;
      const c = load<u8>(nameStart);
      if (c == 73 || c == 70 || c == 79 || c == 80) break;
      if (load<u8>(IPT_SET_LENS + <usize>setSlot(nameStart, len)) != 0) break;
      cali = len >= 5 && load<u32>(nameStart) == CALI && load<u8>(nameStart, 4) == 45;
      family = cali ? familyOf(nameStart, len) : 0;
      name = nameStart;
      nameLen = len;
      handed = false;
    }
    // The targets after the last ` -j ` and the last ` -j ` or ` -g ` (iptables-save.ts `findTargets`).
    // 16 start positions at a time: ` `, `-`, `j` or `g`, ` ` at offsets 0-3; the last of each kind wins.
    let jumpAt: isize = -1;
    let jumpOrGotoAt: isize = -1;
    if (e >= nameEnd + 4) {
      const lastStart = e - 4;
      const sp = i8x16.splat(32);
      const dash = i8x16.splat(45);
      const jj = i8x16.splat(106);
      const gg = i8x16.splat(103);
      for (let p = nameEnd; p <= lastStart; p += 16) {
        const frame = v128.and(i8x16.eq(v128.load(p), sp), v128.and(i8x16.eq(v128.load(p, 1), dash), i8x16.eq(v128.load(p, 3), sp)));
        const third = v128.load(p, 2);
        let mj = i8x16.bitmask(v128.and(frame, i8x16.eq(third, jj)));
        let mg = i8x16.bitmask(v128.and(frame, i8x16.eq(third, gg)));
        // Positions past lastStart are not starts.
        if (p + 15 > lastStart) {
          const keep = (1 << <i32>(lastStart - p + 1)) - 1;
          mj &= keep;
          mg &= keep;
        }
        if (mj != 0) jumpAt = <isize>(p + 31 - <usize>clz<i32>(mj)) + 4;
        const mjg = mj | mg;
        if (mjg != 0) jumpOrGotoAt = <isize>(p + 31 - <usize>clz<i32>(mjg)) + 4;
      }
    }
    let policyRule = false;
    if (family == 2) {
      const t = <usize>jumpAt;
      const isReturn = jumpAt != -1 && t + 6 <= e && load<u32>(t) == RETU && load<u16>(t, 4) == RN && (t + 6 == e || load<u8>(t, 6) == 32);
      policyRule = !isReturn;
    } else if (family == 1) {
      policyRule = jumpOrGotoAt != -1 && anyPrefixAt(<usize>jumpOrGotoAt, POLICY_PREFIXES);
    }
    if (policyRule && !policyFull) {
      kept = 1;
      break;
    }
    const verdict = jumpAt != -1 && <usize>jumpAt < e && anyPrefixAt(<usize>jumpAt, VERDICT_WORDS, e);
    if (verdict && (cali || occursIn(nameEnd, e, DPORT, 7)) && !(cali && noPackets)) {
      kept = 1;
      break;
    }
    if (handed) rules++;
    else otherRules++;
    if (policyRule) policy++;
    s = nl + 1;
  }
  store<i32>(RESULTS, rules);
  store<i32>(RESULTS, policy, 4);
  store<i32>(RESULTS, declarations, 8);
  store<i32>(RESULTS, otherRules, 12);
  store<i32>(RESULTS, kept, 16);
  return s;
}
