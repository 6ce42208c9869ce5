/**
 * The health of calico-node's agents on one node, read from every Calico log the bundle has
 * (felix, confd, the calico-node subcommands, the CNI plugin, container logs): datastore, Typha and
 * TLS errors with the address they were aimed at, fatal lines, restarts. Catalogue G1–G4, L2.
 *
 * The parsers keep, per signature, a count, the first few lines and the last one, and every WARNING
 * or worse line up to a cap; this module classifies those lines by what failed (datastore, Typha,
 * certificate, a local socket) and reads the target from the Go error text:
 *
 * ```
 * ... Hit error connecting to datastore - retry error=Get https://10.43.0.1:443/api/v1/nodes/foo: dial tcp 10.43.0.1:443: getsockopt: connection refused
 * ... Failed to connect to typha endpoint 10.0.0.166:5473.  Will try another if available... error=dial tcp 10.0.0.166:5473: i/o timeout
 * ```
 */
import type { CollectHint } from '../model/finding.js';
import type { CalicoLogRecord, CalicoLogSummary } from '../model/facts.js';
import type { NodeModel } from '../model/node.js';

export type LogSource = 'felix' | 'confd' | 'agent' | 'cni' | 'container';

export type LogRecord = CalicoLogRecord & { file: string };

/** What a failing line is about. */
export type FailureKind = 'datastore' | 'typha' | 'tls-cert' | 'local' | 'other';

export interface ClassifiedLine {
  source: LogSource;
  rec: LogRecord;
  kind: FailureKind;
  /** `host:port` the failing connection was aimed at, when the message names it. */
  target?: string;
  /** Short cause: `i/o timeout`, `connection refused`, `certificate has expired`, `Unauthorized`, ... */
  error?: string;
}

/** Occurrences of one kind of failure in one node's logs. */
export interface FailureSummary {
  kind: FailureKind;
  /** Lines counted (exact when every matching line was sampled, else a lower bound: see `atLeast`). */
  count: number;
  atLeast: boolean;
  first: ClassifiedLine;
  last: ClassifiedLine;
  /** Distinct targets with how many sampled lines named each, most first. */
  targets: { target: string; lines: number }[];
  /** Distinct short errors, most first. */
  errors: string[];
  /** Logs the failure was seen in. */
  sources: LogSource[];
  /** Sampled lines, in log order per source (evidence). */
  lines: ClassifiedLine[];
  /** Whether the failure lasts until the end of the log that shows it (the last failure is within `ONGOING_WINDOW_MS` of its log's last line). */
  ongoing: boolean;
}

/** A failure whose last line is this close to the end of its log is still going on. */
export const ONGOING_WINDOW_MS = 5 * 60_000;

/** The node's Calico logs, by source. */
export function calicoLogs(n: NodeModel): [LogSource, CalicoLogSummary][] {
  const out: [LogSource, CalicoLogSummary][] = [];
  if (n.felix !== undefined) out.push(['felix', n.felix]);
  if (n.confd !== undefined) out.push(['confd', n.confd]);
  if (n.agent !== undefined) out.push(['agent', n.agent]);
  if (n.cni !== undefined) out.push(['cni', n.cni]);
  if (n.containerLog !== undefined) out.push(['container', n.containerLog]);
  return out;
}

const TCP_TARGET = /dial tcp ([^\s:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})/;
const URL_TARGET = /https?:\/\/([^\s/:"]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?\//;
const TYPHA_ENDPOINT = /typha endpoint ([^\s]+?):(\d{1,5})\.?\s/;
const TYPHA_LIST = /\{([^\s{}]+):(\d{1,5}) /g;

/** Go error tails worth naming and the short name the report gives each, most specific first (the first held wins). */
export const ERRORS: readonly (readonly [string, string])[] = [
  ['certificate has expired or is not yet valid', 'certificate has expired or is not yet valid'],
  ['certificate signed by unknown authority', 'certificate signed by unknown authority'],
  ["doesn't contain any IP SANs", "certificate doesn't contain any IP SANs"],
  ['certificate is valid for', 'certificate is not valid for this name'],
  ['tls: bad certificate', 'tls: bad certificate'],
  ['failed to load system roots', 'failed to load system roots'],
  ['x509:', 'x509 error'],
  ['TLS handshake timeout', 'TLS handshake timeout'],
  ['i/o timeout', 'i/o timeout'],
  ['connection refused', 'connection refused'],
  ['no route to host', 'no route to host'],
  ['network is unreachable', 'network is unreachable'],
  ['connection reset by peer', 'connection reset by peer'],
  ['context deadline exceeded', 'context deadline exceeded'],
  ['no such host', 'no such host (DNS)'],
  ['Unauthorized', 'Unauthorized'],
  ['is forbidden: User', 'forbidden (RBAC)'],
  ['discovery failed', 'Typha discovery failed'],
];

const CERT_ERRORS = new Set([
  'certificate has expired or is not yet valid',
  'certificate signed by unknown authority',
  "certificate doesn't contain any IP SANs",
  'certificate is not valid for this name',
  'tls: bad certificate',
  'failed to load system roots',
  'x509 error',
]);

const DATASTORE_PORTS = new Set(['443', '6443', '2379', '8443']);

/** Messages that are a failed datastore operation even without a Go error text (others need one: a watcher can fail for a missing CRD). */
const DATASTORE_FAILURES = [
  'Hit error connecting to datastore',
  'Failed to create datastore client',
  'Failed to get config from datastore',
  'Failed to (re)connect to datastore',
  'Unable to access datastore',
  'Connection to datastore has failed',
  'etcd cluster is unavailable',
];

/** Any of ERRORS' needles: one regex pass tells the messages that hold none (most) without a pass per needle. */
const ANY_ERROR = new RegExp(ERRORS.map(([needle]) => needle.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'));

/** The first of ERRORS (in table order) whose needle the message holds. */
function shortError(msg: string): string | undefined {
  if (!ANY_ERROR.test(msg)) return undefined;
  for (const [needle, name] of ERRORS) if (msg.includes(needle)) return name;
  return undefined;
}

/** The target of a failing connection named in a Calico error message. */
export function targetOf(msg: string): string | undefined {
  const t = TYPHA_ENDPOINT.exec(msg);
  if (t !== null) return `${t[1]}:${t[2]}`;
  const d = TCP_TARGET.exec(msg);
  if (d !== null) return `${d[1]}:${d[2]}`;
  const u = URL_TARGET.exec(msg);
  if (u !== null) return `${u[1]}:${u[2] ?? (msg.includes('https://') ? '443' : '80')}`;
  if (msg.includes('connection to typhas (')) {
    const hosts: string[] = [];
    TYPHA_LIST.lastIndex = 0;
    for (let m = TYPHA_LIST.exec(msg); m !== null; m = TYPHA_LIST.exec(msg)) hosts.push(`${m[1]}:${m[2]}`);
    if (hosts.length > 0) return hosts.join(',');
  }
  return undefined;
}

/** Decides what a failing line is about from its message. */
export function classify(msg: string): { kind: FailureKind; target?: string; error?: string } {
  const target = targetOf(msg);
  const error = shortError(msg);
  const port = target?.split(',')[0]?.split(':').pop();
  const local =
    msg.includes('dial unix') ||
    msg.includes('bird.ctl') ||
    msg.includes('bird6.ctl') ||
    (target !== undefined && (target.startsWith('127.') || target.startsWith('localhost:') || target.startsWith('[::1]'))) ||
    msg.includes('localhost:9099');
  if (local) return { kind: 'local', target, error };
  const typha = /typha/i.test(msg) || port === '5473';
  if (typha) return { kind: 'typha', target, error };
  if (error !== undefined && CERT_ERRORS.has(error)) return { kind: 'tls-cert', target, error };
  // Consequences (`Source is not in sync, waiting for datastore sync to complete`) are not failures themselves.
  if (error === undefined && !DATASTORE_FAILURES.some((f) => msg.includes(f))) return { kind: 'other', target };
  const datastore =
    (port !== undefined && DATASTORE_PORTS.has(port)) ||
    msg.includes('datastore') ||
    msg.includes('ListRoot=') ||
    msg.includes('ClusterInformation') ||
    msg.includes('Failed to query current BGP settings') ||
    msg.includes('etcd cluster is unavailable') ||
    msg.includes('/apis/crd.projectcalico.org') ||
    msg.includes('/api/v1/');
  if (datastore) return { kind: 'datastore', target, error };
  return { kind: 'other', target, error };
}

const SIGNATURES_READ = ['datastore-error', 'tls-error', 'typha-error', 'rbac-forbidden', 'cni-not-ready'] as const;

/** Nodes whose bundle has no calico-node log (felix, confd, agents, container), only the CNI plugin's or none: not collected is not healthy. */
export function withoutAgentLogs(nodes: readonly NodeModel[]): string[] {
  return nodes.filter((n) => !calicoLogs(n).some(([s]) => s !== 'cni')).map((n) => n.name);
}

const BLIND_WHY = 'calico-node output for nodes whose bundle has no felix/confd/container log (file logging disabled): their datastore, Typha and TLS errors are not in the bundle';

/** Nodes that cannot be checked (no calico-node log): what to collect for them. */
export function blindCollect(nodes: readonly NodeModel[]): CollectHint[] | undefined {
  const blind = withoutAgentLogs(nodes);
  return blind.length > 0 ? [{ command: 'kubectl logs -n calico-system <calico-node-pod> -c calico-node', why: BLIND_WHY, nodes: blind }] : undefined;
}

/** `; node-b: no calico-node log in the bundle, not checked` (empty when every node has one). */
export function blindNote(nodes: readonly NodeModel[]): string {
  const blind = withoutAgentLogs(nodes);
  return blind.length === 0 ? '' : `; ${blind.join(', ')}: no felix/confd/container log in the bundle, not checked`;
}

/** Logrus time (`YYYY-MM-DD HH:MM:SS.mmm`) in ms (as if UTC: only differences within one log are used). */
export function logTimeMs(t: string | undefined): number | undefined {
  if (t === undefined || t.length < 19) return undefined;
  const ms = Date.parse(`${t.slice(0, 10)}T${t.slice(11, 23)}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

const cache = new WeakMap<NodeModel, ClassifiedLine[]>();

/**
 * Every failing line the node's logs kept (signature samples and WARNING-or-worse lines), classified,
 * deduplicated, in log order per source.
 */
export function failingLines(n: NodeModel): ClassifiedLine[] {
  const hit = cache.get(n);
  if (hit !== undefined) return hit;
  const out: ClassifiedLine[] = [];
  // Lines already taken, by file: a record can be a signature's ref, its last and a notable one.
  const seen = new Map<string, Set<number>>();
  for (const [source, s] of calicoLogs(n)) {
    const recs: LogRecord[] = [];
    for (const name of SIGNATURES_READ) {
      const sig = s.signatures[name];
      if (sig === undefined) continue;
      recs.push(...sig.refs);
      if (sig.last !== undefined) recs.push(sig.last);
    }
    recs.push(...s.notable);
    const mine: ClassifiedLine[] = [];
    for (const rec of recs) {
      let lines = seen.get(rec.file);
      if (lines === undefined) seen.set(rec.file, (lines = new Set()));
      if (lines.has(rec.line)) continue;
      lines.add(rec.line);
      const c = classify(rec.message);
      if (c.kind === 'other' && c.error === undefined) continue;
      mine.push({ source, rec, ...c });
    }
    mine.sort((a, b) => (a.rec.file === b.rec.file ? a.rec.line - b.rec.line : 0));
    out.push(...mine);
  }
  cache.set(n, out);
  return out;
}

/** Signature counts of the logs that hold lines of `kind` (for the total when every line was sampled). */
function countFor(n: NodeModel, kind: FailureKind, lines: ClassifiedLine[]): { count: number; atLeast: boolean } {
  const sig = kind === 'typha' ? 'typha-error' : kind === 'tls-cert' ? 'tls-error' : 'datastore-error';
  let count = 0;
  let atLeast = false;
  for (const [source, s] of calicoLogs(n)) {
    const mine = lines.filter((l) => l.source === source);
    if (mine.length === 0) continue;
    const total = s.signatures[sig]?.count ?? 0;
    const sampledOfSig = failingLines(n).filter((l) => l.source === source && s.signatures[sig]?.refs.includes(l.rec));
    // Every sampled line of the signature is of this kind: the signature count is the kind's count.
    if (sampledOfSig.length > 0 && sampledOfSig.every((l) => l.kind === kind)) count += Math.max(total, mine.length);
    else {
      count += mine.length;
      if (s.notableDropped > 0) atLeast = true;
    }
  }
  return { count, atLeast };
}

/** One failure kind on one node, or undefined when its logs show none. */
/** Nodes with a Calico log, split into those whose `kind` failures go on (`ongoing` decides) and those that recovered. */
export function failuresByNode(
  nodes: readonly NodeModel[],
  kind: FailureKind,
  ongoing: (f: FailureSummary) => boolean = (f) => f.ongoing,
): { withLogs: NodeModel[]; failing: { n: NodeModel; f: FailureSummary }[]; recovered: string[] } {
  const withLogs = nodes.filter((n) => calicoLogs(n).length > 0);
  const failing: { n: NodeModel; f: FailureSummary }[] = [];
  const recovered: string[] = [];
  for (const n of withLogs) {
    const f = failureSummary(n, kind);
    if (f === undefined) continue;
    if (ongoing(f)) failing.push({ n, f });
    else recovered.push(n.name);
  }
  return { withLogs, failing, recovered };
}

export function failureSummary(n: NodeModel, kind: FailureKind): FailureSummary | undefined {
  const lines = failingLines(n).filter((l) => l.kind === kind);
  if (lines.length === 0) return undefined;
  const byTime = [...lines].sort((a, b) => (logTimeMs(a.rec.time) ?? 0) - (logTimeMs(b.rec.time) ?? 0));
  const first = byTime[0]!;
  const last = byTime[byTime.length - 1]!;
  const targets = new Map<string, number>();
  const errors = new Map<string, number>();
  for (const l of lines) {
    if (l.target !== undefined) targets.set(l.target, (targets.get(l.target) ?? 0) + 1);
    if (l.error !== undefined) errors.set(l.error, (errors.get(l.error) ?? 0) + 1);
  }
  const sources = [...new Set(lines.map((l) => l.source))];
  let ongoing = false;
  for (const src of sources) {
    const log = calicoLogs(n).find(([s]) => s === src)![1];
    const end = logTimeMs(log.lastTime);
    const lastHere = Math.max(...lines.filter((l) => l.source === src).map((l) => logTimeMs(l.rec.time) ?? 0));
    if (end === undefined || end - lastHere <= ONGOING_WINDOW_MS) ongoing = true;
  }
  const { count, atLeast } = countFor(n, kind, lines);
  return {
    kind,
    count,
    atLeast,
    first,
    last,
    targets: [...targets].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([target, k]) => ({ target, lines: k })),
    errors: [...errors].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([e]) => e),
    sources,
    lines,
    ongoing,
  };
}

/** `10:14:03.120` style stamp of a record for messages (date kept when it differs). */
export function when(l: ClassifiedLine | { rec: LogRecord }): string {
  return l.rec.time.length >= 23 ? l.rec.time.slice(0, 19) : l.rec.time || (l.rec.svTime ?? '?');
}

const SOURCE_NAMES: Record<LogSource, string> = {
  felix: 'Felix',
  confd: 'confd',
  agent: 'calico-node agents',
  cni: 'the CNI plugin',
  container: 'the calico-node container log',
};

export function sourceName(s: LogSource): string {
  return SOURCE_NAMES[s];
}

/** "1,204 errors (first 2026-11-27 10:14:03, last 10:19:58)". */
export function occurrence(f: FailureSummary, noun: string): string {
  const c = `${f.atLeast ? 'at least ' : ''}${f.count} ${noun}${f.count === 1 ? '' : 's'}`;
  if (f.count === 1 || f.first === f.last) return `${c} (at ${when(f.first)})`;
  return `${c} (first ${when(f.first)}, last ${when(f.last)})`;
}
