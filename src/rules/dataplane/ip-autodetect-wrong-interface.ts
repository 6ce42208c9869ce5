/**
 * Catalogue B1 / T1(c): the node IP Calico uses sits on docker0, a bridge, a NAT address,
 * or an interface other than the one the node's peers can reach.
 */
import { restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { artifactFile, fieldEvidence, lineEvidence } from '../../combiners/evidence.js';
import { nodeAddresses4, nodeResourceFor } from '../../combiners/node-identity.js';
import { protocolsTo } from '../../combiners/bgp-pairs.js';
import { ipInCidr, networkOf } from '../../combiners/cidr.js';

/** Interfaces calico-node's first-found method excludes by default (autodetection_linux.go), plus lo. */
const NOT_UNDERLAY = /^(docker|cbr|dummy|podman|virbr|lxcbr|veth|lo$|br-|cali|tunl|flannel|kube-ipvs|cni|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali|wg-v6\.cali|nodelocaldns|kube-bridge)/;
const NAT_ADDRESSES = new Set(['10.0.2.15']);

function ifaceEvidence(n: NodeModel, ip: string): Evidence[] {
  const out: Evidence[] = [];
  for (const i of n.interfaces4) {
    const a = i.addresses.find((x) => x.address === ip);
    if (a === undefined) continue;
    out.push(lineEvidence(n, artifactFile(n, 'ipv4_addr'), a));
    out.push(lineEvidence(n, artifactFile(n, 'ipv4_addr'), i));
  }
  return out;
}

const PEERS_CHECK = 'Check `calicoctl node status` on its peers: the peer address must be the node\'s underlay IP and the session Established.';

export const ipAutodetectWrongInterface: Rule = {
  meta: {
    id: 'ip-autodetect-wrong-interface',
    severity: 'critical',
    summary: 'The node IP Calico uses sits on docker0, a bridge, a NAT address, or an interface the node\'s peers cannot reach.',
    rationale:
      'calico-node picks the node IP at start (default `first-found`: the first address on the first interface not excluded). Older versions did not exclude user-defined bridges (`br-*`), and a NAT NIC that comes up first (VirtualBox 10.0.2.15) or a second NIC wins easily. BIRD then uses that address as router id and BGP source, the other nodes peer with an address they cannot reach (or that every node has), and routes point at it.',
    remediation: [
      'Pin the detection to the underlay: set `IP_AUTODETECTION_METHOD` on the calico-node DaemonSet (`interface=<nic>`, `cidr=<underlay subnet>`, `can-reach=<peer ip>` or `kubernetes-internal-ip`), or `spec.calicoNetwork.nodeAddressAutodetectionV4` in the operator Installation; or set `IP` explicitly.',
      'Restart calico-node on the node and check its Node resource: `calicoctl get node <name> -o yaml` must show the underlay address in `spec.bgp.ipv4Address`.',
      PEERS_CHECK,
    ],
    explains: ['block-route-missing', 'bgp-peer-refused-or-unreachable', 'bgp-port179-blocked', 'conntrack-invalid-asymmetric-routing', 'dns-resolution-failure'],
    collect: [
      { command: 'calicoctl get nodes -o yaml', why: 'each node\'s BGP address, AS number and tunnel addresses (Node resources)' },
      { command: 'kubectl get nodes -o wide', why: 'the address Kubernetes knows for each node, to compare with the one Calico chose' },
    ],
  },
  check({ cluster }) {
    const nodes = cluster.nodes.filter((n) => n.nodeIP !== undefined && n.interfaces4.length > 0);
    if (nodes.length === 0) return { status: 'skipped', reason: 'no node with both a known node IP and ipv4_addr' };
    const findings: FindingDraft[] = [];
    const ipCount = new Map<string, number>();
    for (const m of cluster.nodes) if (m.nodeIP !== undefined) ipCount.set(m.nodeIP, (ipCount.get(m.nodeIP) ?? 0) + 1);
    for (const n of nodes) {
      const ip = n.nodeIP!;
      const mine = nodeAddresses4(n);
      const onIface = mine.find((a) => a.address === ip);
      if (onIface === undefined) continue; // not local at all: a different fault
      const reasons: string[] = [];
      if (NOT_UNDERLAY.test(onIface.iface)) reasons.push(`${ip} is on ${onIface.iface}, an interface Calico's autodetection normally excludes (bridge/virtual)`);
      if (NAT_ADDRESSES.has(ip)) reasons.push(`${ip} is the VirtualBox/Vagrant NAT address, which every VM has and no peer can reach`);
      // Outlier: other nodes' IPs share a subnet this node also has an address in, on another interface.
      const others = cluster.nodes.filter((m) => m !== n && m.nodeIP !== undefined);
      // Reference underlay: other nodes' IPs that are themselves plausible (unique, not NAT, not on a bridge).
      const subnets = new Map<string, number>();
      for (const m of others) {
        const a = nodeAddresses4(m).find((x) => x.address === m.nodeIP);
        if (a === undefined) continue;
        if ((ipCount.get(a.address) ?? 0) > 1 || NAT_ADDRESSES.has(a.address) || NOT_UNDERLAY.test(a.iface)) continue;
        const net = networkOf(a.address, a.prefix);
        if (net !== undefined) subnets.set(net, (subnets.get(net) ?? 0) + 1);
      }
      let alternative: { address: string; prefix: number; iface: string } | undefined;
      let peerSubnet: string | undefined;
      for (const [net, count] of [...subnets].sort((a, b) => b[1] - a[1])) {
        if (count < 1 || ipInCidr(ip, net)) continue;
        const alt = mine.find((a) => a.iface !== onIface.iface && ipInCidr(a.address, net));
        if (alt !== undefined) {
          alternative = alt;
          peerSubnet = net;
          break;
        }
      }
      if (alternative !== undefined) reasons.push(`the other nodes use ${peerSubnet}, where ${n.name} has ${alternative.address} on ${alternative.iface}`);
      if (reasons.length === 0) continue;
      // The underlay subnet must be evidenced, not only a name pattern: a NIC called br-ex can be the real underlay.
      if (alternative === undefined && !NAT_ADDRESSES.has(ip) && !/^(docker|virbr|podman|lxcbr|cni|kube-ipvs|dummy)/.test(onIface.iface)) continue;
      const evidence: Evidence[] = [...ifaceEvidence(n, ip)];
      if (alternative !== undefined) evidence.push(...ifaceEvidence(n, alternative.address));
      for (const s of [n.containerLog, n.agent, n.felix]) for (const r of s?.signatures['autodetected-ipv4']?.refs ?? []) evidence.push(lineEvidence(n, r.file, r));
      const res = nodeResourceFor(cluster, n);
      if (res !== undefined) evidence.push(fieldEvidence(n.name, res, 'spec.bgp.ipv4Address', `Node ${res.name}: spec.bgp.ipv4Address: ${res.ipv4Address ?? '(unset)'}`));
      for (const m of others.slice(0, 2)) {
        const p = protocolsTo(m, [ip])[0];
        if (p?.proto.lastStateRef !== undefined) evidence.push(lineEvidence(m, p.file, p.proto.lastStateRef));
      }
      findings.push({
        key: n.name,
        title: `${n.name} uses ${ip} on ${onIface.iface} as its node IP${alternative ? ` instead of ${alternative.address} on ${alternative.iface}` : ''}`,
        message: `Calico on ${n.name} took ${ip}/${onIface.prefix} (${onIface.iface}) as the node IP: ${reasons.join('; ')}. Peers connect to this address and routes to ${n.name}'s blocks point at it.`,
        nodes: [n.name],
        evidence,
        fix: [
          alternative !== undefined
            ? `Pin the detection to the underlay the other nodes use (${peerSubnet}), where ${n.name} has ${alternative.address} on ${alternative.iface}: manifest installs \`kubectl set env daemonset/calico-node -n kube-system IP_AUTODETECTION_METHOD=cidr=${peerSubnet}\` (or \`interface=${alternative.iface}\`); operator installs \`kubectl patch installation default --type merge -p '{"spec":{"calicoNetwork":{"nodeAddressAutodetectionV4":{"cidrs":["${peerSubnet}"]}}}}'\`.`
            : `Pin the detection to ${n.name}'s underlay (no other address of it is on the other nodes' subnet in the bundle, so its underlay NIC is not known here: \`ip -4 route get\` to another node's IP on ${n.name} shows it): set \`IP_AUTODETECTION_METHOD\` (\`interface=\`, \`cidr=\`, \`can-reach=\` or \`kubernetes-internal-ip\`) on the calico-node DaemonSet or \`spec.calicoNetwork.nodeAddressAutodetectionV4\` in the operator Installation; or set \`IP\` explicitly.`,
          `Restart calico-node on ${n.name} (${restartCalicoNode([n.name])}) and check \`calicoctl get node ${res?.name ?? n.name} -o yaml\`: \`spec.bgp.ipv4Address\` must be ${alternative !== undefined ? `${alternative.address}/${peerSubnet!.split('/')[1]}` : `the underlay address, not ${ip}`}.`,
          PEERS_CHECK,
        ],
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    return { status: 'passed', reason: `the node IPs of ${nodes.length} nodes sit on underlay interfaces shared with their peers` };
  },
};
