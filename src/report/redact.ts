/**
 * Redaction of a finished Report, after the analysis (the root causes are those of the unredacted run):
 * - always: secrets masked (`maskReportSecrets`, see secrets.ts);
 * - `--redact`: hostnames and node names, IPv4/IPv6 addresses and CIDRs (also inside BIRD protocol names
 *   such as `Mesh_10_0_0_12`), MAC addresses, `cali<hash>` interface names, cluster, namespace and pod names
 *   and the input paths get pseudonyms, the same value the same pseudonym in every field and free text.
 *   Addresses are mapped prefix-preserving (Crypto-PAn style, keyed): two addresses sharing their first k
 *   bits share exactly k bits after mapping, so a /24 stays one /24 and a block stays inside its pool. The
 *   first octet (IPv4; 192.168/16, 172.16/12 and 100.64/10 stay in their range) / 16 bits (IPv6; the
 *   fe80::/64 prefix) and the last 8 / 16 host bits are kept, so private space stays private and `.1` `.1`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { Report } from './report-types.js';
import { mapStrings, maskSecrets } from './secrets.js';

export { MASK, maskSecrets } from './secrets.js';

/** Enumerations and rule ids: never personal data, never rewritten. */
const SKIP_KEYS = new Set(['rule', 'rules', 'severity', 'status', 'kind', 'schemaVersion', 'tool', 'level', 'versionHint', 'type', 'basis', 'proto', 'artifacts', 'notExpected', 'redacted']);

/** The report with every secret masked; every renderer gets this one. */
export function maskReportSecrets(report: Report): Report {
  return withRuleReasons(mapStrings(report, maskSecrets, SKIP_KEYS), report, maskSecrets);
}

/**
 * `rules` is skipped by the walk (ids and statuses): its free-text reasons and the nodes a pass could
 * not see, the top level's and each cluster's, go through `text`.
 */
function withRuleReasons(out: Report, report: Report, text: (s: string) => string): Report {
  const outcome = (r: Report['rules'][number]): Report['rules'][number] => ({ ...r, reason: text(r.reason), ...(r.unchecked !== undefined ? { unchecked: r.unchecked.map(text) } : {}) });
  out.rules = report.rules.map(outcome);
  if (out.clusters !== undefined && report.clusters !== undefined) {
    out.clusters = out.clusters.map((c, i) => ({ ...c, rules: report.clusters![i]!.rules.map(outcome) }));
  }
  return out;
}

export interface RedactMap {
  /** What the pseudonyms stand for: pseudonym → original, per kind. */
  names: Record<string, string>;
  addresses: Record<string, string>;
  macs: Record<string, string>;
  interfaces: Record<string, string>;
  inputs: Record<string, string>;
}

/** Addresses never rewritten: they carry Calico's meaning, not the customer's (169.254.1.1 is every pod's gateway). */
function keptV4(o: number[]): boolean {
  return o[0] === 0 || o[0] === 127 || (o[0] === 169 && o[1] === 254) || o[0]! >= 224;
}

/**
 * Leading bits kept as they are; depends only on bits it keeps, so the map stays a bijection: private
 * ranges stay private (192/8 keeps 16 bits for 192.168/16, 172/8 12 bits for 172.16/12, 100/8 10 bits
 * for 100.64/10), other addresses keep their first octet.
 */
function headV4(o: number[]): number {
  return o[0] === 192 ? 16 : o[0] === 172 ? 12 : o[0] === 100 ? 10 : 8;
}

/** IPv6: the first 16 bits; link-local (fe80::/10) its whole /64 prefix (the interface id, often a MAC, is mapped). */
function headV6(a: ipaddr.IPv6): number {
  return a.range() === 'linkLocal' ? 64 : 16;
}
/** No host bit set: the string names a network, not an address with its prefix. */
function isNetwork(bits: string, len: number): boolean {
  return !bits.slice(len).includes('1');
}
const KEPT_V6 = new Set(['loopback', 'unspecified', 'multicast', 'ipv4Mapped']);

/** Well-known names kept as they are (system namespaces). */
const KEPT_NAMES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'calico-system', 'calico-apiserver', 'tigera-operator', 'cluster', 'localhost']);
/** Folder names inside archives that say nothing about the customer (bundle layout, common words): kept. */
const KEPT_FOLDERS = new Set(['diagnostics', 'resources', 'nodes', 'cluster', 'crd', 'logs', 'bird', 'bird6', 'felix', 'confd', 'cni', 'etc', 'var', 'tmp', 'home', 'root', 'calico', 'tigera', 'kube-system', 'calico-system', 'attachments', 'bundles', 'yaml', 'diags', 'exports', 'ticket']);
const KEPT_MACS = new Set(['ee:ee:ee:ee:ee:ee', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00']);

const V4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?(?![\d]|\.\d)/g;
const V6 = /(?<![0-9A-Za-z:._-])((?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4})(?:\/(\d{1,3}))?(?![0-9A-Za-z:_-])/g;
const MAC = /(?<![0-9A-Fa-f])(?<![0-9A-Fa-f]:)([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})(?![0-9A-Fa-f]|:[0-9A-Fa-f])/g;
const CALI = /(?<![0-9A-Za-z])cali([0-9a-f]{11})(?![0-9a-f])/g;
/** BIRD protocol names embed the peer address: `Mesh_10_0_0_12`, `Node_10_0_0_1`, `Global_fd00__1`. */
const BIRD_V4 = /\b(Mesh|Node|Global)_(\d{1,3})_(\d{1,3})_(\d{1,3})_(\d{1,3})(?![\d])/g;
const BIRD_V6 = /\b(Mesh|Node|Global)_([0-9a-f]{0,4}(?:_[0-9a-f]{0,4}){2,7})(?![0-9a-zA-Z_])/g;
/** Docker names of Kubernetes containers: `k8s_<container>_<pod>_<namespace>_<uid>_<n>`. */
const K8S_DOCKER = /\bk8s_([A-Za-z0-9.-]+)_([A-Za-z0-9.-]+)_([A-Za-z0-9.-]+)_([0-9a-f-]{8,})_(\d+)/g;
/** logfmt `namespace=x`, `pod="x"`, `workload=ns/pod`, `node=x`, `cluster=x` (the `=` form only: prose says "the cluster: …"). */
const NAME_EQ = /(?<![A-Za-z0-9_.-])(namespace|ns|pod|pod_?name|cluster|cluster_?name|workload(?:_?id)?|workload_?endpoint|node|node_?name|hostname)=(["']?)([A-Za-z0-9][A-Za-z0-9._/-]*)\2/gi;
/** YAML and JSON fields at the start of a line or after `{`/`,`: `namespace: x`, `"podName":"x"`, `nodeName: x`. */
const NAME_FIELD = /(^|[\n{,][ \t]*|^[ \t]+)(-?[ \t]*)(["']?)(namespace|podName|pod|clusterName|nodeName|hostname|workload|workloadEndpoint)\3:[ \t]*(["']?)([A-Za-z0-9][A-Za-z0-9._/-]*)\5/g;
/** Pseudonyms this redactor hands out: never renamed again. */
const PSEUDONYM = /^(node|ns|pod|cluster|domain|input|uid|wep)-\d+(\.domain-\d+)?$/;
const DASH_N = /(\s-n\s+|--namespace[= ])([a-z0-9][a-z0-9-]*)/g;

const NAME_START = '(?<![A-Za-z0-9_])(?<![A-Za-z0-9_]-)';
const NAME_END = '(?![A-Za-z0-9_]|-[A-Za-z0-9_])';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

export class Redactor {
  private readonly key: Buffer;
  private readonly attempt: number;
  private readonly names = new Map<string, string>();
  private readonly nameCount = new Map<string, number>();
  private readonly addr = new Map<string, string>();
  private readonly macs = new Map<string, string>();
  private readonly ifaces = new Map<string, string>();
  private readonly inputs = new Map<string, string>();
  private readonly bitCache = new Map<string, number>();
  /** Literal strings to replace in free text (paths, node and host names), longest first. */
  private literal: RegExp | undefined;
  private readonly literals = new Map<string, string>();
  /** Originals that a pseudonym must never equal. */
  private readonly avoid: ReadonlySet<string>;

  constructor(opts: { key?: Buffer | string; avoid?: Iterable<string>; attempt?: number } = {}) {
    this.key = typeof opts.key === 'string' ? Buffer.from(opts.key) : (opts.key ?? randomBytes(32));
    this.attempt = opts.attempt ?? 0;
    this.avoid = new Set(opts.avoid ?? []);
  }

  /** One keyed pseudo-random bit for the prefix `bits` of an address of family `fam`. */
  private prf(fam: string, bits: string): number {
    const k = `${fam}${bits}`;
    let b = this.bitCache.get(k);
    if (b === undefined) {
      b = createHmac('sha256', this.key).update(`${this.attempt}|${k}`).digest()[0]! & 1;
      this.bitCache.set(k, b);
    }
    return b;
  }

  /** Prefix-preserving map of a bit string: bits [keepHead, length-keepTail) flipped by a PRF of the input prefix. */
  private mapBits(fam: string, bits: string, keepHead: number, keepTail: number): string {
    let out = bits.slice(0, keepHead);
    for (let i = keepHead; i < bits.length - keepTail; i++) out += String(Number(bits[i]) ^ this.prf(fam, bits.slice(0, i)));
    return out + bits.slice(bits.length - keepTail);
  }

  /** The pseudonym of an IPv4 address (octets), and of its network when `len` is given (host bits zero). */
  ipv4(o: number[], len?: number): number[] {
    if (keptV4(o)) return o;
    const bits = o.map((x) => x.toString(2).padStart(8, '0')).join('');
    // the kept head depends only on the (kept) first octet, so the map stays a bijection: private ranges
    // stay private (192.168/16, 172.16/12, 100.64/10 CGNAT), other addresses keep their first octet
    const head = headV4(o);
    let mapped = this.mapBits('4', bits, head, 8);
    // a network (`10.0.1.0/24`) stays a network; an address with its prefix (`10.0.1.5/24`) keeps its host bits
    if (len !== undefined && len < 32 && !bits.slice(len).includes('1')) mapped = mapped.slice(0, len).padEnd(32, '0');
    return [0, 1, 2, 3].map((i) => parseInt(mapped.slice(i * 8, i * 8 + 8), 2));
  }

  /** IPv6: the first 16 and last 16 bits kept, the 96 between mapped prefix-preserving. */
  ipv6(addr: ipaddr.IPv6, len?: number): ipaddr.IPv6 {
    const parts = addr.parts;
    if (KEPT_V6.has(addr.range())) return addr;
    const bits = parts.map((p) => p.toString(2).padStart(16, '0')).join('');
    // link-local (fe80::/64): the prefix carries nothing, the interface id (often a MAC) is mapped
    let mapped = this.mapBits('6', bits, headV6(addr), 16);
    if (len !== undefined && len < 128 && !bits.slice(len).includes('1')) mapped = mapped.slice(0, len).padEnd(128, '0');
    return new ipaddr.IPv6([0, 1, 2, 3, 4, 5, 6, 7].map((i) => parseInt(mapped.slice(i * 16, i * 16 + 16), 2)));
  }

  /** Every rewritten address, also one the key happened to map onto itself (redactReport then redraws the key). */
  private record(original: string, pseudonym: string): string {
    this.addr.set(original, pseudonym);
    return pseudonym;
  }

  /** A name pseudonym of the given kind (`node-3`, `ns-1`, `pod-2`, `cluster-1`, `domain-1`). */
  name(kind: string, original: string): string {
    if (KEPT_NAMES.has(original)) return original;
    const known = this.names.get(original);
    if (known !== undefined) return known;
    // FQDN: host label and domain separately, so `node-a` and `node-a.corp.example` stay related
    const dot = original.indexOf('.');
    if (kind === 'node' && dot > 0 && dot < original.length - 1) {
      const p = `${this.name('node', original.slice(0, dot))}.${this.name('domain', original.slice(dot + 1))}`;
      this.names.set(original, p);
      return p;
    }
    let p: string;
    do {
      const n = (this.nameCount.get(kind) ?? 0) + 1;
      this.nameCount.set(kind, n);
      p = `${kind}-${n}`;
    } while (this.avoid.has(p));
    this.names.set(original, p);
    return p;
  }

  /**
   * `input-2.tar.gz`: the path's extension kept, everything else replaced. A member of an archive keeps
   * its archive's pseudonym: `ticket.zip!/node-b/diags.tar.gz` → `input-1.zip!/input-2.tar.gz`.
   */
  input(path: string): string {
    const known = this.inputs.get(path);
    if (known !== undefined) return known;
    const cut = path.lastIndexOf('!/');
    const outer = cut > 0 ? `${this.input(path.slice(0, cut))}!/` : '';
    const base = path.split(/[\\/]/).pop() ?? '';
    const ext = /(\.tar\.gz|\.tgz|\.tar|\.zip|\.ya?ml|\.json|\.txt|\.log)$/i.exec(base)?.[1] ?? '';
    const p = `${outer}input-${this.inputs.size + 1}${ext}`;
    this.inputs.set(path, p);
    return p;
  }

  /**
   * Declares the names and paths known from the report's structure, for free-text replacement. Paths and
   * clusters are numbered in sorted order, nodes in the order given (see `structuralNames`).
   */
  learn(nodes: Iterable<string>, paths: Iterable<string>, clusters: Iterable<string> = []): void {
    // sorted: the same inputs get the same pseudonyms whichever output learns them (analyze, inspect)
    const given = new Set([...paths].filter((p) => p !== ''));
    for (const p of sortedNames(given)) this.literals.set(p, this.input(p));
    // then the folders above them (`grouped by folder samples/x`), those of more than one segment
    const folders = new Set<string>();
    for (const p of given) {
      const outer = p.split('!/')[0]!.split(/[\\/]/);
      for (let i = outer.length - 1; i >= 2 || (i >= 1 && outer[0] === ''); i--) {
        const folder = outer.slice(0, i).join('/');
        if (folder !== '' && folder !== '.' && folder !== '..' && !given.has(folder)) folders.add(folder);
      }
    }
    for (const p of sortedNames(folders)) this.literals.set(p, this.input(p));
    // folders inside archives (`ticket.zip!/case-01234/prod/node-a/diags.tar.gz`): each name a pseudonym of its own,
    // but the names every bundle has (`diagnostics`, `resources`, `nodes`) and short words that free text uses too
    const inner = new Set<string>();
    for (const p of given) {
      for (const member of p.split('!/').slice(1)) {
        for (const seg of member.split(/[\\/]/).slice(0, -1)) if (seg.length >= 3 && !KEPT_FOLDERS.has(seg.toLowerCase())) inner.add(seg);
      }
    }
    for (const c of sortedNames(clusters)) if (c !== '' && !KEPT_NAMES.has(c)) this.literals.set(c, this.name('cluster', c));
    for (const n of nodes) {
      if (n === '' || KEPT_NAMES.has(n)) continue;
      const m = /^(.*)#(\d+)$/.exec(n);
      const base = m !== null ? m[1]! : n;
      this.literals.set(base, this.name('node', base));
      if (base.includes('.')) this.literals.set(base.slice(0, base.indexOf('.')), this.name('node', base.slice(0, base.indexOf('.'))));
    }
    // after clusters and nodes: a folder named like a node or a cluster keeps that pseudonym
    for (const f of sortedNames(inner)) if (!this.literals.has(f) && !this.names.has(f)) this.literals.set(f, this.name('folder', f));
    const keys = [...this.literals.keys()].sort((a, b) => b.length - a.length).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    // a name ends where no name character follows; `-` only joins when a name character follows it
    // (`node-a->node-c` in a finding id holds two names, `node-a-2` is another name)
    this.literal = keys.length === 0 ? undefined : new RegExp(`${NAME_START}(?:${keys.join('|')})${NAME_END}`, 'g');
  }

  private v4Text(m: string, a: string, b: string, c: string, d: string, len?: string): string {
    const o = [a, b, c, d].map(Number);
    if (o.some((x) => x > 255) || (len !== undefined && Number(len) > 32)) return m;
    // kept by design: Calico's own addresses, and a range's network itself (`192.168.0.0/16`, `10.0.0.0/8`)
    if (keptV4(o) || (len !== undefined && Number(len) <= headV4(o) && isNetwork(o.map((x) => x.toString(2).padStart(8, '0')).join(''), Number(len)))) return m;
    const known = this.addr.get(m);
    if (known !== undefined) return known;
    const mapped = this.ipv4(o, len === undefined ? undefined : Number(len)).join('.');
    return this.record(m, len === undefined ? mapped : `${mapped}/${len}`);
  }

  private v6Text(m: string, a: string, len?: string): string {
    if (!/[0-9a-fA-F]/.test(a) || !ipaddr.IPv6.isValid(a) || (!a.includes('::') && a.split(':').length !== 8)) return m;
    if (len !== undefined && Number(len) > 128) return m;
    const parsed = ipaddr.IPv6.parse(a);
    if (KEPT_V6.has(parsed.range()) || (len !== undefined && Number(len) <= headV6(parsed) && isNetwork(parsed.parts.map((x) => x.toString(2).padStart(16, '0')).join(''), Number(len)))) return m;
    const known = this.addr.get(m);
    if (known !== undefined) return known;
    const mapped = this.ipv6(ipaddr.IPv6.parse(a), len === undefined ? undefined : Number(len)).toString();
    return this.record(m, len === undefined ? mapped : `${mapped}/${len}`);
  }

  mac(m: string): string {
    const lower = m.toLowerCase();
    if (KEPT_MACS.has(lower)) return m;
    let p = this.macs.get(lower);
    if (p === undefined) {
      const h = createHmac('sha256', this.key).update(`mac|${this.attempt}|${lower}`).digest();
      // locally administered, unicast: 02:…
      p = ['02', ...[1, 2, 3, 4, 5].map((i) => hex(h[i]!, 2))].join(':');
      this.macs.set(lower, p);
    }
    return p;
  }

  iface(hash: string): string {
    let p = this.ifaces.get(`cali${hash}`);
    if (p === undefined) {
      p = `cali${createHmac('sha256', this.key).update(`if|${this.attempt}|${hash}`).digest('hex').slice(0, 11)}`;
      this.ifaces.set(`cali${hash}`, p);
    }
    return p;
  }

  /** The pseudonym for the value of a name-carrying key (`namespace`, `pod`, `workload`, `node`, …); undefined: leave it. */
  private named(key: string, value: string): string | undefined {
    const k = key.toLowerCase().replace(/_/g, '');
    if (PSEUDONYM.test(value) || KEPT_NAMES.has(value)) return undefined;
    if (k === 'workload' || k === 'workloadid') {
      if (!value.includes('/')) return this.name('pod', value);
      const [ns, ...rest] = value.split('/');
      return `${this.name('ns', ns!)}/${this.name('pod', rest.join('/'))}`;
    }
    if (k === 'workloadendpoint') return this.name('wep', value);
    if (k === 'namespace' || k === 'ns') return this.name('ns', value);
    if (k.startsWith('cluster')) return this.name('cluster', value);
    if (k === 'node' || k === 'nodename' || k === 'hostname') {
      // an address is the address rules' business; a pseudonym FQDN is already done
      if (!/[A-Za-z]/.test(value) || /^[0-9a-f:.]+$/i.test(value) || PSEUDONYM.test(value.split('.')[0]!)) return undefined;
      return this.name('node', value);
    }
    return this.name('pod', value);
  }

  /** Free text with every identifier replaced (secrets masked first). */
  text(s: string): string {
    let out = maskSecrets(s);
    if (this.literal !== undefined) out = out.replace(this.literal, (m) => this.literals.get(m) ?? m);
    out = out.replace(K8S_DOCKER, (_m, container: string, pod: string, ns: string, _uid: string, n: string) =>
      `k8s_${container}_${this.name('pod', pod)}_${this.name('ns', ns)}_${this.name('uid', _uid)}_${n}`);
    out = out.replace(NAME_EQ, (m, key: string, q: string, value: string) => `${key}=${q}${this.named(key, value) ?? value}${q}`);
    out = out.replace(NAME_FIELD, (m, lead: string, dash: string, q: string, key: string, q2: string, value: string) =>
      `${lead}${dash}${q}${key}${q}:${m.slice(m.indexOf(':') + 1, m.length - value.length - 2 * q2.length)}${q2}${this.named(key, value) ?? value}${q2}`);
    if (/\b(kubectl|oc|calicoctl)\b/.test(out)) out = out.replace(DASH_N, (_m, flag: string, ns: string) => `${flag}${this.name('ns', ns)}`);
    out = out.replace(BIRD_V4, (_m, kind: string, a: string, b: string, c: string, d: string) => {
      const o = [a, b, c, d].map(Number);
      if (o.some((x) => x > 255)) return _m;
      return `${kind}_${this.v4Text(`${a}.${b}.${c}.${d}`, a, b, c, d).replace(/\./g, '_')}`;
    });
    out = out.replace(BIRD_V6, (m, kind: string, body: string) => {
      const a = body.replace(/_/g, ':');
      const mapped = this.v6Text(a, a);
      return mapped === a ? m : `${kind}_${mapped.replace(/:/g, '_')}`;
    });
    out = out.replace(MAC, (m) => this.mac(m));
    out = out.replace(CALI, (_m, hash: string) => this.iface(hash));
    out = out.replace(V6, (m, a: string, len?: string) => this.v6Text(m, a, len));
    out = out.replace(V4, (m, a: string, b: string, c: string, d: string, len?: string) => this.v4Text(m, a, b, c, d, len));
    return out;
  }

  /** Every pseudonym given so far: pseudonym → original. */
  map(): RedactMap {
    const inv = (m: Map<string, string>): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const [k, v] of [...m.entries()].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0))) out[v] = k;
      return out;
    };
    return { names: inv(this.names), addresses: inv(this.addr), macs: inv(this.macs), interfaces: inv(this.ifaces), inputs: inv(this.inputs) };
  }

  /** Every pseudonym produced (for the collision check). */
  pseudonyms(): string[] {
    return [...this.names.values(), ...this.addr.values(), ...this.macs.values(), ...this.ifaces.values(), ...this.inputs.values()];
  }
}

/** Node names, hostnames and cluster names as the report's structure holds them. */
function structuralNames(report: Report): { nodes: Set<string>; clusters: Set<string> } {
  const nodes = new Set<string>();
  const clusters = new Set<string>();
  const NODE_KEYS = new Set(['node', 'nodes', 'hostname', 'owners', 'initiator', 'from', 'to']);
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string') {
      if (NODE_KEYS.has(key) && v !== '' && !/\s/.test(v)) nodes.add(v);
      if (key === 'cluster' && v !== '') clusters.add(v);
      return;
    }
    if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!SKIP_KEYS.has(k)) walk(x, k);
  };
  walk(report, '');
  for (const n of report.routeMatrix.nodes) nodes.add(n);
  nodes.delete('cluster');
  // the bundles' own names first, then names only findings and tables hold (a block's owner without a
  // bundle), each sorted: `inspect --redact` of the same inputs knows the first kind and numbers them alike
  const own = new Set<string>();
  for (const r of [report, ...(report.clusters ?? [])]) {
    for (const n of r.nodes) {
      own.add(n.name);
      if (n.hostname !== undefined) own.add(n.hostname);
    }
  }
  return { nodes: new Set([...sortedNames(own), ...sortedNames([...nodes].filter((n) => !own.has(n)))]), clusters };
}

function sortedNames(xs: Iterable<string>): string[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Input paths as the report holds them (also the archive members `outer!/inner`). */
function structuralPaths(report: Report): Set<string> {
  const paths = new Set<string>();
  for (const i of report.inputs) paths.add(i.path);
  for (const n of report.nodes) paths.add(n.input);
  return paths;
}

export interface RedactedReport {
  report: Report;
  map: RedactMap;
}

/** Originals, for the collision check: every string of the report split at non-identifier characters. */
function originalTokens(report: Report): Set<string> {
  const tokens = new Set<string>();
  mapStrings(report, (s) => {
    for (const t of s.split(/[^A-Za-z0-9_.-]+/)) if (t !== '') tokens.add(t);
    for (const m of s.matchAll(V4)) tokens.add(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    for (const m of s.matchAll(V6)) if (ipaddr.IPv6.isValid(m[1]!)) tokens.add(ipaddr.IPv6.parse(m[1]!).toString());
    return s;
  });
  return tokens;
}

/**
 * The report with every identifier pseudonymised (secrets masked too) and a `redacted` marker, plus the
 * mapping. Pure: the analysis ran before; only strings change. `key` fixes the address mapping (tests);
 * without it a fresh random key is drawn, so pseudonyms cannot be reversed by trying every address.
 */
export function redactReport(report: Report, opts: { key?: Buffer | string } = {}): RedactedReport {
  const { nodes, clusters } = structuralNames(report);
  const paths = structuralPaths(report);
  const originals = originalTokens(report);
  for (let attempt = 0; ; attempt++) {
    const r = new Redactor({ key: opts.key, avoid: originals, attempt });
    r.learn(nodes, paths, clusters);
    const out = withRuleReasons(mapStrings(report, (s) => r.text(s), SKIP_KEYS), report, (s) => r.text(s));
    out.redacted = { note: 'host and node names, addresses, MAC addresses, interface, cluster, namespace and pod names and input paths are pseudonyms; secrets are masked.' };
    // each cluster's section (or page, with --split) says so too
    if (out.clusters !== undefined) out.clusters = out.clusters.map((c) => ({ ...c, redacted: out.redacted }));
    // a pseudonym must never look like an original (an address mapped onto another original address): redraw
    if (attempt < 16 && r.pseudonyms().some((p) => originals.has(p.replace(/\/\d+$/, '')))) continue;
    return { report: out, map: r.map() };
  }
}
