/**
 * Host-level facts rules share (catalogue J/K/L): Calico log lines by text, resource evidence, the
 * node each attachment belongs to. Small lookups over the model; no parsing.
 */
import type { CalicoLogRecord, ResourceBase } from '../model/facts.js';
import type { CollectHint, Evidence } from '../model/finding.js';
import type { NodeModel } from '../model/node.js';
import { fieldEvidence, lineEvidence } from './evidence.js';

/**
 * Felix/confd/container/agent log lines of a node (the notable ones and the first lines of each named
 * signature, which is where INFO-level signatures land) whose text contains one of `needles`.
 */
export function calicoLogLines(n: NodeModel, needles: readonly string[]): Evidence[] {
  const out: Evidence[] = [];
  const seen = new Set<string>();
  const take = (r: CalicoLogRecord & { file: string }) => {
    // The text test first: most records hold none of the needles, and need no key.
    if (!needles.some((x) => r.text.includes(x))) return;
    const key = `${r.file}\u0000${r.line}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(lineEvidence(n, r.file, r));
  };
  for (const s of [n.felix, n.containerLog, n.confd, n.agent]) {
    if (s === undefined) continue;
    for (const r of s.notable) take(r);
    for (const sig of Object.values(s.signatures)) for (const r of sig.refs) take(r);
  }
  return out;
}

/** Whether any Calico Go daemon log (file or container) was read for this node. */
export function hasCalicoLog(n: NodeModel): boolean {
  return [n.felix, n.containerLog].some((s) => s !== undefined && s.lines > 0);
}

/** Evidence pointing at a resource in the exported YAML: the line of `field` when given and written, else its first line. */
export function resourceEvidence(r: ResourceBase, text: string, field?: string): Evidence {
  return fieldEvidence(`${r.kind} ${r.name}`, r, field ?? [], text);
}

export function list(names: string[], max = 6): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** One `sysctl` command for every host rule that needs a sysctl (merged into one "collect next" line). */
export function sysctlCollect(nodes?: string[]): CollectHint {
  return {
    command: 'sysctl net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.all.rp_filter net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max',
    why: 'IPv4 forwarding, rp_filter and the conntrack fill level are not in the bundle',
    ...(nodes !== undefined && nodes.length > 0 ? { nodes } : {}),
  };
}

/** Hints restricted to `nodes` (none when the list is empty). */
export function onNodes(hints: CollectHint[], nodes: string[]): CollectHint[] {
  return nodes.length === 0 ? [] : hints.map((h) => ({ ...h, nodes: [...nodes] }));
}
