/**
 * BIRD / BIRD6 logs: `logs/bird/current`, `logs/bird6/current` and their rotated
 * `@<tai64n>.s|.u` files (svlogd-stamped), or the unstamped `bird: ...` lines of a
 * container log. Every line starts with `bird: ` (also for bird6); protocol messages are
 * `bird: <Proto>: <text>`, route traces `bird: <Proto> < ...` (diags-format.md §3.3).
 *
 * Real sample, `bird/current` with svlogd `-tt` stamps and `debug all`
 * (https://github.com/projectcalico/calicoctl/issues/900, diags-format.md §5.4):
 *
 * ```
 * 2016-03-30_19:50:39.34380 bird: Mesh_10_121_42_75 < filtered out 192.168.0.192/32 dev tunl0
 * 2016-03-30_19:50:39.34380 bird: Mesh_10_121_42_75 < rejected by protocol 192.168.1.0/26 via 10.121.0.1 on eth0
 * 2016-03-30_19:50:39.34382 bird: Mesh_10_121_42_75: State changed to up
 * 2016-03-30_19:50:39.34383 bird: Mesh_10_121_43_95: Sending UPDATE
 * 2016-03-30_19:50:39.34383 bird: Mesh_10_121_43_95: Sending END-OF-RIB
 * 2016-03-30_19:50:41.34384 bird: device1: Scanning interfaces
 * ```
 *
 * Per protocol the summary keeps the last state, whether it was ever up, how often it went
 * down after being up, and the last errors/notifications; global events (config errors,
 * unknown connects, start/reconfigure/shutdown) are kept up to a cap. Route and packet
 * traces are only counted. Files of one daemon are fed in rotation order to one parser,
 * calling `startFile()` between files (line numbers restart per file).
 */
import { isIP } from 'node:net';
import type {
  BirdEvent,
  BirdEventKind,
  BirdLogSummary,
  BirdProtocolSummary,
  LogFileInfo,
} from '../model/facts.js';
import { contentEnd, MAX_LINE_BYTES, runParser, type LineParser, type LineStop, type SlowLine } from './line-parser.js';
import { STAMP_LEN, svlogdStampAt, svlogdStyle, svlogdToIso } from './svlogd-prefix.js';
import { wasmLines } from './wasm-lines.js';

/** scanBird flags (assembly/lines.ts): the file's svlogd style is known; the event list is full; a container log's run. */
const BIRD_SVLOGD_KNOWN = 1;
const BIRD_EVENTS_FULL = 2;
const BIRD_BARE_ONLY = 4;

export const MAX_BIRD_EVENTS = 200;
export const MAX_BIRD_PROTOCOL_ERRORS = 20;

/**
 * Local extension of the model types (not yet in facts.ts): per-kind event counters, so that
 * debug-only events (`connecting`, `established`) that are not errors are not lost.
 */
export interface BirdProtocolStats extends BirdProtocolSummary {
  eventCounts: Partial<Record<BirdEventKind, number>>;
  /** Last `Connecting to <ip> from local address <ip>` (debug all only). */
  lastConnecting?: BirdEvent;
}

export interface BirdLogStats extends BirdLogSummary {
  protocols: Record<string, BirdProtocolStats>;
  /** Global events by kind, including those beyond the cap. */
  eventCounts: Partial<Record<BirdEventKind, number>>;
}

export interface BirdLogOptions {
  daemon: 'bird' | 'bird6';
  /** Path inside the bundle of the first file fed. */
  file: string;
}

export interface BirdLogParser extends LineParser<BirdLogStats> {
  /** Continue the same summary with the next file in rotation order. */
  startFile(file: string): void;
  pushLines(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine): number;
  /** `pushLines`, but it returns before the first line after `start` for which `stop` holds; where it ended is `stoppedAt`. */
  pushLinesUntil(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine, stop: LineStop): number;
  readonly stoppedAt: number;
}

/** Kinds that are recorded in a protocol's `errors`. */
const ERROR_KINDS: ReadonlySet<BirdEventKind> = new Set<BirdEventKind>([
  'error-sent',
  'error-received',
  'socket-error',
  'connection-lost',
  'connection-closed',
]);

const PEER_TYPES = ['Local_Workload_', 'Mesh_', 'Node_', 'Global_'] as const;

/**
 * Decodes a Calico BGP protocol name (confd templates, diags-format.md §3.4):
 * `Mesh_10_0_0_12` → Mesh 10.0.0.12; `Node_10_0_0_1_port_1790` → Node 10.0.0.1 port 1790;
 * `Mesh_fd80_24e2_f998_72d7__2` → Mesh fd80:24e2:f998:72d7::2. Names that are not Calico
 * peers (`kernel1`, `device1`) give `{}`; a peer whose id is not an IP (redacted logs) gives
 * only the peer type.
 */
export function decodeBirdProtocolName(name: string): { peerType?: string; peerIP?: string; peerPort?: number } {
  let peerType: string | undefined;
  let id = '';
  for (const p of PEER_TYPES) {
    if (name.startsWith(p)) {
      peerType = p.slice(0, -1);
      id = name.slice(p.length);
      break;
    }
  }

  if (peerType === undefined) return {};
  let peerPort: number | undefined;
  const portAt = id.lastIndexOf('_port_');
  if (portAt > 0) {
    const digits = id.slice(portAt + 6);
    if (digits.length > 0 && digits.length <= 5 && isAllDigits(digits)) {
      peerPort = Number(digits);
      id = id.slice(0, portAt);
    }
  }

  const out: { peerType?: string; peerIP?: string; peerPort?: number } = { peerType };
  const v4 = id.replaceAll('_', '.');
  if (isIP(v4) === 4) out.peerIP = v4;
  else {
    const v6 = id.replaceAll('_', ':');
    if (isIP(v6) === 6) out.peerIP = v6;
  }

  if (peerPort !== undefined) out.peerPort = peerPort;
  return out;
}

function isAllDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }

  return s.length > 0;
}

/** A protocol name as BIRD prints it: letters, digits, `_` (and `-`, `.` tolerated). */
function isProtocolName(s: string): boolean {
  if (s.length === 0 || s.length > 128) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
    if (!ok) return false;
  }

  return true;
}

function newFileInfo(file: string): LogFileInfo {
  return { file, lines: 0, bytes: 0 };
}

const BIRD_PREFIX = 'bird: ';
const BIRD_PREFIX_BYTES = Buffer.from(BIRD_PREFIX);

/** Starts of the global messages `globalMessage` tracks (besides config errors); others are only counted. */
const TRACKED_GLOBAL = ['Started', 'Reconfigured', 'Shutting down', 'I found another BIRD running', 'Cannot create control socket ', 'Unable to open configuration file ', 'BGP: Unexpected connect from unknown address ', 'Kernel dropped some netlink messages', 'Removing protocol ', 'Adding protocol '].map((p) => Buffer.from(p));
const TRACKED_GLOBAL_BYTES = byFirstByte(TRACKED_GLOBAL);
const RECONFIGURED_BYTES = Buffer.from('Reconfigured');
const NETLINK_BYTES = Buffer.from('Netlink');

/** Starts of the protocol messages `protocolMessage` tracks; any other text is only counted. */
const TRACKED_TEXT = ['State changed to ', 'Socket error: ', 'Error: ', 'Received: ', 'Connection lost', 'Connection closed', 'Connecting to ', 'BGP session established'].map((p) => Buffer.from(p));
const TRACKED_TEXT_BYTES = byFirstByte(TRACKED_TEXT);

/** Whether the line at `at` starts with `bird: ` (every BIRD and BIRD6 log line does). */
export function isBirdLineAt(buf: Buffer, at: number): boolean {
  return bytesAt(buf, at, BIRD_PREFIX_BYTES);
}

/** The other way round: where a run of BIRD lines ends in a container log (the stop its walk knows). */
export function notBirdLineAt(buf: Buffer, at: number): boolean {
  return !isBirdLineAt(buf, at);
}

/** Prefixes grouped by their first byte (an index of 256), so a line is compared only with those that can match. */
function byFirstByte(prefixes: readonly Buffer[]): readonly (readonly Buffer[])[] {
  const index: Buffer[][] = Array.from({ length: 256 }, () => []);
  for (const p of prefixes) index[p[0]!]!.push(p);
  return index;
}

/** Whether one of the prefixes of `index` (see byFirstByte) starts at `at`. */
function anyPrefixAt(buf: Buffer, at: number, index: readonly (readonly Buffer[])[]): boolean {
  if (at >= buf.length) return false;
  for (const p of index[buf[at]!]!) if (bytesAt(buf, at, p)) return true;
  return false;
}

function bytesAt(buf: Buffer, at: number, what: Buffer): boolean {
  if (at + what.length > buf.length) return false;
  for (let i = 0; i < what.length; i++) if (buf[at + i] !== what[i]) return false;
  return true;
}


/**
 * One BIRD daemon's log files. A class rather than closures, so that every file's parser shares
 * one compiled copy of the hot loop (per-parser closures were each compiled again by V8).
 */
class BirdLogParserImpl implements BirdLogParser {
  private readonly summary: BirdLogStats;
  private fileInfo: LogFileInfo;
  private lastStamp: string | undefined;
  private lastStampNo = 0;
  /** The last stamped line the fast path counted: its offset in the chunk being walked (-1: none), then its stamp. */
  private lastFastAt = -1;
  private lastFastStamp: string | undefined;
  private lastFastNo = 0;

  constructor(opts: BirdLogOptions) {
    this.summary = {
      daemon: opts.daemon,
      files: [],
      lines: 0,
      protocols: {},
      events: [],
      eventsDropped: 0,
      eventCounts: {},
    };
    this.fileInfo = newFileInfo(opts.file);
    this.summary.files.push(this.fileInfo);
  }

  private protocol(name: string): BirdProtocolStats {
    let p = this.summary.protocols[name];
    if (p === undefined) {
      p = { name, ...decodeBirdProtocolName(name), everUp: false, stateChanges: 0, downsAfterUp: 0, errors: [], errorCount: 0, eventCounts: {} };
      this.summary.protocols[name] = p;
    }
    return p;
  }

  private makeEvent(kind: BirdEventKind, line: string, lineNo: number, stamp: string | undefined): BirdEvent {
    const ev: BirdEvent = { line: lineNo, text: line, file: this.fileInfo.file, kind };
    if (stamp !== undefined) ev.time = svlogdToIso(stamp);
    return ev;
  }

  private globalEvent(ev: BirdEvent): void {
    this.summary.eventCounts[ev.kind] = (this.summary.eventCounts[ev.kind] ?? 0) + 1;
    if (this.summary.events.length < MAX_BIRD_EVENTS) this.summary.events.push(ev);
    else this.summary.eventsDropped++;
  }

  private protocolEvent(name: string, ev: BirdEvent): void {
    ev.protocol = name;
    const p = this.protocol(name);
    p.eventCounts[ev.kind] = (p.eventCounts[ev.kind] ?? 0) + 1;
    if (ev.kind === 'state') {
      if (p.lastState === 'up' && ev.state !== 'up') p.downsAfterUp++;
      if (ev.state === 'up') p.everUp = true;
      p.lastState = ev.state;
      p.lastStateRef = ev;
      p.stateChanges++;
    } else if (ERROR_KINDS.has(ev.kind)) {
      p.errorCount++;
      p.errors.push(ev);
      if (p.errors.length > MAX_BIRD_PROTOCOL_ERRORS) p.errors.shift();
    } else if (ev.kind === 'connecting') {
      p.lastConnecting = ev;
    }
  }

  /** `<P>: <text>` message; texts that are not tracked are ignored. */
  private protocolMessage(name: string, text: string, line: string, lineNo: number, stamp: string | undefined): void {
    let kind: BirdEventKind | undefined;
    let detail: string | undefined;
    let state: string | undefined;
    switch (text.charCodeAt(0)) {
      case 83: // S
        if (text.startsWith('State changed to ')) {
          kind = 'state';
          state = text.slice(17).trim();
        } else if (text.startsWith('Socket error: ')) {
          kind = 'socket-error';
          detail = text.slice(14);
        }
        break;
      case 69: // E
        if (text.startsWith('Error: ')) {
          kind = 'error-sent';
          detail = text.slice(7);
        }
        break;
      case 82: // R
        if (text.startsWith('Received: ')) {
          kind = 'error-received';
          detail = text.slice(10);
        }
        break;
      case 67: // C
        if (text.startsWith('Connection lost')) {
          kind = 'connection-lost';
          const open = text.indexOf('(');
          const close = text.lastIndexOf(')');
          if (open !== -1 && close > open) detail = text.slice(open + 1, close);
        } else if (text.startsWith('Connection closed')) {
          kind = 'connection-closed';
        } else if (text.startsWith('Connecting to ')) {
          kind = 'connecting';
          detail = text.slice(14);
        }
        break;
      case 66: // B
        if (text.startsWith('BGP session established')) kind = 'established';
        break;
    }
    if (kind === undefined) return;
    const ev = this.makeEvent(kind, line, lineNo, stamp);
    if (state !== undefined) ev.state = state;
    if (detail !== undefined) ev.detail = detail;
    this.protocolEvent(name, ev);
  }

  /** Messages without a protocol: start/stop, config problems, unknown connects. */
  private globalMessage(msg: string, line: string, lineNo: number, stamp: string | undefined): void {
    let kind: BirdEventKind | undefined;
    let detail: string | undefined;
    if (msg === 'Started') kind = 'started';
    else if (msg === 'Reconfigured') kind = 'reconfigured';
    else if (msg === 'Shutting down') kind = 'shutdown';
    else if (msg.startsWith('I found another BIRD running')) kind = 'another-bird';
    else if (msg.startsWith('Removing protocol ') || msg.startsWith('Adding protocol ')) {
      // conf.c/proto.c at every reconfiguration that drops or adds a protocol (L_INFO, always logged).
      const ev = this.makeEvent(msg.charCodeAt(0) === 82 ? 'protocol-removed' : 'protocol-added', line, lineNo, stamp);
      const name = msg.slice(msg.indexOf(' protocol ') + 10).trim();
      if (name.length === 0) return;
      ev.protocol = name;
      this.protocol(name).configChange = ev;
      this.globalEvent(ev);
      return;
    }
    else if (msg.startsWith('Netlink: ') || msg.startsWith('Kernel dropped some netlink messages')) {
      // sysdep/linux/netlink.c: `Netlink: %s` (the kernel refused a route: File exists, Network is down, ...)
      kind = 'netlink-error';
      detail = msg.startsWith('Netlink: ') ? msg.slice(9) : msg;
    }
    else if (msg.startsWith('Cannot create control socket ')) {
      kind = 'startup-error';
      detail = msg;
    }
    else if (msg.startsWith('Unable to open configuration file ')) {
      kind = 'config-missing';
      detail = msg.slice(34);
    } else if (msg.startsWith('BGP: Unexpected connect from unknown address ')) {
      kind = 'unknown-connect';
      const rest = msg.slice(45);
      const sp = rest.indexOf(' ');
      detail = sp === -1 ? rest : rest.slice(0, sp);
    } else {
      // `<file>, line <n>: <msg>` (config parse error)
      const at = msg.indexOf(', line ');
      if (at > 0 && msg.indexOf(' ') === at + 1) {
        const colon = msg.indexOf(':', at + 7);
        if (colon > at + 7 && isAllDigits(msg.slice(at + 7, colon))) {
          kind = 'config-error';
          detail = msg;
        }
      }
    }
    if (kind === undefined) return;
    const ev = this.makeEvent(kind, line, lineNo, stamp);
    if (detail !== undefined) ev.detail = detail;
    this.globalEvent(ev);
  }

  /**
   * A global message (`bird: <msg>`, no protocol) that `globalMessage` would only count: true when
   * counted here. `Reconfigured` (every confd change) is counted here once the event list is full.
   */
  private globalCountOnly(buf: Buffer, m: number, e: number): boolean {
    if (e - m === RECONFIGURED_BYTES.length && bytesAt(buf, m, RECONFIGURED_BYTES)) {
      if (this.summary.events.length < MAX_BIRD_EVENTS) return false;
      this.summary.eventCounts['reconfigured'] = (this.summary.eventCounts['reconfigured'] ?? 0) + 1;
      this.summary.eventsDropped++;
      return true;
    }
    return !anyPrefixAt(buf, m, TRACKED_GLOBAL_BYTES);
  }

  /**
   * A line `push` would only count (route traces, untracked protocol and global messages), decided
   * from its bytes: counts it and returns true. Everything else (tracked messages, possible config
   * errors, the first stamped line of a file) goes the string way.
   */
  private countOnly(buf: Buffer, view: DataView, s: number, e: number): boolean {
    let at = s;
    const stamped = svlogdStampAt(view, s, e);
    if (stamped) {
      if (this.fileInfo.svlogd === undefined) return false;
      at = s + STAMP_LEN + 1;
    }
    if (e - at < BIRD_PREFIX_BYTES.length + 2 || !isBirdLineAt(buf, at)) return false;
    const m = at + BIRD_PREFIX_BYTES.length;
    const limit = Math.min(e, m + 130);
    let sp = m;
    while (sp < limit && buf[sp] !== 32) sp++;
    if (sp === e) {
      if (!this.globalCountOnly(buf, m, e)) return false; // `bird: Reconfigured`: no space at all
    } else if (sp >= limit - 1) {
      return false;
    } else {
      const next = buf[sp + 1];
      if (next !== 60 && next !== 62) {
        if (buf[sp - 1] === 58 /* : */) {
          // `<P>: <text>`: only untracked texts of real protocol names are counted here.
          if (sp - 1 === m) return false;
          if (sp - 1 - m === 3 && buf[m] === 66 && buf[m + 1] === 71 && buf[m + 2] === 80) return false; // BGP:
          if (sp - 1 - m === 7 && bytesAt(buf, m, NETLINK_BYTES)) return false; // Netlink: <error>
          const t = sp + 1;
          if (anyPrefixAt(buf, t, TRACKED_TEXT_BYTES)) return false;
        } else if (buf[sp - 1] === 44 /* , */ || !this.globalCountOnly(buf, m, e)) {
          return false; // `<file>, line <n>: ...` (a config error) or a tracked global message
        }
      }
    }
    this.summary.lines++;
    this.fileInfo.lines++;
    this.fileInfo.bytes += e - s + 1;
    if (stamped) {
      this.lastFastAt = s;
      this.lastFastNo = this.summary.lines;
    }
    return true;
  }

  /**
   * Adds what a run of the WebAssembly scanner counted: `lines` lines of `bytes` bytes, `reconfigured`
   * of them a bare `Reconfigured` past the event cap; the last stamped one was the `linesAtStamp`-th (0: none), at `stampedAt`.
   */
  private addScanned(lines: number, bytes: number, reconfigured: number, linesAtStamp: number, stampedAt: number): void {
    if (linesAtStamp > 0) {
      this.lastFastAt = stampedAt;
      this.lastFastNo = this.summary.lines + linesAtStamp;
    }
    this.summary.lines += lines;
    this.fileInfo.lines += lines;
    this.fileInfo.bytes += bytes;
    if (reconfigured > 0) {
      this.summary.eventCounts['reconfigured'] = (this.summary.eventCounts['reconfigured'] ?? 0) + reconfigured;
      this.summary.eventsDropped += reconfigured;
    }
  }

  startFile(file: string): void {
    this.fileInfo = newFileInfo(file);
    this.summary.files.push(this.fileInfo);
  }

  push(line: string, lineNo: number): void {
    this.summary.lines++;
    this.fileInfo.lines++;
    this.fileInfo.bytes += Buffer.byteLength(line) + 1; // bytes, as the fast path counts them
    let start = 0;
    let stamp: string | undefined;
    const style = svlogdStyle(line);
    if (style !== undefined) {
      stamp = line.slice(0, 25);
      start = 26;
      this.fileInfo.svlogd ??= style;
      if (this.lastStamp === undefined) this.summary.firstTime = svlogdToIso(stamp);
      this.lastStamp = stamp;
      this.lastStampNo = this.summary.lines;
    }
    if (!line.startsWith(BIRD_PREFIX, start)) return;
    const m = start + BIRD_PREFIX.length;
    const sp = line.indexOf(' ', m);
    if (sp === -1) {
      this.globalMessage(line.slice(m), line, lineNo, stamp);
      return;
    }
    const next = line.charCodeAt(sp + 1);
    // Route traces `<P> < ...` / `<P> > ...`: counted only.
    if (next === 60 || next === 62) return;
    if (line.charCodeAt(sp - 1) === 58 /* : */) {
      const name = line.slice(m, sp - 1);
      if (name === 'BGP' || name === 'Netlink' || !isProtocolName(name)) {
        this.globalMessage(line.slice(m), line, lineNo, stamp);
        return;
      }
      this.protocolMessage(name, line.slice(sp + 1), line, lineNo, stamp);
      return;
    }
    this.globalMessage(line.slice(m), line, lineNo, stamp);
  }

  pushLines(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine): number {
    return this.walk(buf, start, end, firstLineNo, slow, undefined);
  }

  stoppedAt = 0;

  pushLinesUntil(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine, stop: LineStop): number {
    return this.walk(buf, start, end, firstLineNo, slow, stop);
  }

  private walk(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine, stop: LineStop | undefined): number {
    let n = firstLineNo;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    // The WebAssembly scanner counts what countOnly would count, and stops at the first line it
    // would not; in a container log (stop: notBirdLineAt) also at any line not starting `bird: `.
    const wasm = stop === undefined || stop === notBirdLineAt ? wasmLines() : undefined;
    const base = wasm !== undefined && wasm.setBirdPrefixes(TRACKED_GLOBAL, TRACKED_TEXT) ? wasm.load(buf) : -1;
    let s = start;
    for (; s < end; n++) {
      if (base >= 0) {
        const flags = (this.fileInfo.svlogd !== undefined ? BIRD_SVLOGD_KNOWN : 0) | (this.summary.events.length >= MAX_BIRD_EVENTS ? BIRD_EVENTS_FULL : 0) | (stop !== undefined ? BIRD_BARE_ONLY : 0);
        const next = wasm!.scanBird(base, s, end, flags, MAX_LINE_BYTES);
        const counted = wasm!.result(0);
        if (counted > 0) {
          this.addScanned(counted, wasm!.result(1), wasm!.result(2), wasm!.result(4), wasm!.result(3) - base);
          n += counted;
          s = next;
          if (s >= end) break;
        }
      }
      if (stop !== undefined && s > start && stop(buf, s)) break;
      const nl = buf.indexOf(10, s);
      if (nl - s > MAX_LINE_BYTES || !this.countOnly(buf, view, s, contentEnd(buf, s, nl))) slow.line(buf, s, nl, n);
      s = nl + 1;
    }
    this.stoppedAt = Math.min(s, end);
    // The chunk is not ours after this returns (the reader reuses its memory): keep the stamp, not the chunk.
    if (this.lastFastAt >= 0) {
      this.lastFastStamp = buf.toString('latin1', this.lastFastAt, this.lastFastAt + STAMP_LEN);
      this.lastFastAt = -1;
    }
    return n - firstLineNo;
  }

  finish(): BirdLogStats {
    if (this.lastFastStamp !== undefined && this.lastFastNo > this.lastStampNo) this.lastStamp = this.lastFastStamp;
    this.lastFastStamp = undefined;
    if (this.lastStamp !== undefined) this.summary.lastTime = svlogdToIso(this.lastStamp);
    return this.summary;
  }
}

/** Whether BIRD removed the protocol from its config on a reconfiguration (and did not add it again). */
export function protocolRemoved(p: BirdProtocolSummary): boolean {
  return p.configChange?.kind === 'protocol-removed';
}

/** Creates a streaming parser for one BIRD daemon's log files. */
export function createBirdLogParser(opts: BirdLogOptions): BirdLogParser {
  return new BirdLogParserImpl(opts);
}

/** Parses a whole BIRD log (one file) from a string. */
export function parseBirdLog(text: string, opts: BirdLogOptions): BirdLogStats {
  return runParser(createBirdLogParser(opts), text);
}
