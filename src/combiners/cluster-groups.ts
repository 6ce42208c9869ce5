/**
 * Sorts what the inputs yielded into clusters before any rule runs. A folder holding the samples of
 * several clusters (each with its own node-a, node-b, …) must not become one cluster of 38 nodes.
 *
 * Evidence, strongest first:
 * - `--cluster <name>=<inputs>`: the engineer says so;
 * - one archive or one bundle root never splits (a `calicoctl cluster diags` archive is one cluster);
 * - a hostname given twice with different content (other MAC or addresses, or another log history: not a
 *   later snapshot of the same host, see `machineMatch`) means two clusters;
 * - folder structure: when a folder's bundles conflict, its subfolders are tried as clusters;
 * - node addresses: bundles given side by side that share no subnet, no pod block range (/16), and neither
 *   route to nor peer with each other's addresses are separate clusters.
 * Resource YAML and pasted files go to the cluster whose bundles sit nearest to them in the folder tree.
 */
import type { NodeFacts } from '../model/node.js';
import type { CalicoResource } from '../model/facts.js';
import type { SourceResult } from '../bundle/source-result.js';
import type { AttachmentFile } from '../bundle/read-attachment.js';

export interface ClusterGroup {
  /** Short, unique, from the folder (or `--cluster`): `healthy`, `cluster-2`. */
  name: string;
  /** Why these inputs are one cluster (and apart from the others), one sentence each. */
  why: string[];
  sources: SourceResult[];
}

/** `--cluster <name>=<inputs>`: resolved input paths (files or folders) per cluster name. */
export type ClusterOverrides = ReadonlyMap<string, readonly string[]>;

interface Unit {
  /** Path components from the input root to the bundle (archive members after `!`). */
  parts: string[];
  nodes: NodeFacts[];
  /** The override cluster, if any. */
  forced?: string;
}

/** Path components; an archive keeps its `!` (`ticket.zip!`), so a path shown again reads `ticket.zip!/prod`. */
function pathParts(p: string): string[] {
  return p.split(/[/\\]+/).filter((x) => x.length > 0 && x !== '.' && x !== '!');
}

function nodePath(f: NodeFacts): string {
  return f.root.length > 0 ? `${f.input}/${f.root}` : f.input;
}

/** A file's full path: as given when it is the input or under it, else in the folder or inside the archive `input`. */
function fullPath(input: string, file: string, folder: boolean): string {
  if (under(file, [input])) return file;
  return `${input}${folder ? '/' : '!/'}${file}`;
}

function resourcePath(r: CalicoResource, s: SourceResult): string {
  return fullPath(r.ref.input, r.ref.file, s.kind === 'directory' && r.ref.input === s.path);
}

function attachmentPath(a: AttachmentFile, s: SourceResult): string {
  // a pasted file found in a folder is a source of its own, whose path is the folder's joined with the file
  return fullPath(a.input, a.file, (s.kind === 'directory' && a.input === s.path) || s.path === `${a.input}/${a.file}`);
}

/** Interfaces that identify a machine: not loopback, not Calico's own veths and tunnels. */
function hostInterfaces(f: NodeFacts): { macs: string[]; addrs: string[] } {
  const macs: string[] = [];
  const addrs: string[] = [];
  for (const i of f.interfaces4) {
    if (i.name === 'lo' || i.name.startsWith('cali') || i.name === 'tunl0' || i.name.startsWith('vxlan') || i.name.startsWith('wireguard')) continue;
    if (i.addresses.length === 0) continue;
    if (i.mac !== undefined && i.mac !== '00:00:00:00:00:00') macs.push(i.mac);
    for (const a of i.addresses) addrs.push(a.cidr);
  }
  return { macs: macs.sort(), addrs: addrs.sort() };
}

/** The first line of each cumulative log a bundle holds (svlogd appends; only a rotation moves it). */
function logStarts(f: NodeFacts): Map<string, { time: string; pids: number[] }> {
  const out = new Map<string, { time: string; pids: number[] }>();
  const add = (log: string, time: string | undefined, pids: number[] = []) => {
    if (time !== undefined) out.set(log, { time, pids });
  };
  add('Felix', f.felix?.firstTime, f.felix?.pids);
  add('confd', f.confd?.firstTime, f.confd?.pids);
  add('BIRD', f.bird?.firstTime);
  add('BIRD6', f.bird6?.firstTime);
  add('calico-node container', f.containerLog?.firstTime, f.containerLog?.pids);
  return out;
}

/** Same machine (and, for snapshots whose logs were rotated in between, why that is still one machine) or not. */
export type MachineMatch = { same: false } | { same: true; rotated?: string };

/**
 * Two bundles with one hostname are the same machine (snapshots, or the same bundle twice) unless their MACs
 * or addresses differ, or their log histories do. Logs are cumulative: a later snapshot of one host still
 * holds the lines the earlier one began with, so logs that start at different times are two machines (the lab
 * samples of 13 clusters each have a node-a with the same address and no MAC), except for a rotation between
 * the collections, taken only when all of these hold:
 * - at least one log starts at the very same moment in both (the same history);
 * - every log that starts elsewhere starts later in the later bundle (by `date`), and, for the Go daemons,
 *   its first process is one the earlier bundle saw (the same PID writing on, not a new start).
 */
export function machineMatch(a: NodeFacts, b: NodeFacts): MachineMatch {
  const ha = hostInterfaces(a);
  const hb = hostInterfaces(b);
  if (ha.macs.length > 0 && hb.macs.length > 0 && !ha.macs.some((m) => hb.macs.includes(m))) return { same: false };
  if (ha.addrs.length > 0 && hb.addrs.length > 0 && ha.addrs.join(',') !== hb.addrs.join(',')) return { same: false };
  const la = logStarts(a);
  const lb = logStarts(b);
  const shared = [...la.keys()].filter((k) => lb.has(k));
  const moved = shared.filter((k) => la.get(k)!.time !== lb.get(k)!.time);
  if (moved.length === 0) return { same: true };
  const kept = shared.filter((k) => la.get(k)!.time === lb.get(k)!.time);
  const ta = time(a.date?.iso);
  const tb = time(b.date?.iso);
  if (kept.length === 0 || !Number.isFinite(ta) || !Number.isFinite(tb) || ta === tb) return { same: false };
  const [early, late] = ta < tb ? [la, lb] : [lb, la];
  for (const k of moved) {
    const e = early.get(k)!;
    const l = late.get(k)!;
    if (!(time(l.time) > time(e.time))) return { same: false };
    if (l.pids.length > 0 && e.pids.length > 0 && !e.pids.includes(l.pids[0]!)) return { same: false };
  }
  const [first, second] = ta < tb ? [a, b] : [b, a];
  const list = (xs: string[]) => (xs.length === 1 ? xs[0]! : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
  return {
    same: true,
    rotated:
      `${a.hostname ?? 'a host'} is given twice, collected at ${first.date!.iso} and ${second.date!.iso}: snapshots of one node, ` +
      `its ${list(moved)} log${moved.length === 1 ? ' was' : 's were'} rotated in between (${list(moved.map((k) => `${k} from ${early.get(k)!.time} then ${late.get(k)!.time}`))}, the same process writing on) ` +
      `and its ${list(kept)} log${kept.length === 1 ? ' starts' : 's start'} at the same moment in both`,
  };
}

export function sameMachine(a: NodeFacts, b: NodeFacts): boolean {
  return machineMatch(a, b).same;
}

function time(t: string | undefined): number {
  if (t === undefined) return NaN;
  const iso = /^\d{4}-\d{2}-\d{2}[ _]\d/.test(t) ? t.replace(/[ _]/, 'T') + (/[Zz]|[+-]\d{2}:?\d{2}$/.test(t) ? '' : 'Z') : t;
  return Date.parse(iso);
}

/** The first pair of bundles in `units` that share a hostname but are different machines. */
function conflict(units: Unit[]): { host: string; a: Unit; b: Unit } | undefined {
  const byHost = new Map<string, { f: NodeFacts; u: Unit }[]>();
  for (const u of units) {
    for (const f of u.nodes) {
      if (f.hostname === undefined) continue;
      const list = byHost.get(f.hostname) ?? [];
      for (const o of list) if (o.u !== u && !sameMachine(o.f, f)) return { host: f.hostname, a: o.u, b: u };
      list.push({ f, u });
      byHost.set(f.hostname, list);
    }
  }
  return undefined;
}

function networks(u: Unit): Set<string> {
  const out = new Set<string>();
  for (const f of u.nodes) {
    for (const cidr of hostInterfaces(f).addrs) {
      const [ip, len] = cidr.split('/');
      const n = Number(len);
      if (ip === undefined || !Number.isFinite(n) || n >= 31 || ip.includes(':')) continue;
      const octets = ip.split('.').map(Number);
      if (octets.length !== 4) continue;
      const v = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
      const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
      out.add(`${(v & mask) >>> 0}/${n}`);
    }
  }
  return out;
}

function addressesOf(u: Unit): Set<string> {
  const out = new Set<string>();
  for (const f of u.nodes) for (const a of hostInterfaces(f).addrs) out.add(a.split('/')[0]!);
  return out;
}

/** Addresses this unit points at: route gateways and BIRD peers (named even when the session is down). */
function gateways(u: Unit): Set<string> {
  const out = new Set<string>();
  for (const f of u.nodes) {
    for (const r of f.routes4) {
      if (r.via !== undefined) out.add(r.via);
      for (const h of r.nexthops ?? []) if (h.via !== undefined) out.add(h.via);
    }
    for (const p of [...Object.values(f.bird?.protocols ?? {}), ...Object.values(f.containerBird?.protocols ?? {})]) if (p.peerIP !== undefined) out.add(p.peerIP);
  }
  return out;
}

/** The /16s of the pod blocks this unit holds (blackhole routes Calico adds for its own blocks). */
function blockRanges(u: Unit): Set<string> {
  const out = new Set<string>();
  for (const f of u.nodes) {
    for (const r of f.routes4) {
      if (r.type !== 'blackhole' || !r.dst.includes('/')) continue;
      const o = r.dst.split('/')[0]!.split('.');
      if (o.length === 4) out.add(`${o[0]}.${o[1]}`);
    }
  }
  return out;
}

/** Bundles linked by a shared subnet or a route through each other's address; units without addresses link to all. */
function components(units: Unit[]): Unit[][] {
  const info = units.map((u) => ({ u, nets: networks(u), addrs: addressesOf(u), gws: gateways(u), blocks: blockRanges(u) }));
  const known = info.filter((i) => i.nets.size > 0);
  const parent = known.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < known.length; i++) {
    for (let j = i + 1; j < known.length; j++) {
      const a = known[i]!;
      const b = known[j]!;
      // Any shared trait links (a false split would hide a cause; a false merge is what the conflict test catches).
      const linked =
        [...a.nets].some((n) => b.nets.has(n)) ||
        [...a.gws].some((g) => b.addrs.has(g)) ||
        [...b.gws].some((g) => a.addrs.has(g)) ||
        [...a.blocks].some((x) => b.blocks.has(x));
      if (linked) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, Unit[]>();
  known.forEach((k, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), k.u]));
  const out = [...groups.values()];
  if (out.length === 0) return [units];
  // Bundles without addresses stay with the first group (they cannot be told apart).
  for (const i of info) if (i.nets.size === 0) out[0]!.push(i.u);
  return out;
}

interface Draft {
  units: Unit[];
  why: string[];
  /** Folder path shared by its units. */
  folder: string[];
}

function commonPrefix(lists: string[][]): string[] {
  if (lists.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const c = lists[0]![i];
    if (c === undefined || lists.some((l) => l[i] !== c || l.length <= i + 1)) return out;
    out.push(c);
  }
}

function shown(parts: string[]): string {
  return parts.length > 0 ? parts.join('/') : '.';
}

/** Splits units into clusters: by folder where a folder's bundles conflict, else by conflicts and address islands. */
function split(units: Unit[], depth: number): Draft[] {
  const folder = commonPrefix(units.map((u) => u.parts));
  const c = conflict(units);
  if (c === undefined) {
    const comps = depth === 0 ? components(units) : [units];
    if (comps.length <= 1) return [{ units, why: [], folder }];
    return comps.map((us) => ({
      units: us,
      folder: commonPrefix(us.map((u) => u.parts)),
      why: ['its bundles share no subnet and no pod block range with the other inputs, and neither route to nor peer with their addresses'],
    }));
  }
  const why = `hostname ${c.host} appears in ${shown(c.a.parts)} and ${shown(c.b.parts)} with different interfaces or addresses (two machines, not snapshots of one)`;
  // Split by the next folder below the common one.
  const buckets = new Map<string, Unit[]>();
  for (const u of units) {
    const key = u.parts.length > folder.length + 1 ? u.parts[folder.length]! : '';
    buckets.set(key, [...(buckets.get(key) ?? []), u]);
  }
  let drafts: Draft[];
  if (buckets.size > 1 && !buckets.has('')) {
    drafts = [...buckets.values()].flatMap((us) => split(us, depth + 1));
  } else {
    // No folder to tell them apart: place each bundle in the first group it does not conflict with.
    const groups: Unit[][] = [];
    for (const u of units) {
      const g = groups.find((list) => conflict([...list, u]) === undefined);
      if (g !== undefined) g.push(u);
      else groups.push([u]);
    }
    drafts = groups.map((us) => ({ units: us, why: [], folder: commonPrefix(us.map((u) => u.parts)) }));
  }
  return drafts.map((d) => {
    const other = drafts.find((o) => o !== d && crossConflict(d.units, o.units) !== undefined);
    const x = other !== undefined ? crossConflict(d.units, other.units)! : undefined;
    const reason = x !== undefined
      ? `kept apart from ${shown(other!.folder)}: hostname ${x.host} is in ${shown(x.a.parts)} and ${shown(x.b.parts)} with different interfaces, addresses or log history (two machines, not snapshots of one)`
      : why;
    return { ...d, why: [...d.why, `grouped by folder ${shown(d.folder)}`, reason] };
  });
}

/** Why bundles of one host whose logs start at different times are still one node's snapshots (one sentence each). */
function rotatedSnapshots(units: Unit[]): string[] {
  const out: string[] = [];
  const all = units.flatMap((u) => u.nodes.map((f) => ({ f, u })));
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const x = all[i]!;
      const y = all[j]!;
      if (x.u === y.u || x.f.hostname === undefined || x.f.hostname !== y.f.hostname) continue;
      const m = machineMatch(x.f, y.f);
      if (m.same && m.rotated !== undefined) out.push(m.rotated);
    }
  }
  return out;
}

function crossConflict(a: Unit[], b: Unit[]): { host: string; a: Unit; b: Unit } | undefined {
  for (const ua of a) for (const ub of b) {
    const c = conflict([ua, ub]);
    if (c !== undefined) return c;
  }
  return undefined;
}

function nearest<T extends { parts: string[] }>(groups: T[], parts: string[]): T | undefined {
  let best: T | undefined;
  let bestLen = -1;
  for (const g of groups) {
    let n = 0;
    while (n < g.parts.length && n < parts.length && g.parts[n] === parts[n]) n++;
    if (n > bestLen) {
      best = g;
      bestLen = n;
    }
  }
  return best;
}

function under(path: string, inputs: readonly string[]): boolean {
  return inputs.some((i) => path === i || path.startsWith(i + '/') || path.startsWith(i + '!'));
}

/**
 * Groups the sources into clusters. With one cluster the sources come back as given (one group, no split),
 * so a single-cluster run is exactly what it was.
 */
export function groupClusters(sources: SourceResult[], opts: { overrides?: ClusterOverrides; resolve?: (p: string) => string } = {}): ClusterGroup[] {
  const abs = opts.resolve ?? ((p: string) => p);
  const units: Unit[] = [];
  const unitOf = new Map<NodeFacts, Unit>();
  for (const s of sources) {
    // One archive (or one bundle root of a folder) is one unit: a cluster diags archive never splits.
    const byRoot = new Map<string, NodeFacts[]>();
    for (const f of s.nodes) {
      const key = s.kind === 'directory' ? nodePath(f) : f.input;
      byRoot.set(key, [...(byRoot.get(key) ?? []), f]);
    }
    for (const [key, nodes] of byRoot) {
      const u: Unit = { parts: pathParts(key), nodes };
      for (const [name, inputs] of opts.overrides ?? []) if (under(abs(key), inputs.map(abs))) u.forced = name;
      units.push(u);
      for (const f of nodes) unitOf.set(f, u);
    }
  }
  const forcedNames = [...(opts.overrides?.keys() ?? [])];
  const drafts: (Draft & { name?: string; forced?: string })[] = [];
  for (const name of forcedNames) {
    const us = units.filter((u) => u.forced === name);
    // A `--cluster` naming no bundle makes no cluster (its YAML or pasted files go to the nearest one).
    if (us.length === 0) continue;
    drafts.push({ name, forced: name, units: us, folder: commonPrefix(us.map((u) => u.parts)), why: [`--cluster ${name}= names these inputs`] });
  }
  const free = units.filter((u) => u.forced === undefined);
  if (free.length > 0) drafts.push(...split(free, 0));
  // Where resources and pasted files go: the cluster nearest in the folder tree.
  const placed = drafts.map((d) => ({ d, parts: d.folder }));
  const targetFor = (path: string): Draft => {
    const a = abs(path);
    for (const d of drafts) if (d.forced !== undefined && opts.overrides?.get(d.forced) !== undefined && under(a, opts.overrides!.get(d.forced)!.map(abs))) return d;
    return nearest(placed, pathParts(path))?.d ?? drafts[0]!;
  };
  const snapshotsOf = new Map(drafts.map((d) => [d, rotatedSnapshots(d.units)]));
  if (drafts.length <= 1) {
    const name = drafts[0]?.name ?? 'cluster';
    return [{ name, why: [...(drafts[0]?.why ?? []), ...(drafts[0] !== undefined ? snapshotsOf.get(drafts[0])! : [])], sources }];
  }
  // Names: the folder that sets each cluster apart, made unique.
  const names = new Set<string>();
  drafts.forEach((d, i) => {
    let base = (d.name ?? d.folder[d.folder.length - 1] ?? `cluster-${i + 1}`).replace(/!$/, '');
    base = base.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || `cluster-${i + 1}`;
    let n = base;
    for (let k = 2; names.has(n); k++) n = `${base}-${k}`;
    names.add(n);
    d.name = n;
  });
  const out = new Map<Draft, SourceResult[]>();
  for (const d of drafts) out.set(d, []);
  const push = (d: Draft, s: SourceResult, part: Partial<SourceResult>) => {
    const list = out.get(d)!;
    let row = list.find((x) => x.path === s.path);
    if (row === undefined) {
      row = { ...s, nodes: [], resources: [], problems: [], ...(s.attachments !== undefined ? { attachments: [] } : {}) };
      list.push(row);
    }
    row.nodes.push(...(part.nodes ?? []));
    row.resources.push(...(part.resources ?? []));
    if (part.attachments !== undefined) row.attachments = [...(row.attachments ?? []), ...part.attachments];
    row.problems.push(...(part.problems ?? []));
  };
  for (const s of sources) {
    const home = s.nodes.length > 0 ? drafts.find((d) => d.units.includes(unitOf.get(s.nodes[0]!)!))! : targetFor(s.kind === 'attachment' ? s.path : s.path);
    // Problems of the input go with its first cluster.
    push(home, s, { problems: s.problems });
    for (const f of s.nodes) push(drafts.find((d) => d.units.includes(unitOf.get(f)!))!, s, { nodes: [f] });
    for (const r of s.resources) push(targetFor(resourcePath(r, s)), s, { resources: [r] });
    for (const a of s.attachments ?? []) push(targetFor(attachmentPath(a, s)), s, { attachments: [a] });
  }
  return drafts.map((d) => ({ name: d.name!, why: [...(d.why.length > 0 ? d.why : ['its inputs share a folder and no hostname conflicts']), ...snapshotsOf.get(d)!], sources: out.get(d)! }));
}
