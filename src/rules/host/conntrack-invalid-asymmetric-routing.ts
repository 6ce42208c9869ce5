/**
 * Catalogue J2 / T3: the two directions between two nodes take different paths (one tunnelled and one
 * not, or replies leaving by another interface than requests arrive on), so the receiving host's
 * conntrack marks packets INVALID and Felix's `-m conntrack --ctstate INVALID -j DROP` rules drop them.
 * Fires only when both hold: asymmetric routes in the route matrix and INVALID drops counted on one of
 * the two nodes (Felix's rule counters in `ipv4_tables`, or `conntrack -S` invalid). A few INVALID drops
 * are normal on any busy node (late FINs after a conntrack entry expired); alone they prove nothing.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { CollectHint, Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { RouteCell } from '../../model/derived.js';
import type { IptablesRule } from '../../model/facts.js';
import { attachedEvidence } from '../../combiners/attachment-evidence.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { interfaceOf } from '../../combiners/node-identity.js';
import { list } from '../../combiners/host-facts.js';

const HINTS: CollectHint[] = [
  { command: 'iptables-save -c; sleep 10; iptables-save -c', why: 'two counter snapshots during a failing test show whether the `ctstate INVALID -j DROP` counters move' },
  { command: 'conntrack -S', why: 'the kernel\'s per-CPU `invalid` count (packets conntrack could not match to a flow)' },
];

/** Felix's INVALID DROP rules with packets counted, from the kept filter rules. */
export function invalidDrops(n: NodeModel): IptablesRule[] {
  const out: IptablesRule[] = [];
  for (const chain of Object.values(n.iptables4?.tables['filter']?.chains ?? {})) {
    if (!chain.name.startsWith('cali-')) continue;
    for (const r of chain.rules) if (r.target === 'DROP' && r.spec.includes('INVALID') && (r.packets ?? 0) > 0) out.push(r);
  }
  return out;
}

interface Path {
  kind?: string;
  /** Interface the packets leave by on the sender. */
  outDev?: string;
  /** Interface they arrive on at the receiver (tunnel device or the NIC holding the next hop). */
  inDev?: string;
  evidence?: Evidence;
}

function path(cell: RouteCell, receiver: NodeModel): Path | undefined {
  const b = cell.blocks.find((x) => x.route !== undefined && x.route.type === 'unicast');
  if (b?.route === undefined) return undefined;
  const r = b.route;
  const inDev = b.kind === 'ipip' ? 'tunl0' : b.kind === 'vxlan' ? 'vxlan.calico' : r.via !== undefined ? interfaceOf(receiver, r.via) : undefined;
  return { kind: b.kind, outDev: r.dev, inDev, evidence: b.evidence };
}

export const conntrackInvalidAsymmetricRouting: Rule = {
  meta: {
    id: 'conntrack-invalid-asymmetric-routing',
    severity: 'warning',
    summary: 'Traffic between two nodes goes one way and returns another (tunnelled one way, or by another interface), and Felix drops the replies as conntrack INVALID.',
    rationale:
      'Felix puts `-m conntrack --ctstate INVALID -j DROP` in the workload chains (cali-tw-/cali-fw-). When A reaches B\'s pods through tunl0 but B answers A\'s pods directly over eth1 (or requests arrive on one NIC and replies leave by another), the receiving host\'s conntrack never saw the flow start and marks the packets INVALID: TCP fails (SYN-ACK dropped) while ICMP may pass. Typical with several NICs, mixed encapsulation or a CrossSubnet prefix mistake (catalogue J2, issue #4511). Proof needs both: the asymmetric routes (T3) and INVALID drops counted on one of the nodes.',
    remediation: [
      'Make the paths symmetric: one node IP per node on the interface that carries pod traffic (IP autodetection `interface=`/`can-reach=`), the same prefix length on every node for CrossSubnet, one encapsulation mode for the pool.',
      'As a last resort (it weakens policy): FelixConfiguration `disableConntrackInvalidCheck: true`.',
    ],
    collect: HINTS,
  },
  check({ cluster, derived }) {
    const m = derived.routeMatrix;
    if (m.nodes.length < 2) return { status: 'skipped', reason: 'fewer than two nodes in the route matrix' };
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const drops = new Map(cluster.nodes.map((n) => [n.name, invalidDrops(n)]));
    const ctInvalid = new Map(cluster.nodes.map((n) => [n.name, n.attachments?.conntrack?.totals['invalid'] ?? 0]));
    const counted = cluster.nodes.filter((n) => n.iptables4 !== undefined || n.attachments?.conntrack !== undefined).length;
    const findings: FindingDraft[] = [];
    const quietAsym: string[] = [];
    let compared = 0;
    for (let i = 0; i < m.nodes.length; i++) {
      for (let j = i + 1; j < m.nodes.length; j++) {
        const ab = m.rows[i]?.[j];
        const ba = m.rows[j]?.[i];
        if (ab?.status !== 'ok' || ba?.status !== 'ok') continue;
        const A = byName.get(ab.from);
        const B = byName.get(ab.to);
        if (A === undefined || B === undefined) continue;
        const there = path(ab, B);
        const back = path(ba, A);
        if (there === undefined || back === undefined) continue;
        compared++;
        const why: string[] = [];
        if (there.kind !== back.kind) why.push(`${A.name} reaches ${B.name}'s pods ${kindText(there.kind)} but ${B.name} answers ${kindText(back.kind)}`);
        else if (there.kind === 'direct' && there.inDev !== undefined && back.outDev !== undefined && there.inDev !== back.outDev) {
          why.push(`${A.name}'s packets arrive on ${B.name}'s ${there.inDev} but ${B.name} answers out of ${back.outDev}`);
        } else if (there.kind === 'direct' && back.inDev !== undefined && there.outDev !== undefined && back.inDev !== there.outDev) {
          why.push(`${B.name}'s packets arrive on ${A.name}'s ${back.inDev} but ${A.name} answers out of ${there.outDev}`);
        }
        if (why.length === 0) continue;
        const dropEvidence: Evidence[] = [];
        for (const n of [A, B]) {
          for (const r of drops.get(n.name) ?? []) dropEvidence.push(lineEvidence(n, artifactFile(n, 'ipv4_tables'), r));
          const inv = ctInvalid.get(n.name) ?? 0;
          if (inv > 0) dropEvidence.push(...(n.attachments?.conntrack?.lines ?? []).filter((l) => /\binvalid=[1-9]/.test(l.text)).slice(0, 2).map((l) => attachedEvidence(n.name, l)));
        }
        if (dropEvidence.length === 0) {
          quietAsym.push(`${A.name}↔${B.name}`);
          continue;
        }
        const packets = [A, B].map((n) => ({ n: n.name, p: (drops.get(n.name) ?? []).reduce((s, r) => s + (r.packets ?? 0), 0), c: ctInvalid.get(n.name) ?? 0 }));
        findings.push({
          key: `${A.name}<->${B.name}`,
          title: `Asymmetric path ${A.name} ↔ ${B.name}: replies dropped as conntrack INVALID`,
          message:
            `${why.join('; ')}. ` +
            packets.filter((x) => x.p + x.c > 0).map((x) => `${x.n}: ${x.p > 0 ? `${x.p} packets on Felix's INVALID DROP rules` : ''}${x.p > 0 && x.c > 0 ? ', ' : ''}${x.c > 0 ? `conntrack -S invalid=${x.c}` : ''}`).join('; ') +
            '. TCP between pods on these nodes fails after the SYN while ICMP may pass.',
          nodes: [A.name, B.name],
          evidence: [there.evidence, back.evidence].filter((e): e is Evidence => e !== undefined).concat(dropEvidence),
          pairs: [[A.name, B.name]],
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (compared === 0) return { status: 'skipped', reason: 'no node pair has routes to each other\'s blocks in both directions', collect: HINTS };
    if (counted === 0 && quietAsym.length > 0) return { status: 'skipped', reason: `asymmetric paths ${list(quietAsym)} but no iptables counters or conntrack -S to see INVALID drops`, collect: HINTS };
    return {
      status: 'passed',
      reason: `${compared} node pair${compared === 1 ? '' : 's'} compared both ways: ${quietAsym.length === 0 ? 'paths symmetric' : `asymmetric ${list(quietAsym)} but no INVALID drops counted there`}`,
      ...(quietAsym.length > 0 ? { collect: HINTS } : {}),
    };
  },
};

function kindText(k: string | undefined): string {
  return k === 'ipip' ? 'through tunl0 (IPIP)' : k === 'vxlan' ? 'through vxlan.calico' : k === 'direct' ? 'directly (unencapsulated)' : `by an ${k ?? 'unknown'} route`;
}
