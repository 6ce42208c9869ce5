import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { planCluster, type SynthCluster, type SynthFaults, type SynthNode } from './synthetic-cluster.js';
import { SyntheticRng } from './synthetic-rng.js';
import { TextFileWriter } from './text-file-writer.js';
import * as art from './synthetic-artifacts.js';
import { writeIpv4Tables } from './synthetic-iptables.js';
import { calicoctlExports } from './synthetic-resources.js';
import { planPastes } from './synthetic-attachments.js';
import { clusterDiagsEntries, clusterDiagsName, type TarEntry } from './synthetic-cluster-diags.js';
import { writeBirdLog, writeCniCurrent, writeCniLog, writeConfdLog, writeFelixLogs, type LogFile } from './synthetic-logs.js';

export interface GenerateOptions {
  /**
   * Output folder: node bundles go to `<dir>/<hostname>/diags-YYYYMMDD_HHMMSS.tar.gz`, cluster diags to
   * `<dir>/calico-diagnostics-YYYYMMDD_HHMMSS.tar.gz`, resource YAML to `<dir>/calico-resources/`, pastes
   * beside a node's tarball or at the top.
   */
  dir: string;
  nodes?: number;
  /** Uncompressed bytes of the whole set, archives' contents and loose files (approximate, within a few %). */
  totalBytes?: number;
  seed?: number;
  /** svlogd rotation size of the felix log (calico/node config: s10000000). */
  rotateBytes?: number;
  onProgress?: (message: string) => void;
}

export interface GeneratedBundle {
  format: 'node-diags' | 'cluster-diags';
  /** The node's host name; for cluster diags, the archive's top folder (`calico-diagnostics-…`). */
  hostname: string;
  /** The node's IP and IPAM block (cluster diags: of the first node it covers). */
  ip: string;
  block: string;
  /** Host names of the nodes inside. */
  nodes: string[];
  path: string;
  /** Sum of the sizes of the files inside. */
  uncompressedBytes: number;
  compressedBytes: number;
  entries: number;
}

/** A loose file of the set: an exported resource YAML or a pasted command output. */
export interface GeneratedFile {
  path: string;
  kind: 'calico-yaml' | 'attachment';
  bytes: number;
  /** For a paste: the attachment kinds `inspect` should recognise in it, and the node it is about. */
  kinds?: string[];
  node?: string;
}

export interface GenerateResult {
  dir: string;
  seed: number;
  /** Every archive: node diags tarballs, then cluster diags archives. */
  bundles: GeneratedBundle[];
  files: GeneratedFile[];
  uncompressedBytes: number;
  compressedBytes: number;
  /** uncompressed / compressed. */
  gzipRatio: number;
  faults: { bgpStuck?: { initiator: string; passive: string }; routeMissing?: { on: string; missingBlockOf: string }; natOutgoingMissing?: string };
  seconds: number;
}

/** Share of a node's byte budget per artifact; felix gets the rest. */
const SHARE = { ipv4Tables: 0.06, ipsets: 0.05, cni: 0.03, bird: 0.02, confd: 0.02 };
/** Estimated bytes of one kube-proxy service in the nat table (decls + rules, ~2.5 endpoints). */
const SERVICE_BYTES = 1500;

const DIR_MODE_0000 = 0o40000; // tar-stream replaces a falsy mode with 0755; the S_IFDIR bit is masked off on encode.

type Entry = TarEntry;

const p2 = (n: number): string => (n < 10 ? '0' + n : String(n));

function tarballName(ms: number): string {
  const d = new Date(ms);
  return `diags-${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}_${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}.tar.gz`;
}

/** Writes `entries` as a gzip (level 6) tarball, streaming each file from disk. */
async function writeTarball(file: string, entries: Entry[], mtime: Date): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip({ level: 6 }), createWriteStream(file));
  for (const e of entries) {
    const header = { name: e.name, type: e.type, mode: e.mode, size: e.size ?? 0, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' };
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry(header, (err) => {
        if (err) reject(err);
        else resolve(undefined);
      });
      if (e.type !== 'file') return; // tar-stream completes header-only entries by itself
      void (async (): Promise<void> => {
        for await (const chunk of createReadStream(e.path as string, { highWaterMark: 1 << 20 })) {
          if (!sink.write(chunk as Buffer)) await once(sink, 'drain');
        }
        sink.end(undefined);
      })().catch(reject);
    });
  }
  pack.finalize();
  await done;
}

/** Generates every file of one node into `tmp` and returns the tar entries in `calicoctl node diags` order. */
function generateNodeFiles(tmp: string, c: SynthCluster, n: SynthNode, budget: number, rotateBytes: number): Entry[] {
  const entries: Entry[] = [{ name: 'diagnostics/', type: 'directory', mode: DIR_MODE_0000 }];
  let used = 0;
  const file = (name: string, fill: (w: TextFileWriter, rng: SyntheticRng) => void, salt: number): Entry => {
    const w = new TextFileWriter(join(tmp, name.replace(/\//g, '_')));
    fill(w, SyntheticRng.derive(c.seed, 10 + salt, n.index));
    const size = w.close();
    used += size;
    return { name, type: 'file', mode: 0o644, path: w.path, size };
  };
  const d = (name: string, fill: (w: TextFileWriter, rng: SyntheticRng) => void, salt: number): void => {
    entries.push(file('diagnostics/' + name, fill, salt));
  };
  d('date', (w) => art.writeDate(w, c), 1);
  d('hostname', (w) => art.writeHostname(w, n), 2);
  d('netstat', (w, r) => art.writeNetstat(w, c, n, r), 3);
  d('ipv4_route', (w) => art.writeIpv4Route(w, c, n), 4);
  d('ipv6_route', (w) => art.writeIpv6Route(w), 5);
  d('ipv4_addr', (w) => art.writeIpv4Addr(w, n), 6);
  d('ipv6_addr', (w) => art.writeIpv6Addr(w, n), 7);
  d('nft_ruleset', (w) => art.writeNftRuleset(w), 8);
  d('ipv4_tables', (w, r) => writeIpv4Tables(w, c, n, r), 9);
  d('ipv6_tables', (w, r) => art.writeIpv6Tables(w, c, r), 10);
  d('ipsets', (w, r) => art.writeIpsets(w, c, n, r, budget * SHARE.ipsets), 11);
  d('journalctl_calico_node', (w) => art.writeJournal(w), 12);

  const svlogdDir = (svc: string, files: Entry[]): void => {
    entries.push({ name: `diagnostics/logs/${svc}/`, type: 'directory', mode: 0o755 });
    entries.push(file(`diagnostics/logs/${svc}/config`, (w) => { for (let i = 0; i < 3; i++) { w.line('s10000000'); w.line('n5'); } }, 20));
    entries.push(file(`diagnostics/logs/${svc}/lock`, () => undefined, 21));
    entries[entries.length - 1]!.mode = 0o600;
    entries.push(...files);
  };
  entries.push({ name: 'diagnostics/logs/', type: 'directory', mode: 0o755 });
  svlogdDir('bird', [file('diagnostics/logs/bird/current', (w, r) => writeBirdLog(w, c, n, r, budget * SHARE.bird), 30)]);
  svlogdDir('confd', [file('diagnostics/logs/confd/current', (w, r) => writeConfdLog(w, c, n, r, budget * SHARE.confd), 31)]);
  const cni = [
    file('diagnostics/logs/cni/cni.log', (w, r) => writeCniLog(w, c, n, r, budget * SHARE.cni), 32),
    file('diagnostics/logs/cni/current', (w) => writeCniCurrent(w, c, n), 33),
  ];
  svlogdDir('cni', cni);
  const felixBudget = Math.max(budget * 0.2, budget - used);
  const felix: LogFile[] = writeFelixLogs(tmp, c, n, SyntheticRng.derive(c.seed, 40, n.index), felixBudget, rotateBytes);
  svlogdDir('felix', felix.map((f) => ({ name: `diagnostics/logs/felix/${f.name}`, type: 'file' as const, mode: 0o644, path: f.path, size: f.bytes })));
  return entries;
}

/** How many `calicoctl cluster diags` archives a set of `nodes` node bundles comes with, and how many nodes each covers. */
export function clusterDiagsPlan(nodes: number): { archives: number; nodesPerArchive: number } {
  return { archives: nodes >= 10 ? 2 : 1, nodesPerArchive: nodes >= 4 ? 2 : 1 };
}

/** A cluster-diags node's share of the budget, relative to a node bundle's (its container log is screen-level only). */
const CLUSTER_DIAGS_WEIGHT = 0.5;

/**
 * Writes a synthetic, format-faithful ticket: one `calicoctl node diags` tarball per node (v3.31
 * layout, operator install: svlogd `-ttt` logs for bird/confd/felix/cni, `cni.log`), one or two
 * `calicoctl cluster diags` archives for further nodes that have no node bundle, the Calico resources
 * as `calicoctl get -o yaml` exports them (`calico-resources/`), and a few pasted command outputs
 * (beside a node's tarball, or at the top). Deterministic for a seed, with faults for the rules: a
 * BGP pair stuck in `start` (SYN_SENT in netstat, no routes either way), one node missing another's
 * block route, one node with an empty `cali-nat-outgoing` chain; everything else healthy.
 */
export async function generateBundles(opts: GenerateOptions): Promise<GenerateResult> {
  const started = process.hrtime.bigint();
  const nodes = opts.nodes ?? 20;
  const totalBytes = opts.totalBytes ?? 2e9;
  const seed = opts.seed ?? 1;
  const rotateBytes = opts.rotateBytes ?? 10_000_000;
  const cd = clusterDiagsPlan(nodes);
  const cdNodes = cd.archives * cd.nodesPerArchive;
  const estimate = totalBytes / (nodes + CLUSTER_DIAGS_WEIGHT * cdNodes);
  const services = Math.max(20, Math.floor((estimate * SHARE.ipv4Tables * 0.45) / SERVICE_BYTES));
  // Partner egress rules (~1.3 KB each in every node's filter table: a match block of 4-12 CIDRs) fill half the iptables share beside the fixed chains.
  const policyRules = Math.max(10, Math.floor((estimate * SHARE.ipv4Tables * 0.5 - 200_000) / 1300));
  // A pod costs ~8 KB of endpoint and policy chains: small sets get fewer pods so the iptables share holds.
  const maxPods = Math.max(3, Math.floor((estimate * 0.03) / 8000));
  const c = planCluster(seed, nodes, services, { policyRules, maxPods, clusterDiagsNodes: cdNodes });
  mkdirSync(opts.dir, { recursive: true });

  // The small files first: what they take comes off the budget of the archives.
  const files: GeneratedFile[] = [];
  const loose = (rel: string, text: string, kind: GeneratedFile['kind'], extra: Partial<GeneratedFile> = {}): void => {
    const path = join(opts.dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, 'latin1');
    files.push({ path, kind, bytes: Buffer.byteLength(text, 'latin1'), ...extra });
  };
  for (const [name, text] of calicoctlExports(c)) loose(join('calico-resources', name), text, 'calico-yaml');
  for (const p of planPastes(c)) loose(p.path, p.text, 'attachment', { kinds: p.kinds, ...(p.node !== undefined ? { node: p.node } : {}) });
  const looseBytes = files.reduce((s, f) => s + f.bytes, 0);
  const budget = Math.max(0, totalBytes - looseBytes) / (nodes + CLUSTER_DIAGS_WEIGHT * cdNodes);

  const bundles: GeneratedBundle[] = [];
  const archive = async (entries: TarEntry[], path: string, mtime: number, row: Omit<GeneratedBundle, 'path' | 'uncompressedBytes' | 'compressedBytes' | 'entries'>): Promise<void> => {
    mkdirSync(dirname(path), { recursive: true });
    await writeTarball(path, entries, new Date(mtime));
    const uncompressedBytes = entries.reduce((s, e) => s + (e.size ?? 0), 0);
    const compressedBytes = statSync(path).size;
    bundles.push({ ...row, path, uncompressedBytes, compressedBytes, entries: entries.length });
    opts.onProgress?.(`${row.hostname}: ${(uncompressedBytes / 1e6).toFixed(1)} MB -> ${(compressedBytes / 1e6).toFixed(1)} MB (${(uncompressedBytes / compressedBytes).toFixed(1)}x)`);
  };
  const withTmp = async (fn: (tmp: string) => Promise<void>): Promise<void> => {
    const tmp = mkdtempSync(join(tmpdir(), 'calico-diags-gen-'));
    try {
      await fn(tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  };
  for (const n of c.nodes.filter((x) => x.format === 'node-diags')) {
    await withTmp(async (tmp) => {
      const entries = generateNodeFiles(tmp, c, n, budget, rotateBytes);
      const path = join(opts.dir, n.hostname, tarballName(c.endMs + 30_000 + n.index * 1000));
      await archive(entries, path, c.endMs + 30_000, { format: 'node-diags', hostname: n.hostname, ip: n.ip, block: n.block, nodes: [n.hostname] });
    });
  }
  const covered = c.nodes.filter((x) => x.format === 'cluster-diags');
  for (let a = 0; a < cd.archives; a++) {
    const part = covered.slice(a * cd.nodesPerArchive, (a + 1) * cd.nodesPerArchive);
    const at = c.endMs + 90_000 + a * 3_600_000;
    const top = clusterDiagsName(at);
    await withTmp(async (tmp) => {
      const entries = clusterDiagsEntries(tmp, c, part, budget * CLUSTER_DIAGS_WEIGHT, top);
      await archive(entries, join(opts.dir, `${top}.tar.gz`), at, { format: 'cluster-diags', hostname: top, ip: part[0]!.ip, block: part[0]!.block, nodes: part.map((x) => x.hostname) });
    });
  }
  const uncompressedBytes = bundles.reduce((s, b) => s + b.uncompressedBytes, 0) + looseBytes;
  const compressedBytes = bundles.reduce((s, b) => s + b.compressedBytes, 0) + looseBytes;
  return {
    dir: opts.dir,
    seed,
    bundles,
    files,
    uncompressedBytes,
    compressedBytes,
    gzipRatio: uncompressedBytes / compressedBytes,
    faults: describeFaults(c.faults, c),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

function describeFaults(f: SynthFaults, c: SynthCluster): GenerateResult['faults'] {
  const h = (i: number): string => (c.nodes[i] as SynthNode).hostname;
  const out: GenerateResult['faults'] = {};
  if (f.bgpStuck) out.bgpStuck = { initiator: h(f.bgpStuck.initiator), passive: h(f.bgpStuck.passive) };
  if (f.routeMissing) out.routeMissing = { on: h(f.routeMissing.on), missingBlockOf: h(f.routeMissing.missingBlockOf) };
  if (f.natOutgoingMissing !== undefined) out.natOutgoingMissing = h(f.natOutgoingMissing);
  return out;
}

export const GENERATOR_USAGE = `usage: node dist/bench/generate-bundles.js [dir] [bytes] [nodes] [seed]
  Writes a format-faithful ticket for the bench: calicoctl node diags bundles (one folder per node),
  cluster diags archives for further nodes, exported Calico YAML and pasted command outputs.
  dir     output folder (default: <tmp>/calico-diags-bundles)
  bytes   total uncompressed size, e.g. 1e8 (default: 1e8)
  nodes   number of nodes (default: 4)
  seed    generator seed (default: 1)
  -h, --help  print this and exit`;

export type GeneratorArgs = { help: true } | { help: false; error: string } | { help: false; opts: GenerateOptions };

/** Reads the quick-look command line: never takes an option (`--help`, `-x`) as the output folder. */
export function parseGeneratorArgs(argv: string[]): GeneratorArgs {
  if (argv.some((a) => a === '-h' || a === '--help')) return { help: true };
  const option = argv.find((a) => a.startsWith('-') && Number.isNaN(Number(a)));
  if (option !== undefined) return { help: false, error: `unknown option ${option}` };
  const [dir = join(tmpdir(), 'calico-diags-bundles'), size = '1e8', nodes = '4', seed = '1'] = argv;
  for (const [name, v] of [['bytes', size], ['nodes', nodes], ['seed', seed]] as const) {
    if (!Number.isFinite(Number(v)) || Number(v) <= 0) return { help: false, error: `${name} must be a positive number, got ${JSON.stringify(v)}` };
  }
  return { help: false, opts: { dir, totalBytes: Number(size), nodes: Number(nodes), seed: Number(seed) } };
}

// `node dist/bench/generate-bundles.js <dir> [bytes] [nodes] [seed]` for a quick look.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = parseGeneratorArgs(process.argv.slice(2));
  if (args.help) {
    console.log(GENERATOR_USAGE);
  } else if ('error' in args) {
    console.error(`generate-bundles: ${args.error}\n${GENERATOR_USAGE}`);
    process.exitCode = 2;
  } else {
    generateBundles({ ...args.opts, onProgress: (m) => console.error(m) })
      .then((r) => console.log(JSON.stringify({ ...r, bundles: r.bundles.length }, null, 2)))
      .catch((e: unknown) => { console.error(e); process.exitCode = 1; });
  }
}
