/**
 * Catalogue A1 / T2: the initiating side keeps trying (SYN_SENT, never `State changed to up`)
 * while the other side listens on 179 and never sees the connection: something between
 * them (host firewall, security group, ACL) silently drops TCP 179.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { BgpPair, BgpSide } from '../../model/derived.js';
import { blockingRules } from '../../combiners/port-filters.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { listens179 } from '../../combiners/bgp-pairs.js';
import { andList } from '../fix-steps.js';

interface Attempt {
  initiator: BgpSide;
  target: BgpSide;
  pair: BgpPair;
}

const ALLOW_179 = 'Allow TCP 179 in both directions between all BGP peers (Calico requirements: "Calico networking (BGP) | All | Bidirectional | TCP 179"): host firewall (iptables/firewalld/ufw), cloud security groups and NACLs, and any router ACL between the subnets.';

/** Steps for one dropping target: its own DROP with the initiators' addresses, or the path; then the test from an initiator. */
function fixSteps(target: NodeModel, initiators: NodeModel[], drop: string | undefined, hostPolicy: string[] = []): string[] {
  const sources = initiators.map((n) => n.nodeIP).filter((ip): ip is string => ip !== undefined);
  const names = andList(initiators.map((n) => n.name));
  const steps: string[] = [];
  if (drop !== undefined) {
    steps.push(sources.length > 0
      ? `On ${target.name}, accept BGP from ${names} before the DROP (\`${drop}\`): ${sources.map((ip) => `\`iptables -I INPUT -p tcp --dport 179 -s ${ip} -j ACCEPT\``).join(', ')}, then remove the DROP and persist the change in the firewall manager that added it.`
      : `On ${target.name}, remove the DROP (\`${drop}\`) or insert an ACCEPT for TCP 179 from the other nodes before it (their addresses are not in the bundle: \`calicoctl get node -o wide\` lists them), and persist the change in the firewall manager that added it.`);
  } else if (hostPolicy.length > 0) {
    steps.push(`Calico's host endpoint policy drops it (${andList(hostPolicy)}): allow TCP 179 between the nodes in that policy, or restore the failsafe ports (\`failsafeInboundHostPorts\`/\`failsafeOutboundHostPorts\` must include tcp:179); the host-endpoint-policy-lockout finding gives the steps.`);
  } else {
    steps.push(`${target.name}'s iptables has no DROP for TCP 179, so look on the path from ${names} to ${target.nodeIP ?? target.name}: security groups, NACLs, router ACLs and firewalls outside iptables (nftables, firewalld) must allow TCP 179 both ways.`);
  }
  steps.push(ALLOW_179);
  const from = initiators[0]!;
  steps.push(target.nodeIP !== undefined
    ? `Test from ${from.name}: \`nc -zv ${target.nodeIP} 179\`; on ${target.name}, \`tcpdump -ni any tcp port 179${from.nodeIP !== undefined ? ` and host ${from.nodeIP}` : ''}\` shows whether the SYN arrives.`
    : `Test from ${from.name} with \`nc -zv\` to ${target.name}'s node IP (not in the bundle: \`calicoctl get node ${target.name} -o wide\`) on port 179; on ${target.name}, \`tcpdump -ni any tcp port 179\` shows whether the SYN arrives.`);
  return steps;
}

export const bgpPort179Blocked: Rule = {
  meta: {
    id: 'bgp-port179-blocked',
    severity: 'critical',
    summary: 'TCP 179 between two nodes is silently dropped: one side keeps connecting (SYN_SENT) while the other listens and never sees it.',
    rationale:
      'With the node-to-node mesh (v3.22+), the node with the greater IP string connects and the other waits `passive on`. When the initiator\'s socket to <peer>:179 sits in SYN_SENT, its BIRD never logs `State changed to up`, and the peer has `0.0.0.0:179 LISTEN` but no socket from the initiator, the SYN is lost on the way: a host firewall DROP on the peer, a cloud security group/NACL, or a router ACL. The routes that travel over the session are then missing on both nodes.',
    remediation: [
      ALLOW_179,
      'Test from the initiating node with `nc -zv <peer-ip> 179`; on the peer, `tcpdump -ni any tcp port 179` shows whether the SYN arrives.',
      'If the DROP is in the peer\'s own iptables (see the evidence), remove it or add an ACCEPT for the other nodes before it.',
    ],
    explains: ['block-route-missing', 'dns-resolution-failure'],
    collect: [
      { command: 'calicoctl node status', why: 'BGP session state and last error per peer (Established, Connect, Active Socket: Connection refused), which the bundle does not hold' },
      { command: 'ss -tanp \'( sport = :179 or dport = :179 )\'', why: 'TCP 179 socket states (LISTEN, SYN_SENT, ESTABLISHED) when netstat is not in the bundle (cluster diags)' },
    ],
  },
  check({ cluster, derived }) {
    const pairs = derived.bgp.pairs;
    if (pairs.length === 0) return { status: 'skipped', reason: 'no BGP pair could be built (node IPs or BIRD logs missing)' };
    if (cluster.nodes.every((n) => n.sockets === undefined)) return { status: 'skipped', reason: 'no netstat/ss output in any bundle: TCP 179 socket states unknown' };
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const attempts: Attempt[] = [];
    for (const pair of pairs) {
      if (pair.status === 'up') continue;
      for (const [x, y] of [[pair.a, pair.b], [pair.b, pair.a]] as const) {
        if (x.socket !== 'SYN_SENT') continue;
        if (x.lastState === 'up') continue;
        if (y.listens179 !== true) continue;
        if (y.socket === 'ESTABLISHED' || y.socket === 'SYN_RECV') continue;
        attempts.push({ initiator: x, target: y, pair });
      }
    }
    if (attempts.length === 0) {
      return { status: 'passed', reason: `no BGP pair shows SYN_SENT on one side while the other listens (${pairs.length} pairs checked)` };
    }
    const byTarget = new Map<string, Attempt[]>();
    for (const a of attempts) byTarget.set(a.target.node, [...(byTarget.get(a.target.node) ?? []), a]);
    const findings: FindingDraft[] = [];
    for (const [targetName, list] of [...byTarget].sort((p, q) => (p[0] < q[0] ? -1 : 1))) {
      const target = byName.get(targetName) as NodeModel;
      const initiators = list.map((a) => a.initiator.node).sort();
      const evidence: Evidence[] = [];
      // Most telling first: the initiators' SYN_SENT sockets, then the target's listener and DROP rules.
      for (const a of list) evidence.push(...a.initiator.evidence.filter((e) => e.text.includes('SYN_SENT')));
      const listen = listens179(target);
      if (listen !== undefined) evidence.push(lineEvidence(target, target.sockets!.file, listen));
      const drops = blockingRules(target, 179).filter((r) => r.target === 'DROP');
      for (const r of drops) evidence.push(lineEvidence(target, artifactFile(target, 'ipv4_tables'), r));
      for (const a of list) evidence.push(...a.initiator.evidence.filter((e) => !e.text.includes('SYN_SENT')));
      for (const a of list) evidence.push(...a.target.evidence.filter((e) => !evidence.includes(e)));
      // Calico's own host endpoint policy can drop it too: the initiators' egress or the target's ingress.
      const hep = derived.policy.drops.filter(
        (d) => d.packets > 0 && d.endpoints.some((e) => e.endpoint.kind === 'host') && ((d.direction === 'egress' && initiators.includes(d.node)) || (d.direction === 'ingress' && d.node === targetName)),
      );
      for (const d of hep) evidence.push(d.evidence);
      const hepText = hep.length > 0
        ? ` Calico's host endpoint policy drops traffic there: ${hep.map((d) => `${d.chain} on ${d.node} (${d.direction}, ${d.packets} packets)`).join(', ')}, which would drop this SYN (see host-endpoint-policy-lockout).`
        : '';
      const dropText = drops.length > 0
        ? ` ${targetName}'s own iptables drops it: \`${drops[0]!.text.trim()}\`${drops[0]!.packets ? ` (${drops[0]!.packets} packets dropped)` : ''}.`
        : hep.length > 0
          ? ' No DROP rule for port 179 is in its iptables.' + hepText
          : ' No DROP rule for port 179 is in its iptables, so the drop is on the path (security group, NACL, router ACL) or in a firewall not shown by iptables-save.';
      findings.push({
        key: targetName,
        title: `TCP 179 to ${targetName} is dropped: ${initiators.join(', ')} ${initiators.length > 1 ? 'keep' : 'keeps'} connecting, ${targetName} never sees it`,
        message:
          `${initiators.join(', ')} ${initiators.length > 1 ? 'have' : 'has'} a socket in SYN_SENT to ${target.nodeIP ?? targetName}:179 and BIRD never reached \`up\` for ${targetName}, while ${targetName} listens on 179 with no socket from ${initiators.length > 1 ? 'them' : 'it'}.` +
          dropText,
        nodes: [targetName, ...initiators],
        evidence,
        pairs: initiators.map((i) => [i, targetName] as [string, string]),
        fix: fixSteps(target, initiators.map((i) => byName.get(i)!), drops[0]?.text.trim().replace(/^\[\d+:\d+\]\s*/, ''), hep.map((d) => `${d.chain} on ${d.node}`)),
      });
    }
    return { status: 'found', findings };
  },
};
