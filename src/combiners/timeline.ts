/**
 * T7 one timeline across nodes: BIRD state changes and errors, and WARNING-or-worse lines
 * of felix/confd/cni/calico-node, ordered by time (svlogd stamps are UTC; Calico's own
 * stamps are container-local time, normally UTC). Capped, with a count of what was left out.
 * Each node's clock offset (T7, `clock-offsets.ts`) is listed; offsets measured at both ends of a BGP
 * session (not those from dates alone, which include the gap between collections) correct the
 * node's stamps, the raw stamp kept in `rawTime`.
 */
import type { ClockTable, Timeline, TimelineEvent } from '../model/derived.js';
import type { NodeModel } from '../model/node.js';
import type { BirdEvent, BirdLogSummary, CalicoLogSummary } from '../model/facts.js';

export const TIMELINE_CAP = 500;

/** `2024-03-15T00:46:55.80123`, `2016-03-30_19:50:39.34382` or `2024-03-15 00:46:55.752` → ISO UTC. */
export function toIso(stamp: string | undefined): string | undefined {
  if (stamp === undefined || stamp.length < 19) return undefined;
  // YYYY-MM-DD, a separator, HH:MM:SS (checked by char codes: this runs for every timeline event).
  for (let i = 0; i < 19; i++) {
    const c = stamp.charCodeAt(i);
    if (i === 4 || i === 7) {
      if (c !== 45) return undefined;
    } else if (i === 13 || i === 16) {
      if (c !== 58) return undefined;
    } else if (i !== 10 && (c < 48 || c > 57)) return undefined;
  }
  const frac = stamp.length > 20 && stamp[19] === '.' ? (stamp.slice(20, 23) + '000').slice(0, 3) : '000';
  return `${stamp.slice(0, 10)}T${stamp.slice(11, 19)}.${frac}Z`;
}

function birdEvents(node: NodeModel, s: BirdLogSummary | undefined, out: TimelineEvent[]): void {
  if (s === undefined) return;
  const push = (e: BirdEvent, level: TimelineEvent['level']) => {
    const time = toIso(e.time);
    if (time === undefined) return;
    out.push({ time, node: node.name, source: s.daemon, text: e.text, file: e.file, line: e.line, level });
  };
  for (const e of s.events) push(e, e.kind === 'config-missing' || e.kind === 'config-error' || e.kind === 'another-bird' || e.kind === 'startup-error' ? 'error' : e.kind === 'unknown-connect' ? 'warning' : 'info');
  for (const p of Object.values(s.protocols)) {
    for (const e of p.errors) push(e, 'error');
    if (p.lastStateRef !== undefined) push(p.lastStateRef, p.lastState === 'up' ? 'info' : 'warning');
  }
}

function calicoEvents(node: NodeModel, s: CalicoLogSummary | undefined, out: TimelineEvent[]): void {
  if (s === undefined) return;
  for (const r of s.notable) {
    const time = toIso(r.svTime ?? r.time) ?? toIso(r.time);
    if (time === undefined) continue;
    const level = r.level === 'WARNING' ? 'warning' : r.level === 'INFO' || r.level === 'DEBUG' ? 'info' : 'error';
    out.push({ time, node: node.name, source: s.daemon, text: r.text, file: r.file, line: r.line, level });
  }
}

/** Offsets below this are not applied: the two ends of a session log `up` a few seconds apart at most (= SAME_CLOCK_SECONDS). */
const APPLY_MIN_SECONDS = 5;

export function timeline(nodes: NodeModel[], cap = TIMELINE_CAP, clock?: ClockTable): Timeline {
  const all: TimelineEvent[] = [];
  const offsets = (clock?.offsets ?? []).map((o) => ({
    node: o.node,
    offsetSeconds: o.offsetSeconds,
    basis: o.basis,
    applied: o.basis === 'bgp' && Math.abs(o.offsetSeconds) >= APPLY_MIN_SECONDS,
  }));
  for (const n of nodes) {
    const start = all.length;
    birdEvents(n, n.bird, all);
    birdEvents(n, n.bird6, all);
    calicoEvents(n, n.felix, all);
    calicoEvents(n, n.confd, all);
    calicoEvents(n, n.cni, all);
    calicoEvents(n, n.agent, all);
    calicoEvents(n, n.containerLog, all);
    const o = offsets.find((x) => x.node === n.name && x.applied);
    if (o === undefined) continue;
    // Only this node's events, and only when its clock is off: one Date parse per event.
    const shift = o.offsetSeconds * 1000;
    for (let i = start; i < all.length; i++) {
      const e = all[i]!;
      const ms = Date.parse(e.time);
      if (Number.isNaN(ms)) continue;
      e.rawTime = e.time;
      e.time = new Date(ms - shift).toISOString();
    }
  }
  // One sort by (time, node, file, line); the same line reached twice (a state change that is also
  // an error) is kept once.
  const cmp = (a: TimelineEvent, b: TimelineEvent): number =>
    a.time < b.time ? -1 : a.time > b.time ? 1 : a.node < b.node ? -1 : a.node > b.node ? 1 : a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
  all.sort(cmp);
  const sorted: TimelineEvent[] = [];
  for (const e of all) {
    const prev = sorted[sorted.length - 1];
    if (prev !== undefined && cmp(prev, e) === 0) sorted[sorted.length - 1] = e;
    else sorted.push(e);
  }
  const withOffsets = offsets.length > 0 ? { offsets } : {};
  if (sorted.length <= cap) return { events: sorted, dropped: 0, ...withOffsets };
  // Keep errors first, then warnings, then the rest (each in time order), and show the kept ones in time order.
  const rank = { error: 0, warning: 1, info: 2 } as const;
  const perRank = [0, 0, 0];
  for (const e of sorted) perRank[rank[e.level]]!++;
  const quota = [0, 0, 0];
  let left = cap;
  for (let r = 0; r < 3; r++) {
    quota[r] = Math.min(perRank[r]!, left);
    left -= quota[r]!;
  }
  const events = sorted.filter((e) => quota[rank[e.level]]!-- > 0);
  return { events, dropped: sorted.length - cap, ...withOffsets };
}
