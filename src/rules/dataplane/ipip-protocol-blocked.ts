/**
 * Catalogue D2 / T4: IPIP pool, routes via tunl0 present, yet IP protocol 4 does not arrive at a
 * node: a host firewall DROP of protocol 4 with counters, or Felix's counters show it — the node's
 * `Allow IPIP packets to other Calico hosts` (cali-OUTPUT) counts packets while its `Allow IPIP
 * packets from Calico hosts` and `Drop IPIP packets from non-Calico hosts` (cali-INPUT) stay at 0,
 * and the other nodes send IPIP too.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { EncapPool, NodeEncap } from '../../model/derived.js';
import type { NodeModel } from '../../model/node.js';
import { encapCounterGaps, MIN_SENT, usesIpip } from '../../combiners/encapsulation.js';
import { andList } from '../fix-steps.js';
import { counterCheck, patchPool, tcpdump, vxlanInsteadOfIpip } from './fix-steps-dataplane.js';

const ALLOW_IN = 'Allow IPIP packets from Calico hosts';

/** Switch the IP-in-IP pools to VXLAN, for a fabric that cannot carry protocol 4. */
function toVxlan(pools: EncapPool[]): string {
  const ipip = pools.filter(usesIpip);
  return ipip.length > 0
    ? `If the fabric cannot carry IP-in-IP at all (Azure), switch to VXLAN instead (UDP 4789 must then be open between the nodes): ${ipip.map((p) => patchPool(p.name, vxlanInsteadOfIpip(p))).join(', ')}.`
    : 'If the fabric cannot carry IP-in-IP at all (Azure), switch the IP-in-IP pool to VXLAN (UDP 4789 must then be open between the nodes): `calicoctl get ippool -o wide` names it; patch it with `-p \'{"spec":{"ipipMode":"Never","vxlanMode":"Always"}}\'`.';
}

/** The check during a cross-node ping: the capture on the receiver's NIC and Felix's receive counter. */
function verify(receiver: NodeModel | undefined, name: string, senders: NodeEncap[]): string {
  const y = senders[0];
  return `Verify during a ping from a pod on ${y?.node ?? 'another node'} to a pod on ${name}: ${tcpdump(receiver, `ip proto 4${y?.nodeIP !== undefined ? ` and src host ${y.nodeIP}` : ''}`)} on ${name} shows the packets arrive, and ${counterCheck(name, ALLOW_IN)} shows its counter growing.`;
}

/** A DROP in the receiver's own iptables: accept protocol 4 from the Calico hosts before it. */
function ownDropSteps(node: NodeModel | undefined, name: string, drop: string, senders: NodeEncap[]): string[] {
  return [
    `On ${name}, accept IP-in-IP from the Calico hosts ahead of the DROP (\`${drop}\`): \`iptables -I INPUT -p 4 -m set --match-set cali40all-hosts-net src -j ACCEPT\`; then remove the DROP in the firewall manager that added it (firewalld: \`firewall-cmd --permanent --add-protocol=4 && firewall-cmd --reload\`), so it does not come back.`,
    verify(node, name, senders),
  ];
}

/** Protocol 4 lost on the path to the receiver: open it there, or move to VXLAN; verify on the receiver. */
function pathSteps(node: NodeModel | undefined, x: NodeEncap, senders: NodeEncap[], pools: EncapPool[]): string[] {
  const from = senders.map((y) => (y.nodeIP !== undefined ? `${y.node} (${y.nodeIP})` : y.node));
  return [
    `Allow IP protocol 4 ("IP-in-IP") from ${andList(from)} to ${x.node}${x.nodeIP !== undefined ? ` (${x.nodeIP})` : ''} everywhere on the path: the security group/NACL of ${x.node} (a rule for protocol 4, not TCP/UDP), a firewall outside iptables on ${x.node} (\`firewall-cmd --permanent --add-protocol=4 && firewall-cmd --reload\`, nftables), router ACLs between the subnets.`,
    toVxlan(pools),
    verify(node, x.node, senders),
  ];
}

export const ipipProtocolBlocked: Rule = {
  meta: {
    id: 'ipip-protocol-blocked',
    severity: 'critical',
    summary: 'IP-in-IP packets (IP protocol 4) do not reach a node: the underlay, a cloud fabric (Azure) or a firewall drops them.',
    rationale:
      'With an IPIP pool, pod traffic between nodes travels as IP protocol 4 (not TCP/UDP), which many security groups, firewalld zones and cloud fabrics block ("Most public clouds support IPIP. The notable exception is Azure, which blocks IPIP traffic."). BGP keeps working over TCP 179 and the routes via tunl0 are all present, so the runbook finds nothing. Felix counts IPIP in every node\'s iptables: `Allow IPIP packets to other Calico hosts` (cali-OUTPUT) when sending, `Allow IPIP packets from Calico hosts` (cali-INPUT) when receiving; a node that sends but never receives, while others send too, loses the packets before its INPUT chain.',
    remediation: [
      'Allow IP protocol 4 between all nodes ("IP-in-IP, often represented by its protocol number 4"): security groups/NACLs, firewalld (`firewall-cmd --permanent --add-protocol=4`: protocol 4 is `ipencap` in /etc/protocols, `ipip` there is 94), router ACLs.',
      'Where the fabric cannot carry IP-in-IP (Azure), switch the pool to VXLAN: `calicoctl patch ippool <pool> -p \'{"spec":{"ipipMode":"Never","vxlanMode":"Always"}}\'` (CrossSubnet variants likewise).',
      'Confirm with `tcpdump -ni <nic> ip proto 4` on the receiving node during a cross-node ping, and two `iptables-save -c` a few seconds apart.',
    ],
    explains: ['block-route-missing'],
    collect: [
      { command: 'iptables-save -c; sleep 5; iptables-save -c   (during a cross-node pod ping)', why: 'the IPIP counters of Felix\'s cali-INPUT/cali-OUTPUT rules show which node sends but never receives protocol 4' },
      { command: 'tcpdump -ni <nic> ip proto 4', why: 'shows whether IP-in-IP packets reach the node\'s NIC at all' },
    ],
  },
  check({ cluster, derived }) {
    const t = derived.encap;
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const inUse = t.pools.some(usesIpip) || t.nodes.some((n) => n.routes.ipip.length > 0);
    if (!inUse) return { status: 'passed', reason: `IP-in-IP is not in use: no IPPool has ipipMode Always/CrossSubnet and none of ${t.nodes.length} nodes routes via tunl0` };
    const findings: FindingDraft[] = [];
    const flagged = new Set<string>();
    for (const n of t.nodes) {
      const drops = n.rules.foreignDrops.filter((d) => d.proto === 'ipip' && (d.packets ?? 0) > 0);
      if (drops.length === 0) continue;
      flagged.add(n.node);
      const senders = t.nodes.filter((y) => y !== n && (y.rules.ipipAllowOut?.packets ?? 0) > 0);
      const evidence: Evidence[] = [...drops.map((d) => d.evidence)];
      if (n.rules.ipipAllowIn !== undefined) evidence.push(n.rules.ipipAllowIn.evidence);
      for (const y of senders) evidence.push(y.rules.ipipAllowOut!.evidence);
      const d = drops[0]!;
      findings.push({
        key: n.node,
        title: `${n.node} drops incoming IP-in-IP (protocol 4) in its own firewall: ${d.packets} packets dropped`,
        message:
          `${n.node}'s iptables has \`${d.evidence.text.trim()}\`, which matched ${d.packets} packets` +
          (n.rules.ipipAllowIn !== undefined ? `; Felix's \`Allow IPIP packets from Calico hosts\` there counted ${n.rules.ipipAllowIn.packets ?? '?'}` : '') +
          `. Pods on other nodes cannot reach pods on ${n.node}.`,
        nodes: [n.node, ...senders.map((y) => y.node)],
        evidence,
        pairs: senders.map((y) => [y.node, n.node] as [string, string]),
        fix: ownDropSteps(byName.get(n.node), n.node, d.evidence.text.trim().replace(/^\[\d+:\d+\]\s*/, ''), senders),
      });
    }
    const { withRules, withTraffic, gaps, everyone } = encapCounterGaps(t, 'ipip');
    for (const g of gaps) {
      const x = g.receiver;
      if (flagged.has(x.node)) continue;
      const evidence: Evidence[] = [x.rules.ipipAllowIn!.evidence, x.rules.ipipAllowOut!.evidence];
      if (x.rules.ipipDropIn !== undefined) evidence.push(x.rules.ipipDropIn.evidence);
      for (const y of g.senders) evidence.push(y.rules.ipipAllowOut!.evidence);
      findings.push({
        key: x.node,
        title: `IP-in-IP towards ${x.node} is lost: it sends protocol 4 but never receives any`,
        message:
          `${x.node} sent ${x.rules.ipipAllowOut!.packets} IP-in-IP packets (\`Allow IPIP packets to other Calico hosts\`) but its \`Allow IPIP packets from Calico hosts\` and \`Drop IPIP packets from non-Calico hosts\` rules counted none, while ${g.senders.map((y) => `${y.node} sent ${y.rules.ipipAllowOut!.packets}`).join(', ')}. ` +
          `Protocol 4 to ${x.nodeIP ?? x.node} is dropped on the way (security group/NACL, cloud fabric such as Azure, a firewall not shown by iptables-save).`,
        nodes: [x.node, ...g.senders.map((y) => y.node)],
        evidence,
        pairs: g.senders.map((y) => [y.node, x.node] as [string, string]),
        fix: pathSteps(byName.get(x.node), x, g.senders, t.pools),
      });
    }
    if (everyone) {
      const nodes = withTraffic.filter((n) => !flagged.has(n.node));
      if (nodes.length >= 2) {
        const pairs: [string, string][] = [];
        for (const a of nodes) for (const b of nodes) if (a.node < b.node) pairs.push([a.node, b.node]);
        findings.push({
          key: 'all-nodes',
          title: `No node receives IP-in-IP (protocol 4): ${nodes.length} nodes sent it, none received any`,
          message: `Every node that sent IP-in-IP (protocol 4) (\`Allow IPIP packets to other Calico hosts\`: ${nodes.map((n) => `${n.node} ${n.rules.ipipAllowOut!.packets}`).join(', ')}) counted nothing on \`Allow IPIP packets from Calico hosts\` nor on the drop rule for non-Calico hosts. The encapsulated packets are lost between all nodes: a security group/NACL, a cloud fabric or a firewall outside the nodes' iptables blocks them.`,
          nodes: nodes.map((n) => n.node),
          evidence: [...nodes.map((n) => n.rules.ipipAllowIn!.evidence), ...nodes.map((n) => n.rules.ipipAllowOut!.evidence)],
          pairs,
          fix: [
            `Allow IP protocol 4 ("IP-in-IP") between all nodes (${andList(nodes.map((n) => (n.nodeIP !== undefined ? `${n.node} ${n.nodeIP}` : n.node)))}) in both directions: security groups/NACLs (a rule for protocol 4, not TCP/UDP), firewalls outside iptables (\`firewall-cmd --permanent --add-protocol=4 && firewall-cmd --reload\`), router ACLs.`,
            toVxlan(t.pools),
            verify(byName.get(nodes[0]!.node), nodes[0]!.node, nodes.slice(1)),
          ],
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (withRules.length === 0) return { status: 'skipped', reason: 'IP-in-IP is in use but no node\'s ipv4_tables holds Felix\'s IPIP rules with counters (Allow IPIP packets from Calico hosts), so whether protocol 4 arrives cannot be read' };
    if (withTraffic.length === 0) {
      return { status: 'skipped', reason: `Felix's IPIP OUTPUT counters show fewer than ${MIN_SENT} packets sent on each of the ${withRules.length} nodes that have them: too little cross-node IP-in-IP traffic before the collection`, collect: ipipProtocolBlocked.meta.collect };
    }
    return { status: 'passed', reason: `${withTraffic.length} of ${withRules.length} nodes sent IP-in-IP and every node that sent also received it; no firewall DROP of protocol 4 matched packets` };
  },
};
