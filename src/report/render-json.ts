import type { Report } from './report-types.js';

/** Top-level keys, in the order they are written. Unknown extra keys follow, sorted. */
const TOP_LEVEL_ORDER = [
  'schemaVersion',
  'tool',
  'generatedAt',
  'summary',
  'inputs',
  'nodes',
  'findings',
  'rules',
  'blocks',
  'routeMatrix',
  'bgp',
  'timeline',
  'problems',
  'collectNext',
  'redacted',
] as const;

/**
 * Preferred order of keys inside nested objects, whatever their type: identity first, then the
 * verdict, then the details, then the proof. A key not listed here comes after the listed ones,
 * in code-point order, so the bytes never depend on how a builder happened to assemble an object.
 */
const NESTED_ORDER = [
  // identity
  'schemaVersion', 'id', 'name', 'path', 'kind', 'rule', 'block', 'from', 'to', 'a', 'b', 'aIP', 'bIP',
  'node', 'hostname', 'input', 'time', 'source',
  // verdict
  'severity', 'status', 'level', 'title', 'summary', 'message', 'reason', 'version',
  // summary counts
  'inputs', 'unreadableInputs', 'nodes', 'findings', 'critical', 'warning', 'info',
  // node facts
  'nodeIP', 'nodeIPSource', 'addresses', 'versionHint', 'date', 'blocks', 'interfaces', 'mtu', 'state',
  'bgpPeers', 'protocol', 'peerIP', 'lastState', 'everUp', 'errors', 'socket', 'listens179', 'attachment',
  'takenAs', 'nodeFrom', 'lines', 'guess', 'note', 'parts', 'attachments',
  'logCollected', 'initiator', 'owners', 'proto', 'artifacts',
  // routes
  'route', 'dst', 'via', 'dev', 'onlink', 'type', 'rows', 'pairs', 'unknownPeers', 'events', 'dropped',
  // proof
  'file', 'line', 'text', 'context', 'before', 'after', 'evidence', 'evidenceDropped', 'remediation', 'explains', 'problems',
  // what to collect next
  'command', 'why',
] as const;

const NESTED_RANK = new Map<string, number>(NESTED_ORDER.map((k, i) => [k, i]));

function compareKeys(x: string, y: string): number {
  const rx = NESTED_RANK.get(x);
  const ry = NESTED_RANK.get(y);
  if (rx !== undefined && ry !== undefined) return rx - ry;
  if (rx !== undefined) return -1;
  if (ry !== undefined) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A copy of `value` whose plain objects have their keys in `NESTED_ORDER`; arrays keep their order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort(compareKeys)) out[key] = canonical(source[key]);
  return out;
}

/**
 * The report as JSON (schemaVersion 1): two-space indent, keys in a fixed order, trailing newline.
 * The same report gives the same bytes, however its objects were assembled.
 *
 * ```json
 * {
 *   "schemaVersion": 1,
 *   "tool": {
 *     "name": "calico-diags",
 *     "version": "0.1.0"
 *   },
 *   "summary": {
 * ```
 */
export function renderJson(report: Report): string {
  const source = report as unknown as Record<string, unknown>;
  const top: Record<string, unknown> = {};
  for (const key of TOP_LEVEL_ORDER) {
    if (source[key] !== undefined) top[key] = canonical(source[key]);
  }
  const known = new Set<string>(TOP_LEVEL_ORDER);
  for (const key of Object.keys(source).sort()) {
    if (!known.has(key) && source[key] !== undefined) top[key] = canonical(source[key]);
  }
  return JSON.stringify(top, null, 2) + '\n';
}
