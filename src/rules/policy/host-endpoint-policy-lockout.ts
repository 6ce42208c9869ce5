/**
 * Catalogue I3: host endpoint policy (HostEndpoints plus a default-deny GlobalNetworkPolicy) filters the
 * host's own traffic and drops what Calico needs between nodes (BGP TCP 179, Typha 5473), because the
 * failsafe ports were overridden or do not cover it. Read from the DROP counters of `cali-fh-<iface>`
 * (ingress to the host), `cali-th-<iface>` (egress), `cali-fhfw-`/`cali-thfw-` (applyOnForward) and the
 * policy chains they jump to, and the ports of `cali-failsafe-in`/`cali-failsafe-out`.
 */
import { andList } from '../fix-steps.js';
import { machineOf } from '../felix/fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { IptablesRule } from '../../model/facts.js';
import type { NodeModel } from '../../model/node.js';
import { a7Steps, currentDrops, dropEvidence, endpointLabel } from '../../combiners/policy-drops.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';

const NEEDED = [179, 5473];

function portCovered(rules: readonly IptablesRule[], port: number): boolean {
  for (const r of rules) {
    if (r.target !== 'ACCEPT' || !/(?:^|\s)-p (tcp|6)\b/.test(r.spec)) continue;
    const m = /--dports? (\S+)/.exec(r.spec);
    if (m === null) continue;
    for (const part of m[1]!.split(',')) {
      const x = /^(\d+)(?::(\d+))?$/.exec(part);
      if (x !== null && Number(x[1]) <= port && port <= Number(x[2] ?? x[1])) return true;
    }
  }
  return false;
}

/** Failsafe ports missing on a node: `in` and `out` lists of the needed TCP ports cali-failsafe-* does not accept. */
function missingFailsafe(node: NodeModel): { chain: string; missing: number[]; evidence?: Evidence }[] {
  const filter = node.iptables4?.tables['filter'];
  const out: { chain: string; missing: number[]; evidence?: Evidence }[] = [];
  for (const chain of ['cali-failsafe-in', 'cali-failsafe-out']) {
    const ch = filter?.chains[chain];
    if (ch === undefined) continue;
    const missing = NEEDED.filter((p) => !portCovered(ch.rules, p));
    if (missing.length === 0) continue;
    const e: { chain: string; missing: number[]; evidence?: Evidence } = { chain, missing };
    e.evidence = lineEvidence(node, artifactFile(node, 'ipv4_tables'), ch.rules[0] ?? ch);
    out.push(e);
  }
  return out;
}

const ALLOW_ALL = 'Add explicit Allow rules for TCP 179 (BGP), 5473 (Typha), IPIP/VXLAN (4789/udp) and the API server to the host endpoint policy, ordered before the default-deny, or restore the failsafe ports (`FelixConfiguration` `failsafeInboundHostPorts`/`failsafeOutboundHostPorts` including tcp:179 and tcp:5473).';

/** The failsafe field of a direction (both when the chain is not known). */
function failsafeField(chain: string | undefined): string {
  if (chain === 'cali-failsafe-in') return '`failsafeInboundHostPorts`';
  if (chain === 'cali-failsafe-out') return '`failsafeOutboundHostPorts`';
  return '`failsafeInboundHostPorts`/`failsafeOutboundHostPorts`';
}

interface LockoutFacts {
  host: string;
  iface: string | undefined;
  policy: string;
  missing: { chain: string; missing: number[] } | undefined;
  controlPlane: boolean;
  /** Node IPs of the BGP peers whose sessions with this node are down. */
  peers: string[];
}

/** The fix between the A7 confirm and warning steps: open Calico's ports (or the failsafe), a stop-gap, and the check. */
function lockoutSteps(x: LockoutFacts, testPolicy: string): string[] {
  const ports = x.missing !== undefined ? x.missing.missing.map((p) => `tcp:${p}`) : ['tcp:179', 'tcp:5473'];
  const to = x.peers.length > 0 ? andList(x.peers) : 'the other nodes';
  const fix = x.controlPlane
    ? `On ${x.host}: allow TCP 179 to and from ${to} (and 5473 to Typha, IPIP or VXLAN between the nodes, the API server) in ${x.policy}, ordered before its deny; or restore the failsafe ports: ${failsafeField(x.missing?.chain)} in \`calicoctl get felixconfiguration default -o yaml\` must include ${andList(ports)} (remove the field to get Calico's defaults back), then \`calicoctl apply -f\` the edited file.`
    : `These packets are not BGP or Typha (the failsafe ports cover those): find what ${x.policy} drops on ${x.host} (\`tcpdump -ni ${x.iface ?? 'any'}\` while the counter moves) and allow what the node needs in the host endpoint policy.`;
  return [
    fix,
    `Until then, if the node is cut off, take ${x.host}'s ${x.iface ?? 'host'} endpoint out of the policy: find its HostEndpoint with \`calicoctl get hostendpoint -o wide\` and delete it, or change the default-deny selector so it does not match it.`,
    `After the fix (and with ${testPolicy} deleted), the DROP counter from step 1 stays still on ${x.host}${x.controlPlane ? ` and \`calicoctl node status\` there shows ${x.peers.length > 0 ? `the sessions with ${to}` : 'its BGP sessions'} Established` : ''}.`,
  ];
}

export const hostEndpointPolicyLockout: Rule = {
  meta: {
    id: 'host-endpoint-policy-lockout',
    severity: 'critical',
    summary: 'Host endpoint policy drops the host\'s own traffic (BGP, Typha, probes): the failsafe ports do not cover it.',
    rationale:
      'With HostEndpoints (manual or automatic) and a default-deny GlobalNetworkPolicy, Felix filters the host\'s traffic in `cali-fh-<iface>` (ingress to the host), `cali-th-<iface>` (egress) and, with applyOnForward, `cali-fhfw-`/`cali-thfw-`. Only the failsafe ports bypass it (`failsafeInboundHostPorts` default tcp:22, udp:68, tcp:179, tcp:2379, tcp:2380, tcp:5473, tcp:6443, tcp:6666, tcp:6667, rendered in `cali-failsafe-in`/`cali-failsafe-out`); when they were overridden without 179 or 5473, BGP sessions go to Connect/Active and Typha connections fail, and every node whose HostEndpoint policy drops them loses its routes. The DROP counters in the host endpoint chains name the policy and the packet count.',
    remediation: [
      ALLOW_ALL,
      'Until then, remove the HostEndpoint (or the default-deny selector on it) on the affected nodes; check with `calicoctl get hostendpoint -o wide` and `calicoctl get felixconfiguration default -o yaml`.',
    ],
    explains: ['bgp-port179-blocked', 'bgp-peer-refused-or-unreachable', 'block-route-missing'],
    collect: [
      { command: 'iptables-save -c', why: 'the DROP counters of cali-th-/cali-fh- chains and the cali-failsafe-in/out ports decide the lockout' },
      { command: 'calicoctl get hostendpoint,felixconfiguration -o yaml', why: 'shows which interfaces have HostEndpoints and the failsafe ports in force' },
    ],
  },
  check({ cluster, derived }) {
    const table = derived.policy;
    if (table.nodesWithTables.length === 0) return { status: 'skipped', reason: 'no iptables-save (ipv4_tables) in any bundle: host endpoint chains are unknown' };
    const drops = currentDrops(table, derived.snapshots).filter((d) => d.endpoints.some((u) => u.endpoint.kind === 'host') || /^cali-(th|fh|thfw|fhfw)-/.test(d.chain));
    const hostChains = table.chains.filter((c) => c.endpoint.kind === 'host');
    if (drops.length === 0) {
      return { status: 'passed', reason: `no host endpoint policy DROP matched packets (${hostChains.length} host endpoint chains with policy on ${table.nodesWithTables.length} nodes checked)` };
    }
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const findings: FindingDraft[] = [];
    for (const d of drops.slice(0, 20)) {
      const node = byName.get(d.node)!;
      const failsafe = missingFailsafe(node);
      const hostEps = d.endpoints.filter((u) => u.endpoint.kind === 'host');
      const epText = hostEps.length > 0 ? hostEps.map((u) => endpointLabel(u.endpoint)).join(', ') : `host endpoint chain ${d.chain} on ${d.node}`;
      const who = d.kind === 'policy-deny' ? (d.policy?.label ?? d.chain) : d.kind === 'end-of-tier' ? `the end of tier ${d.tier ?? 'default'} (no policy allowed the packets: ${d.policies.map((s) => s.label).join(', ') || 'none named'})` : 'the end of the profiles';
      // BGP (179) and Typha (5473) can only be what this drop hit when the failsafe chain of this
      // direction lets them fall through to the policy, or the DROP names the port itself.
      const failsafeHere = failsafe.find((f) => f.chain === (d.direction === 'egress' ? 'cali-failsafe-out' : 'cali-failsafe-in'));
      const mentions179 = /--dports? \S*\b179\b/.test(d.ruleText);
      const controlPlane = mentions179 || (failsafeHere?.missing.length ?? 0) > 0;
      const bgpDown = derived.bgp.pairs.filter((p) => p.status !== 'up' && (p.a.node === d.node || p.b.node === d.node));
      const peers = controlPlane && (mentions179 || failsafeHere?.missing.includes(179)) ? bgpDown.map((p) => (p.a.node === d.node ? p.b.node : p.a.node)) : [];
      const message =
        `${who} dropped ${d.packets} packets ${d.direction === 'ingress' ? 'arriving at' : 'leaving'} ${epText}: \`${d.ruleText.trim()}\`.` +
        (failsafeHere !== undefined ? ` ${failsafeHere.chain} does not let Calico's own ${d.direction} traffic through: no tcp:${failsafeHere.missing.join('/tcp:')}, so it falls to the policy.` : '') +
        (peers.length > 0 ? ` BGP from ${d.node} to ${peers.join(', ')} is not up, which this drop explains${mentions179 ? ' (the rule matches TCP 179)' : ''}.` : '') +
        (!controlPlane ? ` The failsafe ports of this direction cover BGP (179) and Typha (5473), so these are other host packets the policy does not allow (by design or not): check that no service the node needs is among them.` : '') +
        (d.delta !== undefined ? (d.delta > 0 ? ` The counter moved by ${d.delta} packets between the two snapshots of ${d.node}.` : ` The counter did not move between the two snapshots of ${d.node}.`) : '');
      const evidence = dropEvidence(d);
      if (failsafeHere?.evidence !== undefined) evidence.push(failsafeHere.evidence);
      const name = `diag-allow-host-${hostEps[0]?.endpoint.iface ?? 'eth0'}-${d.direction}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63);
      findings.push({
        key: `${d.node}:${d.chain}:${d.evidence.line}`,
        title: `Host endpoint policy on ${d.node} drops the host's own ${d.direction} traffic (${d.packets} packets in ${d.chain})${peers.length > 0 ? `: BGP to ${peers.join(', ')} is down` : ''}`,
        message,
        nodes: [d.node],
        evidence,
        fix: (() => {
          const host = machineOf(d.node);
          const a7 = a7Steps(d, name, host);
          const facts: LockoutFacts = { host, iface: hostEps[0]?.endpoint.iface, policy: d.policy?.label ?? (d.policies.filter((s) => s.kind === 'policy').map((s) => s.label).join(', ') || 'the host endpoint policy'), missing: failsafeHere, controlPlane, peers: peers.map((p) => byName.get(p)?.nodeIP ?? '').filter((ip) => ip !== '') };
          return [a7[0]!, ...lockoutSteps(facts, name), a7[1]!];
        })(),
        // Only a drop that can hit Calico's own traffic is the lockout; other host drops are listed as info.
        severity: d.delta === 0 || !controlPlane ? 'info' : undefined,
      });
    }
    return { status: 'found', findings };
  },
};
