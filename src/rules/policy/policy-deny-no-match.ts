/**
 * Catalogue I1 / T6: a policy selects a workload in one direction and no rule allows the flow, so the end
 * of the tier ("Drop if no policies passed packet") drops it; or a Deny rule of the policy drops it; or no
 * profile allows it ("Drop if no profiles matched"). Read from the DROP counters of the pod's
 * `cali-tw-<iface>` (ingress, destination node) / `cali-fw-<iface>` (egress, source node) and the policy
 * chains they jump to, tied to the exported policy YAML.
 */
import { machineOf } from '../felix/fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { PolicyDrop, PolicyStep } from '../../model/derived.js';
import { a7Steps, currentDrops, dropEvidence, endpointLabel, kubernetesPolicyOf } from '../../combiners/policy-drops.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function dirWord(d: PolicyDrop): string {
  return d.direction === 'ingress' ? 'to' : 'from';
}

function snapshotNote(d: PolicyDrop, later: string | undefined): string {
  if (d.delta === undefined) return '';
  if (d.delta > 0) return ` Between the two snapshots of this node (${later ?? d.node} is the later one) the counter moved by ${plural(d.delta, 'packet')}: the drop is happening now.`;
  return ' The counter did not move between the two snapshots of this node: these drops are older than the first bundle.';
}

/** `, a Kubernetes NetworkPolicy to change with kubectl edit …` when the one policy to change is one. */
function editNote(s: PolicyStep | undefined): string {
  const k = s !== undefined ? kubernetesPolicyOf(s) : undefined;
  return k !== undefined ? `, a Kubernetes NetworkPolicy to change with \`kubectl edit networkpolicy -n ${k.namespace} ${k.name}\`` : '';
}

/** The fix of the policy itself, by kind of drop, naming the policies and the endpoint. */
function policyFix(d: PolicyDrop, ep: string): string {
  const steps = d.policies.filter((s) => s.kind === 'policy');
  const names = steps.map((s) => s.label);
  if (d.kind === 'policy-deny') {
    return `Fix ${d.policy?.label ?? d.chain}${editNote(d.policy)}: narrow its Deny rule (\`${d.ruleText.trim().replace(/^\[\d+:\d+\]\s*/, '')}\`) so it no longer matches this flow, or allow the flow in a policy evaluated before it (lower order, or an earlier tier).`;
  }
  if (d.kind === 'end-of-profiles') {
    return `No policy selects ${ep} for ${d.direction}, and its profiles (${d.policies.map((s) => s.label).join(', ') || 'none'}) do not allow the flow: allow it with a policy that selects the pod (a NetworkPolicy in its namespace) rather than by editing the profiles Calico generates.`;
  }
  const which = names.length > 0 ? (names.length === 1 ? `${names[0]!}${editNote(steps[0])}` : `the right one of ${names.join(', ')}`) : 'the policy that selects the pod';
  return `Add the missing Allow rule for this flow to ${which}${d.direction === 'egress' ? ' (for egress, include DNS: UDP and TCP 53 to kube-dns)' : ''}, or narrow ${names.length > 1 ? 'the selector of the policy that should not apply' : 'its selector'} so it no longer selects ${ep}.`;
}

export const policyDenyNoMatch: Rule = {
  meta: {
    id: 'policy-deny-no-match',
    severity: 'warning',
    summary: 'A network policy selects a pod and no rule allows the flow: the end of the policy tier (or a Deny rule) drops its packets.',
    rationale:
      'Once any policy selects a workload in a direction, Felix ends that direction\'s tier in `cali-tw-<iface>` (ingress, on the destination node) or `cali-fw-<iface>` (egress, on the source node) with `Drop if no policies passed packet` (`End of tier <tier>. Drop if no policies passed packet` on newer Felix); a workload with no policy ends in its profiles, `Drop if no profiles matched`. A Kubernetes NetworkPolicy is rendered as Calico policy `knp.default.<name>` (order 1000). The rule counters of `iptables-save -c` on these DROPs, and of Deny rules in `cali-pi-`/`cali-po-` policy chains, say which policy dropped how many packets for which pod; the pod is tied to its interface by the `<ip> dev cali… scope link` route. Calico logs no policy drops by default, so the counters are the evidence.',
    remediation: [
      'Add the missing Allow rule to the policy that selects the pod (for egress, include DNS: UDP and TCP 53 to kube-dns), or narrow the policy\'s selector so it no longer selects the pod.',
      'Confirm first with a lower-order Allow GlobalNetworkPolicy for just this flow (the finding gives the YAML), then delete it; take two `iptables-save -c` a few seconds apart during a test to see which counter moves.',
      'Keep the runbook\'s remove-calico-policy.sh (A7) as a last resort: it removes all policy on the node at once and proves nothing about which policy dropped the flow.',
    ],
    collect: [
      { command: 'iptables-save -c', why: 'the DROP counters of cali-tw-/cali-fw- and cali-pi-/cali-po- chains decide which policy drops the flow' },
      { command: 'calicoctl get globalnetworkpolicy,networkpolicy --all-namespaces -o yaml', why: 'ties each policy chain to its policy (order, tier, selector, rules)' },
    ],
  },
  check({ derived }) {
    const table = derived.policy;
    if (table.nodesWithTables.length === 0) return { status: 'skipped', reason: 'no iptables-save (ipv4_tables) in any bundle: the policy DROP counters are unknown' };
    const drops = currentDrops(table, derived.snapshots).filter(
      (d) => d.endpoints.every((u) => u.endpoint.kind === 'workload') && !(d.kind === 'policy-deny' && (d.shadows?.length ?? 0) > 0),
    );
    if (drops.length === 0) {
      return {
        status: 'passed',
        reason: `no Calico policy or profile DROP on a workload matched packets (${plural(table.chains.length, 'endpoint chain')} with policy on ${plural(table.nodesWithTables.length, 'node')} checked, ${plural(table.policies.length, 'exported policy')})`,
      };
    }
    const laterOf = new Map(derived.snapshots.map((s) => [s.later, s.later]));
    const findings: FindingDraft[] = [];
    for (const d of drops.slice(0, 20)) {
      const eps = d.endpoints.map((u) => endpointLabel(u.endpoint));
      const epText = eps.length > 0 ? eps.join(', ') : `the endpoints of ${d.node} that use ${d.chain}`;
      const counted = `${plural(d.packets, 'packet')}${d.bytes !== undefined ? ` (${d.bytes} bytes)` : ''}`;
      let title: string;
      let message: string;
      const names = d.policies.filter((s) => s.kind === 'policy').map((s) => s.label);
      if (d.kind === 'end-of-tier') {
        title = `No policy allows ${d.direction} traffic ${dirWord(d)} ${epText}: the end of tier ${d.tier ?? 'default'} dropped ${counted}`;
        message =
          `${names.length > 0 ? `${names.join(', ')} ${names.length === 1 ? 'selects' : 'select'}` : 'A policy selects'} ${epText} for ${d.direction} and none of ${names.length === 1 ? 'its rules' : 'their rules'} allowed these packets, so \`${d.chain}\` dropped them at the end of tier ${d.tier ?? 'default'} (\`${/--comment "([^"]*if no policies passed packet)"/.exec(d.ruleText)?.[1] ?? 'Drop if no policies passed packet'}\`, ${counted}).` +
          (table.policiesExported && names.every((n) => n.includes('not in the exported YAML')) && names.length > 0 ? ' The policy chains did not match any exported policy: the YAML may be from another cluster or incomplete.' : '') +
          (!table.policiesExported ? ' No policy YAML was given, so the policies are named from their chains only.' : '');
      } else if (d.kind === 'end-of-profiles') {
        title = `${d.direction === 'ingress' ? 'Ingress' : 'Egress'} traffic ${dirWord(d)} ${epText} matched no profile: ${counted} dropped`;
        message = `No policy selects ${epText} for ${d.direction}, and none of its profiles (${d.policies.map((s) => s.label).join(', ') || 'none'}) allowed the packets, so \`${d.chain}\` dropped them (\`Drop if no profiles matched\`, ${counted}).`;
      } else {
        const who = d.policy?.label ?? d.chain;
        title = `${who} denied ${counted} ${d.direction} ${dirWord(d)} ${epText}`;
        message = `A Deny rule of ${who} in \`${d.chain}\` on ${d.node} matched ${counted} for ${d.direction} traffic ${dirWord(d)} ${epText}: \`${d.ruleText.trim()}\`.`;
      }
      message += snapshotNote(d, laterOf.get(d.node));
      const ep = d.endpoints[0]?.endpoint;
      const name = `diag-allow-${ep?.iface ?? 'flow'}-${d.direction}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63);
      const host = machineOf(d.node);
      const a7 = a7Steps(d, name, host);
      findings.push({
        key: `${d.node}:${d.chain}:${d.evidence.line}`,
        title,
        message,
        nodes: [d.node],
        evidence: dropEvidence(d),
        fix: [
          a7[0]!,
          policyFix(d, ep !== undefined ? endpointLabel(ep) : epText),
          `After the fix (and with ${name} deleted), retry the flow: it must work, and the DROP counter from step 1 must stay still on ${host}.`,
          a7[1]!,
        ],
        severity: d.delta === 0 ? 'info' : undefined,
      });
    }
    const reason = drops.length > 20 ? `${drops.length} policy drops; the 20 with the most packets are reported` : undefined;
    return reason !== undefined ? { status: 'found', findings, reason } : { status: 'found', findings };
  },
};
