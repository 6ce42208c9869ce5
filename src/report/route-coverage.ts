/**
 * The route coverage matrix as a picture: one square per (row node, column node), coloured by whether
 * the row node has a route to every block of the column node (present), lacks one (missing), or reaches
 * it over an unexpected device (a blackhole or a device that is neither the NIC nor a Calico tunnel).
 */
import type { RouteCell, RouteToBlock } from '../model/derived.js';
import type { Report } from './report-types.js';

export type CoverageState = 'present' | 'missing' | 'wrong-device' | 'self' | 'unknown' | 'no-block';

export const COVERAGE_STATES: { state: CoverageState; label: string; symbol: string }[] = [
  { state: 'present', label: 'route present', symbol: '✓' },
  { state: 'missing', label: 'route missing', symbol: '✗' },
  { state: 'wrong-device', label: 'wrong device (blackhole or unexpected interface)', symbol: '!' },
  { state: 'unknown', label: 'routes not collected', symbol: '?' },
  { state: 'no-block', label: 'no block to reach', symbol: '·' },
  { state: 'self', label: 'self', symbol: '' },
];

export interface CoverageCell { x: number; y: number; w: number; tx: number; ty: number; state: CoverageState; cls: string; symbol: string; title: string }
export interface CoverageMatrix {
  width: number;
  height: number;
  cell: number;
  cols: { name: string; x: number; y: number; transform: string }[];
  rows: { name: string; x: number; y: number }[];
  cells: CoverageCell[];
  legend: { cls: string; label: string; symbol: string }[];
}

function routeText(b: RouteToBlock): string {
  if (!b.route) return `${b.block}: no route`;
  const r = b.route;
  const parts = [r.type !== 'unicast' ? `${r.type} ${r.dst}` : r.dst];
  if (r.via) parts.push(`via ${r.via}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.proto) parts.push(`proto ${r.proto}`);
  if (r.onlink) parts.push('onlink');
  const where = b.evidence ? ` [${b.evidence.file}:${b.evidence.line}]` : '';
  const head = r.dst === b.block ? '' : `${b.block} ← `;
  return `${head}${parts.join(' ')}${b.kind ? ` (${b.kind})` : ''}${where}`;
}

export function coverageState(c: RouteCell): CoverageState {
  if (c.status === 'ok') return c.blocks.some((b) => b.kind === 'blackhole' || b.kind === 'other') ? 'wrong-device' : 'present';
  if (c.status === 'missing') return 'missing';
  return c.status;
}

/** Cells shown at most in each direction (a bigger cluster is cut, and says so). */
export const COVERAGE_MAX_NODES = 60;

export function routeCoverage(report: Report): CoverageMatrix {
  const names = report.routeMatrix.nodes.slice(0, COVERAGE_MAX_NODES);
  const cell = names.length > 30 ? 14 : 22;
  const longest = Math.max(4, ...names.map((n) => n.length));
  const labelW = Math.min(220, longest * 7 + 10);
  const headH = Math.min(200, Math.round(longest * 6.2 + 12));
  const cells: CoverageCell[] = [];
  report.routeMatrix.rows.slice(0, COVERAGE_MAX_NODES).forEach((row, i) => {
    row.slice(0, COVERAGE_MAX_NODES).forEach((c, j) => {
      const state = coverageState(c);
      const meta = COVERAGE_STATES.find((s) => s.state === state)!;
      const x = labelW + j * cell;
      const y = headH + i * cell;
      cells.push({
        x, y, w: cell - 2, tx: x + cell / 2, ty: y + cell / 2 + 4, state, cls: `rc-${state}`, symbol: cell >= 20 ? meta.symbol : '',
        title: [`${c.from} → ${c.to}: ${meta.label}`, ...c.blocks.map(routeText)].join('\n'),
      });
    });
  });
  const used = new Set(cells.map((c) => c.state));
  return {
    width: labelW + names.length * cell + Math.round(headH * 0.55) + 8,
    height: headH + names.length * cell + 8,
    cell,
    cols: names.map((name, j) => {
      const x = labelW + j * cell + cell / 2 + 4;
      return { name, x, y: headH - 6, transform: `rotate(-60 ${x} ${headH - 6})` };
    }),
    rows: names.map((name, i) => ({ name, x: labelW - 6, y: headH + i * cell + cell / 2 + 4 })),
    cells,
    legend: COVERAGE_STATES.filter((s) => used.has(s.state) && s.state !== 'self').map((s) => ({ cls: `rc-${s.state}`, label: s.label, symbol: s.symbol })),
  };
}
