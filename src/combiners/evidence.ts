import type { Evidence, EvidenceContext, Finding } from '../model/finding.js';
import type { ArtifactId, NodeModel } from '../model/node.js';
import type { IptablesDump, LineRef, ResourceRef, Route } from '../model/facts.js';

/** Path inside the bundle of a node's artifact (first file), or the path calicoctl would have used. */
export function artifactFile(node: NodeModel, id: ArtifactId): string {
  const f = node.artifacts[id]?.files[0];
  if (f !== undefined) return f;
  const root = node.root.length > 0 ? node.root + '/' : '';
  switch (id) {
    case 'bird_log':
      return `${root}logs/bird/current`;
    case 'bird6_log':
      return `${root}logs/bird6/current`;
    case 'felix_log':
      return `${root}logs/felix/current`;
    case 'confd_log':
      return `${root}logs/confd/current`;
    case 'cni_log':
      return `${root}logs/cni/cni.log`;
    case 'container_logs':
      return `${root}logs/`;
    default:
      return root + id;
  }
}

/** Evidence for a line of one of the node's artifacts. */
export function lineEvidence(node: NodeModel, file: string, ref: LineRef): Evidence {
  return { node: node.name, input: node.input, file, line: ref.line, text: ref.text };
}

/**
 * Evidence for a field of an exported resource: the line where the first of `paths` is written, quoted
 * as written (`ipv4Address: 10.0.2.15/24`); else the object's first line with `fallback` (a field that
 * is absent and defaults, or a resource read without its text).
 */
export function fieldEvidence(node: string, r: { ref: ResourceRef }, paths: string | readonly string[], fallback: string): Evidence {
  for (const p of typeof paths === 'string' ? [paths] : paths) {
    const f = r.ref.fields?.[p];
    if (f !== undefined) return { node, input: r.ref.input, file: r.ref.file, line: f.line, text: f.text };
  }
  return { node, input: r.ref.input, file: r.ref.file, line: r.ref.line, text: fallback };
}

/** Evidence for an artifact as a whole (absent, empty, failed). */
export function fileEvidence(node: NodeModel, id: ArtifactId, text: string): Evidence {
  return { node: node.name, input: node.input, file: artifactFile(node, id), line: 0, text };
}

export function compareEvidence(a: Evidence, b: Evidence): number {
  const ka = `${a.node}\u0000${a.file}\u0000${String(a.line).padStart(9, '0')}`;
  const kb = `${b.node}\u0000${b.file}\u0000${String(b.line).padStart(9, '0')}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Context lines kept on each side of an evidence line. */
export const CONTEXT_LINES = 2;

/**
 * Adds `context` to evidence lines of small command outputs the model keeps whole (iptables rules, routes):
 * for an iptables rule, its chain declaration and the rules just before it in the chain (the verdict that
 * decides is often the one above), and the next rule; for a route, the routes on the lines around it that
 * share its device or destination; for an ipset line, the `Name:` line of its set; for a netstat or ss
 * row, the column header (which column is the local address, which the peer). Built from parsed facts only: no file is read again. Lines that are
 * themselves evidence of the same finding are not repeated as context.
 */
export function addEvidenceContext(nodes: readonly NodeModel[], findings: Finding[]): void {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const f of findings) {
    const own = new Set(f.evidence.map((e) => `${e.node}\u0000${e.file}\u0000${e.line}`));
    f.evidence = f.evidence.map((e) => {
      const node = e.line > 0 && e.context === undefined ? byName.get(e.node) : undefined;
      const ctx = node === undefined ? undefined : (iptablesContext(node, e) ?? routeContext(node, e) ?? ipsetContext(node, e) ?? socketContext(node, e));
      if (ctx === undefined) return e;
      const keep = (r: LineRef) => !own.has(`${e.node}\u0000${e.file}\u0000${r.line}`);
      const before = ctx.before.filter(keep);
      const after = ctx.after.filter(keep);
      // a copy: the same evidence object may be shared by several findings
      return before.length > 0 || after.length > 0 ? { ...e, context: { before, after } } : e;
    });
  }
}

const ref = (r: LineRef): LineRef => ({ line: r.line, text: r.text });

function dumpsOf(node: NodeModel): { file: string; dump: IptablesDump }[] {
  const out = (node.iptables4Dumps ?? []).map((d) => ({ file: d.file, dump: d.dump }));
  if (node.iptables4 !== undefined && out.length === 0) out.push({ file: artifactFile(node, 'ipv4_tables'), dump: node.iptables4 });
  if (node.iptables6 !== undefined) out.push({ file: artifactFile(node, 'ipv6_tables'), dump: node.iptables6 });
  return out;
}

function iptablesContext(node: NodeModel, e: Evidence): EvidenceContext | undefined {
  for (const { file, dump } of dumpsOf(node)) {
    if (file !== e.file) continue;
    for (const table of Object.values(dump.tables)) {
      for (const chain of Object.values(table.chains)) {
        const i = chain.rules.findIndex((r) => r.line === e.line);
        if (i < 0) continue;
        const before = chain.rules.slice(Math.max(0, i - CONTEXT_LINES), i).map(ref);
        // the chain's declaration (`:cali-INPUT - [0:0]`) names the chain and its policy when no rule is above
        if (i < CONTEXT_LINES && chain.line > 0) before.unshift(ref(chain));
        return { before, after: chain.rules.slice(i + 1, i + 2).map(ref) };
      }
    }
  }
  return undefined;
}

function routeContext(node: NodeModel, e: Evidence): EvidenceContext | undefined {
  for (const [id, routes] of [['ipv4_route', node.routes4], ['ipv6_route', node.routes6]] as const) {
    if (artifactFile(node, id) !== e.file) continue;
    const i = routes.findIndex((r) => r.line === e.line);
    if (i < 0) return undefined;
    const self = routes[i]!;
    const related = (r: Route) => (r.dev !== undefined && r.dev === self.dev) || r.dst === self.dst;
    const near = (r: Route) => Math.abs(r.line - self.line) <= CONTEXT_LINES;
    return {
      before: routes.slice(Math.max(0, i - CONTEXT_LINES), i).filter((r) => near(r) && related(r)).map(ref),
      after: routes.slice(i + 1, i + 1 + CONTEXT_LINES).filter((r) => near(r) && related(r)).map(ref),
    };
  }
  return undefined;
}

/** An ipset member or header line: the `Name:` line of the set it belongs to (the last set starting above it). */
function ipsetContext(node: NodeModel, e: Evidence): EvidenceContext | undefined {
  if (node.ipsets === undefined || artifactFile(node, 'ipsets') !== e.file) return undefined;
  let set: LineRef | undefined;
  for (const s of Object.values(node.ipsets.sets)) if (s.line < e.line && (set === undefined || s.line > set.line)) set = s;
  return set === undefined ? undefined : { before: [ref(set)], after: [] };
}

/** A netstat/ss row: the table's column header, so `Local Address` and `Foreign Address` read without counting columns. */
function socketContext(node: NodeModel, e: Evidence): EvidenceContext | undefined {
  const t = node.sockets;
  if (t === undefined || t.header === undefined || t.file !== e.file || !t.tcp.some((s) => s.line === e.line)) return undefined;
  return { before: [ref(t.header)], after: [] };
}
