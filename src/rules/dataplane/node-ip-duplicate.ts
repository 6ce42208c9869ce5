/**
 * Catalogue B2 / T1(b): two nodes claim the same node IP (Node resources, or the address
 * Calico uses per bundle), or two bundles come from machines with the same hostname.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { stripPrefix } from '../../combiners/node-identity.js';

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
      const names = new Set([...bundles.map((n) => n.hostname ?? n.name), ...res.map((r) => r.name)]);
      if (names.size < 2) continue;
      const evidence: Evidence[] = [];
      for (const r of res) evidence.push({ node: r.name, input: r.ref.input, file: r.ref.file, line: r.ref.line, text: `Node ${r.name}: spec.bgp.ipv4Address: ${r.ipv4Address}` });
      for (const n of bundles) {
        const e = addrEvidence(n, ip);
        if (e !== undefined) evidence.push(e);
        for (const s of [n.containerLog, n.agent]) for (const ref of s?.signatures['ip-in-use']?.refs ?? []) evidence.push(lineEvidence(n, ref.file, ref));
      }
      const involved = nodes.filter((n) => names.has(n.hostname ?? n.name)).map((n) => n.name);
      findings.push({
        key: `ip:${ip}`,
        title: `${listNames([...names].sort())} share node IP ${ip}`,
        message: `${[...names].sort().join(', ')} claim the same node IP ${ip}. BGP peers are keyed by that address, so these nodes skip each other in the mesh (or fight over one identity) and no routes are exchanged between them${ip === '10.0.2.15' ? '; 10.0.2.15 is the VirtualBox/Vagrant NAT address every VM has, which first-found autodetection picked' : ''}.`,
        nodes: involved.length > 0 ? involved : [...names].sort(),
        evidence,
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
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (ips.size === 0 && byHost.size === 0) return { status: 'skipped', reason: 'no node IP or hostname known' };
    return { status: 'passed', reason: `${ips.size} node IPs and ${byHost.size} hostnames are unique` };
  },
};
