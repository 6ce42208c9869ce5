/**
 * The BGP mesh as a picture: nodes on a circle, one line per pair, each half of the line coloured by
 * the state that side reports (so a session up on one side and connecting on the other shows both).
 * Geometry only: numbers, fixed class names and label text; the template prints it through `{{ }}`.
 */
import type { BgpPair, BgpSide } from '../model/derived.js';
import type { Finding } from '../model/finding.js';
import type { Report } from './report-types.js';

export type SideState = 'up' | 'flapping' | 'connecting' | 'passive' | 'refused' | 'never' | 'not-collected';

export const SIDE_STATES: { state: SideState; label: string }[] = [
  { state: 'up', label: 'up' },
  { state: 'flapping', label: 'flapping' },
  { state: 'connecting', label: 'connecting' },
  { state: 'passive', label: 'passive only (waits for the peer)' },
  { state: 'refused', label: 'refused / unreachable' },
  { state: 'never', label: 'never seen' },
  { state: 'not-collected', label: 'not collected' },
];

export interface MeshNode { name: string; x: number; y: number; lx: number; ly: number; anchor: 'start' | 'middle' | 'end' }
export interface MeshHalf { x1: number; y1: number; x2: number; y2: number; state: SideState; cls: string; title: string; a: string; b: string }
export interface BgpMesh { width: number; height: number; /** Many nodes: healthy lines drawn thin and faint so problems stand out. */ dense: boolean; nodes: MeshNode[]; halves: MeshHalf[]; legend: { cls: string; label: string }[]; pairs: number }

const REFUSED = /refused|reset by peer|no route to host|unreachable|Bad peer AS|bad bgp identifier/i;

/** Unordered pair key. */
function key(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Pairs named by `bgp-hold-timer-flapping` findings (their two nodes, or the `a<->b` of the finding id). */
export function flappingPairs(findings: readonly Finding[]): Set<string> {
  const out = new Set<string>();
  for (const f of findings) {
    if (f.rule !== 'bgp-hold-timer-flapping') continue;
    const fromId = f.id.slice(f.rule.length + 1).split('<->');
    const names = fromId.length === 2 ? fromId : f.nodes;
    if (names.length === 2) out.add(key(names[0]!, names[1]!));
  }
  return out;
}

/** What one side of a pair reports, in the picture's words. Flapping wins over `up`: a flapping session is never drawn green. */
export function sideState(side: BgpSide, pair: BgpPair, flapping: boolean, downsAfterUp = 0): SideState {
  if (flapping || downsAfterUp >= 2) return 'flapping';
  const st = side.lastState?.toLowerCase();
  if (st === 'up' || side.socket === 'ESTABLISHED') return 'up';
  if (!side.logCollected && side.socket === undefined) return 'not-collected';
  if (side.errors.some((e) => REFUSED.test(e))) return 'refused';
  if (side.socket === 'SYN_SENT' || side.socket === 'SYN_RECV') return 'connecting';
  if (st === undefined) return side.logCollected || side.protocol === undefined ? 'never' : 'not-collected';
  if (pair.initiator !== undefined && pair.initiator !== side.node) return 'passive';
  return 'connecting';
}

const R = 10;

/** Whether at least one side has a BIRD protocol for the other (else the pair is no session at all). */
export function sessionConfigured(p: BgpPair): boolean {
  return p.a.protocol !== undefined || p.b.protocol !== undefined;
}

export function bgpMesh(report: Report): BgpMesh {
  const names = [...new Set([...report.nodes.map((n) => n.name), ...report.bgp.pairs.flatMap((p) => [p.a.node, p.b.node])])];
  const n = names.length;
  const radius = Math.max(70, Math.min(330, n * 14));
  const longest = Math.max(4, ...names.map((x) => x.length));
  const marginX = Math.min(220, Math.round(longest * 6.6) + R + 16);
  const marginY = R + 24;
  const width = 2 * (radius + marginX);
  const height = 2 * (radius + marginY);
  const cx = width / 2;
  const cy = height / 2;
  const at = new Map<string, { x: number; y: number }>();
  const round = (v: number) => Math.round(v * 10) / 10;
  const nodes: MeshNode[] = names.map((name, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n);
    const x = round(cx + radius * Math.cos(angle));
    const y = round(cy + radius * Math.sin(angle));
    at.set(name, { x, y });
    const cos = Math.cos(angle);
    const lx = round(cx + (radius + R + 6) * cos);
    const ly = round(cy + (radius + R + 6) * Math.sin(angle) + 4);
    return { name, x, y, lx, ly, anchor: Math.abs(cos) < 0.2 ? 'middle' : cos > 0 ? 'start' : 'end' };
  });
  const flaps = flappingPairs(report.findings);
  const downs = new Map<string, number>();
  for (const node of report.nodes) for (const p of node.bgpPeers) downs.set(`${node.name}\u0000${p.protocol}`, p.downsAfterUp ?? 0);
  const halves: MeshHalf[] = [];
  for (const p of report.bgp.pairs) {
    const a = at.get(p.a.node);
    const b = at.get(p.b.node);
    // Neither side configures a session (route-reflector clients, mesh off): nothing to draw.
    if (!a || !b || !sessionConfigured(p)) continue;
    const flapping = flaps.has(key(p.a.node, p.b.node));
    const mx = round((a.x + b.x) / 2);
    const my = round((a.y + b.y) / 2);
    for (const [side, from, other] of [[p.a, a, p.b], [p.b, b, p.a]] as const) {
      const state = sideState(side, p, flapping, side.protocol !== undefined ? downs.get(`${side.node}\u0000${side.protocol}`) : undefined);
      const label = SIDE_STATES.find((s) => s.state === state)!.label;
      const detail = [side.lastState !== undefined ? `BIRD ${side.lastState}` : side.logCollected ? 'BIRD never logged it' : 'no BIRD log', side.socket !== undefined ? `socket ${side.socket}` : ''].filter((x) => x !== '').join(', ');
      halves.push({ x1: from.x, y1: from.y, x2: mx, y2: my, state, cls: `bgp-${state}`, title: `${side.node} → ${other.node}: ${label} (${detail})`, a: side.node, b: other.node });
    }
  }
  // Healthy halves first, so a problem is drawn on top of them.
  const order = (s: SideState) => (s === 'up' ? 0 : s === 'not-collected' ? 1 : 2);
  halves.sort((x, y) => order(x.state) - order(y.state));
  const used = new Set(halves.map((h) => h.state));
  const legend = SIDE_STATES.filter((s) => used.has(s.state)).map((s) => ({ cls: `bgp-${s.state}`, label: s.label }));
  return { width, height, dense: n > 12, nodes, halves, legend, pairs: report.bgp.pairs.filter(sessionConfigured).length };
}
