/** Builds the Report once from the model, the cross-node tables and the rule results. */
import type { ClusterModel } from '../model/node.js';
import { ARTIFACT_IDS, MAY_BE_EMPTY } from '../model/node.js';
import type { ArtifactId, ArtifactStatus } from '../model/node.js';
import type { Derived } from '../model/derived.js';
import type { CollectNext, Finding, RuleMeta, RuleOutcome, Severity } from '../model/finding.js';
import type { Report, ReportNode } from './report-types.js';
import { addEvidenceContext } from '../combiners/evidence.js';

export interface BuildReportOptions {
  tool: { name: string; version: string };
  generatedAt?: string;
}

function reportNode(n: ClusterModel['nodes'][number], derived: Derived): ReportNode {
  const artifacts = {} as Record<ArtifactId, ArtifactStatus>;
  for (const id of ARTIFACT_IDS) artifacts[id] = n.artifacts[id].status;
  const addresses: string[] = [];
  for (const i of [...n.interfaces4, ...(n.interfaces6 === n.interfaces4 ? [] : n.interfaces6)]) {
    for (const a of i.addresses) addresses.push(`${a.cidr} (${i.name})`);
  }
  const protocols = [...Object.values(n.bird?.protocols ?? {}), ...Object.values(n.containerBird?.protocols ?? {})]
    .filter((p) => p.peerType !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    name: n.name,
    hostname: n.hostname,
    input: n.input,
    nodeIP: n.nodeIP,
    nodeIPSource: n.nodeIPSource,
    addresses: [...new Set(addresses)],
    artifacts,
    notExpected: ARTIFACT_IDS.filter(
      (id) => (n.artifacts[id].status === 'missing' && !n.artifacts[id].expected) || (n.artifacts[id].status === 'empty' && MAY_BE_EMPTY.has(id)),
    ),
    versionHint: n.layout.versionHint,
    date: n.date?.iso ?? n.date?.text,
    blocks: derived.blocks.filter((b) => b.owners.includes(n.name)).map((b) => b.block),
    interfaces: n.interfaces4.map((i) => ({ name: i.name, mtu: i.mtu, state: i.state, addresses: i.addresses.map((a) => a.cidr) })),
    bgpPeers: protocols.map((p) => ({ protocol: p.name, peerIP: p.peerIP, lastState: p.lastState, everUp: p.everUp, ...(p.downsAfterUp > 0 ? { downsAfterUp: p.downsAfterUp } : {}) })),
    ...(n.attachments !== undefined
      ? { attachments: n.attachments.sources.map((s) => ({ kind: s.kind, file: s.input === s.file ? s.file : `${s.input}/${s.file}`, lines: s.lines, summary: s.summary, nodeFrom: s.nodeFrom })) }
      : {}),
    problems: n.problems,
  };
}

export function buildReport(
  cluster: ClusterModel,
  derived: Derived,
  run: { findings: Finding[]; outcomes: RuleOutcome[]; collectNext?: CollectNext[] },
  metas: readonly RuleMeta[],
  opts: BuildReportOptions,
): Report {
  addEvidenceContext(cluster.nodes, run.findings);
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of run.findings) counts[f.severity]++;
  const report: Report = {
    schemaVersion: 1,
    tool: opts.tool,
    ...(opts.generatedAt !== undefined ? { generatedAt: opts.generatedAt } : {}),
    summary: {
      inputs: cluster.inputs.length,
      unreadableInputs: cluster.inputs.filter((i) => i.status === 'unreadable').length,
      // Hosts: an earlier snapshot of a host given again later is one node, not two.
      nodes: cluster.nodes.length - new Set(derived.snapshots.map((s) => s.earlier)).size,
      findings: counts,
    },
    inputs: cluster.inputs,
    nodes: cluster.nodes.map((n) => reportNode(n, derived)),
    findings: run.findings,
    rules: run.outcomes.map((o) => {
      const m = metas.find((x) => x.id === o.id)!;
      return { ...o, severity: m.severity, summary: m.summary };
    }),
    blocks: derived.blocks,
    routeMatrix: derived.routeMatrix,
    bgp: derived.bgp,
    timeline: derived.timeline,
    problems: derived.problems,
    collectNext: run.collectNext ?? [],
  };
  return report;
}
