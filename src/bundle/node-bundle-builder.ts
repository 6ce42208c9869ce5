/**
 * Collects the files of one node's bundle, in whatever order the archive lists them,
 * streams each through its parser, and assembles the NodeFacts. Knows paths and which
 * parser reads which artifact; knows nothing of the formats themselves.
 */
import { ARTIFACT_IDS, MAY_BE_EMPTY } from '../model/node.js';
import type { ArtifactId, ArtifactInfo, LayoutGuess, NodeFacts } from '../model/node.js';
import type {
  BirdLogSummary,
  CalicoLogSummary,
  DateFact,
  IpSetDump,
  IptablesDump,
  JournalSummary,
  NetInterface,
  Route,
  SocketTable,
} from '../model/facts.js';
import type { LineParser } from '../parsers/line-parser.js';
import { createIpRouteParser } from '../parsers/ip-route.js';
import { createIpAddrParser } from '../parsers/ip-addr.js';
import { createIptablesSaveParser } from '../parsers/iptables-save.js';
import { createIpsetListParser } from '../parsers/ipset-list.js';
import { createNetstatParser } from '../parsers/netstat.js';
import { createSsParser } from '../parsers/ss.js';
import { createDateParser } from '../parsers/date.js';
import { createHostnameParser } from '../parsers/hostname.js';
import { createJournalParser } from '../parsers/journal.js';
import { detectCommandFailure } from '../parsers/command-failure.js';
import { createBirdLogParser } from '../parsers/bird-log.js';
import { createCalicoLogParser, MAX_CALICO_NOTABLE } from '../parsers/calico-log.js';
import { createContainerLogParser } from '../parsers/container-log.js';
import { mergeBirdSummaries, mergeCalicoSummaries } from '../parsers/log-summary-merge.js';
import { LineSplitter } from './line-splitter.js';
import type { BundleRoot, EntryKind } from './artifact-path.js';
import { classifyClusterDiagsNodePath, classifyNodeDiagsPath } from './artifact-path.js';

const HEAD_BYTES = 4096;

/** A place to stream one file's bytes into. */
export interface EntrySink {
  /** `chunk` is lent for the call only (the archive reader reuses its memory): copy what you keep. */
  write(chunk: Buffer): void;
  end(): void;
}

interface CommandFile {
  path: string;
  variant?: string;
  bytes: number;
  head: string;
  result: unknown;
}

interface LogFile<T> {
  path: string;
  order: string;
  bytes: number;
  result: T;
}

type HostnameResult = { hostname?: string; line: number; text: string };

function commandParser(artifact: ArtifactId): LineParser<unknown> | undefined {
  switch (artifact) {
    case 'ipv4_route':
    case 'ipv6_route':
      return createIpRouteParser();
    case 'ipv4_addr':
    case 'ipv6_addr':
      return createIpAddrParser();
    case 'ipv4_tables':
    case 'ipv6_tables':
      return createIptablesSaveParser();
    case 'ipsets':
    case 'ipset_container':
      return createIpsetListParser();
    case 'netstat':
      return createNetstatParser();
    case 'ss':
      return createSsParser();
    case 'date':
      return createDateParser();
    case 'hostname':
      return createHostnameParser();
    case 'journalctl_calico_node':
      return createJournalParser();
    default:
      return undefined; // nft_ruleset: status only for now
  }
}

/**
 * Files read from one bundle at most: calicoctl writes about 40 (node diags) or a few per node plus
 * pod logs (cluster diags); a hostile archive with millions of entries stops here, reported once.
 */
export const MAX_FILES_PER_BUNDLE = 2000;

/** Streams bytes through a LineSplitter into a parser, keeping the first bytes for error detection. */
class ParsingSink<T> implements EntrySink {
  private readonly splitter: LineSplitter;
  private headParts: Buffer[] = [];
  private headLen = 0;
  constructor(
    private readonly parser: LineParser<T> | undefined,
    private readonly done: (result: T | undefined, bytes: number, head: string) => void,
  ) {
    this.splitter = new LineSplitter(this.parser ?? { push: () => undefined });
  }
  write(chunk: Buffer): void {
    if (this.headLen < HEAD_BYTES) {
      const piece = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLen));
      this.headParts.push(piece);
      this.headLen += piece.length;
    }
    this.splitter.write(chunk);
  }
  end(): void {
    this.splitter.end();
    const head = Buffer.concat(this.headParts).toString('utf8');
    this.headParts = [];
    this.done(this.parser?.finish(), this.splitter.bytes, head);
  }
}

/**
 * Notable records a log file may keep: merging (log-summary-merge) keeps the first MAX_CALICO_NOTABLE in
 * rotation order, so the records of files already read that come before `order` are kept ahead of this
 * file's. Files read later can only take more room, so this file never drops a record the merge keeps
 * (and the merged summary is the same), but a long rotated log no longer builds 200 records per file
 * for the merge to throw away (at 8 GB they were half the old generation's garbage).
 */
function notableRoom<T>(done: readonly LogFile<T>[] | undefined, order: string, summary: (r: T) => { notable: readonly unknown[] }): number {
  let before = 0;
  for (const f of done ?? []) if (f.order < order) before += summary(f.result).notable.length;
  return Math.max(0, MAX_CALICO_NOTABLE - before);
}

export class NodeBundleBuilder {
  private readonly commands = new Map<ArtifactId, CommandFile[]>();
  private readonly birdFiles = new Map<string, LogFile<BirdLogSummary>[]>();
  private readonly calicoFiles = new Map<string, LogFile<CalicoLogSummary>[]>();
  private readonly containerFiles: LogFile<{ calico: CalicoLogSummary; bird: BirdLogSummary }>[] = [];
  private readonly logDirs = new Set<string>();
  readonly problems: string[] = [];
  entries = 0;

  constructor(
    readonly input: string,
    readonly root: BundleRoot,
    readonly archiveName?: string,
  ) {}

  /** Notes a directory entry (used to tell "logs disabled" from "log folder empty"). */
  noteDirectory(rel: string): void {
    const parts = rel.split('/').filter((p) => p.length > 0);
    if (parts[0] === 'logs') {
      if (parts.length >= 2) this.logDirs.add(parts[1]!);
    }
  }

  /** Returns a sink for a regular file at `rel` (relative to the bundle root), or undefined to skip it. */
  openFile(rel: string): EntrySink | undefined {
    this.entries++;
    if (this.entries > MAX_FILES_PER_BUNDLE) {
      if (this.entries === MAX_FILES_PER_BUNDLE + 1) this.problems.push(`${this.root.prefix}${rel}: the bundle holds more than ${MAX_FILES_PER_BUNDLE} files; this one and the ones after it were not read`);
      return undefined;
    }
    this.noteDirectory(rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
    const kind: EntryKind =
      this.root.format === 'node-diags' ? classifyNodeDiagsPath(rel) : classifyClusterDiagsNodePath(rel);
    const path = this.root.prefix + rel;
    switch (kind.kind) {
      case 'ignored':
        return undefined;
      case 'command': {
        const artifact = kind.artifact;
        return new ParsingSink(commandParser(artifact), (result, bytes, head) => {
          const list = this.commands.get(artifact) ?? [];
          list.push({ path, variant: kind.variant, bytes, head, result });
          this.commands.set(artifact, list);
        });
      }
      case 'log': {
        const file = path;
        if (kind.artifact === 'bird_log' || kind.artifact === 'bird6_log') {
          const daemon = kind.artifact === 'bird_log' ? 'bird' : 'bird6';
          return new ParsingSink(createBirdLogParser({ daemon, file }), (result, bytes) => {
            if (result === undefined) return;
            const list = this.birdFiles.get(daemon) ?? [];
            list.push({ path, order: kind.order, bytes, result });
            this.birdFiles.set(daemon, list);
          });
        }
        const key = kind.artifact === 'agent_log' ? 'agent' : kind.daemon;
        const order = kind.daemon + '/' + kind.order;
        const maxNotable = notableRoom(this.calicoFiles.get(key), order, (r) => r);
        return new ParsingSink(createCalicoLogParser({ daemon: kind.daemon, file, maxNotable }), (result, bytes) => {
          if (result === undefined) return;
          const list = this.calicoFiles.get(key) ?? [];
          list.push({ path, order, bytes, result });
          this.calicoFiles.set(key, list);
        });
      }
      case 'container-log':
        return new ParsingSink(createContainerLogParser({ file: path, maxNotable: notableRoom(this.containerFiles, kind.order, (r) => r.calico) }), (result, bytes) => {
          if (result === undefined) return;
          this.containerFiles.push({ path, order: kind.order, bytes, result });
        });
    }
  }

  finish(): NodeFacts {
    const artifacts = {} as Record<ArtifactId, ArtifactInfo>;
    for (const id of ARTIFACT_IDS) artifacts[id] = { status: 'missing', files: [], bytes: 0, expected: true };

    const facts: NodeFacts = {
      input: this.input,
      root: this.root.prefix.replace(/\/$/, ''),
      format: this.root.format,
      archiveName: this.archiveName,
      artifacts,
      routes4: [],
      routes6: [],
      interfaces4: [],
      interfaces6: [],
      layout: { versionHint: 'unknown', reasons: [], fileLoggingDisabled: false },
      problems: this.problems,
    };

    for (const [artifact, files] of this.commands) {
      const chosen = this.pickCommandFile(artifact, files);
      const info = artifacts[artifact];
      info.files = files.map((f) => f.path).sort();
      info.bytes = files.reduce((a, f) => a + f.bytes, 0);
      if (chosen.bytes === 0) {
        info.status = 'empty';
        continue;
      }
      const failure = detectCommandFailure(artifact, chosen.head);
      if (failure !== undefined) {
        info.status = 'command-failed';
        info.error = failure;
        continue;
      }
      info.status = 'ok';
      this.assignCommand(facts, artifact, chosen);
      if (artifact === 'ipv4_tables' && files.length > 1) {
        facts.iptables4Dumps = files
          .filter((f) => f.bytes > 0 && f.result !== undefined && detectCommandFailure(artifact, f.head) === undefined)
          .map((f) => ({ file: f.path, variant: f.variant, dump: f.result as IptablesDump }))
          .sort((a, b) => (a.file < b.file ? -1 : 1));
      }
    }

    // Logs: merge per-file summaries in rotation order.
    const byOrder = <T>(a: LogFile<T>, b: LogFile<T>) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);
    for (const [daemon, files] of this.birdFiles) {
      files.sort(byOrder);
      const merged = mergeBirdSummaries(files.map((f) => f.result));
      const id: ArtifactId = daemon === 'bird' ? 'bird_log' : 'bird6_log';
      this.setLogArtifact(artifacts[id], files);
      if (daemon === 'bird') facts.bird = merged;
      else facts.bird6 = merged;
    }
    for (const [key, files] of this.calicoFiles) {
      files.sort(byOrder);
      const merged = mergeCalicoSummaries(
        files.map((f) => f.result),
        key === 'agent' ? 'calico-node' : undefined,
      );
      if (key === 'agent') {
        facts.agent = merged;
        continue;
      }
      const id = `${key}_log` as ArtifactId;
      if (artifacts[id] !== undefined) this.setLogArtifact(artifacts[id], files);
      if (key === 'felix') facts.felix = merged;
      else if (key === 'confd') facts.confd = merged;
      else if (key === 'cni') facts.cni = merged;
    }
    if (this.containerFiles.length > 0) {
      this.containerFiles.sort(byOrder);
      this.setLogArtifact(artifacts.container_logs, this.containerFiles);
      facts.containerLog = mergeCalicoSummaries(
        this.containerFiles.map((f) => f.result.calico),
        'container',
      );
      facts.containerBird = mergeBirdSummaries(this.containerFiles.map((f) => f.result.bird));
    }

    facts.layout = this.guessLayout(facts);
    this.markExpected(facts);
    return facts;
  }

  private setLogArtifact(info: ArtifactInfo, files: LogFile<unknown>[]): void {
    info.files = files.map((f) => f.path);
    info.bytes = files.reduce((a, f) => a + f.bytes, 0);
    info.status = info.bytes > 0 ? 'ok' : 'empty';
  }

  private pickCommandFile(artifact: ArtifactId, files: CommandFile[]): CommandFile {
    if (files.length === 1 || artifact !== 'ipv4_tables') return files[0]!;
    // cluster diags has both iptables-legacy-save and iptables-nft-save: take the one with Calico chains.
    const score = (f: CommandFile) => {
      const d = f.result as IptablesDump | undefined;
      if (d === undefined) return -1;
      let n = 0;
      for (const t of Object.values(d.tables)) for (const c of Object.keys(t.chains)) if (c.startsWith('cali-')) n++;
      return n;
    };
    return [...files].sort((a, b) => score(b) - score(a))[0]!;
  }

  private assignCommand(facts: NodeFacts, artifact: ArtifactId, file: CommandFile): void {
    const r = file.result;
    switch (artifact) {
      case 'ipv4_route':
        facts.routes4 = r as Route[];
        break;
      case 'ipv6_route':
        facts.routes6 = r as Route[];
        break;
      case 'ipv4_addr':
        facts.interfaces4 = r as NetInterface[];
        if (file.variant === 'both-families') facts.interfaces6 = r as NetInterface[];
        break;
      case 'ipv6_addr':
        facts.interfaces6 = r as NetInterface[];
        break;
      case 'ipv4_tables':
        facts.iptables4 = r as IptablesDump;
        break;
      case 'ipv6_tables':
        facts.iptables6 = r as IptablesDump;
        break;
      case 'ipsets':
        facts.ipsets = r as IpSetDump;
        break;
      case 'ipset_container':
        facts.ipsets ??= r as IpSetDump;
        break;
      case 'netstat':
      case 'ss':
        if (facts.sockets === undefined || artifact === 'netstat') {
          facts.sockets = { ...(r as SocketTable), file: file.path };
        }
        break;
      case 'date':
        facts.date = { ...(r as DateFact), file: file.path };
        break;
      case 'hostname': {
        const h = r as HostnameResult;
        if (h.hostname !== undefined) {
          facts.hostname = h.hostname;
          facts.hostnameRef = { file: file.path, line: h.line, text: h.text };
        } else {
          this.problems.push(`${file.path}: does not hold a host name (${JSON.stringify(h.text.slice(0, 60))})`);
        }
        break;
      }
      case 'journalctl_calico_node':
        facts.journal = r as JournalSummary;
        break;
      default:
        break;
    }
  }

  private guessLayout(facts: NodeFacts): LayoutGuess {
    const a = facts.artifacts;
    let min = 0;
    let max = 99;
    const reasons: string[] = [];
    const atLeast = (v: number, why: string) => {
      if (v > min) min = v;
      reasons.push(why);
    };
    const atMost = (v: number, why: string) => {
      if (v < max) max = v;
      reasons.push(why);
    };
    if (facts.format === 'cluster-diags') {
      atLeast(31, 'calicoctl cluster diags (v3.31+)');
    }
    if (a.nft_ruleset.status !== 'missing') atLeast(31, 'nft_ruleset present (v3.31+)');
    if (a.ss.status !== 'missing') atLeast(22, 'ss present (v3.22+)');
    if (this.logDirs.has('node-services')) atLeast(32, 'logs/node-services (v3.32+)');
    if (this.logDirs.has('node-status-reporter')) atLeast(21, 'logs/node-status-reporter (v3.21+)');
    if (this.logDirs.has('libnetwork')) atMost(8, 'logs/libnetwork (the docker libnetwork plugin: v3.8 and older)');
    const svStyles = new Set<string>();
    for (const s of [facts.felix, facts.confd, facts.agent]) for (const f of s?.files ?? []) if (f.svlogd) svStyles.add('calico-' + f.svlogd);
    for (const f of facts.bird?.files ?? []) if (f.svlogd) svStyles.add('bird-' + f.svlogd);
    if (svStyles.has('calico-ttt') || svStyles.has('bird-ttt')) atLeast(21, 'svlogd -ttt stamps (v3.21+)');
    if (svStyles.has('bird-tt')) atMost(20, 'svlogd -tt stamps on bird (v3.20 and older)');
    if (facts.felix?.componentPrefix) atLeast(14, 'felix/ component prefix (v3.14+)');
    const empties = ARTIFACT_IDS.filter((id) => a[id].status === 'empty' && !id.endsWith('_log') && !MAY_BE_EMPTY.has(id));
    if (empties.length > 0 && facts.format === 'node-diags') atMost(21, `zero-byte command files (${empties.join(', ')}): v3.21 and older`);
    let versionHint = 'unknown';
    if (min > max) versionHint = 'inconsistent';
    else if (min > 0 && max < 99) versionHint = min === max ? `v3.${min}` : `v3.${min}–v3.${max}`;
    else if (min > 0) versionHint = `>=v3.${min}`;
    else if (max < 99) versionHint = `<=v3.${max}`;
    const calicoLogDirs = ['bird', 'felix', 'confd'].filter((d) => this.logDirs.has(d));
    const fileLoggingDisabled = facts.format === 'node-diags' && calicoLogDirs.length === 0;
    return { versionHint, reasons, fileLoggingDisabled };
  }

  private markExpected(facts: NodeFacts): void {
    const a = facts.artifacts;
    const hint = facts.layout.versionHint;
    const min = /v3\.(\d+)/.exec(hint);
    const minor = hint.startsWith('<=') || min === null ? 0 : Number(min[1]);
    a.nft_ruleset.expected = minor >= 31;
    // logs/cni/ exists from v3.11 (calico-node -monitor-token; the CNI plugin's cni.log from v3.16).
    const upper = /(?:<=|–)v3\.(\d+)$/.exec(hint) ?? /^v3\.(\d+)$/.exec(hint);
    if (upper !== null && Number(upper[1]) < 11 && a.cni_log.status === 'missing') a.cni_log.expected = false;
    // netstat and ss: one of the two is expected.
    const sockets = a.netstat.status !== 'missing' ? 'netstat' : a.ss.status !== 'missing' ? 'ss' : undefined;
    a.netstat.expected = sockets !== 'ss';
    a.ss.expected = sockets === 'ss';
    a.ipset_container.expected = false;
    a.bird6_log.expected = a.bird6_log.status !== 'missing';
    a.container_logs.expected = false;
    a.journalctl_calico_node.expected = facts.format === 'node-diags';
    if (facts.format === 'cluster-diags') {
      for (const id of ['date', 'hostname', 'netstat', 'ss', 'ipv4_addr', 'ipv6_addr', 'ipv6_tables', 'ipset_container'] as const) {
        if (a[id].status === 'missing') a[id].expected = false;
      }
      for (const id of ['bird_log', 'felix_log', 'confd_log'] as const) a[id].expected = false;
    }
    if (facts.layout.fileLoggingDisabled) {
      for (const id of ['bird_log', 'felix_log', 'confd_log'] as const) {
        if (a[id].status === 'missing') a[id].expected = false;
      }
    }
  }
}
