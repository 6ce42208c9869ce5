/**
 * Catalogue D4 / T4: Felix accepts IP-in-IP only from members of `cali40all-hosts-net` and VXLAN only
 * from `cali40all-vxlan-net` (built from the Node resources). A node whose tunnel packets leave from
 * an address outside the receiver's set (multi-NIC, policy routing, NAT, a wrong Node IP), or a
 * sender that is not a Calico node, is dropped by `Drop IPIP packets from non-Calico hosts` /
 * `Drop IPv4 VXLAN packets from non-allowed hosts` — the counters of those rules show it.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { EncapHostSet, EncapRule, NodeEncap } from '../../model/derived.js';
import type { NodeModel } from '../../model/node.js';
import type { Route } from '../../model/facts.js';
import { inHostSet, usesIpip, usesVxlan } from '../../combiners/encapsulation.js';
import { ipInCidr } from '../../combiners/cidr.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { andList, restartCalicoNode } from '../fix-steps.js';
import { counterCheck, patchFelix, tcpdump } from './fix-steps-dataplane.js';

const DROP_TEXT = { ipip: 'Drop IPIP packets from non-Calico hosts', vxlan: 'Drop IPv4 VXLAN packets from non-allowed hosts' } as const;

/** Senders outside the receiver's set: see the source, make each send from its Node IP (or admit it), check the drop counter. */
function outsideSteps(x: NodeModel | undefined, xName: string, kind: 'ipip' | 'vxlan', port: number, outside: { y: NodeEncap; src: { ip: string; how: string } }[]): string[] {
  const filter = kind === 'ipip' ? 'ip proto 4' : `udp port ${port}`;
  const setName = kind === 'ipip' ? 'cali40all-hosts-net' : 'cali40all-vxlan-net';
  const o = outside[0]!;
  const steps = [
    `Confirm on ${xName}: ${tcpdump(x, `${filter} and src host ${o.src.ip}`)} during a ping from a pod on ${o.y.node} shows packets from ${o.src.ip}, which \`ipset list ${setName}\` on ${xName} does not list.`,
  ];
  for (const { y, src } of outside) {
    const viaDevice = src.how.startsWith('vxlan.calico local');
    if (src.ip === y.nodeIP) {
      steps.push(`${y.node} sends from its own node IP ${src.ip}, so ${xName}'s ${setName} is what is wrong: Felix builds it from the Node resources, so \`calicoctl get node ${y.node} -o yaml\` must show ${src.ip} in spec.bgp.ipv4Address; if it does, restart calico-node on ${xName} so Felix rebuilds the set: ${restartCalicoNode([xName])}.`);
      continue;
    }
    steps.push(viaDevice
      ? `On ${y.node}, vxlan.calico sends from ${src.ip} while its Node IP is ${y.nodeIP ?? 'another address'}: restart calico-node there so Felix rebuilds the device with the Node IP (${restartCalicoNode([y.node])}), and if ${src.ip} is the address it should use, correct the Node IP instead (\`calicoctl get node ${y.node} -o yaml\`, IP_AUTODETECTION_METHOD).`
      : `On ${y.node}, traffic to ${xName} leaves from ${src.ip} (${src.how})${y.nodeIP !== undefined ? ` instead of its Node IP ${y.nodeIP}` : ''}: ${x?.nodeIP !== undefined ? `\`ip route get ${x.nodeIP}\` on ${y.node} shows the route and its source` : `its route to ${xName} shows the source`}; fix that route (or the policy routing rule) so it uses the interface of ${y.nodeIP ?? 'the Node IP'}, or remove the NAT between the nodes.`);
  }
  steps.push(`If ${andList(outside.map((z) => z.src.ip))} ${outside.length > 1 ? 'are' : 'is'} a legitimate source, admit ${outside.length > 1 ? 'them' : 'it'} instead: ${patchFelix({ externalNodesCIDRList: outside.map((z) => `${z.src.ip}/32`) })} (add to any list already set there).`);
  steps.push(`Verify: ${counterCheck(xName, DROP_TEXT[kind])} shows its counter no longer growing while pods on ${andList(outside.map((z) => z.y.node))} reach pods on ${xName}.`);
  return steps;
}

/** Drops from unknown senders: find them, admit or move them, check the counter. */
function unknownSenderSteps(x: NodeModel | undefined, xName: string, kind: 'ipip' | 'vxlan', port: number): string[] {
  const filter = kind === 'ipip' ? 'ip proto 4' : `udp port ${port}`;
  const setName = kind === 'ipip' ? 'cali40all-hosts-net' : 'cali40all-vxlan-net';
  return [
    `Find the sender on ${xName}: ${tcpdump(x, filter)} shows the source addresses; the ones \`ipset list ${setName}\` does not list are dropped.`,
    `If the sender is a legitimate tunnel peer that is not a Calico node, admit it with FelixConfiguration externalNodesCIDRList (add its address as a /32: \`calicoctl get felixconfiguration default -o yaml\`, edit, \`calicoctl apply -f\`); if it is another overlay on ${kind === 'ipip' ? 'IP-in-IP' : `UDP ${port}`}, move one of them${kind === 'vxlan' ? ' (Calico\'s port: FelixConfiguration vxlanPort)' : ''}.`,
    `Verify: ${counterCheck(xName, DROP_TEXT[kind])} shows its counter no longer growing.`,
  ];
}

const underlayRoutes = new WeakMap<NodeModel, Route[]>();

/**
 * Routes that can carry traffic to another node's address: not workload (`cali*`), tunnel or block
 * routes (BIRD/Felix routes of /24 and longer), so a lookup stays cheap on nodes with thousands of pods.
 */
function candidates(n: NodeModel): Route[] {
  let list = underlayRoutes.get(n);
  if (list === undefined) {
    list = n.routes4.filter((r) => {
      if (r.type !== 'unicast' || (r.table !== undefined && r.table !== 'main')) return false;
      const dev = r.dev ?? r.nexthops?.[0]?.dev ?? '';
      if (dev.startsWith('cali') || dev === 'tunl0' || dev === 'vxlan.calico') return false;
      const len = r.dst === 'default' ? 0 : Number(r.dst.split('/')[1] ?? 32);
      return !((r.proto === 'bird' || r.proto === '80') && len >= 24);
    });
    underlayRoutes.set(n, list);
  }
  return list;
}

/** The route `n` uses to reach `ip` (longest prefix, main table), if any. */
function routeTo(n: NodeModel, ip: string): Route | undefined {
  let best: Route | undefined;
  let bestLen = -1;
  for (const r of candidates(n)) {
    const len = r.dst === 'default' ? 0 : Number(r.dst.split('/')[1] ?? 32);
    if (r.dst !== 'default' && !ipInCidr(ip, r.dst.includes('/') ? r.dst : `${r.dst}/32`)) continue;
    if (len > bestLen) {
      best = r;
      bestLen = len;
    }
  }
  return best;
}

/** Source address `y` puts on its tunnel packets to `x` (VXLAN: the device's `local`, else the node IP; IPIP: the route's source). */
function tunnelSource(y: NodeModel, ye: NodeEncap, x: NodeEncap, kind: 'ipip' | 'vxlan'): { ip: string; how: string; evidence?: Evidence } | undefined {
  if (kind === 'vxlan') {
    const link = y.attachments?.links?.find((l) => l.name === 'vxlan.calico' && l.vxlan?.local !== undefined);
    if (link !== undefined) {
      // The `vxlan id … local <ip> …` line shows the address; the device header line does not.
      const l = link.tunnelLine ?? link;
      return { ip: link.vxlan!.local!, how: 'vxlan.calico local address (ip -d link)', evidence: { node: y.name, input: l.input, file: l.file, line: l.line, text: l.text } };
    }
    // A node IP equal to the node's own VTEP address was guessed wrongly: the source is unknown.
    return ye.nodeIP !== undefined && ye.nodeIP !== ye.vtepAddress ? { ip: ye.nodeIP, how: 'its node IP (Felix sets it as vxlan.calico local address)' } : undefined;
  }
  if (x.nodeIP === undefined) return undefined;
  const r = routeTo(y, x.nodeIP);
  if (r === undefined) return ye.nodeIP !== undefined ? { ip: ye.nodeIP, how: 'its node IP' } : undefined;
  const ev = lineEvidence(y, artifactFile(y, 'ipv4_route'), r);
  if (r.src !== undefined) return { ip: r.src, how: `the source of its route to ${x.nodeIP}`, evidence: ev };
  const dev = r.dev ?? r.nexthops?.[0]?.dev;
  const iface = y.interfaces4.find((i) => i.name === dev);
  const addr = iface?.addresses.find((a) => a.family === 4 && (r.via === undefined || ipInCidr(r.via, `${a.address}/${a.prefix}`))) ?? iface?.addresses.find((a) => a.family === 4);
  if (addr !== undefined) return { ip: addr.address, how: `the address of ${dev}, which its route to ${x.nodeIP} uses`, evidence: ev };
  return ye.nodeIP !== undefined ? { ip: ye.nodeIP, how: 'its node IP' } : undefined;
}

export const encapSourceNotInCalicoHostset: Rule = {
  meta: {
    id: 'encap-source-not-in-calico-hostset',
    severity: 'critical',
    summary: 'Tunnel packets from a node (or a non-Calico host) are dropped by the receiver because their source address is not in cali40all-hosts-net / cali40all-vxlan-net.',
    rationale:
      'Felix accepts IP-in-IP only from members of `cali40all-hosts-net` (`Allow IPIP packets from Calico hosts`, then `Drop IPIP packets from non-Calico hosts`) and VXLAN only from `cali40all-vxlan-net` (`Drop IPv4 VXLAN packets from non-allowed hosts`), sets built from the Node resources\' addresses (felix/rules/static.go). A node that sends its tunnel packets from another address (a second NIC, policy routing, NAT between nodes, a wrong Node IP), or a sender that is not a Calico node (needs `ExternalNodesCIDRList`), is silently dropped in one direction while the other direction works.',
    remediation: [
      'Make every node send from its registered Node IP: fix the Node IP (IP_AUTODETECTION_METHOD, `calicoctl get node <n> -o yaml`), or the routing that makes it leave through another interface; remove NAT between nodes.',
      'For legitimate non-Calico tunnel peers, add their addresses to FelixConfiguration `externalNodesCIDRList`.',
      'Confirm with two `iptables-save -c` a few seconds apart during a cross-node ping: the receiver\'s `Drop … from non-Calico hosts` / `non-allowed hosts` counter must stop growing.',
    ],
    explains: ['block-route-missing'],
    collect: [{ command: 'ipset list cali40all-hosts-net; ipset list cali40all-vxlan-net', why: 'lists the addresses each node accepts tunnel packets from' }],
  },
  check({ cluster, derived }) {
    const t = derived.encap;
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const kinds: Array<'ipip' | 'vxlan'> = [];
    if (t.pools.some(usesIpip) || t.nodes.some((n) => n.routes.ipip.length > 0)) kinds.push('ipip');
    if (t.pools.some(usesVxlan) || t.nodes.some((n) => n.routes.vxlan.length > 0)) kinds.push('vxlan');
    if (kinds.length === 0) return { status: 'passed', reason: `no encapsulation in use (no IPIP/VXLAN pool, no routes via tunl0 or vxlan.calico on ${t.nodes.length} nodes)` };
    const findings: FindingDraft[] = [];
    let pairsChecked = 0;
    let setsSeen = 0;
    for (const kind of kinds) {
      const label = kind === 'ipip' ? 'IP-in-IP' : 'VXLAN';
      for (const x of t.nodes) {
        const set: EncapHostSet | undefined = kind === 'ipip' ? x.hostsNet : x.vxlanNet;
        const drop: EncapRule | undefined = kind === 'ipip' ? x.rules.ipipDropIn : x.rules.vxlanDropIn;
        if (set === undefined && drop === undefined) continue;
        setsSeen++;
        const outside: { y: NodeEncap; src: { ip: string; how: string; evidence?: Evidence } }[] = [];
        if (set !== undefined) {
          for (const ye of t.nodes) {
            if (ye === x) continue;
            // Only a node that can send this encapsulation (its device or its routes) is a sender.
            const sends = kind === 'ipip' ? ye.tunl0 !== undefined || ye.routes.ipip.length > 0 : ye.vxlan !== undefined || ye.routes.vxlan.length > 0;
            if (!sends) continue;
            const y = byName.get(ye.node)!;
            const src = tunnelSource(y, ye, x, kind);
            if (src === undefined) continue;
            pairsChecked++;
            if (!inHostSet(set, src.ip)) outside.push({ y: ye, src });
          }
        }
        const dropped = (drop?.packets ?? 0) > 0;
        if (outside.length === 0 && !dropped) continue;
        const evidence: Evidence[] = [];
        if (drop !== undefined && dropped) evidence.push(drop.evidence);
        if (set !== undefined) evidence.push(set.evidence);
        for (const o of outside) if (o.src.evidence !== undefined) evidence.push(o.src.evidence);
        const setName = kind === 'ipip' ? 'cali40all-hosts-net' : 'cali40all-vxlan-net';
        const message = outside.length > 0
          ? `${x.node} accepts ${label} only from the ${set!.members.length} members of ${setName} (${set!.members.slice(0, 6).join(', ')}${set!.members.length > 6 ? ', …' : ''}), but ${outside.map((o) => `${o.y.node} sends from ${o.src.ip} (${o.src.how})`).join('; ')}. ` +
            `Those packets hit \`${kind === 'ipip' ? 'Drop IPIP packets from non-Calico hosts' : 'Drop IPv4 VXLAN packets from non-allowed hosts'}\`${drop?.packets !== undefined ? ` (${drop.packets} packets dropped on ${x.node})` : ''}: pods on ${outside.map((o) => o.y.node).join(', ')} cannot reach pods on ${x.node}, while the other direction may work.`
          : `${x.node}'s \`${kind === 'ipip' ? 'Drop IPIP packets from non-Calico hosts' : 'Drop IPv4 VXLAN packets from non-allowed hosts'}\` rule dropped ${drop!.packets} packets: ${label} arrived from addresses outside ${setName}${set !== undefined ? ` (members: ${set.members.slice(0, 6).join(', ')})` : ''}. Every node's expected source is in the set, so the sender is a host that is not a Calico node (or a node sending from an address the bundles do not show).`;
        findings.push({
          key: `${kind}:${x.node}`,
          title: outside.length > 0
            ? `${x.node} drops ${label} from ${outside.map((o) => o.y.node).join(', ')}: source ${outside.map((o) => o.src.ip).join(', ')} not in ${setName}`
            : `${x.node} dropped ${drop!.packets} ${label} packets from hosts outside ${setName}`,
          message,
          nodes: [x.node, ...outside.map((o) => o.y.node)],
          evidence,
          pairs: outside.length > 0 ? outside.map((o) => [o.y.node, x.node] as [string, string]) : undefined,
          severity: outside.length > 0 ? undefined : 'warning',
          fix: outside.length > 0 ? outsideSteps(byName.get(x.node), x.node, kind, t.vxlanPort, outside) : unknownSenderSteps(byName.get(x.node), x.node, kind, t.vxlanPort),
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (setsSeen === 0) return { status: 'skipped', reason: `encapsulation (${kinds.join(', ')}) is in use but no bundle holds ${kinds.map((k) => (k === 'ipip' ? 'cali40all-hosts-net' : 'cali40all-vxlan-net')).join('/')} or Felix's drop rule for it` };
    return { status: 'passed', reason: `${pairsChecked} node pairs send tunnel packets from an address in the receiver's ${kinds.map((k) => (k === 'ipip' ? 'cali40all-hosts-net' : 'cali40all-vxlan-net')).join('/')}, and no receiver's drop rule for non-Calico hosts counted packets` };
  },
};
