/**
 * Catalogue B2 / T1(b): two nodes claim the same node IP (Node resources, or the address
 * Calico uses per bundle), or two bundles come from machines with the same hostname.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { ClusterModel, NodeModel } from '../../model/node.js';
import type { NodeResource } from '../../model/facts.js';
import { artifactFile, fieldEvidence, lineEvidence } from '../../combiners/evidence.js';
import { nodeAddresses4, nodeResourceFor, stripPrefix } from '../../combiners/node-identity.js';
import { ipInCidr, networkOf } from '../../combiners/cidr.js';
import { andList, restartCalicoNode } from '../fix-steps.js';
import { autodetectCidrs, NOT_UNDERLAY, underlayNic } from './fix-steps-dataplane.js';

/**
 * The underlay subnet(s) the nodes should use: the subnets of node IPs that no other node shares, when
 * each node of the duplicate has an address there; else none (named in words).
 */
function underlaySubnets(all: NodeModel[], dup: string, involved: NodeModel[]): { cidrs: string[]; where: string[] } {
  const count = new Map<string, number>();
  for (const n of all) if (n.nodeIP !== undefined) count.set(n.nodeIP, (count.get(n.nodeIP) ?? 0) + 1);
  const nets = new Set<string>();
  for (const n of all) {
    if (n.nodeIP === undefined || n.nodeIP === dup || (count.get(n.nodeIP) ?? 0) > 1) continue;
    const a = nodeAddresses4(n).find((x) => x.address === n.nodeIP);
    const net = a !== undefined ? networkOf(a.address, a.prefix) : undefined;
    if (net !== undefined) nets.add(net);
  }
  const where: string[] = [];
  for (const n of involved) {
    const alt = nodeAddresses4(n).find((a) => a.address !== dup && !NOT_UNDERLAY.test(a.iface) && [...nets].some((net) => ipInCidr(a.address, net)));
    if (alt === undefined) return { cidrs: [], where: [] };
    where.push(`${n.name} has ${alt.address} on ${alt.iface}`);
  }
  return { cidrs: [...nets].sort(), where };
}

/** Same node IP on several nodes: pin autodetection to the underlay, restart, check the addresses. */
function ipSteps(all: NodeModel[], ip: string, involved: NodeModel[], resNames: string[]): string[] {
  const { cidrs, where } = underlaySubnets(all, ip, involved);
  const names = involved.map((n) => n.name);
  const steps = [
    cidrs.length > 0
      ? `Pin the node IP autodetection to the underlay the other nodes use (${andList(cidrs)}; ${where.join(', ')}): ${autodetectCidrs(cidrs)}.`
      : `Pin the node IP autodetection to the underlay, away from ${ip} (the bundles show no address of ${andList(names)} in another node's subnet; \`ip -4 route get\` to another node's IP on each shows its underlay NIC): \`IP_AUTODETECTION_METHOD\` (\`interface=\`, \`cidr=\`, \`can-reach=\` or \`kubernetes-internal-ip\`) on the calico-node DaemonSet, or \`spec.calicoNetwork.nodeAddressAutodetectionV4\` in the operator Installation.`,
  ];
  if (names.length > 0) steps.push(`Restart calico-node on ${andList(names)}: ${restartCalicoNode(involved.map((n) => n.hostname ?? n.name))}.`);
  steps.push(`Verify with \`calicoctl get node -o wide\`: ${andList(resNames)} must each show a distinct IPv4 address${cidrs.length > 0 ? ` in ${andList(cidrs)}` : ''}, none of them ${ip}.`);
  return steps;
}

/** The address a machine is known by: the one on its underlay NIC, else its first host address, else its node IP or name. */
function machineAddress(n: NodeModel): string {
  const nic = underlayNic(n);
  const own = nodeAddresses4(n).filter((a) => !NOT_UNDERLAY.test(a.iface));
  return (own.find((a) => a.iface === nic) ?? own[0])?.address ?? n.nodeIP ?? n.name;
}

/** Same hostname on different machines: rename one, let each register its own Node, check. */
function hostnameSteps(host: string, list: NodeModel[]): string[] {
  return [
    `Give one of the machines named ${host} (${andList(list.map((n) => `bundle ${n.name} at ${machineAddress(n)}`))}) a unique hostname (\`hostnamectl set-hostname\` with a new name; cloned VMs keep the template's name), and rejoin it to the cluster under that name.`,
    `Then restart calico-node on the machine that keeps ${host} (\`kubectl delete pod -A -l k8s-app=calico-node --field-selector spec.nodeName=${host}\`), so Node ${host} gets its address back, and check \`calicoctl get node -o wide\`: each machine has its own Node and address.`,
  ];
}

const shortName = (name: string): string => name.split('.')[0]!;
const sameName = (a: string, b: string): boolean => a === b || shortName(a) === shortName(b);

/**
 * The machines behind the bundles and Node resources that claim one IP. A bundle's hostname and its
 * Node's name often differ (an FQDN hostname with a short Node name, `NODENAME` set to the IP): a Node
 * resource is a bundle's own when `nodeResourceFor` pairs them; only the rest count as other machines.
 */
function machinesClaiming(cluster: ClusterModel, bundles: NodeModel[], res: NodeResource[]): string[] {
  const machines: string[] = [];
  for (const n of bundles) {
    const h = n.hostname ?? n.name;
    if (!machines.some((m) => sameName(m, h))) machines.push(h);
  }
  const own = new Set(bundles.map((n) => nodeResourceFor(cluster, n)));
  for (const r of res) if (!own.has(r) && !machines.some((m) => sameName(m, r.name))) machines.push(r.name);
  return machines;
}

function addrEvidence(n: NodeModel, ip: string): Evidence | undefined {
  for (const i of n.interfaces4) for (const a of i.addresses) if (a.address === ip) return lineEvidence(n, artifactFile(n, 'ipv4_addr'), a);
  return undefined;
}

function listNames(names: string[]): string {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export const nodeIpDuplicate: Rule = {
  meta: {
    id: 'node-ip-duplicate',
    severity: 'critical',
    summary: 'Two nodes claim the same node IP or the same hostname.',
    rationale:
      'Calico identifies BGP peers by node IP and Node resources by hostname. When two Nodes share an IPv4 address (typically a NAT or bridge address every VM has, like VirtualBox\'s 10.0.2.15 or docker0\'s 172.17.0.1, picked by first-found autodetection), the mesh template skips the peer as "ourselves", calico-node may refuse to start (`Calico node \'x\' is already using the IPv4 address`), and no routes flow between them. Two machines with the same hostname write the same Node resource and overwrite each other\'s address and blocks.',
    remediation: [
      'Give every node a unique, reachable node IP: set `IP_AUTODETECTION_METHOD` (e.g. `interface=eth1`, `cidr=<underlay subnet>`, `kubernetes-internal-ip`) on calico-node or `nodeAddressAutodetectionV4` in the operator Installation, then restart calico-node on the affected nodes.',
      'Give every machine a unique hostname (cloned VMs keep the template\'s name), then delete the stale Node resource with `calicoctl delete node <name>` if needed.',
      'Confirm with `calicoctl get node -o wide` that every node has a distinct IPv4 address.',
    ],
    explains: ['block-route-missing', 'bgp-peer-refused-or-unreachable', 'bgp-port179-blocked', 'dns-resolution-failure'],
    collect: [
      { command: 'calicoctl get nodes -o yaml', why: 'each node\'s BGP address, AS number and tunnel addresses (Node resources)' },
      { command: 'kubectl get nodes -o wide', why: 'the address Kubernetes knows for each node, to compare with the one Calico chose' },
    ],
  },
  check({ cluster, derived }) {
    const findings: FindingDraft[] = [];
    const nodes = cluster.nodes;
    // Same node IP across bundles.
    const byIP = new Map<string, NodeModel[]>();
    for (const n of nodes) if (n.nodeIP !== undefined) byIP.set(n.nodeIP, [...(byIP.get(n.nodeIP) ?? []), n]);
    // Same ipv4Address across Node resources.
    const resByIP = new Map<string, typeof cluster.resources.nodes>();
    for (const r of cluster.resources.nodes) {
      if (r.ipv4Address === undefined) continue;
      const ip = stripPrefix(r.ipv4Address);
      resByIP.set(ip, [...(resByIP.get(ip) ?? []), r]);
    }
    const ips = new Set([...byIP.keys(), ...resByIP.keys()]);
    for (const ip of [...ips].sort()) {
      const bundles = byIP.get(ip) ?? [];
      const res = resByIP.get(ip) ?? [];
      const names = new Set(machinesClaiming(cluster, bundles, res));
      if (names.size < 2) continue;
      const evidence: Evidence[] = [];
      for (const r of res) evidence.push(fieldEvidence(r.name, r, 'spec.bgp.ipv4Address', `Node ${r.name}: spec.bgp.ipv4Address: ${r.ipv4Address}`));
      for (const n of bundles) {
        const e = addrEvidence(n, ip);
        if (e !== undefined) evidence.push(e);
        for (const s of [n.containerLog, n.agent]) for (const ref of s?.signatures['ip-in-use']?.refs ?? []) evidence.push(lineEvidence(n, ref.file, ref));
      }
      const involved = nodes.filter((n) => n.nodeIP === ip || [...names].some((m) => sameName(m, n.hostname ?? n.name))).map((n) => n.name);
      findings.push({
        key: `ip:${ip}`,
        title: `${listNames([...names].sort())} share node IP ${ip}`,
        message: `${[...names].sort().join(', ')} claim the same node IP ${ip}. BGP peers are keyed by that address, so these nodes skip each other in the mesh (or fight over one identity) and no routes are exchanged between them${ip === '10.0.2.15' ? '; 10.0.2.15 is the VirtualBox/Vagrant NAT address every VM has, which first-found autodetection picked' : ''}.`,
        nodes: involved.length > 0 ? involved : [...names].sort(),
        evidence,
        fix: ipSteps(nodes, ip, nodes.filter((n) => involved.includes(n.name)), [...names].sort()),
      });
    }
    // Same hostname in several bundles.
    const byHost = new Map<string, NodeModel[]>();
    for (const n of [...nodes, ...(cluster.snapshots ?? [])]) if (n.hostname !== undefined) byHost.set(n.hostname, [...(byHost.get(n.hostname) ?? []), n]);
    for (const [host, list] of [...byHost].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (list.length < 2) continue;
      list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const addrs = list.map((n) => n.interfaces4.flatMap((i) => i.addresses.map((a) => a.cidr)).sort().join(','));
      const sameMachine = addrs.every((a) => a === addrs[0]);
      findings.push({
        key: `hostname:${host}`,
        title: derived.snapshots.some((x) => x.host === host) && sameMachine ? `${list.length} bundles are snapshots of ${host} taken at different times` : `${list.length} bundles come from hosts named ${host}`,
        message: sameMachine
          ? derived.snapshots.some((x) => x.host === host)
            ? `${list.map((n) => n.name).join(' and ')} are snapshots of one host taken at different times (${list.map((n) => n.date?.iso ?? n.archiveName ?? n.input).join(', ')}; same hostname, node IP and addresses): rules that read counters report what moved between them.`
            : `${list.map((n) => n.name).join(' and ')} have the same hostname and the same addresses: probably the same node collected twice (${list.map((n) => n.archiveName ?? n.input).join(', ')}); analyze one of them.`
          : `${list.map((n) => n.name).join(' and ')} are different machines (different addresses) with the same hostname ${host}: both register as Node ${host} and overwrite each other's node IP and blocks.`,
        nodes: list.map((n) => n.name),
        evidence: list.filter((n) => n.hostnameRef !== undefined).map((n) => lineEvidence(n, n.hostnameRef!.file, n.hostnameRef!)),
        severity: sameMachine ? 'info' : undefined,
        fix: sameMachine
          ? [derived.snapshots.some((x) => x.host === host)
            ? `Nothing to fix: ${list.map((n) => n.name).join(' and ')} are snapshots of ${host}; the findings that read counters use the difference between them.`
            : `Nothing to fix in the cluster: analyze one bundle of ${host} (${list.map((n) => n.archiveName ?? n.input).join(' or ')}), or give them as snapshots taken at different times.`]
          : hostnameSteps(host, list),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (ips.size === 0 && byHost.size === 0) return { status: 'skipped', reason: 'no node IP or hostname known' };
    return { status: 'passed', reason: `${ips.size} node IPs and ${byHost.size} hostnames are unique` };
  },
};
