/**
 * The timeline as a picture: one row per node, every event at its UTC time on one shared axis (the
 * timeline already holds each node's stamps corrected by its measured clock offset), coloured by level,
 * and the first failure (the earliest error, else the earliest warning) marked with a line across.
 */
import type { Report } from './report-types.js';

export interface TimelineChart {
  width: number;
  height: number;
  rows: { name: string; y: number; label: string; x0: number; x1: number; lx: number }[];
  ticks: { x: number; label: string; y1: number; y2: number; ty: number }[];
  marks: { x: number; y: number; cls: string; title: string }[];
  hasFirst: boolean;
  first: { x: number; y1: number; y2: number; label: string; lx: number; anchor: 'start' | 'end'; title: string };
  axisY: number;
  x0: number;
  x1: number;
  /** Events whose stamp could not be placed on the axis (no date). */
  unplaced: number;
}

const W = 960;
const LABEL_W = 240;
const ROW_H = 22;
const TOP = 34;

function hhmmss(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function timelineChart(report: Report, cap: number): TimelineChart | undefined {
  const events = report.timeline.events.slice(0, cap);
  const placed = events.map((e) => ({ e, t: Date.parse(e.time) })).filter((p) => Number.isFinite(p.t) && /^\d{4}-\d{2}-\d{2}T/.test(p.e.time));
  if (placed.length === 0) return undefined;
  const offsets = new Map((report.timeline.offsets ?? []).map((o) => [o.node, o]));
  const names = [...new Set([...report.nodes.map((n) => n.name).filter((n) => placed.some((p) => p.e.node === n)), ...placed.map((p) => p.e.node)])];
  const rowOf = new Map(names.map((n, i) => [n, i]));
  let t0 = Math.min(...placed.map((p) => p.t));
  let t1 = Math.max(...placed.map((p) => p.t));
  if (t1 - t0 < 1000) {
    t0 -= 500;
    t1 += 500;
  }
  const x0 = LABEL_W;
  const x1 = W - 50;
  const xOf = (t: number) => Math.round((x0 + ((t - t0) / (t1 - t0)) * (x1 - x0)) * 10) / 10;
  const rows = names.map((name, i) => {
    const o = offsets.get(name);
    const shift = o !== undefined && o.applied && o.offsetSeconds !== 0 ? ` (clock ${o.offsetSeconds > 0 ? '+' : ''}${Math.round(o.offsetSeconds * 10) / 10} s, corrected)` : '';
    return { name, y: TOP + i * ROW_H + ROW_H / 2, label: `${name}${shift}`, x0, x1, lx: x0 - 8 };
  });
  const marks = placed.map(({ e, t }) => ({
    x: xOf(t),
    y: TOP + rowOf.get(e.node)! * ROW_H + ROW_H / 2,
    cls: `tl-${e.level}`,
    title: `${e.time} ${e.node} ${e.source} ${e.file}:${e.line}${e.rawTime !== undefined ? ` (as written ${e.rawTime})` : ''}\n${e.text}`,
  }));
  const bottom = TOP + names.length * ROW_H;
  const ticks: TimelineChart['ticks'] = [];
  const n = 6;
  for (let i = 0; i <= n; i++) {
    const t = t0 + ((t1 - t0) * i) / n;
    ticks.push({ x: xOf(t), label: t1 - t0 < 10_000 ? new Date(t).toISOString().slice(11, 22) : hhmmss(t), y1: TOP - 4, y2: bottom + 4, ty: bottom + 18 });
  }
  const firstOf = (level: string) => placed.filter((p) => p.e.level === level).sort((a, b) => a.t - b.t)[0];
  const f = firstOf('error') ?? firstOf('warning');
  const none = { x: 0, y1: 0, y2: 0, label: '', lx: 0, anchor: 'start' as const, title: '' };
  const first = f
    ? (() => {
        const x = xOf(f.t);
        const right = x > (x0 + x1) / 2;
        return {
          x, y1: TOP - 6, y2: bottom, lx: right ? x - 4 : x + 4, anchor: right ? ('end' as const) : ('start' as const),
          label: `first failure ${hhmmss(f.t)} UTC on ${f.e.node}`,
          title: `${f.e.time} ${f.e.node} ${f.e.file}:${f.e.line}\n${f.e.text}`,
        };
      })()
    : none;
  return { width: W, height: bottom + 30, rows, ticks, marks, hasFirst: f !== undefined, first, axisY: bottom + 4, x0, x1, unplaced: events.length - placed.length };
}
