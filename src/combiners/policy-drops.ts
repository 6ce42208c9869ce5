/**
 * Catalogue T6, policy drop localisation: each `cali*` interface to its pod IP and node (through
 * `<ip> dev cali… scope link`), each endpoint chain to the policy and profile chains it jumps to in
 * order, each policy chain to the exported GlobalNetworkPolicy/NetworkPolicy (chain names computed as
 * Felix computes them, see policy-chains.ts), and every Calico DROP that matched packets to the policy
 * responsible: a Deny rule inside a policy, the end of a tier ("Drop if no policies passed packet"), or
 * the end of the profiles ("Drop if no profiles matched").
 *
 * Ingress policy is enforced in `cali-tw-<iface>` on the destination pod's node, egress in
 * `cali-fw-<iface>` on the source pod's node; host endpoints in `cali-fh-` (ingress to the host) and
 * `cali-th-` (egress), `cali-fhfw-`/`cali-thfw-` for applyOnForward.
 */
import { isWorkloadRoute } from './workload-routes.js';
import type { IptablesChain, IptablesRule, IptablesTable, ResourceSet, GenericResource } from '../model/facts.js';
import type { NodeModel } from '../model/node.js';
import type { ClusterAttachments } from '../model/attachments.js';
import type { PolicyDrop, PolicyEndpoint, PolicyInfo, PolicyRuleInfo, PolicyStep, PolicyTable, Snapshot } from '../model/derived.js';
import type { Evidence } from '../model/finding.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { classifyChain, describeProfile, policyChainCandidates, type Direction } from './policy-chains.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length < 4096 ? v : undefined);

function ruleList(v: unknown): PolicyRuleInfo[] {
  if (!Array.isArray(v)) return [];
  const out: PolicyRuleInfo[] = [];
  for (const r of v.slice(0, 500)) {
    if (r === null || typeof r !== 'object') continue;
    const o = r as Record<string, unknown>;
    const dst = o['destination'];
    const ports: string[] = [];
    if (dst !== null && typeof dst === 'object' && Array.isArray((dst as Record<string, unknown>)['ports'])) {
      for (const p of ((dst as Record<string, unknown>)['ports'] as unknown[]).slice(0, 50)) if (typeof p === 'string' || typeof p === 'number') ports.push(String(p));
    }
    const info: PolicyRuleInfo = { action: str(o['action']) ?? '?', ports };
    const proto = o['protocol'];
    if (typeof proto === 'string' || typeof proto === 'number') info.protocol = String(proto);
    out.push(info);
  }
  return out;
}

/** The fields of an exported policy that a finding names (spec is untrusted: only typed values are taken). */
export function policyInfo(r: GenericResource): PolicyInfo {
  const spec = r.spec ?? {};
  const order = spec['order'];
  const types = Array.isArray(spec['types']) ? (spec['types'] as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  const info: PolicyInfo = {
    kind: r.kind === 'NetworkPolicy' ? 'NetworkPolicy' : 'GlobalNetworkPolicy',
    name: r.name,
    tier: str(spec['tier']) ?? 'default',
    types,
    ingress: ruleList(spec['ingress']),
    egress: ruleList(spec['egress']),
    evidence: { node: r.namespace ?? 'cluster', input: r.ref.input, file: r.ref.file, line: r.ref.line, text: `${r.kind} ${r.namespace !== undefined ? `${r.namespace}/` : ''}${r.name}` },
  };
  if (r.namespace !== undefined) info.namespace = r.namespace;
  if (typeof order === 'number' && Number.isFinite(order)) info.order = order;
  else if (typeof order === 'string' && /^-?\d+(\.\d+)?$/.test(order)) info.order = Number(order);
  const sel = str(spec['selector']);
  if (sel !== undefined) info.selector = sel;
  return info;
}

/** Display name of a policy: `GlobalNetworkPolicy deny-all (tier default, order 100)`. */
export function policyLabel(p: PolicyInfo): string {
  const where = p.namespace !== undefined ? `${p.namespace}/` : '';
  const extra = [`tier ${p.tier}`, p.order !== undefined ? `order ${p.order}` : 'no order'];
  return `${p.kind} ${where}${p.name} (${extra.join(', ')})`;
}

/**
 * Felix puts `Policy <name> ingress|egress` (or `Profile <name> …`) on the first rule of each policy and
 * profile chain (felix/rules/policy.go): the name behind a hashed chain, even without the YAML.
 */
function nameFromComment(table: IptablesTable, chain: string): string | undefined {
  for (const r of table.chains[chain]?.rules.slice(0, 3) ?? []) {
    const m = /(?:^|; )(?:Policy|Profile) (\S+) (?:ingress|egress)(?:;|$)/.exec(r.comment ?? '');
    if (m !== null) return m[1];
  }
  return undefined;
}

/** What a policy chain says when no YAML matched: the rule comment's name, else the unhashed name, else the hash. */
function labelFromChain(table: IptablesTable, chain: string, kind: 'policy' | 'profile'): string {
  const c = classifyChain(chain);
  const suffix = c?.suffix ?? chain;
  const named = nameFromComment(table, chain);
  if (kind === 'profile') return describeProfile(named ?? suffix);
  if (named !== undefined) return `policy ${named} (${chain}, not in the exported YAML)`;
  if (suffix.startsWith('_')) return `policy with hashed chain name ${chain} (not in the exported YAML)`;
  return `policy ${suffix} (not in the exported YAML)`;
}

/** The exported policy a chain's rule comment names (`default.deny`, `shop/knp.default.x`), when the chain name matched none. */
function policyByComment(table: IptablesTable, chain: string, policies: readonly PolicyInfo[]): PolicyInfo | undefined {
  const named = nameFromComment(table, chain);
  if (named === undefined) return undefined;
  return policies.find((p) => (p.namespace !== undefined ? `${p.namespace}/${p.name}` : p.name) === named);
}

const DROP_TARGETS = new Set(['DROP', 'REJECT']);

function isEndOfTier(r: IptablesRule): boolean {
  return (r.comment ?? '').includes('if no policies passed packet');
}
function isEndOfProfiles(r: IptablesRule): boolean {
  return (r.comment ?? '').includes('if no profiles matched');
}
function tierOfComment(r: IptablesRule): string | undefined {
  const m = /End of tier ([^.;]+)\./.exec(r.comment ?? '');
  return m?.[1];
}

interface NodeCtx {
  node: NodeModel;
  file: string;
  endpoints: Map<string, PolicyEndpoint>;
  /** The node's first workload route per device (made on first use). */
  workloadRoutes?: Map<string, NodeModel['routes4'][number]>;
}

type KubePod = NonNullable<ClusterAttachments['kubePods']>[number];

/** The first pod listed with each IP (`kubectl get pods -o wide`): one lookup per endpoint instead of a scan of every pod. */
function podsByIp(pods: ClusterAttachments['kubePods']): Map<string, KubePod> {
  const out = new Map<string, KubePod>();
  for (const p of pods ?? []) if (p.ip !== undefined && !out.has(p.ip)) out.set(p.ip, p);
  return out;
}

function endpointFor(ctx: NodeCtx, iface: string, kind: 'workload' | 'host', pods: ReadonlyMap<string, KubePod>): PolicyEndpoint {
  const key = `${kind}:${iface}`;
  let ep = ctx.endpoints.get(key);
  if (ep !== undefined) return ep;
  ep = { node: ctx.node.name, iface, kind };
  if (kind === 'workload') {
    if (ctx.workloadRoutes === undefined) {
      ctx.workloadRoutes = new Map();
      for (const r of ctx.node.routes4) if (r.dev !== undefined && !ctx.workloadRoutes.has(r.dev) && isWorkloadRoute(r)) ctx.workloadRoutes.set(r.dev, r);
    }
    const route = ctx.workloadRoutes.get(iface);
    if (route !== undefined) {
      ep.podIP = route.dst.slice(0, -3);
      ep.routeEvidence = lineEvidence(ctx.node, artifactFile(ctx.node, 'ipv4_route'), route);
      const pod = pods.get(ep.podIP);
      if (pod !== undefined) ep.pod = pod.namespace !== undefined ? `${pod.namespace}/${pod.name}` : pod.name;
    }
  } else {
    const addr = ctx.node.interfaces4.find((i) => i.name === iface)?.addresses[0];
    if (addr !== undefined) ep.podIP = addr.address;
  }
  ctx.endpoints.set(key, ep);
  return ep;
}

/** Endpoint label for messages: `cali1f5a29e647c (pod 10.65.0.5, default/web-1) on node-b`. */
export function endpointLabel(ep: PolicyEndpoint): string {
  if (ep.kind === 'host') return `host endpoint ${ep.iface}${ep.podIP !== undefined ? ` (${ep.podIP})` : ''} on ${ep.node}`;
  const who = [ep.podIP !== undefined ? `pod ${ep.podIP}` : 'pod IP unknown', ep.pod].filter(Boolean).join(', ');
  return `${ep.iface} (${who}) on ${ep.node}`;
}

function stepsOf(table: IptablesTable, chain: IptablesChain, byChain: Map<string, PolicyInfo>, ctx: NodeCtx, policies: readonly PolicyInfo[], depth = 0): PolicyStep[] {
  const steps: PolicyStep[] = [];
  for (const r of chain.rules) {
    if (r.target === undefined) continue;
    const c = classifyChain(r.target);
    if (c === undefined) continue;
    if (c.kind === 'group') {
      const g = table.chains[r.target];
      if (g !== undefined && depth < 2) steps.push(...stepsOf(table, g, byChain, ctx, policies, depth + 1));
      continue;
    }
    if (c.kind !== 'policy' && c.kind !== 'profile') continue;
    const step: PolicyStep = {
      chain: r.target,
      kind: c.kind,
      label: labelFromChain(table, r.target, c.kind),
      evidence: lineEvidence(ctx.node, ctx.file, r),
    };
    const pol = c.kind === 'policy' ? byChain.get(r.target) ?? policyByComment(table, r.target, policies) : undefined;
    if (pol !== undefined) {
      step.policy = pol;
      step.label = policyLabel(pol);
    }
    if (r.packets !== undefined) step.packets = r.packets;
    steps.push(step);
  }
  return steps;
}

export function policyDrops(nodes: readonly NodeModel[], resources: ResourceSet, attachments?: ClusterAttachments): PolicyTable {
  const policies = [...resources.globalNetworkPolicies, ...resources.networkPolicies].map(policyInfo);
  const byChain = new Map<string, PolicyInfo>();
  for (const p of policies) {
    for (const dir of ['ingress', 'egress'] as Direction[]) for (const name of policyChainCandidates(p, dir)) if (!byChain.has(name)) byChain.set(name, p);
  }
  const out: PolicyTable = { nodesWithTables: [], policiesExported: policies.length > 0, policies, endpoints: [], drops: [], chains: [], truncated: [] };
  const pods = podsByIp(attachments?.kubePods);
  for (const node of nodes) {
    const dump = node.iptables4;
    if (dump === undefined) continue;
    out.nodesWithTables.push(node.name);
    if (((dump as { policyRulesDropped?: number }).policyRulesDropped ?? 0) > 0) out.truncated.push(node.name);
    const ctx: NodeCtx = { node, file: artifactFile(node, 'ipv4_tables'), endpoints: new Map() };
    for (const tableName of Object.keys(dump.tables).sort()) {
      const table = dump.tables[tableName]!;
      // Which endpoint chains jump (directly or through a group) to each policy chain.
      const usedBy = new Map<string, { endpoint: PolicyEndpoint; chain: string; packets?: number }[]>();
      const stepsByChain = new Map<string, PolicyStep[]>();
      for (const chainName of Object.keys(table.chains).sort()) {
        const c = classifyChain(chainName);
        if (c === undefined || (c.kind !== 'workload' && c.kind !== 'host')) continue;
        const chain = table.chains[chainName]!;
        const endpoint = endpointFor(ctx, c.suffix, c.kind, pods);
        const steps = stepsOf(table, chain, byChain, ctx, policies);
        stepsByChain.set(chainName, steps);
        if (steps.length > 0) out.chains.push({ node: node.name, table: tableName, chain: chainName, direction: c.direction, endpoint, steps });
        for (const s of steps) {
          const list = usedBy.get(s.chain) ?? [];
          const use: { endpoint: PolicyEndpoint; chain: string; packets?: number } = { endpoint, chain: chainName };
          if (s.packets !== undefined) use.packets = s.packets;
          list.push(use);
          usedBy.set(s.chain, list);
        }
        // End of tier / end of profiles drops in the endpoint chain.
        let tierStart = 0;
        for (const r of chain.rules) {
          if (r.target === undefined || !DROP_TARGETS.has(r.target)) continue;
          const eot = isEndOfTier(r);
          const eop = !eot && isEndOfProfiles(r);
          if (!eot && !eop) continue;
          const before = steps.filter((s) => s.evidence.line < r.line);
          const tierSteps = eot ? before.slice(tierStart).filter((s) => s.kind === 'policy') : before.filter((s) => s.kind === 'profile');
          if (eot) tierStart = before.length;
          if (r.packets === undefined || r.packets === 0) continue;
          const drop: PolicyDrop = {
            node: node.name,
            table: tableName,
            kind: eot ? 'end-of-tier' : 'end-of-profiles',
            direction: c.direction,
            chain: chainName,
            ruleText: r.text,
            ruleKey: r.calicoId ?? r.spec,
            packets: r.packets,
            endpoints: [{ endpoint, chain: chainName }],
            policies: tierSteps,
            evidence: lineEvidence(node, ctx.file, r),
          };
          if (r.bytes !== undefined) drop.bytes = r.bytes;
          if (eot) drop.tier = tierOfComment(r) ?? tierSteps.find((s) => s.policy !== undefined)?.policy?.tier ?? 'default';
          out.drops.push(drop);
        }
      }
      // Deny rules inside policy chains.
      for (const chainName of Object.keys(table.chains).sort()) {
        const c = classifyChain(chainName);
        if (c === undefined || c.kind !== 'policy') continue;
        for (const r of table.chains[chainName]!.rules) {
          if (r.target === undefined || !DROP_TARGETS.has(r.target) || r.packets === undefined || r.packets === 0) continue;
          const pol = byChain.get(chainName) ?? policyByComment(table, chainName, policies);
          const active = (us: typeof users): typeof users => (us.some((u) => u.packets !== 0) ? us.filter((u) => u.packets !== 0) : us);
          const users = usedBy.get(chainName) ?? [];
          const step: PolicyStep = users.length > 0
            ? stepsByChain.get(users[0]!.chain)!.find((s) => s.chain === chainName)!
            : { chain: chainName, kind: 'policy', label: pol !== undefined ? policyLabel(pol) : labelFromChain(table, chainName, 'policy'), evidence: lineEvidence(node, ctx.file, r) };
          if (pol !== undefined && step.policy === undefined) step.policy = pol;
          const drop: PolicyDrop = {
            node: node.name,
            table: tableName,
            kind: 'policy-deny',
            direction: c.direction,
            chain: chainName,
            ruleText: r.text,
            ruleKey: r.calicoId ?? r.spec,
            packets: r.packets,
            endpoints: active(users),
            policy: step,
            policies: [step],
            evidence: lineEvidence(node, ctx.file, r),
          };
          if (r.bytes !== undefined) drop.bytes = r.bytes;
          if (pol !== undefined) drop.tier = pol.tier;
          const shadows = shadowedAllows(table, r, chainName, drop.endpoints.map((u) => u.chain), stepsByChain, node, ctx.file);
          if (shadows.length > 0) drop.shadows = shadows;
          out.drops.push(drop);
        }
      }
    }
    out.endpoints.push(...[...ctx.endpoints.values()].sort((a, b) => (a.iface < b.iface ? -1 : a.iface > b.iface ? 1 : 0)));
  }
  out.drops.sort((a, b) => b.packets - a.packets || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) || (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0) || a.evidence.line - b.evidence.line);
  return out;
}

function protoOf(spec: string): string | undefined {
  const m = /(?:^|\s)-p (\S+)/.exec(spec);
  if (m === null || /(?:^|\s)! -p /.test(spec)) return undefined;
  const p = m[1]!.toLowerCase();
  return p === '6' ? 'tcp' : p === '17' ? 'udp' : p === '132' ? 'sctp' : p === '1' ? 'icmp' : p;
}

function portsOf(spec: string): [number, number][] | undefined {
  const m = /(?:^|\s)--dports? (\S+)/.exec(spec);
  if (m === null || /! --dports? /.test(spec)) return undefined;
  const out: [number, number][] = [];
  for (const part of m[1]!.split(',')) {
    const r = /^(\d+)(?::(\d+))?$/.exec(part);
    if (r === null) return undefined;
    out.push([Number(r[1]), Number(r[2] ?? r[1])]);
  }
  return out;
}

/** Whether two rules can match one packet, judged on protocol and destination ports only. */
export function rulesOverlap(a: string, b: string): boolean {
  const pa = protoOf(a);
  const pb = protoOf(b);
  if (pa !== undefined && pb !== undefined && pa !== pb) return false;
  const xa = portsOf(a);
  const xb = portsOf(b);
  if (xa !== undefined && xb !== undefined && !xa.some(([l1, h1]) => xb.some(([l2, h2]) => l1 <= h2 && l2 <= h1))) return false;
  return true;
}

/** `-j MARK --set-xmark 0x10000/0x10000`: a policy verdict bit (accept, or pass on the next bit). */
function verdictMark(r: IptablesRule): number | undefined {
  if (r.target !== 'MARK') return undefined;
  const m = /--set-xmark (0x[0-9a-f]+)\/(0x[0-9a-f]+)/i.exec(r.spec);
  if (m === null || m[1]!.toLowerCase() !== m[2]!.toLowerCase()) return undefined;
  const v = parseInt(m[1]!, 16);
  return v > 0 ? v : undefined;
}

/**
 * For a Deny rule that dropped packets in a policy chain: the Allow rules of policies evaluated after
 * it for the same endpoint (later jumps of the endpoint chain) that match the same protocol and port.
 * Allow is the policy's `Allow` action when its YAML is known, else the lowest verdict mark bit
 * (Felix allocates accept before pass).
 */
function shadowedAllows(
  table: IptablesTable,
  deny: IptablesRule,
  denyChain: string,
  endpointChains: string[],
  stepsByChain: Map<string, PolicyStep[]>,
  node: NodeModel,
  file: string,
): NonNullable<PolicyDrop['shadows']> {
  const out: NonNullable<PolicyDrop['shadows']> = [];
  const seen = new Set<string>();
  for (const epChain of endpointChains) {
    const steps = stepsByChain.get(epChain) ?? [];
    const at = steps.findIndex((s) => s.chain === denyChain);
    if (at === -1) continue;
    for (const later of steps.slice(at + 1)) {
      if (later.kind !== 'policy' || seen.has(later.chain)) continue;
      const rules = table.chains[later.chain]?.rules ?? [];
      const marks = rules.map(verdictMark).filter((m): m is number => m !== undefined);
      if (marks.length === 0) continue;
      const dir = classifyChain(later.chain)?.direction ?? 'ingress';
      const yamlAllows = later.policy !== undefined ? (dir === 'ingress' ? later.policy.ingress : later.policy.egress).some((x) => /^allow$/i.test(x.action)) : undefined;
      if (yamlAllows === false) continue;
      const accept = Math.min(...marks);
      const allow = rules.find((x) => verdictMark(x) === accept && rulesOverlap(deny.spec, x.spec));
      if (allow === undefined) continue;
      seen.add(later.chain);
      out.push({ step: later, endpointChain: epChain, allow: lineEvidence(node, file, allow) });
    }
  }
  return out;
}

/** Evidence lines for a drop, most telling first: the DROP, the jumps to the policies, the pod route. */
export function dropEvidence(d: PolicyDrop): Evidence[] {
  const ev: Evidence[] = [d.evidence];
  if (d.policy !== undefined && d.policy.evidence !== d.evidence) ev.push(d.policy.evidence);
  for (const s of d.policies) if (!ev.includes(s.evidence)) ev.push(s.evidence);
  for (const u of d.endpoints) if (u.endpoint.routeEvidence !== undefined && !ev.includes(u.endpoint.routeEvidence)) ev.push(u.endpoint.routeEvidence);
  for (const s of d.policies) if (s.policy !== undefined && !ev.includes(s.policy.evidence)) ev.push(s.policy.evidence);
  for (const sh of d.shadows ?? []) {
    ev.push(sh.allow, sh.step.evidence);
    if (sh.step.policy !== undefined) ev.push(sh.step.policy.evidence);
  }
  const seen = new Set<string>();
  return ev.filter((e) => {
    const k = `${e.node}\u0000${e.file}\u0000${e.line}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------- snapshots

function nodeTime(n: NodeModel): string {
  return n.date?.iso ?? (n.archiveName !== undefined ? /(\d{8}_\d{6})/.exec(n.archiveName)?.[1] ?? '' : '');
}

/** The host's IPv4 addresses (as node-ip-duplicate compares them): equal on two snapshots of one machine. */
function addrsOf(n: NodeModel): string {
  return n.interfaces4.flatMap((i) => i.addresses.map((a) => a.cidr)).sort().join(',');
}

function macOf(n: NodeModel): string | undefined {
  return n.interfaces4.find((i) => i.name === n.nodeIPInterface)?.mac;
}

function dropCounters(n: NodeModel): Map<string, { table: string; chain: string; key: string; rule: string; packets: number }> {
  const out = new Map<string, { table: string; chain: string; key: string; rule: string; packets: number }>();
  for (const [tname, t] of Object.entries(n.iptables4?.tables ?? {})) {
    for (const [cname, ch] of Object.entries(t.chains)) {
      if (!cname.startsWith('cali-')) continue;
      for (const r of ch.rules) {
        if (r.target === undefined || !DROP_TARGETS.has(r.target) || r.packets === undefined) continue;
        const key = r.calicoId ?? r.spec;
        out.set(`${tname}\u0000${cname}\u0000${key}`, { table: tname, chain: cname, key, rule: r.comment ?? r.spec, packets: r.packets });
      }
    }
  }
  return out;
}

/**
 * Bundles of one host taken at two times: same hostname, node IP, IPv4 addresses (and MAC when known),
 * different `date` (or tarball stamp). Two machines that share a hostname differ in node IP or MAC and are not
 * snapshots (node-ip-duplicate reports those). Lists the Calico DROP counters that moved.
 */
export function snapshots(nodes: readonly NodeModel[]): Snapshot[] {
  const byHost = new Map<string, NodeModel[]>();
  for (const n of nodes) if (n.hostname !== undefined) byHost.set(n.hostname, [...(byHost.get(n.hostname) ?? []), n]);
  const out: Snapshot[] = [];
  for (const [host, list] of [...byHost].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (list.length < 2) continue;
    const sorted = [...list].sort((a, b) => (nodeTime(a) < nodeTime(b) ? -1 : nodeTime(a) > nodeTime(b) ? 1 : 0));
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i]!;
      const b = sorted[i + 1]!;
      if (a.nodeIP === undefined || a.nodeIP !== b.nodeIP) continue;
      if (macOf(a) !== undefined && macOf(b) !== undefined && macOf(a) !== macOf(b)) continue;
      if (addrsOf(a) !== addrsOf(b)) continue;
      const ta = nodeTime(a);
      const tb = nodeTime(b);
      if (ta === '' || tb === '' || ta === tb) continue;
      const before = dropCounters(a);
      const after = dropCounters(b);
      const moved: Snapshot['moved'] = [];
      for (const [k, v] of after) {
        const was = before.get(k)?.packets ?? 0;
        if (v.packets !== was) moved.push({ table: v.table, chain: v.chain, key: v.key, rule: v.rule, before: was, after: v.packets });
      }
      moved.sort((x, y) => (y.after - y.before) - (x.after - x.before) || (x.chain < y.chain ? -1 : 1));
      const snap: Snapshot = { host, earlier: a.name, later: b.name, moved };
      if (a.date?.iso !== undefined) snap.earlierTime = a.date.iso;
      if (b.date?.iso !== undefined) snap.laterTime = b.date.iso;
      out.push(snap);
    }
  }
  return out;
}

/** Fills `delta` on drops of a later snapshot: how many packets the rule dropped since the earlier bundle. */
export function applySnapshotDeltas(table: PolicyTable, snaps: readonly Snapshot[]): void {
  for (const s of snaps) {
    for (const d of table.drops) {
      if (d.node !== s.later) continue;
      const m = s.moved.find((x) => x.table === d.table && x.chain === d.chain && x.key === d.ruleKey);
      d.delta = m !== undefined ? m.after - m.before : 0;
    }
  }
}

// ---------------------------------------------------------------- remediation text (A7, offline)

/** Drops to report: the later bundle of a snapshot pair only (its counters include the earlier ones). */
export function currentDrops(table: PolicyTable, snaps: readonly Snapshot[]): PolicyDrop[] {
  const earlier = new Set(snaps.map((s) => s.earlier));
  return table.drops.filter((d) => !earlier.has(d.node));
}

/**
 * The Kubernetes NetworkPolicy behind a policy step (Calico names it `knp.default.<name>` in its
 * namespace): from the exported YAML, else from the label `labelFromChain` made of the chain's rule comment.
 */
export function kubernetesPolicyOf(s: PolicyStep): { namespace: string; name: string } | undefined {
  const p = s.policy;
  if (p !== undefined) return p.namespace !== undefined && p.name.startsWith('knp.default.') ? { namespace: p.namespace, name: p.name.slice('knp.default.'.length) } : undefined;
  const m = /^policy ([a-z0-9][-a-z0-9]*)\/knp\.default\.([a-z0-9][-a-z0-9.]*) \(/.exec(s.label);
  return m === null ? undefined : { namespace: m[1]!, name: m[2]! };
}

/** The policy already selecting the endpoint whose selector the test policy copies (never all(): see below). */
function selectingPolicy(d: PolicyDrop): PolicyInfo | undefined {
  return d.policies.find((s) => s.policy?.selector !== undefined)?.policy;
}

/** Order of the test policy: just before the first policy of the drop's tier. */
function testOrder(d: PolicyDrop): number {
  return Math.max(0, Math.min(...d.policies.map((s) => s.policy?.order ?? 1000)) - 1);
}

/**
 * A GlobalNetworkPolicy that allows only this endpoint's traffic in this direction, ordered before
 * the policy that drops it: the safe, reversible test (catalogue I1, runbook A7). Undefined when no
 * exported policy gives a selector for the endpoint: the steps then say how to build it.
 */
export function confirmAllowYaml(d: PolicyDrop, name: string): string | undefined {
  // The selector of a policy that already selects the endpoint: a new policy with all() would put
  // every other endpoint under policy in this direction and drop its traffic at the end of the tier.
  const sel = selectingPolicy(d);
  if (sel === undefined) return undefined;
  const ep = d.endpoints[0]?.endpoint;
  const lines = ['apiVersion: projectcalico.org/v3', 'kind: GlobalNetworkPolicy', 'metadata:', `  name: ${name}`, 'spec:'];
  const tier = d.tier ?? 'default';
  if (tier !== 'default') lines.push(`  tier: ${tier}`);
  lines.push(`  order: ${testOrder(d)}`);
  lines.push(`  selector: ${JSON.stringify(sel.selector)}   # as ${sel.kind} ${sel.name}, which selects this endpoint`);
  if (sel.namespace !== undefined) lines.push(`  namespaceSelector: ${JSON.stringify(`projectcalico.org/name == '${sel.namespace}'`)}`);
  const rule = ep?.podIP !== undefined ? [d.direction === 'ingress' ? '    destination:' : '    source:', `      nets: [${ep.podIP}/32]`] : [];
  if (d.direction === 'ingress') lines.push('  types: [Ingress]', '  ingress:', '  - action: Allow', ...rule);
  else lines.push('  types: [Egress]', '  egress:', '  - action: Allow', ...rule);
  return lines.join('\n');
}

/** How to read the labels of the endpoint, when no exported policy gives its selector. */
function labelsCommand(ep: PolicyEndpoint | undefined, host: string): string {
  if (ep?.kind === 'host') return `\`calicoctl get hostendpoint -o yaml\`: the HostEndpoint with \`node: ${host}\` and \`interfaceName: ${ep.iface}\``;
  const nsName = ep?.pod !== undefined ? /^([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(ep.pod) : null;
  if (nsName !== null) return `\`kubectl get pod -n ${nsName[1]} ${nsName[2]} --show-labels\``;
  if (ep?.podIP !== undefined) return `\`kubectl get pods -A --field-selector status.podIP=${ep.podIP} --show-labels\``;
  return `\`kubectl get pods -A -o wide --show-labels --field-selector spec.nodeName=${host}\` (the pod behind ${ep?.iface ?? 'the interface'})`;
}

/**
 * The A7 steps: confirm with a lower-order allow, then what remove-calico-policy.sh would do. `host` is
 * the machine to run commands on (the node, or the host of a snapshot bundle such as `node-b#2`).
 */
export function a7Steps(d: PolicyDrop, name: string, host: string = d.node): string[] {
  const ep = d.endpoints[0]?.endpoint;
  const who = ep !== undefined ? endpointLabel(ep) : 'the endpoint';
  const watch = `retry the flow, and watch the DROP counter stop (\`iptables-save -c -t ${d.table} | grep -e '${d.chain}'\` on ${host}); then remove it with \`calicoctl delete globalnetworkpolicy ${name}\``;
  const yaml = confirmAllowYaml(d, name);
  let confirm: string;
  if (yaml !== undefined) {
    confirm = `Confirm before changing anything (reversible): apply this GlobalNetworkPolicy, which allows only ${d.direction} traffic of ${who} and is ordered before the policy that drops it, ${watch}:\n${yaml}`;
  } else {
    const kind = ep?.kind === 'host' ? 'host endpoint' : 'pod';
    const tier = (d.tier ?? 'default') !== 'default' ? `, \`tier: ${d.tier}\`` : '';
    const nets = ep?.podIP !== undefined ? ` with \`${d.direction === 'ingress' ? 'destination' : 'source'}: {nets: [${ep.podIP}/32]}\`` : '';
    confirm =
      `Confirm before changing anything (reversible): no exported policy gives the selector of ${who}, so read its labels (${labelsCommand(ep, host)}) and apply a GlobalNetworkPolicy \`${name}\` with \`order: ${testOrder(d)}\`${tier}, ` +
      `a \`selector:\` on labels only this ${kind} has (never all(): that would put every endpoint under policy), \`types: [${d.direction === 'ingress' ? 'Ingress' : 'Egress'}]\` and one rule \`action: Allow\`${nets}; ${watch}.`;
  }
  return [
    confirm,
    "Do not start with the runbook's remove-calico-policy.sh (step A7): it needs calico-node stopped on the node, sets FORWARD to ACCEPT, flushes every cali- chain in the filter, nat, raw and mangle tables and deletes every rule with a `cali:` comment, so it removes all policy for every pod and host endpoint on the node at once, and Calico's own NAT (natOutgoing) and IPIP/VXLAN rules with it; it proves nothing about which policy dropped the flow, and the node stays open until calico-node is back and reprograms.",
  ];
}
