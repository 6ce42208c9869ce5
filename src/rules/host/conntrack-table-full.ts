/**
 * Catalogue J1: the nf_conntrack table is full on a node. Decided by attachments only (the bundle has
 * no kernel log, no sysctls and no `conntrack -S`): the kernel's `nf_conntrack: table full, dropping
 * packet`, `nf_conntrack_count` at `nf_conntrack_max`, or `conntrack -S` drop/early_drop counts.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { CollectHint, Evidence } from '../../model/finding.js';
import { attachedEvidence, sysctlNumber } from '../../combiners/attachment-evidence.js';
import { list, onNodes, sysctlCollect } from '../../combiners/host-facts.js';

/** Fill level from which the table counts as full (the kernel drops new flows at 100 %). */
export const FULL_RATIO = 0.9;

const HINTS: CollectHint[] = [
  sysctlCollect(),
  { command: 'dmesg -T | grep -i conntrack | tail -50', why: 'the kernel logs `nf_conntrack: table full, dropping packet` when the conntrack table is full (conntrack-table-full)' },
  { command: 'conntrack -S', why: 'per-CPU conntrack counters: drop/early_drop (table full), invalid (asymmetric paths), insert_failed (races)' },
];

export const conntrackTableFull: Rule = {
  meta: {
    id: 'conntrack-table-full',
    severity: 'warning',
    summary: 'The nf_conntrack table is full on a node: the kernel drops packets of new connections.',
    rationale:
      'Every flow Calico\'s iptables rules see takes a conntrack entry; when `nf_conntrack_count` reaches `nf_conntrack_max` the kernel logs `nf_conntrack: table full, dropping packet` and drops the first packet of new flows, so new connections time out intermittently (worse under load, busiest nodes first: ingress, DNS) while existing flows survive. `conntrack -S` then counts `drop` and `early_drop`. None of this is in the diags bundle (catalogue J1); the Calico troubleshooting guide recommends raising the table size ("Linux conntrack table is out of space").',
    remediation: [
      'Raise the table size on the affected nodes: `sysctl -w net.netfilter.nf_conntrack_max=1000000` (Calico troubleshooting guide) and persist it in /etc/sysctl.d/; consider `nf_conntrack_buckets` to match.',
      'Find what fills it: `conntrack -L | awk \'{print $1, $4}\' | sort | uniq -c | sort -rn | head` (a scanner, a DNS storm, short-lived UDP); lower `nf_conntrack_udp_timeout` if UDP dominates.',
    ],
    explains: ['dns-resolution-failure'],
    collect: HINTS,
  },
  check({ cluster }) {
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const findings: FindingDraft[] = [];
    const unchecked: string[] = [];
    let checked = 0;
    for (const n of cluster.nodes) {
      const a = n.attachments;
      const count = sysctlNumber(a?.sysctl?.values, 'net.netfilter.nf_conntrack_count');
      const max = sysctlNumber(a?.sysctl?.values, 'net.netfilter.nf_conntrack_max');
      const kernel = (a?.dmesg?.notable ?? []).filter((l) => /(?:nf|ip)_conntrack: (?:nf_conntrack: )?table full, dropping packet/.test(l.text));
      const totals = a?.conntrack?.totals;
      if ((count === undefined || max === undefined) && a?.dmesg === undefined && totals === undefined) {
        unchecked.push(n.name);
        continue;
      }
      checked++;
      const reasons: string[] = [];
      const evidence: Evidence[] = [];
      if (kernel.length > 0) {
        reasons.push(`the kernel logged \`table full, dropping packet\` ${kernel.length} time${kernel.length === 1 ? '' : 's'}`);
        evidence.push(...kernel.map((l) => attachedEvidence(n.name, l)));
      }
      if (count !== undefined && max !== undefined && max.n > 0 && count.n >= FULL_RATIO * max.n) {
        reasons.push(`nf_conntrack_count ${count.n} is ${Math.round((100 * count.n) / max.n)} % of nf_conntrack_max ${max.n}`);
        evidence.push(attachedEvidence(n.name, count.line), attachedEvidence(n.name, max.line));
      }
      const drop = totals?.['drop'] ?? 0;
      const early = totals?.['early_drop'] ?? 0;
      if (drop + early > 0) {
        reasons.push(`conntrack -S counts drop=${drop} early_drop=${early}`);
        evidence.push(...(a?.conntrack?.lines ?? []).filter((l) => /\b(?:early_)?drop=[1-9]/.test(l.text)).slice(0, 4).map((l) => attachedEvidence(n.name, l)));
      }
      if (reasons.length === 0) continue;
      const races = totals?.['insert_failed'] ?? 0;
      if (races > 0) reasons.push(`also insert_failed=${races} (conntrack insertion races, a known cause of intermittent UDP/DNS timeouts)`);
      findings.push({
        key: n.name,
        title: `conntrack table full on ${n.name}`,
        message: `${n.name}: ${reasons.join('; ')}. New connections through this node (to its pods, from its pods, and forwarded) lose their first packets and time out intermittently.`,
        nodes: [n.name],
        evidence,
        remediation: max !== undefined ? [`On ${n.name}: \`sysctl -w net.netfilter.nf_conntrack_max=${Math.max(1000000, max.n * 4)}\` (now ${max.n}).`] : undefined,
      });
    }
    const collect = onNodes(HINTS, unchecked);
    if (findings.length > 0) return { status: 'found', findings, collect };
    if (checked === 0) return { status: 'skipped', reason: `no sysctl, dmesg or conntrack -S output attached for any of ${cluster.nodes.length} nodes: the conntrack fill level is not in the bundle`, collect };
    return { status: 'passed', reason: `conntrack not full on ${checked} node${checked === 1 ? '' : 's'} with attachments${unchecked.length > 0 ? `; not checked: ${list(unchecked)}` : ''}`, collect, unchecked };
  },
};
