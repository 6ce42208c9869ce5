/**
 * Catalogue I2: an Allow exists but traffic is still denied, because a policy evaluated earlier (lower
 * `order`, or an earlier tier) denies it first. Read from the order of the `-j cali-pi-…` jumps in the
 * endpoint chain (Felix renders them in policy order), the Deny rule's counter in the earlier policy chain
 * and a later policy's Allow rule for the same protocol and port.
 */
import { machineOf } from '../felix/fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { PolicyInfo } from '../../model/derived.js';
import { a7Steps, currentDrops, dropEvidence, endpointLabel } from '../../combiners/policy-drops.js';

const PASS_NOTE = 'Use `Pass` in an earlier tier deliberately: in a tier that selects the endpoint and takes no action the packet is dropped.';

/** `calicoctl patch` of a policy's order; undefined for Kubernetes NetworkPolicies (`knp.default.*`), whose order Calico fixes at 1000. */
function patchOrder(p: PolicyInfo, order: number): string | undefined {
  if (/^(?:knp|kns)\./.test(p.name) || !/^[a-z0-9][-a-z0-9.]*$/.test(p.name)) return undefined;
  const ns = p.namespace !== undefined ? ` -n ${p.namespace}` : '';
  return `\`calicoctl patch ${p.kind === 'NetworkPolicy' ? 'networkpolicy' : 'globalnetworkpolicy'} ${p.name}${ns} -p '{"spec":{"order":${order}}}'\``;
}

/** The fix: the allowing policy before the denying one (a patch when both orders are known), or a narrower Deny. */
function orderFix(deny: string, allow: string, a: PolicyInfo | undefined, b: PolicyInfo | undefined): string {
  if (a !== undefined && b !== undefined && a.tier !== b.tier) {
    return `Tier ${a.tier} is evaluated before tier ${b.tier}: move ${allow} into tier ${a.tier} with an order below ${a.order !== undefined ? `${deny}'s ${a.order}` : `${deny}'s`}, have tier ${a.tier} \`Pass\` this flow on to tier ${b.tier}, or narrow ${deny}'s Deny rule so it does not match this flow.`;
  }
  const patch = a?.order !== undefined && a.order >= 1 && b !== undefined ? patchOrder(b, a.order - 1) : undefined;
  return patch !== undefined
    ? `Evaluate ${allow} first: ${patch} (one below ${a!.name}'s order ${a!.order}); or narrow ${deny}'s Deny rule so it does not match this flow.`
    : `Give ${allow} a lower order than ${deny} (or move it to an earlier tier), or narrow ${deny}'s Deny rule so it does not match this flow; the Allow then wins.`;
}

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
      PASS_NOTE,
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
      const host = machineOf(d.node);
      const a7 = a7Steps(d, name, host);
      const epChain = d.shadows![0]!.endpointChain;
      findings.push({
        key: `${d.node}:${d.chain}:${d.evidence.line}`,
        title: `${deny} denies ${d.packets} packets ahead of ${allows.join(', ')}, which would allow them`,
        message:
          `For ${d.direction} traffic ${d.direction === 'ingress' ? 'to' : 'from'} ${eps.join(', ') || d.node}, the endpoint chain jumps to ${deny} before ${allows.join(', ')}. The Deny rule \`${d.ruleText.trim()}\` matched ${d.packets} packets, and the later Allow rule \`${d.shadows![0]!.allow.text.trim()}\` matches the same protocol and port, so it is never reached for them. ${orderNote}` +
          (d.delta !== undefined ? (d.delta > 0 ? ` The Deny counter moved by ${d.delta} packets between the two snapshots of ${d.node}.` : ` The Deny counter did not move between the two snapshots of ${d.node}.`) : ''),
        nodes: [d.node],
        evidence: dropEvidence(d),
        fix: [
          `Check the evaluation order: \`calicoctl get globalnetworkpolicy,networkpolicy -o wide --all-namespaces\` (ORDER column) and, on ${host}, \`iptables-save -c -t ${d.table} | grep -- '-A ${epChain} '\` (the jumps of the endpoint chain, in the order Felix evaluates them).`,
          a7[0]!,
          orderFix(deny, allows[0]!, d.policy?.policy, d.shadows![0]!.step.policy),
          `After the fix (and with ${name} deleted), retry the flow: it must work, and the Deny counter from step 2 must stay still on ${host}.`,
          ...(d.policy?.policy !== undefined && d.shadows![0]!.step.policy !== undefined && d.policy.policy.tier === d.shadows![0]!.step.policy.tier ? [] : [PASS_NOTE]),
          a7[1]!,
        ],
        severity: d.delta === 0 ? 'info' : undefined,
      });
    }
    return { status: 'found', findings };
  },
};
