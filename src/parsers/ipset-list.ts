/**
 * Parser for `ipset list` (node diags `ipsets` and `ipset_container`; cluster diags
 * `ipset-list.txt`).
 *
 * Real sample (D. Ramasamy, "Life of a Packet in Kubernetes — Part 3",
 * https://dramasamy.medium.com/life-of-a-packet-in-kubernetes-part-3-dd881476da0f):
 *
 * ```
 * Name: cali40s:LrVD8vMIGQDyv8Y7sPFB1Ge
 * Type: hash:net
 * Revision: 6
 * Header: family inet hashsize 1024 maxelem 1048576
 * Size in memory: 408
 * References: 3
 * Number of entries: 1
 * Members:
 * 10.88.0.27
 * ```
 *
 * Sets are separated by a blank line. Newer ipset adds `bucketsize 12 initval 0x...` to
 * `Header:`; old ipset has no `Number of entries:` (then `entries` is the member count).
 * Members are kept only for Calico's well-known sets (`cali40all-*`, `cali40masq-*`,
 * `cali40this-host`, the `cali60` IPv6 ones and the old `cali4-`/`cali6-` names); other sets
 * (selector sets, kube-proxy sets with 100k members) are only counted. A member is kept as
 * its first word: `timeout`/`comment`/... tails are dropped. Lines before the first `Name:`
 * (docker pull chatter in `ipset_container`, error text) go to `unparsed` (first 20).
 */
import type { IpSet, IpSetDump, LineRef } from '../model/facts.js';
import { contentEnd, MAX_LINE_BYTES, runParser, type LineParser, type SlowLine } from './line-parser.js';
import { wasmLines } from './wasm-lines.js';

export const MAX_UNPARSED = 20;

const KEPT_PREFIXES: string[] = [];
for (const v of ['cali40', 'cali60', 'cali4-', 'cali6-']) {
  KEPT_PREFIXES.push(`${v}all-`, `${v}masq-`, `${v}this-host`);
}

/** Whether members of this set are kept (Calico's pool / host / this-host sets). */
export function isWellKnownCalicoSet(name: string): boolean {
  if (!name.startsWith('cali')) return false;
  for (const p of KEPT_PREFIXES) if (name.startsWith(p)) return true;
  return false;
}

function toInt(s: string): number | undefined {
  const t = s.trim();
  if (t.length === 0 || t.length > 15) return undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }

  return Number(t);
}

function firstWord(line: string): string {
  let s = 0;
  while (s < line.length && (line.charCodeAt(s) === 32 || line.charCodeAt(s) === 9)) s++;
  let e = s;
  while (e < line.length && line.charCodeAt(e) !== 32 && line.charCodeAt(e) !== 9) e++;
  return line.slice(s, e);
}

/**
 * One `ipset list` dump. A class rather than closures, so that every dump's parser shares one
 * compiled copy of the member loop (per-parser closures were each compiled again by V8).
 */
class IpsetListParserImpl implements LineParser<IpSetDump> {
  private readonly sets = new Map<string, IpSet>();
  private readonly unparsed: LineRef[] = [];
  private cur: IpSet | undefined;
  private inMembers = false;
  private membersSeen = 0;
  private entriesPrinted = false;

  private close(): void {
    if (this.cur !== undefined && !this.entriesPrinted) this.cur.entries = this.membersSeen;
    this.cur = undefined;
    this.inMembers = false;
  }

  private bad(line: string, lineNo: number): void {
    if (this.unparsed.length < MAX_UNPARSED) this.unparsed.push({ line: lineNo, text: line });
  }

  /** Chunk fast path: members of sets whose members are not kept are only counted, from their first byte. */
  pushLines(buf: Buffer, start: number, end: number, firstLineNo: number, slow: SlowLine): number {
    let n = firstLineNo;
    const wasm = wasmLines();
    const base = wasm === undefined ? -1 : wasm.load(buf);
    for (let s = start; s < end; n++) {
      if (base >= 0 && this.inMembers && this.cur !== undefined && !this.cur.membersKept) {
        // The module counts the member lines the loop below would count, and stops where it would not.
        const stop = wasm!.countMembers(base, s, end, MAX_LINE_BYTES);
        const counted = wasm!.result(0);
        this.membersSeen += counted;
        n += counted;
        s = stop;
        if (s >= end) break;
      }
      const nl = buf.indexOf(10, s);
      if (this.inMembers && this.cur !== undefined && !this.cur.membersKept && nl - s <= MAX_LINE_BYTES && contentEnd(buf, s, nl) > s) {
        const c = buf[s];
        if (c !== 78 /* N(ame:) */ && c !== 32 && c !== 9) {
          this.membersSeen++;
          s = nl + 1;
          continue;
        }
      }
      slow.line(buf, s, nl, n);
      s = nl + 1;
    }
    return n - firstLineNo;
  }

  push(line: string, lineNo: number): void {
    if (line.length === 0) {
      this.close();
      return;
    }
    if (line.charCodeAt(0) === 78 /* N */ && line.startsWith('Name: ')) {
      this.close();
      const name = line.slice(6).trim();
      this.cur = { line: lineNo, text: line, name, entries: 0, members: [], membersKept: isWellKnownCalicoSet(name) };
      this.sets.set(name, this.cur);
      this.membersSeen = 0;
      this.entriesPrinted = false;
      return;
    }
    if (this.cur === undefined) {
      if (line.trim().length > 0) this.bad(line, lineNo);
      return;
    }
    if (this.inMembers) {
      // Hot path: one line per member.
      const w = firstWord(line);
      if (w.length === 0) return;
      this.membersSeen++;
      if (this.cur.membersKept) this.cur.members.push(w);
      return;
    }
    const colon = line.indexOf(':');
    if (colon === -1) return this.bad(line, lineNo);
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    switch (key) {
      case 'Type':
        this.cur.type = value;
        break;
      case 'Revision': {
        const r = toInt(value);
        if (r !== undefined) this.cur.revision = r;
        break;
      }
      case 'Header': {
        this.cur.header = value;
        const f = value.indexOf('family ');
        if (f !== -1) {
          const w = firstWord(value.slice(f + 7));
          if (w.length > 0) this.cur.family = w;
        }
        break;
      }
      case 'References': {
        const r = toInt(value);
        if (r !== undefined) this.cur.references = r;
        break;
      }
      case 'Number of entries': {
        const r = toInt(value);
        if (r !== undefined) {
          this.cur.entries = r;
          this.entriesPrinted = true;
        }
        break;
      }
      case 'Members':
        this.inMembers = true;
        break;
      case 'Size in memory':
        break;
      default:
        this.bad(line, lineNo);
    }
  }

  finish(): IpSetDump {
    this.close();
    return { sets: Object.fromEntries(this.sets), unparsed: this.unparsed };
  }
}

/** Creates a streaming parser for one `ipset list` dump. */
export function createIpsetListParser(): LineParser<IpSetDump> {
  return new IpsetListParserImpl();
}

export function parseIpsetList(text: string): IpSetDump {
  return runParser(createIpsetListParser(), text);
}
