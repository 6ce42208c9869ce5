/**
 * Catalogue I2: an Allow exists but traffic is still denied, because a policy evaluated earlier (lower
 * `order`, or an earlier tier) denies it first. Read from the order of the `-j cali-pi-…` jumps in the
 * endpoint chain (Felix renders them in policy order), the Deny rule's counter in the earlier policy chain
 * and a later policy's Allow rule for the same protocol and port.
 */
import type { FindingDraft, Rule } from '../rule.js';
import { a7Steps, currentDrops, dropEvidence, endpointLabel } from '../../combiners/policy-drops.js';

export const policyOrderOrTierShadowing: Rule = {
  meta: {
    id: 'policy-order-or-tier-shadowing',
    severity: 'warning',
    summary: 'A lower-order (or earlier-tier) policy denies the traffic before the policy that allows it is evaluated.',
    rationale:
      'Calico applies the policy with the lowest `order` first ("Calico applies the policy with the lowest value first"), tier by tier; the first Allow or Deny ends the evaluation, and Pass jumps to the next tier. Felix renders this order as the sequence of `-j cali-pi-<policy>` (ingress) or `-j cali-po-<policy>` (egress) jumps in the endpoint chain. When the Deny rule of an earlier policy counts packets and a later policy has an Allow rule for the same protocol and port, the Allow is never reached for those packets: the fix is the order, the tier or the Deny\'s selector, not another Allow at the end.',
    remediation: [
      'Give the allowing policy a lower `order` than the denying one (or move it to an earlier tier), or narrow the Deny rule/selector so that it does not match this flow.',
      'Check the evaluation order with `calicoctl get globalnetworkpolicy,networkpolicy -o wide --all-namespaces` (ORDER column) and `iptables-save -c | grep cali-tw-<iface>` (jump order).',
      'Use `Pass` in an earlier tier deliberately: in a tier that selects the endpoint and takes no action the packet is dropped.',
    ],
    collect: [
      { command: 'iptables-save -c', why: 'the jump order in cali-tw-/cali-fw- and the Deny counters of the earlier policy decide the shadowing' },
      { command: 'calicoctl get globalnetworkpolicy,networkpolicy --all-namespaces -o yaml', why: 'names the policies behind hashed chains, with their order and tier' },
    ],
  },
  check({ derived }) {
    const table = derived.policy;
    if (table.nodesWithTables.length === 0) return { status: 'skipped', reason: 'no iptables-save (ipv4_tables) in any bundle: policy order and counters are unknown' };
    const drops = currentDrops(table, derived.snapshots).filter((d) => d.kind === 'policy-deny' && (d.shadows?.length ?? 0) > 0);
    if (drops.length === 0) {
      const denies = table.drops.filter((d) => d.kind === 'policy-deny').length;
      return { status: 'passed', reason: `no Deny rule that matched packets sits ahead of an Allow for the same port (${table.chains.length} endpoint chains with policy, ${denies} Deny rules with packets checked)` };
    }
    const findings: FindingDraft[] = [];
    for (const d of drops.slice(0, 20)) {
      const deny = d.policy?.label ?? d.chain;
      const allows = d.shadows!.map((s) => s.step.label);
      const eps = [...new Set(d.shadows!.map((s) => s.endpointChain))]
        .map((c) => d.endpoints.find((u) => u.chain === c)?.endpoint)
        .filter((e) => e !== undefined)
        .map((e) => endpointLabel(e!));
      const orderNote = (() => {
        const a = d.policy?.policy;
        const b = d.shadows![0]!.step.policy;
        if (a === undefined || b === undefined) return 'Felix evaluates them in the order of the jumps in the endpoint chain.';
        if (a.tier !== b.tier) return `${a.name} is in tier ${a.tier}, evaluated before tier ${b.tier}.`;
        return `${a.name} has order ${a.order ?? 'none'}, ${b.name} has order ${b.order ?? 'none'}: the lower order is applied first.`;
      })();
      const ep = d.endpoints[0]?.endpoint;
      const name = `diag-allow-${ep?.iface ?? 'flow'}-${d.direction}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63);
      findings.push({
        key: `${d.node}:${d.chain}:${d.evidence.line}`,
        title: `${deny} denies ${d.packets} packets ahead of ${allows.join(', ')}, which would allow them`,
        message:
          `For ${d.direction} traffic ${d.direction === 'ingress' ? 'to' : 'from'} ${eps.join(', ') || d.node}, the endpoint chain jumps to ${deny} before ${allows.join(', ')}. The Deny rule \`${d.ruleText.trim()}\` matched ${d.packets} packets, and the later Allow rule \`${d.shadows![0]!.allow.text.trim()}\` matches the same protocol and port, so it is never reached for them. ${orderNote}` +
          (d.delta !== undefined ? (d.delta > 0 ? ` The Deny counter moved by ${d.delta} packets between the two snapshots of ${d.node}.` : ` The Deny counter did not move between the two snapshots of ${d.node}.`) : ''),
        nodes: [d.node],
        evidence: dropEvidence(d),
        remediation: [
          `Lower the order of ${allows[0]} below that of ${deny} (or make ${deny}'s Deny rule not match this flow); the Allow then wins.`,
          ...a7Steps(d, name),
        ],
        severity: d.delta === 0 ? 'info' : undefined,
      });
    }
    return { status: 'found', findings };
  },
};
