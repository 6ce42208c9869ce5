/**
 * Catalogue D5 / T4: VXLAN pool, routes via vxlan.calico present, yet UDP <vxlanPort> (4789) does
 * not arrive at a node: a host firewall DROP ahead of Felix's rules (with counters), or the
 * counters show it — the node's `Allow IPv4 VXLAN packets to other allowed hosts` (cali-OUTPUT)
 * counts packets while its `Allow IPv4 VXLAN packets from allowed hosts` (cali-INPUT) stays at 0,
 * and the other nodes send VXLAN too. Also: nodes that disagree on the VXLAN port, or another VXLAN
 * device on Calico's port (`ip -d link`, when attached).
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeEncap } from '../../model/derived.js';
import type { NodeModel } from '../../model/node.js';
import { encapCounterGaps, MIN_SENT, usesVxlan } from '../../combiners/encapsulation.js';
import { andList } from '../fix-steps.js';
import { counterCheck, patchFelix, tcpdump } from './fix-steps-dataplane.js';

const ALLOW_IN = 'Allow IPv4 VXLAN packets from allowed hosts';

/** The check during a cross-node ping: the capture on the receiver's NIC and Felix's receive counter. */
function verify(receiver: NodeModel | undefined, name: string, senders: NodeEncap[], port: number): string {
  const y = senders[0];
  return `Verify during a ping from a pod on ${y?.node ?? 'another node'} to a pod on ${name}: ${tcpdump(receiver, `udp port ${port}${y?.nodeIP !== undefined ? ` and src host ${y.nodeIP}` : ''}`)} on ${name} shows the packets arrive, and ${counterCheck(name, ALLOW_IN)} shows its counter growing.`;
}

/** Move Calico's VXLAN to another port, the same on every node. */
function movePort(port: number, why: string): string {
  const alt = port === 4799 ? 4790 : 4799;
  return `If ${why} UDP ${port}, move Calico to a port that is free on every node, the same port everywhere: ${patchFelix({ vxlanPort: alt })} (${alt}, or any other free port).`;
}

/** The Node resource name of a bundle node (its hostname), which host-specific FelixConfigurations carry. */
function hostOf(byName: Map<string, NodeModel>, node: string): string {
  return byName.get(node)?.hostname ?? node;
}

function vxlanInUse(nodes: NodeEncap[], poolsUse: boolean): boolean {
  return poolsUse || nodes.some((n) => n.routes.vxlan.length > 0 || n.vxlan !== undefined);
}

export const vxlanUdpPortBlockedOrConflict: Rule = {
  meta: {
    id: 'vxlan-udp-port-blocked-or-conflict',
    severity: 'critical',
    summary: 'VXLAN packets (UDP 4789 or the configured vxlanPort) do not reach a node: a firewall or the underlay drops them, or another VXLAN user holds the port.',
    rationale:
      'Calico VXLAN sends pod traffic between nodes as UDP to the peer\'s vxlanPort (default 4789, "Calico networking with VXLAN enabled | All | Bidirectional | UDP 4789"). Felix counts it in every node\'s iptables: `Allow IPv4 VXLAN packets to other allowed hosts` in cali-OUTPUT when sending, `Allow IPv4 VXLAN packets from allowed hosts` in cali-INPUT when receiving (felix/rules/static.go). A node that sends VXLAN but never receives any, while the others do, loses the packets before its INPUT chain: a host firewall DROP ahead of Calico, a security group/NACL, or a hypervisor that uses 4789 itself (VMware NSX). The routes via vxlan.calico all look right, so the runbook\'s route checks pass.',
    remediation: [
      'Allow UDP 4789 (or the FelixConfiguration vxlanPort) in both directions between all nodes: host firewall (iptables/firewalld/ufw), cloud security groups and NACLs, router ACLs.',
      'If the hypervisor or another overlay already uses 4789 (VMware NSX, another VXLAN), move Calico to another port on every node: `calicoctl patch felixconfiguration default -p \'{"spec":{"vxlanPort":4799}}\'`.',
      'Confirm with `tcpdump -ni <nic> udp port 4789` on the receiving node during a cross-node ping, and with two `iptables-save -c` a few seconds apart (the `Allow IPv4 VXLAN packets from allowed hosts` counter must grow).',
    ],
    explains: ['block-route-missing'],
    collect: [
      { command: 'iptables-save -c; sleep 5; iptables-save -c   (during a cross-node pod ping)', why: 'the VXLAN counters of Felix\'s cali-INPUT/cali-OUTPUT rules show which node sends but never receives UDP 4789' },
      { command: 'tcpdump -ni <nic> udp port 4789', why: 'shows whether VXLAN packets reach the node\'s NIC at all' },
    ],
  },
  check({ cluster, derived }) {
    const t = derived.encap;
    const poolsUse = t.pools.some(usesVxlan);
    if (!vxlanInUse(t.nodes, poolsUse)) {
      return { status: 'passed', reason: `VXLAN is not in use: no IPPool has vxlanMode Always/CrossSubnet and none of ${t.nodes.length} nodes has vxlan.calico or routes via it` };
    }
    const findings: FindingDraft[] = [];
    const flagged = new Set<string>();
    const port = t.vxlanPort;
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    // 1. A host firewall drop on the VXLAN port that matched packets.
    for (const n of t.nodes) {
      const drops = n.rules.foreignDrops.filter((d) => d.proto === 'udp' && (d.packets ?? 0) > 0);
      if (drops.length === 0) continue;
      flagged.add(n.node);
      const evidence: Evidence[] = [...drops.map((d) => d.evidence)];
      if (n.rules.vxlanAllowIn !== undefined) evidence.push(n.rules.vxlanAllowIn.evidence);
      const senders = t.nodes.filter((y) => y !== n && (y.rules.vxlanAllowOut?.packets ?? 0) > 0);
      for (const y of senders) evidence.push(y.rules.vxlanAllowOut!.evidence);
      const d = drops[0]!;
      findings.push({
        key: n.node,
        title: `${n.node} drops incoming VXLAN (UDP ${port}) in its own firewall: ${d.packets} packets dropped`,
        message:
          `${n.node}'s iptables has \`${d.evidence.text.trim()}\`, which matched ${d.packets} packets ahead of Calico's cali-INPUT rules` +
          (n.rules.vxlanAllowIn !== undefined ? `; Felix's \`Allow IPv4 VXLAN packets from allowed hosts\` there counted ${n.rules.vxlanAllowIn.packets ?? '?'} packets` : '') +
          (senders.length > 0 ? `, while ${senders.map((y) => y.node).join(', ')} sent VXLAN (\`Allow IPv4 VXLAN packets to other allowed hosts\`: ${senders.map((y) => `${y.node} ${y.rules.vxlanAllowOut!.packets}`).join(', ')}).` : '.') +
          ` Pods on other nodes cannot reach pods on ${n.node}: their packets arrive encapsulated and are dropped before decapsulation.`,
        nodes: [n.node, ...senders.map((y) => y.node)],
        evidence,
        pairs: senders.map((y) => [y.node, n.node] as [string, string]),
        fix: [
          `On ${n.node}, accept VXLAN from the Calico hosts ahead of the DROP (\`${d.evidence.text.trim().replace(/^\[\d+:\d+\]\s*/, '')}\`): \`iptables -I INPUT -p udp --dport ${port} -m set --match-set cali40all-vxlan-net src -j ACCEPT\`; then remove the DROP in the firewall manager that added it (firewalld: \`firewall-cmd --permanent --add-port=${port}/udp && firewall-cmd --reload\`), so it does not come back.`,
          verify(byName.get(n.node), n.node, senders, port),
        ],
      });
    }
    // 2. Counters: sends VXLAN, never receives any, while the others send too.
    const { withRules, withTraffic, gaps, everyone } = encapCounterGaps(t, 'vxlan');
    for (const g of gaps) {
      const x = g.receiver;
      if (flagged.has(x.node)) continue;
      flagged.add(x.node);
      const evidence: Evidence[] = [x.rules.vxlanAllowIn!.evidence, x.rules.vxlanAllowOut!.evidence];
      if (x.rules.vxlanDropIn !== undefined) evidence.push(x.rules.vxlanDropIn.evidence);
      for (const y of g.senders) evidence.push(y.rules.vxlanAllowOut!.evidence);
      for (const y of g.senders) if (y.rules.vxlanAllowIn !== undefined) evidence.push(y.rules.vxlanAllowIn.evidence);
      findings.push({
        key: x.node,
        title: `VXLAN (UDP ${port}) towards ${x.node} is lost: it sends VXLAN but never receives any`,
        message:
          `${x.node} sent ${x.rules.vxlanAllowOut!.packets} VXLAN packets (\`Allow IPv4 VXLAN packets to other allowed hosts\`) but its \`Allow IPv4 VXLAN packets from allowed hosts\` and \`Drop IPv4 VXLAN packets from non-allowed hosts\` rules counted none, while ${g.senders.map((y) => `${y.node} sent ${y.rules.vxlanAllowOut!.packets}`).join(', ')}. ` +
          `No reply and no request ever reached ${x.node}'s INPUT chain: UDP ${port} to ${x.nodeIP ?? x.node} is dropped on the way (security group/NACL, a firewall not shown by iptables-save, or a hypervisor that uses ${port} itself). No DROP for it is in ${x.node}'s iptables-save.`,
        nodes: [x.node, ...g.senders.map((y) => y.node)],
        evidence,
        pairs: g.senders.map((y) => [y.node, x.node] as [string, string]),
        fix: [
          `Allow UDP ${port} from ${andList(g.senders.map((y) => (y.nodeIP !== undefined ? `${y.node} (${y.nodeIP})` : y.node)))} to ${x.node}${x.nodeIP !== undefined ? ` (${x.nodeIP})` : ''} everywhere on the path: the security group/NACL of ${x.node}, a firewall outside iptables on ${x.node} (\`firewall-cmd --permanent --add-port=${port}/udp && firewall-cmd --reload\`, nftables), router ACLs.`,
          movePort(port, 'the hypervisor or another overlay already uses'),
          verify(byName.get(x.node), x.node, g.senders, port),
        ],
      });
    }
    if (everyone) {
      const nodes = withTraffic.filter((n) => !flagged.has(n.node));
      if (nodes.length >= 2) {
        const pairs: [string, string][] = [];
        for (const a of nodes) for (const b of nodes) if (a.node < b.node) pairs.push([a.node, b.node]);
        findings.push({
          key: 'all-nodes',
          title: `No node receives VXLAN (UDP ${port}): ${nodes.length} nodes sent it, none received any`,
          message: `Every node that sent VXLAN (UDP ${port}) (\`Allow IPv4 VXLAN packets to other allowed hosts\`: ${nodes.map((n) => `${n.node} ${n.rules.vxlanAllowOut!.packets}`).join(', ')}) counted nothing on \`Allow IPv4 VXLAN packets from allowed hosts\` nor on the drop rule for non-Calico hosts. The encapsulated packets are lost between all nodes: a security group/NACL, a cloud fabric or a firewall outside the nodes' iptables blocks them.`,
          nodes: nodes.map((n) => n.node),
          evidence: [...nodes.map((n) => n.rules.vxlanAllowIn!.evidence), ...nodes.map((n) => n.rules.vxlanAllowOut!.evidence)],
          pairs,
          fix: [
            `Allow UDP ${port} between all nodes (${andList(nodes.map((n) => (n.nodeIP !== undefined ? `${n.node} ${n.nodeIP}` : n.node)))}) in both directions: security groups/NACLs, firewalls outside iptables (\`firewall-cmd --permanent --add-port=${port}/udp && firewall-cmd --reload\`), router ACLs.`,
            movePort(port, 'the hypervisor (VMware NSX) uses'),
            verify(byName.get(nodes[0]!.node), nodes[0]!.node, nodes.slice(1), port),
          ],
        });
      }
    }
    // 3. Nodes that disagree on the port (host-specific FelixConfiguration), or a device already on it.
    const ports = new Map<number, NodeEncap[]>();
    for (const n of t.nodes) {
      const p = n.rules.vxlanAllowIn?.port ?? n.rules.vxlanAllowOut?.port;
      if (p !== undefined) ports.set(p, [...(ports.get(p) ?? []), n]);
    }
    if (ports.size > 1) {
      const groups = [...ports].sort((a, b) => b[1].length - a[1].length);
      const odd = groups.slice(1).flatMap(([, ns]) => ns);
      findings.push({
        key: 'port-mismatch',
        title: `Nodes disagree on the VXLAN port: ${groups.map(([p, ns]) => `${p} on ${ns.map((n) => n.node).join(', ')}`).join('; ')}`,
        message: `Felix's VXLAN rules use different ports on different nodes, so a node sends to a port its peer does not listen on. Usually a host-specific FelixConfiguration (node.<name>) sets vxlanPort on some nodes only.`,
        nodes: groups.flatMap(([, ns]) => ns.map((n) => n.node)),
        evidence: groups.flatMap(([, ns]) => ns.slice(0, 2).map((n) => (n.rules.vxlanAllowIn ?? n.rules.vxlanAllowOut)!.evidence)),
        fix: [
          `See which FelixConfigurations set vxlanPort: \`calicoctl get felixconfiguration -o yaml | grep -E 'name:|vxlanPort'\` (the host-specific ones are named ${andList(odd.map((n) => `node.${hostOf(byName, n.node)}`))}).`,
          `Give ${andList(odd.map((n) => n.node))} the port of the others, ${groups[0]![0]}: ${odd.map((n) => patchFelix({ vxlanPort: groups[0]![0] }, `node.${hostOf(byName, n.node)}`)).join(', ')} (or remove vxlanPort there, so the default FelixConfiguration applies).`,
          `Verify on ${andList(odd.map((n) => n.node))}: \`ip -d link show vxlan.calico\` shows \`dstport ${groups[0]![0]}\`.`,
        ],
      });
    }
    for (const n of cluster.nodes) {
      const other = (n.attachments?.links ?? []).filter((l) => l.vxlan?.dstport === port && l.name !== 'vxlan.calico' && l.name !== 'vxlan-v6.calico');
      if (other.length === 0) continue;
      findings.push({
        key: `conflict:${n.name}`,
        title: `${n.name} has another VXLAN device on Calico's port ${port}: ${other.map((l) => l.name).join(', ')}`,
        message: `\`ip -d link\` on ${n.name} shows ${other.map((l) => `${l.name} (dstport ${port})`).join(', ')} beside vxlan.calico. The kernel hands UDP ${port} to one VXLAN socket per address and port, so one of the overlays loses its traffic (and Felix drops VXLAN from hosts outside cali40all-vxlan-net).`,
        nodes: [n.name],
        evidence: other.map((l) => ({ node: n.name, input: l.input, file: l.file, line: l.line, text: l.text })),
        fix: [
          `Move one overlay off UDP ${port}: the other device (${other.map((l) => l.name).join(', ')}) in the configuration of whatever created it, or Calico's on every node: ${patchFelix({ vxlanPort: port === 4799 ? 4790 : 4799 })} (${port === 4799 ? 4790 : 4799}, or any other port free on every node).`,
          `Verify on ${n.name}: \`ip -d link show type vxlan\` lists one device per dstport.`,
        ],
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (withRules.length === 0) {
      return { status: 'skipped', reason: `VXLAN is in use but no node's ipv4_tables holds Felix's VXLAN rules with counters (Allow IPv4 VXLAN packets from allowed hosts), so whether UDP ${port} arrives cannot be read` };
    }
    if (withTraffic.length === 0) {
      return { status: 'skipped', reason: `Felix's VXLAN OUTPUT counters show fewer than ${MIN_SENT} packets sent on each of the ${withRules.length} nodes that have them: too little cross-node VXLAN traffic before the collection for the counters to show a drop`, collect: vxlanUdpPortBlockedOrConflict.meta.collect };
    }
    return { status: 'passed', reason: `${withTraffic.length} of ${withRules.length} nodes sent VXLAN and every node that sent also received it (UDP ${port}); no firewall DROP on UDP ${port} matched packets` };
  },
};
