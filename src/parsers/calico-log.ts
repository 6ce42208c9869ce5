/**
 * Logs of Calico's Go components (felix, confd, calico-node subcommands, CNI plugin):
 * `logs/<service>/current` and rotated `@…s|.u` files (svlogd-stamped from v3.21),
 * `logs/cni/cni.log`, and the Calico lines of container logs. One record per line
 * (diags-format.md §3.1):
 *
 * ```
 * YYYY-MM-DD HH:MM:SS.mmm [LEVEL][PID] [component/]file.go LINE: message[ k=v ...]
 * ```
 *
 * Real sample, felix with the component prefix, a PANIC and the Go panic lines that follow it
 * (https://github.com/projectcalico/calico/issues/8831, diags-format.md §5.3):
 *
 * ```
 * 2024-05-15 17:52:10.964 [PANIC][61396] felix/table.go 784: iptables-legacy-save command failed after retries ipVersion=0x4 table="raw"
 * panic: (*logrus.Entry) 0xc0005ed420
 * 2024-05-15 17:52:12.344 [WARNING][61470] felix/table.go 840: iptables save failed error=exit status 127
 * ```
 *
 * Lines that are not records (panic text, `goroutine 172 [running]:`, stack frames) are
 * counted as continuation lines and attached to nothing. The summary keeps counts per level,
 * the PIDs in order (a new PID is a restart), WARNING-and-worse lines (capped), and a fixed
 * table of named signatures the rules need, with the first few matching lines.
 *
 * Cost per line: in `pushLines`, DEBUG and TRACE records (and INFO records of daemons whose INFO
 * lines no rule reads, or that hold none of the daemon's INFO needles) are counted from
 * their bytes, with the same stamp, header, level and PID rules as the string path (a property
 * test holds both paths equal). Every other line becomes a string, is parsed in full, and one
 * regex pass over its message names the signatures it carries.
 */
import type { CalicoLogRecord, CalicoLogSummary, LogFileInfo } from '../model/facts.js';
import { contentEnd, MAX_LINE_BYTES, runParser, type LineParser, type LineStop, type SlowLine } from './line-parser.js';
import { dateTimeAt, fourDigits, svlogdStampAt, svlogdStyle, svlogdToIso } from './svlogd-prefix.js';
import { lineSearchable, needleIndex, NEEDLES_MANY, SCAN_INFO_OK, SCAN_INFO_SEARCH, SCAN_PREFIX_KNOWN, SCAN_SVLOGD_KNOWN, wasmLines, type NeedleIndex } from './wasm-lines.js';

export const MAX_CALICO_NOTABLE = 200;
export const MAX_SIGNATURE_REFS = 5;

export interface CalicoLogSignature {
  name: string;
  /** Literal substrings (case-sensitive); any one matches. */
  needles: readonly string[];
  /** Whether matching INFO lines also go to `notable` (false for routine messages). */
  notable: boolean;
  /** Whether a bare line (no logrus header) starting with a needle counts too. */
  raw?: boolean;
  /** Whether Calico logs this at INFO level (INFO lines are only checked against these). */
  info?: boolean;
  /** Where the text comes from (catalogue entry / Calico source). */
  source: string;
}

/** The named signatures counted in every Calico log summary. */
export const CALICO_LOG_SIGNATURES: readonly CalicoLogSignature[] = [
  { name: 'autodetected-ipv4', info: true, needles: ['Using autodetected IPv4 address'], notable: false, source: 'catalogue B1; startup autodetection_methods.go' },
  { name: 'autodetect-failed', needles: ['Unable to auto-detect an IPv4 address', "Couldn't autodetect an IPv4 address"], notable: true, source: 'catalogue B1' },
  { name: 'ip-in-use', needles: ['is already using the IPv4 address'], notable: true, source: 'catalogue B2; startup.go checkConflictingNodes' },
  { name: 'ip-changed', info: true, needles: ['IPv4 address has changed'], notable: true, source: 'catalogue A7/B2' },
  { name: 'ip-not-local', needles: ['Unable to confirm IPv4 address'], notable: true, source: 'catalogue A7' },
  { name: 'bgp-query-failed', needles: ['Failed to query current BGP settings'], notable: true, source: 'catalogue A11 (confd client.go)' },
  { name: 'checkcmd-error', needles: ['Error from checkcmd'], notable: true, source: 'catalogue A11 (confd)' },
  { name: 'bird-cfg-updated', info: true, needles: ['Target config /etc/calico/confd/config/bird.cfg has been updated'], notable: false, source: 'catalogue A11 (confd resource.go)' },
  { name: 'bird6-cfg-updated', info: true, needles: ['Target config /etc/calico/confd/config/bird6.cfg has been updated'], notable: false, source: 'confd resource.go' },
  {
    name: 'datastore-error',
    info: true,
    needles: [
      'connection refused',
      'Hit error connecting to datastore',
      'x509:',
      'Failed to create datastore client',
      'Failed to get config from datastore',
      'Failed to (re)connect to datastore',
      'Failed to perform list of current data during resync',
    ],
    notable: true,
    source: 'catalogue G1, L2 (startup.go, felix daemon.go)',
  },
  { name: 'tls-error', needles: ['x509:', 'tls: bad certificate', 'TLS handshake timeout'], notable: true, source: 'catalogue L1/L2' },
  { name: 'typha-error', needles: ['Failed to connect to typha', 'Failed to connect to Typha', 'Typha discovery enabled but discovery failed', 'Connection to Typha failed'], notable: true, source: 'catalogue G2' },
  { name: 'bird-not-ready', info: true, needles: ['BIRD is not ready'], notable: true, source: 'catalogue A1/A2/A11 (health.go)' },
  {
    name: 'nat-outgoing',
    info: true,
    needles: ['nat-outgoing', 'natOutgoing', 'NATOutgoing', 'masq-ipam-pools', 'masquerade:'],
    notable: true,
    source: 'catalogue F1 (cali-nat-outgoing chain, cali40masq-ipam-pools set, IPAM pool masquerade flag)',
  },
  { name: 'interface-missing', info: true, needles: ['Interface missing, will retry'], notable: true, source: 'catalogue D6 (felix route_table.go)' },
  { name: 'iptables-failed', needles: ['Failed to execute ip(6)tables-restore', 'command failed after retries', 'iptables save failed'], notable: true, source: 'catalogue H1; diags-format.md §5.3' },
  {
    name: 'ipam-exhausted',
    needles: [
      'Ran out of existing affine blocks',
      'No free blocks available',
      'All addresses exhausted in pool',
      'No more free affine blocks',
      'blocks reached for this node',
      'pools are likely exhausted',
      'Assigned 0 out of',
    ],
    notable: true,
    source: 'catalogue C2 (libcalico-go ipam.go, cni-plugin)',
  },
  { name: 'cni-not-ready', needles: ['/var/lib/calico/nodename: no such file', 'Calico is currently not ready', 'connection is unauthorized'], notable: true, source: 'catalogue G4' },
  { name: 'mtu-detect-failed', needles: ['Unable to detect host MTU'], notable: true, source: 'catalogue G3' },
  { name: 'terminating', info: true, needles: ['Terminating'], notable: true, source: 'catalogue B2/G3 (startup.go)' },
  { name: 'node-started', info: true, needles: ['Calico node started successfully'], notable: false, raw: true, source: 'diags-format.md §5.3 (bare line in container logs)' },
  { name: 'node-failed', needles: ['Calico node failed to start'], notable: true, raw: true, source: 'catalogue B2/G3' },
  { name: 'route-add-failed', needles: ['Failed to add route', 'error adding host side routes', 'already exists for an interface other than'], notable: true, source: 'catalogue C1/C3 (felix route_table.go, cni-plugin)' },
  { name: 'vtep-missing', needles: ['Missing both IPv4 and IPv6 VTEP information', 'Failed to get link attributes'], notable: true, source: 'catalogue D6 (felix calc/vxlan_resolver.go, route_table.go)' },
  { name: 'mtu-config', needles: ['Configured MTU is larger than detected host interface MTU', 'Failed to auto-detect host MTU'], notable: true, source: 'catalogue E1 (felix int_dataplane.go)' },
  { name: 'iptables-backend-mismatch', needles: ['Iptables backend specified does not match the detected backend'], notable: true, source: 'catalogue H1 (felix environment/feature_detect_linux.go)' },
  {
    name: 'ipset-error',
    needles: ["Bad return code from 'ipset list'", 'Kernel and userspace incompatible', 'Failed to complete ipset restore', 'set type not supported', 'Failed to resync with dataplane'],
    notable: true,
    source: 'catalogue H3 (felix ipsets.go)',
  },
  { name: 'not-live', info: true, needles: ['is not live:', 'readiness probe reporting 503'], notable: true, source: 'catalogue G1/G3 (node/pkg/health/health.go)' },
  { name: 'features-detected', info: true, needles: ['Updating detected iptables features'], notable: false, source: 'catalogue D7 (felix environment/feature_detect_linux.go: kernelVersion, ChecksumOffloadBroken)' },
  { name: 'rbac-forbidden', needles: ['is forbidden: User'], notable: true, source: 'catalogue G1/G4 (Kubernetes API RBAC error text)' },
  { name: 'felix-shutdown', info: true, needles: ['Felix is shutting down'], notable: true, source: 'catalogue G2/G3 (felix daemon.go)' },
];

const RAW_SIGNATURES = CALICO_LOG_SIGNATURES.filter((s) => s.raw === true);

/**
 * One alternation of needles (constant text from the table above, escaped), run once over a record's
 * message: each match names its signatures through the bit maps (two 30-bit words: bit i of the low
 * word = signature i, bit i of the high word = signature 30 + i).
 */
interface NeedleSearch {
  re: RegExp;
  /**
   * The needles by length, with their signature bits: a match is told by its length (and compared
   * with the needles of that length only when there are several), never hashed as a string key.
   */
  byLength: Map<number, NeedleBits[]>;
}

interface NeedleBits {
  needle: string;
  lo: number;
  hi: number;
}

if (CALICO_LOG_SIGNATURES.length > 60) throw new Error('signature bit masks hold 60 signatures');
/** Word and bit of signature i. */
const sigWord = (i: number) => (i < 30 ? 0 : 1);
const sigBit = (i: number) => 1 << (i < 30 ? i : i - 30);

function needleSearch(sigs: readonly CalicoLogSignature[]): NeedleSearch {
  const lo = new Map<string, number>();
  const hi = new Map<string, number>();
  CALICO_LOG_SIGNATURES.forEach((sig, i) => {
    if (!sigs.includes(sig)) return;
    const map = sigWord(i) === 0 ? lo : hi;
    for (const n of sig.needles) map.set(n, (map.get(n) ?? 0) | sigBit(i));
  });
  const needles = [...new Set(sigs.flatMap((s) => s.needles))];
  const re = new RegExp(needles.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const byLength = new Map<number, NeedleBits[]>();
  for (const needle of needles) {
    const list = byLength.get(needle.length) ?? [];
    list.push({ needle, lo: lo.get(needle) ?? 0, hi: hi.get(needle) ?? 0 });
    byLength.set(needle.length, list);
  }
  return { re, byLength };
}

/** Every needle: the search for WARNING lines and worse. */
const ALL_NEEDLES = needleSearch(CALICO_LOG_SIGNATURES);
/**
 * The same needles for the WebAssembly prefilter, which finds from its bytes whether a WARNING or
 * ERROR line holds none of them, or which one (undefined if one is not plain ASCII: a byte search
 * would then not match what the regex finds in the decoded line). For each needle, the signatures
 * (table indexes) that list it.
 */
const ALL_NEEDLE_LIST = [...new Set(CALICO_LOG_SIGNATURES.flatMap((sig) => sig.needles))];
const ALL_NEEDLE_INDEX = ALL_NEEDLE_LIST.every((n) => /^[\x20-\x7e]+$/.test(n)) ? needleIndex(ALL_NEEDLE_LIST.map((n) => Buffer.from(n, 'latin1'))) : undefined;
const ALL_NEEDLE_SIGS = ALL_NEEDLE_LIST.map((n) => CALICO_LOG_SIGNATURES.flatMap((sig, i) => (sig.needles.includes(n) ? [i] : [])));

/** High word of the last `signatureBits` call (signatures 30 and up). */
let bitsHi = 0;

/** Bit mask of the signatures whose needles `search` finds in `line` from `from` on (low word; high word in `bitsHi`). */
function signatureBits(line: string, from: number, search: NeedleSearch): number {
  let bits = 0;
  let hi = 0;
  const re = search.re;
  re.lastIndex = from;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const text = m[0];
    const list = search.byLength.get(text.length);
    if (list === undefined) continue;
    for (let i = 0; i < list.length; i++) {
      const nb = list[i]!;
      if (list.length === 1 || nb.needle === text) {
        bits |= nb.lo;
        hi |= nb.hi;
        break;
      }
    }
  }
  bitsHi = hi;
  return bits;
}

/**
 * INFO-level signatures worth searching per daemon (others: all INFO-level ones). Felix's logs are
 * the largest by far, so only the one Felix INFO line a rule reads is searched for (in each INFO line,
 * by the WebAssembly scanner): the features line (kernel version, ChecksumOffloadBroken; vxlan-checksum-offload).
 * Other Felix INFO lines are counted, WARNING and worse are parsed in full.
 */
const DAEMON_INFO_SIGNATURES: Record<string, readonly string[]> = {
  felix: ['features-detected'],
  // The CNI plugin's INFO lines (IPAM steps, one set per pod) carry nothing a rule reads.
  cni: [],
  confd: ['bird-cfg-updated', 'bird6-cfg-updated', 'datastore-error'],
};

/** The INFO-level signatures searched in this daemon's INFO lines. */
function infoSignatures(daemon: string): readonly CalicoLogSignature[] {
  const only = DAEMON_INFO_SIGNATURES[daemon];
  return CALICO_LOG_SIGNATURES.filter((s) => s.info === true && (only === undefined || only.includes(s.name)));
}

/** A daemon's INFO needles as bytes and the signatures (table indexes) listing each; made once per daemon. */
interface InfoNeedleTables {
  buffers: Buffer[];
  sigs: number[][];
  /** Few needles: searched in each INFO line by the WebAssembly scanner; else the prefilter's index. */
  lineSearch: boolean;
  index: NeedleIndex | undefined;
}
const INFO_NEEDLE_TABLES = new Map<string, InfoNeedleTables>();
function infoNeedleTables(daemon: string, sigs: readonly CalicoLogSignature[]): InfoNeedleTables {
  let t = INFO_NEEDLE_TABLES.get(daemon);
  if (t === undefined) {
    const needles = sigs.flatMap((x) => x.needles);
    const buffers = needles.map((n) => Buffer.from(n, 'utf8'));
    t = {
      buffers,
      sigs: needles.map((n) => CALICO_LOG_SIGNATURES.flatMap((sig, i) => (sigs.includes(sig) && sig.needles.includes(n) ? [i] : []))),
      lineSearch: lineSearchable(buffers),
      index: undefined,
    };
    if (!t.lineSearch) t.index = needleIndex(buffers);
    INFO_NEEDLE_TABLES.set(daemon, t);
  }
  return t;
}

/**
 * The search for a daemon's INFO lines: its INFO needles only (confd: 9 instead of all 65, for the
 * ~100K "Target config … has been updated" lines per 2 GB that go the string way), made once per
 * daemon. It finds the needles the byte fast path looks for, so both decide an INFO line alike.
 * Undefined for a daemon that searches no INFO line (the CNI plugin).
 */
const INFO_NEEDLES = new Map<string, NeedleSearch | undefined>();
function infoNeedleSearch(daemon: string, sigs: readonly CalicoLogSignature[]): NeedleSearch | undefined {
  if (!INFO_NEEDLES.has(daemon)) INFO_NEEDLES.set(daemon, sigs.length === 0 ? undefined : needleSearch(sigs));
  return INFO_NEEDLES.get(daemon);
}

type SignatureHit = { count: number; refs: NotableRecord[]; last?: NotableRecord };
/** A header line remembered for a signature's `last` without building its record. */
type PendingHeader = { line: string; at: number; le: number; pe: number; lineNo: number; stamp: string | undefined; file: string };
export type NotableRecord = CalicoLogRecord & { file: string };

/** Local extension of CalicoLogSummary (fields not yet in facts.ts). */
export interface CalicoLogStats extends CalicoLogSummary {
  /** Lines that were not records (panic text, stack frames, bare lines). */
  continuationLines: number;
  signatures: Record<string, SignatureHit>;
}

export interface CalicoLogOptions {
  daemon: string;
  /** Path inside the bundle of the first file fed. */
  file: string;
  /**
   * Notable records to keep (default MAX_CALICO_NOTABLE): the bundle reader lowers it for a rotated file
   * when files before it in rotation order already hold records that merging keeps first, so records
   * the merge would drop are never built. Records past it are counted in `notableDropped`.
   */
  maxNotable?: number;
}

export interface CalicoLogParser extends LineParser<CalicoLogStats> {
  /** Continue the same summary with the next file in rotation order. */
  startFile(file: string): void;
  pushLines(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine): number;
  /** `pushLines`, but it returns before the first line after `start` for which `stop` holds; where it ended is `stoppedAt`. */
  pushLinesUntil(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine, stop: LineStop): number;
  readonly stoppedAt: number;
  scanChunk(buf: Buffer): void;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether `line` holds `YYYY-MM-DD HH:MM:SS.mmm [` at `at`. */
function hasTimeHeader(line: string, at: number): boolean {
  if (line.length < at + 30) return false;
  if (line.charCodeAt(at + 23) !== 32 || line.charCodeAt(at + 24) !== 91) return false;
  if (
    line.charCodeAt(at + 4) !== 45 ||
    line.charCodeAt(at + 7) !== 45 ||
    line.charCodeAt(at + 10) !== 32 ||
    line.charCodeAt(at + 13) !== 58 ||
    line.charCodeAt(at + 16) !== 58 ||
    line.charCodeAt(at + 19) !== 46
  ) {
    return false;
  }

  for (let i = 0; i < 23; i++) {
    if (i === 4 || i === 7 || i === 10 || i === 13 || i === 16 || i === 19) continue;
    if (!isDigit(line.charCodeAt(at + i))) return false;
  }

  return true;
}

/** Byte version of hasTimeHeader: `YYYY-MM-DD HH:MM:SS.mmm [` at `at` of the chunk seen through `view`, the line ending at `e`. */
function logrusTimeAt(view: DataView, at: number, e: number): boolean {
  if (e - at < 30 || !dateTimeAt(view, at, 32, 32)) return false;
  const w5 = view.getUint32(at + 20, true); // m m m ' '
  return w5 >>> 24 === 32 && fourDigits((w5 & 0x00ffffff) | 0x30000000) && view.getUint8(at + 24) === 91;
}

/** Index of the `]` that ends `[LEVEL`, given the index just after `[`; -1 if not `[A-Z]{1,8}][`. */
function levelEnd(line: string, from: number): number {
  const limit = Math.min(line.length, from + 9);
  for (let i = from; i < limit; i++) {
    const c = line.charCodeAt(i);
    if (c === 93 /* ] */) return i > from && line.charCodeAt(i + 1) === 91 ? i : -1;
    if (c < 65 || c > 90) return -1;
  }

  return -1;
}

/**
 * The level `line[s..e)` as one of the constant level names when it is one (a key the string table
 * already holds: a fresh slice as an object key is hashed and looked up there on every line), else the slice.
 */
function levelName(line: string, s: number, e: number): string {
  let known: string;
  switch (line.charCodeAt(s)) {
    case 73: known = 'INFO'; break;
    case 68: known = 'DEBUG'; break;
    case 87: known = 'WARNING'; break;
    case 69: known = 'ERROR'; break;
    case 70: known = 'FATAL'; break;
    case 80: known = 'PANIC'; break;
    case 84: known = 'TRACE'; break;
    default: return line.slice(s, e);
  }
  return known.length === e - s && line.startsWith(known, s) ? known : line.slice(s, e);
}

/** The value of the decimal digits `line[s..e)` (pidEnd checked they are digits, at most 10 of them). */
function digitsValue(line: string, s: number, e: number): number {
  let v = 0;
  for (let i = s; i < e; i++) v = v * 10 + (line.charCodeAt(i) - 48);
  return v;
}

/** Index of the `]` that ends `[PID`, given the index just after `[`; -1 if not digits then `] `. */
function pidEnd(line: string, from: number): number {
  const limit = Math.min(line.length, from + 11);
  for (let i = from; i < limit; i++) {
    const c = line.charCodeAt(i);
    if (c === 93) return i > from && line.charCodeAt(i + 1) === 32 ? i : -1;
    if (!isDigit(c)) return -1;
  }

  return -1;
}

function parseRecordAt(line: string, at: number, lineNo: number, stamp: string | undefined): CalicoLogRecord | undefined {
  if (!hasTimeHeader(line, at)) return undefined;
  const le = levelEnd(line, at + 25);
  if (le === -1) return undefined;
  const pe = pidEnd(line, le + 2);
  if (pe === -1) return undefined;
  const srcStart = pe + 2;
  const srcEnd = line.indexOf(' ', srcStart);
  if (srcEnd <= srcStart) return undefined;
  const lineEnd = line.indexOf(':', srcEnd + 1);
  if (lineEnd <= srcEnd + 1) return undefined;
  const lineTok = line.slice(srcEnd + 1, lineEnd);
  let sourceLine: number | undefined;
  if (lineTok !== '<nil>') {
    if (lineTok.length > 9) return undefined;
    for (let i = 0; i < lineTok.length; i++) if (!isDigit(lineTok.charCodeAt(i))) return undefined;
    sourceLine = Number(lineTok);
  }

  const srcTok = line.slice(srcStart, srcEnd);
  const slash = srcTok.indexOf('/');
  let component: string | undefined;
  let source = srcTok;
  if (slash > 0 && srcTok !== '<nil>') {
    component = srcTok.slice(0, slash);
    source = srcTok.slice(slash + 1);
  }

  const msgStart = line.charCodeAt(lineEnd + 1) === 32 ? lineEnd + 2 : lineEnd + 1;
  const rec: CalicoLogRecord = {
    line: lineNo,
    text: line,
    time: line.slice(at, at + 23),
    level: line.slice(at + 25, le),
    pid: Number(line.slice(le + 2, pe)),
    source,
    message: line.slice(msgStart),
  };
  if (stamp !== undefined) rec.svTime = svlogdToIso(stamp);
  if (component !== undefined) rec.component = component;
  if (sourceLine !== undefined) rec.sourceLine = sourceLine;
  return rec;
}

/**
 * Parses one Calico log line (an svlogd stamp, if any, is stripped first). Returns undefined
 * for lines that are not records (continuations, bare text, garbage). `text` is the whole line.
 */
export function parseCalicoLogLine(line: string, lineNo = 0): CalicoLogRecord | undefined {
  const style = svlogdStyle(line);
  return parseRecordAt(line, style === undefined ? 0 : 26, lineNo, style === undefined ? undefined : line.slice(0, 25));
}

function emptySignatures(): Record<string, SignatureHit> {
  const out: Record<string, SignatureHit> = {};
  for (const s of CALICO_LOG_SIGNATURES) out[s.name] = { count: 0, refs: [] };
  return out;
}

/** Creates a streaming parser for one Calico daemon's log files (in rotation order). */
/**
 * One Calico daemon's log (its files in rotation order). A class rather than closures: every file
 * gets its own parser, and closures made per parser were each compiled again by V8 (hundreds of
 * optimizing compiles on a 20-node set); methods are compiled once for all instances.
 */
class CalicoLogParserImpl implements CalicoLogParser {
  private readonly summary: CalicoLogStats;
  private fileInfo: LogFileInfo;
  private readonly pidSeen = new Set<number>();
  private lastPid = -1;
  private lastRecordLine: string | undefined;
  private lastRecordAt = 0;
  private lastRecordNo = 0;
  // Byte fast path state: the chunk being walked; where INFO needles occur in it (many needles: the
  // prefilter's list of offsets; few: per needle, the next offset found so far, -1 not yet searched).
  private scanned: Buffer | undefined;
  private needleHits: number[] | undefined;
  private hitIdx = 0;
  /** The module's list of the chunk's hits (`listHits`), and the needle of each (index in infoNeedleBuffers). */
  private readonly hitPositions: number[] = [];
  private readonly hitIds: number[] = [];
  /** Per INFO needle: whether none of its signatures is notable; whether its hits may be counted by the scanner now (updateNeedleCountable). */
  private readonly infoNeedleQuiet: readonly boolean[];
  private readonly needleCountable: boolean[];
  /** A signature's refs became full since needleCountable was last updated. */
  private refsFilled = false;
  private readonly nextNeedle: number[];
  /** Few INFO needles: the WebAssembly scanner searches them in each INFO line (no pass over the chunk). */
  private readonly lineSearch: boolean;
  private shapeLearned = false;
  private readonly infoNeedleBuffers: Buffer[];
  private readonly infoNeedleIndex: NeedleIndex | undefined;
  /** The last line the fast path counted: its offset in the chunk being walked (-1: none), then its time. */
  private lastFastAt = -1;
  private lastFastTime: string | undefined;
  private lastFastNo = 0;
  private readonly pendingLast = new Map<string, PendingHeader>();
  /** Signature hits the byte path counted in the chunk being walked: the last line of each (offset, newline, number). */
  private readonly fastHits = new Map<string, [number, number, number]>();
  /** For each INFO needle (infoNeedleBuffers), the signatures of this daemon's INFO search that list it, in table order. */
  private readonly infoNeedleSigs: readonly number[][];
  // Levels counted on the fast path, added to byLevel in finish() (the key is created on first sight, keeping key order).
  private fastDebug = 0;
  private fastInfo = 0;
  private fastTrace = 0;
  /** The search for INFO lines (this daemon's INFO needles); undefined when none is searched. */
  private readonly infoSearch: NeedleSearch | undefined;

  private readonly maxNotable: number;

  constructor(opts: CalicoLogOptions) {
    this.maxNotable = Math.max(0, Math.min(MAX_CALICO_NOTABLE, opts.maxNotable ?? MAX_CALICO_NOTABLE));
    this.summary = {
      daemon: opts.daemon,
      files: [],
      lines: 0,
      byLevel: {},
      pids: [],
      componentPrefix: false,
      notable: [],
      notableDropped: 0,
      signatures: emptySignatures(),
      continuationLines: 0,
    };
    this.fileInfo = { file: opts.file, lines: 0, bytes: 0 };
    this.summary.files.push(this.fileInfo);
    const infoSigs = infoSignatures(opts.daemon);
    const tables = infoNeedleTables(opts.daemon, infoSigs);
    this.infoNeedleBuffers = tables.buffers;
    this.infoNeedleSigs = tables.sigs;
    this.lineSearch = tables.lineSearch;
    this.infoNeedleIndex = tables.index;
    this.nextNeedle = this.infoNeedleBuffers.map(() => -1);
    this.infoNeedleQuiet = this.infoNeedleSigs.map((sigs) => sigs.every((i) => !CALICO_LOG_SIGNATURES[i]!.notable));
    this.needleCountable = this.infoNeedleBuffers.map(() => false);
    this.infoSearch = infoNeedleSearch(opts.daemon, infoSigs);
  }

  private addNotable(rec: NotableRecord): void {
    if (this.summary.notable.length < this.maxNotable) this.summary.notable.push(rec);
    else this.summary.notableDropped++;
  }

  private hit(name: string, rec: NotableRecord): void {
    const h = this.summary.signatures[name]!;
    h.count++;
    if (h.refs.length < MAX_SIGNATURE_REFS) {
      h.refs.push(rec);
      if (h.refs.length === MAX_SIGNATURE_REFS) this.refsFilled = true;
    }
    h.last = rec;
    this.pendingLast.delete(name);
  }

  /**
   * A hit on a header line: its record is built only while `refs` has room; beyond that only the
   * line is remembered (one reused slot per signature) and `last` is built in `finish()`.
   */
  private hitHeader(name: string, line: string, at: number, le: number, pe: number, lineNo: number, stamp: string | undefined, rec: NotableRecord | undefined): NotableRecord | undefined {
    const h = this.summary.signatures[name]!;
    if (h.refs.length < MAX_SIGNATURE_REFS || rec !== undefined) {
      rec ??= toNotable(line, at, le, pe, lineNo, stamp, this.fileInfo.file);
      this.hit(name, rec);
      return rec;
    }
    h.count++;
    this.rememberLast(name, line, at, le, pe, lineNo, stamp);
    return undefined;
  }

  /** The line `last` will be built from in finish() (one reused slot per signature). */
  private rememberLast(name: string, line: string, at: number, le: number, pe: number, lineNo: number, stamp: string | undefined): void {
    let slot = this.pendingLast.get(name);
    if (slot === undefined) {
      slot = { line, at, le, pe, lineNo, stamp, file: this.fileInfo.file };
      this.pendingLast.set(name, slot);
    } else {
      slot.line = line;
      slot.at = at;
      slot.le = le;
      slot.pe = pe;
      slot.lineNo = lineNo;
      slot.stamp = stamp;
      slot.file = this.fileInfo.file;
    }
  }

  /**
   * The INFO needle (index in infoNeedleBuffers) of the record line ending at `e` when the byte path
   * can count its hit as the string path would, else -1: one needle occurs in the line, first at `hit`,
   * in the message (from `msg` on), and no other needle does; each signature listing it has its refs
   * full and is not notable (so the string path would only count it and remember the line for `last`).
   */
  private countableHit(hit: number, msg: number, e: number): number {
    if (hit < msg) return -1;
    let found = -1;
    const hits = this.needleHits;
    if (hits !== undefined) {
      // The prefilter's offsets, each with its needle (hitIds): one in the line, where one needle starts.
      const after = this.hitIdx + 1;
      if (after < hits.length && hits[after]! < e) return -1; // another needle in the line (or at the same offset)
      found = this.hitIds[this.hitIdx]!;
    } else {
      // Each needle's next offset (nextNeedleFrom has searched them all from the line's start): one needle
      // in the line, once or more (the same signatures either way).
      for (let k = 0; k < this.nextNeedle.length; k++) {
        if (this.nextNeedle[k]! >= e) continue;
        if (found !== -1) return -1;
        found = k;
      }
    }
    if (found === -1) return -1;
    const sigs = this.infoNeedleSigs[found]!;
    for (const i of sigs) if (CALICO_LOG_SIGNATURES[i]!.notable) return -1;
    return this.refsFull(sigs) ? found : -1;
  }

  /** Whether each of these signatures (table indexes) has its refs full. */
  private refsFull(sigs: readonly number[]): boolean {
    for (const i of sigs) if (this.summary.signatures[CALICO_LOG_SIGNATURES[i]!.name]!.refs.length < MAX_SIGNATURE_REFS) return false;
    return true;
  }

  /** Counts a hit of the signatures `sigs` (of one needle) found by the byte path on the line `buf[s..nl)` (number `lineNo`); its line is made a string later (flushHits). */
  private countHit(sigs: readonly number[], s: number, nl: number, lineNo: number): void {
    for (const i of sigs) {
      const name = CALICO_LOG_SIGNATURES[i]!.name;
      this.summary.signatures[name]!.count++;
      this.fastHits.set(name, [s, nl, lineNo]);
    }
  }

  /** Remembers, as hitHeader does, the last line of each signature the byte path counted in `buf` (before the chunk goes). */
  private flushHits(buf: Buffer): void {
    if (this.fastHits.size === 0) return;
    for (const [name, [s, nl, lineNo]] of this.fastHits) {
      const line = buf.toString('utf8', s, contentEnd(buf, s, nl));
      const at = svlogdStyle(line) !== undefined ? 26 : 0;
      const le = levelEnd(line, at + 25);
      this.rememberLast(name, line, at, le, pidEnd(line, le + 2), lineNo, at === 26 ? line.slice(0, 25) : undefined);
    }
    this.fastHits.clear();
  }

  private bareLine(line: string, at: number, lineNo: number, stamp: string | undefined): void {
    this.summary.continuationLines++;
    if (line.charCodeAt(at) !== 67 /* C */) return;
    for (const s of RAW_SIGNATURES) {
      if (!s.needles.some((n) => line.startsWith(n, at))) continue;
      const rec: NotableRecord = { line: lineNo, text: line, time: '', level: '', pid: 0, source: '', message: line.slice(at), file: this.fileInfo.file };
      if (stamp !== undefined) rec.svTime = svlogdToIso(stamp);
      this.hit(s.name, rec);
      if (s.notable) this.addNotable(rec);
    }
  }

  /** Adds what a run of the fast path counted (kept in locals there) to the summary. */
  private addCounted(lines: number, bytes: number, debug: number, info: number, trace: number, at: number): void {
    if (lines === 0) return;
    this.summary.lines += lines;
    this.fileInfo.lines += lines;
    this.fileInfo.bytes += bytes;
    if (debug > 0 && this.fastDebug === 0) this.summary.byLevel['DEBUG'] ??= 0;
    if (info > 0 && this.fastInfo === 0) this.summary.byLevel['INFO'] ??= 0;
    if (trace > 0 && this.fastTrace === 0) this.summary.byLevel['TRACE'] ??= 0;
    this.fastDebug += debug;
    this.fastInfo += info;
    this.fastTrace += trace;
    this.lastFastAt = at;
    this.lastFastNo = this.summary.lines;
  }

  /**
   * Whether a WARNING or ERROR line may be counted from its bytes (if its message holds no needle, or
   * one whose signatures have their refs full): the module can search it, the notable list is full
   * (the string path would drop the record), and the level has its key in `byLevel` already (so
   * counting it now keeps the keys' order).
   */
  private severeCountable(base: number, level: string): boolean {
    return base >= 0 && ALL_NEEDLE_INDEX !== undefined && this.summary.notable.length >= this.maxNotable && this.summary.byLevel[level] !== undefined;
  }

  /** A PID that differs from the last line's (a restart, or interleaved processes). */
  private notePid(pid: number): void {
    this.lastPid = pid;
    if (!this.pidSeen.has(pid)) {
      this.pidSeen.add(pid);
      this.summary.pids.push(pid);
    }
  }

  startFile(file: string): void {
    this.fileInfo = { file, lines: 0, bytes: 0 };
    this.summary.files.push(this.fileInfo);
  }

  push(line: string, lineNo: number): void {
    this.summary.lines++;
    this.fileInfo.lines++;
    this.fileInfo.bytes += Buffer.byteLength(line) + 1; // bytes, as the fast path counts them
    let at = 0;
    let stamp: string | undefined;
    const style = svlogdStyle(line);
    if (style !== undefined) {
      at = 26;
      stamp = line.slice(0, 25);
      this.fileInfo.svlogd ??= style;
    }
    if (!hasTimeHeader(line, at)) {
      this.bareLine(line, at, lineNo, stamp);
      return;
    }
    const le = levelEnd(line, at + 25);
    const pe = le === -1 ? -1 : pidEnd(line, le + 2);
    if (pe === -1) {
      this.bareLine(line, at, lineNo, stamp);
      return;
    }
    const level = levelName(line, at + 25, le);
    this.summary.byLevel[level] = (this.summary.byLevel[level] ?? 0) + 1;
    const pid = digitsValue(line, le + 2, pe);
    if (pid !== this.lastPid) this.notePid(pid);
    if (this.summary.firstTime === undefined) this.summary.firstTime = line.slice(at, at + 23);
    this.lastRecordLine = line;
    this.lastRecordAt = at;
    this.lastRecordNo = this.summary.lines;
    this.shapeLearned = true;
    if (!this.summary.componentPrefix) {
      const sp = line.indexOf(' ', pe + 2);
      const slash = line.indexOf('/', pe + 2);
      if (slash !== -1 && sp !== -1 && slash < sp) this.summary.componentPrefix = true;
    }
    const first = line.charCodeAt(at + 25);
    if (first === 68 /* D */ || first === 84 /* T */) return; // DEBUG, TRACE
    const severe = first !== 73; /* not I(NFO) */
    let rec: NotableRecord | undefined;
    let notable = severe;
    const search = severe ? ALL_NEEDLES : this.infoSearch;
    if (search === undefined) return;
    const bits = signatureBits(line, pe + 2, search);
    const hi = bitsHi;
    if (bits === 0 && hi === 0) {
      if (!notable) return;
      if (this.summary.notable.length >= this.maxNotable) {
        this.summary.notableDropped++;
        return;
      }
      this.addNotable(toNotable(line, at, le, pe, lineNo, stamp, this.fileInfo.file));
      return;
    }
    // The signatures whose bits are set, in table order: the low word's lowest bit first, then the high word's.
    for (let w = 0; w < 2; w++) {
      for (let left = w === 0 ? bits : hi; left !== 0; left &= left - 1) {
        const s = CALICO_LOG_SIGNATURES[30 * w + 31 - Math.clz32(left & -left)]!;
        rec = this.hitHeader(s.name, line, at, le, pe, lineNo, stamp, rec);
        if (s.notable) notable = true;
      }
    }
    if (notable) {
      if (rec === undefined && this.summary.notable.length >= this.maxNotable) {
        this.summary.notableDropped++;
        return;
      }
      rec ??= toNotable(line, at, le, pe, lineNo, stamp, this.fileInfo.file);
      this.addNotable(rec);
    }
  }

  scanChunk(buf: Buffer): void {
    this.scanned = buf;
    this.hitIdx = 0;
    this.nextNeedle.fill(-1);
    // Many needles (calico-node's container log): one pass of the WebAssembly prefilter lists where
    // they occur. Few (Felix has one): searched only in the INFO lines, by the scanner or with indexOf.
    const wasm = this.infoNeedleIndex !== undefined ? wasmLines() : undefined;
    this.needleHits = undefined;
    if (wasm === undefined) return;
    this.updateNeedleCountable();
    if (wasm.listHits(this, buf, this.infoNeedleIndex!, this.needleCountable, this.hitPositions, this.hitIds)) this.needleHits = this.hitPositions;
    else this.needleHits = wasm.findNeedles(buf, this.infoNeedleIndex!, this.hitIds);
  }

  /** Whether each INFO needle's hits may be counted by the scanner: its signatures are not notable and have their refs full. */
  private updateNeedleCountable(): void {
    this.refsFilled = false;
    const ok = this.needleCountable;
    for (let k = 0; k < ok.length; k++) ok[k] = this.infoNeedleQuiet[k]! && this.refsFull(this.infoNeedleSigs[k]!);
  }

  /**
   * The first offset not before `s` where an INFO needle starts in the chunk being walked, or its
   * length: from the prefilter's list, else from one `indexOf` per needle, searched again only once
   * `s` has passed the offset found (so a chunk costs at most one pass per needle, and none when no
   * INFO line asks).
   */
  private nextNeedleFrom(buf: Buffer, s: number): number {
    const hits = this.needleHits;
    if (hits !== undefined) {
      while (this.hitIdx < hits.length && hits[this.hitIdx]! < s) this.hitIdx++;
      return this.hitIdx < hits.length ? hits[this.hitIdx]! : buf.length;
    }
    let first = buf.length;
    for (let k = 0; k < this.nextNeedle.length; k++) {
      let at = this.nextNeedle[k]!;
      if (at < s) {
        at = buf.indexOf(this.infoNeedleBuffers[k]!, s);
        if (at === -1) at = buf.length;
        this.nextNeedle[k] = at;
      }
      if (at < first) first = at;
    }
    return first;
  }

  /**
   * Records that only need counting are decided from their bytes, and no string is made: DEBUG
   * and TRACE always; INFO when no INFO-level needle occurs in the line.
   * Counts stay in locals and are added to the summary before any line goes the string way.
   */
  pushLines(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine): number {
    return this.walk(buf, start, end, firstLineNo, slow, undefined);
  }

  stoppedAt = 0;

  pushLinesUntil(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine, stop: LineStop): number {
    return this.walk(buf, start, end, firstLineNo, slow, stop);
  }

  private walk(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine, stop: LineStop | undefined): number {
    let n = firstLineNo;
    let lines = 0;
    let bytes = 0;
    let debug = 0;
    let info = 0;
    let trace = 0;
    let lastAt = 0;
    // Whether scanChunk announced this chunk (the needle state is for it); if not, INFO lines go the string way.
    const prescanned = buf === this.scanned;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const wasm = wasmLines();
    const base = wasm === undefined ? -1 : wasm.load(buf);
    const search = base >= 0 && prescanned && this.lineSearch;
    if (search) wasm!.setLineNeedles(this.infoNeedleBuffers);
    let s = start;
    for (; s < end; n++) {
      if (base >= 0 && this.shapeLearned) {
        // The module counts what the loop below would count, and stops at the first line it would not.
        // INFO lines are checked against the chunk's needle hits from the first not before `s` (the
        // prefilter's list, or one entry that stops every INFO line from the next hit indexOf found).
        let hit = 0;
        let hitCount = 0;
        if (prescanned && !search) {
          const nextHit = this.nextNeedleFrom(buf, s);
          if (this.needleHits === this.hitPositions && wasm!.hitsAreFor(this, buf)) {
            if (this.refsFilled) {
              this.updateNeedleCountable();
              wasm!.remarkHits(this.needleCountable);
            }
            hit = this.hitIdx;
            hitCount = this.hitPositions.length;
          } else if (nextHit < end) hitCount = wasm!.setStopHit(nextHit);
        }
        const infoFlag = search ? SCAN_INFO_SEARCH : prescanned ? SCAN_INFO_OK : 0;
        const flags = (this.fileInfo.svlogd !== undefined ? SCAN_SVLOGD_KNOWN : 0) | (this.summary.componentPrefix ? SCAN_PREFIX_KNOWN : 0) | infoFlag;
        wasm!.setKnownPids(this.summary.pids);
        const next = wasm!.scanCalico(base, s, end, flags, this.lastPid, hit, hitCount, MAX_LINE_BYTES);
        const counted = wasm!.result(0);
        if (counted > 0) {
          this.lastPid = wasm!.resultPid();
          for (let r = wasm!.result(8), i = 0; i < r; i++) this.countHit(this.infoNeedleSigs[this.hitIds[wasm!.hitLine(i, 0)]!]!, wasm!.hitLine(i, 1), wasm!.hitLine(i, 2), n + wasm!.hitLine(i, 3));
          lines += counted;
          bytes += wasm!.result(1);
          debug += wasm!.result(2);
          info += wasm!.result(3);
          trace += wasm!.result(4);
          lastAt = wasm!.result(5) - base;
          n += counted;
          s = next;
          if (s >= end) break;
        }
      }
      if (stop !== undefined && s > start && stop(buf, s)) break;
      const nl = buf.indexOf(10, s);
      const e = nl > s && buf[nl - 1] === 13 ? nl - 1 : nl;
      let hit = -1;
      fast: if (this.shapeLearned && nl - s <= MAX_LINE_BYTES) {
        let at = s;
        // svlogd stamp (-tt or -ttt) in front of the logrus header? The first one of a file goes the string way.
        if (svlogdStampAt(view, s, e)) {
          if (this.fileInfo.svlogd === undefined) break fast;
          at = s + 26;
        }
        if (!logrusTimeAt(view, at, e)) break fast;
        // `[DEBUG][`, `[INFO][`, `[TRACE][` exactly (levelEnd's rule for these three levels).
        const c = buf[at + 25];
        let pidAt: number;
        if (c === 68 /* D */ && buf[at + 26] === 69 && buf[at + 27] === 66 && buf[at + 28] === 85 && buf[at + 29] === 71 && buf[at + 30] === 93 && buf[at + 31] === 91) {
          pidAt = at + 32;
        } else if (c === 73 /* I */ && buf[at + 26] === 78 && buf[at + 27] === 70 && buf[at + 28] === 79 && buf[at + 29] === 93 && buf[at + 30] === 91) {
          if (!prescanned) break fast;
          const h = this.nextNeedleFrom(buf, s);
          if (h < e) hit = h;
          pidAt = at + 31;
        } else if (c === 84 /* T */ && buf[at + 26] === 82 && buf[at + 27] === 65 && buf[at + 28] === 67 && buf[at + 29] === 69 && buf[at + 30] === 93 && buf[at + 31] === 91) {
          pidAt = at + 32;
        } else if (c === 87 /* W */ && buf[at + 26] === 65 && buf[at + 27] === 82 && buf[at + 28] === 78 && buf[at + 29] === 73 && buf[at + 30] === 78 && buf[at + 31] === 71 && buf[at + 32] === 93 && buf[at + 33] === 91) {
          if (!this.severeCountable(base, 'WARNING')) break fast;
          pidAt = at + 34;
        } else if (c === 69 /* E */ && buf[at + 26] === 82 && buf[at + 27] === 82 && buf[at + 28] === 79 && buf[at + 29] === 82 && buf[at + 30] === 93 && buf[at + 31] === 91) {
          if (!this.severeCountable(base, 'ERROR')) break fast;
          pidAt = at + 32;
        } else break fast;
        // `<pid>] ` (pidEnd's rule: 1 to 10 digits).
        let pid = 0;
        let q = pidAt;
        for (; q < e && q - pidAt <= 10; q++) {
          const d = buf[q]!;
          if (d < 48 || d > 57) break;
          pid = pid * 10 + (d - 48);
        }
        if (q === pidAt || q - pidAt > 10 || buf[q] !== 93 || buf[q + 1] !== 32 || q + 1 >= e) break fast;
        // An INFO needle in the line: counted here only when the string path would only count it.
        const hitNeedle = hit === -1 ? -1 : this.countableHit(hit, q + 2, e);
        if (hit !== -1 && hitNeedle === -1) break fast;
        // WARNING or ERROR: counted here only when the message holds no needle, or one needle whose
        // signatures have their refs full: the string path would count the level (and the hits, and
        // remember the line for `last`) and drop the record, the notable list being full.
        const severe = c === 87 || c === 69;
        const severeNeedle = severe ? wasm!.onlyNeedleIn(buf, base, q + 2, e, ALL_NEEDLE_INDEX!) : -1;
        if (severeNeedle !== -1 && (severeNeedle === NEEDLES_MANY || !this.refsFull(ALL_NEEDLE_SIGS[severeNeedle]!))) break fast;
        if (!this.summary.componentPrefix) {
          // `component/file.go`: a `/` before the first space after the PID.
          let slash = false;
          let k = q + 2;
          for (; k < e && buf[k] !== 32; k++) if (buf[k] === 47) slash = true;
          if (slash && k < e) this.summary.componentPrefix = true;
        }
        if (pid !== this.lastPid) this.notePid(pid);
        if (hitNeedle !== -1) this.countHit(this.infoNeedleSigs[hitNeedle]!, s, nl, n);
        else if (severeNeedle >= 0) this.countHit(ALL_NEEDLE_SIGS[severeNeedle]!, s, nl, n);
        if (c === 68) debug++;
        else if (c === 73) info++;
        else if (severe) {
          const level = c === 87 ? 'WARNING' : 'ERROR';
          this.summary.byLevel[level] = this.summary.byLevel[level]! + 1;
          this.summary.notableDropped++;
        } else trace++;
        lines++;
        bytes += e - s + 1;
        lastAt = at;
        s = nl + 1;
        continue;
      }
      this.addCounted(lines, bytes, debug, info, trace, lastAt);
      lines = bytes = debug = info = trace = 0;
      this.flushHits(buf);
      slow.line(buf, s, nl, n);
      s = nl + 1;
    }
    this.addCounted(lines, bytes, debug, info, trace, lastAt);
    this.flushHits(buf);
    this.stoppedAt = Math.min(s, end);
    // The chunk is not ours after this returns (the reader reuses its memory): keep the time, not the chunk.
    if (this.lastFastAt >= 0) {
      this.lastFastTime = buf.toString('latin1', this.lastFastAt, this.lastFastAt + 23);
      this.lastFastAt = -1;
    }
    return n - firstLineNo;
  }

  finish(): CalicoLogStats {
    if (this.lastFastTime !== undefined && this.lastFastNo > this.lastRecordNo) this.summary.lastTime = this.lastFastTime;
    else if (this.lastRecordLine !== undefined) this.summary.lastTime = this.lastRecordLine.slice(this.lastRecordAt, this.lastRecordAt + 23);
    this.lastFastTime = undefined;
    this.scanned = undefined;
    this.needleHits = undefined;
    if (this.fastDebug > 0) this.summary.byLevel['DEBUG'] = this.summary.byLevel['DEBUG']! + this.fastDebug;
    if (this.fastInfo > 0) this.summary.byLevel['INFO'] = this.summary.byLevel['INFO']! + this.fastInfo;
    if (this.fastTrace > 0) this.summary.byLevel['TRACE'] = this.summary.byLevel['TRACE']! + this.fastTrace;
    this.fastDebug = this.fastInfo = this.fastTrace = 0;
    for (const [name, p] of this.pendingLast) this.summary.signatures[name]!.last = toNotable(p.line, p.at, p.le, p.pe, p.lineNo, p.stamp, p.file);
    this.pendingLast.clear();
    return this.summary;
  }
}

/** Creates a streaming parser for one Calico daemon's log files (in rotation order). */
export function createCalicoLogParser(opts: CalicoLogOptions): CalicoLogParser {
  return new CalicoLogParserImpl(opts);
}

/** The full record of a header line; a line that passed the fast checks but not the full parse (no `LINE:`) keeps what was read. */
function toNotable(line: string, at: number, le: number, pe: number, lineNo: number, stamp: string | undefined, file: string): NotableRecord {
  const rec = parseRecordAt(line, at, lineNo, stamp);
  if (rec !== undefined) return { ...rec, file };
  const out: NotableRecord = {
    line: lineNo,
    text: line,
    time: line.slice(at, at + 23),
    level: line.slice(at + 25, le),
    pid: Number(line.slice(le + 2, pe)),
    source: '',
    message: line.slice(pe + 2),
    file,
  };
  if (stamp !== undefined) out.svTime = svlogdToIso(stamp);
  return out;
}

/** Parses a whole Calico log (one file) from a string. */
export function parseCalicoLog(text: string, opts: CalicoLogOptions): CalicoLogStats {
  return runParser(createCalicoLogParser(opts), text);
}
