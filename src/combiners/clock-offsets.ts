/**
 * T7 time alignment: how far each node's clock is from the others'. Three clocks of a node are in its
 * bundle: the `date` file, the tarball name `diags-YYYYMMDD_HHMMSS.tar.gz` (both written at collection),
 * and the svlogd stamps of its logs. Dates alone cannot tell a wrong clock from a later collection; the
 * two ends of one BGP session can: both BIRDs log `State changed to up` for the same session within a
 * second of each other, so the difference of the two stamps is the difference of the two clocks.
 *
 * The reference is the node most of its peers agree with (ties: first by name); every other node's
 * offset is measured against it, through a chain of peers when it is not a direct one. Nodes with no
 * BGP session both ends of which logged `up` get a `date`-based offset only (collection gap included).
 */
import type { ClockOffset, ClockTable } from '../model/derived.js';
import type { Evidence } from '../model/finding.js';
import type { NodeModel } from '../model/node.js';
import type { BirdEvent } from '../model/facts.js';
import { lineEvidence } from './evidence.js';
import { toIso } from './timeline.js';

/** Stamps of the two ends that differ by less than this are the same clock (BGP OPEN/KEEPALIVE round trips). */
export const SAME_CLOCK_SECONDS = 5;

const ARCHIVE_RE = /^diags-(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.tar\.gz$/;

/** `diags-20261127_101507.tar.gz` → ms since epoch, read as UTC (calicoctl formats the node's local time). */
export function archiveTime(name: string | undefined): number | undefined {
  const m = name === undefined ? null : ARCHIVE_RE.exec(name);
  if (m === null) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(t) ? undefined : t;
}

/** The node's clock at collection: the `date` file when its zone is known, else (no `date`) the tarball name. */
export function collectionTime(n: NodeModel): { ms: number; evidence: Evidence } | undefined {
  if (n.date?.iso !== undefined) {
    const ms = Date.parse(n.date.iso);
    if (!Number.isNaN(ms)) return { ms, evidence: lineEvidence(n, n.date.file, n.date) };
  }
  // A `date` with a zone abbreviation (CEST) has no known instant; the tarball name is local time in the same
  // zone, so it is no better. The name stands in only when there is no `date` file at all (read as UTC).
  if (n.date !== undefined && n.date.text.trim() !== '') return undefined;
  const a = archiveTime(n.archiveName);
  if (a !== undefined) return { ms: a, evidence: { node: n.name, input: n.input, file: n.archiveName!, line: 0, text: `tarball name ${n.archiveName}` } };
  return undefined;
}

interface Edge {
  a: string;
  b: string;
  /** Clock of a minus clock of b, seconds. */
  delta: number;
  evidence: Evidence[];
}

export function clockOffsets(nodes: NodeModel[]): ClockTable {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const byIP = new Map<string, NodeModel>();
  for (const n of nodes) if (n.nodeIP !== undefined && !byIP.has(n.nodeIP)) byIP.set(n.nodeIP, n);
  // Each node's last `up` per peer node, in one pass over its protocols (file log, else container log).
  const ups = new Map<string, Map<string, BirdEvent>>();
  for (const n of nodes) {
    const mine = new Map<string, BirdEvent>();
    for (const s of [n.bird, n.containerBird]) {
      for (const p of Object.values(s?.protocols ?? {})) {
        const peer = p.peerIP !== undefined ? byIP.get(p.peerIP) : undefined;
        if (peer === undefined || peer === n || mine.has(peer.name)) continue;
        if (p.lastState === 'up' && p.lastStateRef?.time !== undefined) mine.set(peer.name, p.lastStateRef);
      }
      if (mine.size > 0) break;
    }
    ups.set(n.name, mine);
  }
  const edges: Edge[] = [];
  for (const a of nodes) {
    for (const [bName, ea] of ups.get(a.name)!) {
      if (!(a.name < bName)) continue;
      const eb = ups.get(bName)?.get(a.name);
      if (eb === undefined) continue;
      const b = byName.get(bName)!;
      const ta = Date.parse(toIso(ea.time) ?? '');
      const tb = Date.parse(toIso(eb.time) ?? '');
      if (Number.isNaN(ta) || Number.isNaN(tb)) continue;
      edges.push({ a: a.name, b: b.name, delta: (ta - tb) / 1000, evidence: [lineEvidence(a, ea.file, ea), lineEvidence(b, eb.file, eb)] });
    }
  }
  edges.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  const agree = new Map<string, number>();
  const degree = new Map<string, number>();
  for (const e of edges) {
    for (const x of [e.a, e.b]) degree.set(x, (degree.get(x) ?? 0) + 1);
    if (Math.abs(e.delta) < SAME_CLOCK_SECONDS) for (const x of [e.a, e.b]) agree.set(x, (agree.get(x) ?? 0) + 1);
  }
  const names = nodes.map((n) => n.name);
  const dated = names.filter((x) => collectionTime(byName.get(x)!) !== undefined);
  // Reference: most peers agreeing, then most sessions compared, then a node with a date, then by name.
  const ranked = [...names].sort((x, y) =>
    (agree.get(y) ?? 0) - (agree.get(x) ?? 0) || (degree.get(y) ?? 0) - (degree.get(x) ?? 0) || Number(dated.includes(y)) - Number(dated.includes(x)) || (x < y ? -1 : x > y ? 1 : 0),
  );
  const reference = ranked[0];
  if (reference === undefined) return { offsets: [], pairsCompared: 0 };
  const offsets = new Map<string, ClockOffset>();
  offsets.set(reference, { node: reference, offsetSeconds: 0, basis: 'reference', evidence: [] });
  // Breadth-first over the sessions: off(b) = off(a) - delta(a, b).
  const adjacent = new Map<string, Edge[]>();
  for (const e of edges) {
    for (const x of [e.a, e.b]) {
      const list = adjacent.get(x);
      if (list === undefined) adjacent.set(x, [e]);
      else list.push(e);
    }
  }
  const queue = [reference];
  for (let qi = 0; qi < queue.length; qi++) {
    const x = queue[qi]!;
    const ox = offsets.get(x)!.offsetSeconds;
    for (const e of adjacent.get(x) ?? []) {
      const other = e.a === x ? e.b : e.a;
      if (offsets.has(other)) continue;
      const delta = e.a === x ? e.delta : -e.delta; // clock of x minus clock of other
      // This node's own `up` line first, then its peer's.
      const evidence = [...e.evidence].sort((p, q) => Number(q.node === other) - Number(p.node === other));
      offsets.set(other, { node: other, offsetSeconds: round(ox - delta), basis: 'bgp', via: x, evidence });
      queue.push(other);
    }
  }
  const ref = byName.get(reference)!;
  const refTime = collectionTime(ref);
  for (const name of names) {
    const n = byName.get(name)!;
    const t = collectionTime(n);
    const dateDelta = t !== undefined && refTime !== undefined ? round((t.ms - refTime.ms) / 1000) : undefined;
    const o = offsets.get(name);
    if (o !== undefined) {
      if (dateDelta !== undefined) o.dateDeltaSeconds = dateDelta;
      if (t !== undefined && name !== reference) o.evidence = [...o.evidence, t.evidence];
      continue;
    }
    if (dateDelta === undefined) continue;
    offsets.set(name, { node: name, offsetSeconds: dateDelta, basis: 'date', dateDeltaSeconds: dateDelta, evidence: [t!.evidence] });
  }
  if (refTime !== undefined && offsets.size > 1) offsets.get(reference)!.evidence = [refTime.evidence];
  if (offsets.size < 2) return { offsets: [], pairsCompared: edges.length };
  return { reference, offsets: [...offsets.values()].sort((p, q) => (p.node < q.node ? -1 : 1)), pairsCompared: edges.length };
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
