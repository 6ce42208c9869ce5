/**
 * Catalogue F2 / T1: an IPPool CIDR overlaps a node's host addresses or subnets (the default
 * 192.168.0.0/16 on hosts in 192.168.x), the Kubernetes service range (a `kubernetes` ClusterIP
 * inside the pool), or another pool.
 */
import ipaddr from 'ipaddr.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { cidrInside, ipInCidr, parseCidr } from '../../combiners/cidr.js';
import { artifactFile, fieldEvidence, lineEvidence } from '../../combiners/evidence.js';
import { serviceAddresses } from '../../combiners/service-addresses.js';
import type { IPPoolResource } from '../../model/facts.js';
import { andList } from '../fix-steps.js';
import { migratePoolSteps, patchPool } from './fix-steps-dataplane.js';

const COLLECT = [
  { command: 'calicoctl get ippool -o yaml', why: 'the pool CIDRs to compare with host subnets and the service range' },
  { command: 'kubectl -n kube-system get cm kubeadm-config -o yaml', why: 'the service CIDR (serviceSubnet) and pod CIDR the cluster was built with' },
];

/** Interfaces whose addresses are not host/underlay addresses (Calico's own, container bridges, kube-proxy). */
const NOT_HOST = /^(lo|cali.*|tunl0|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali|wg-v6\.cali|docker\d*|br-[0-9a-f]+|kube-ipvs0|nodelocaldns|cni0|flannel\..*|cilium_.*|weave)$/;

interface Pool {
  name: string;
  cidr: string;
  evidence: Evidence;
  /** The IPPool resource, when the pool came from one (not from the ipset). */
  res?: IPPoolResource;
}

const SERVICE_RANGE_HOW = '`kubectl -n kube-system get cm kubeadm-config -o yaml | grep serviceSubnet`, or kube-apiserver `--service-cluster-ip-range`';
const SERVICE_RANGE = `the Kubernetes service range (${SERVICE_RANGE_HOW})`;

/** Two overlapping pools: keep one, migrate the other's pods out of the shared range, delete it. */
function poolPairSteps(a: Pool, b: Pool): string[] {
  const disable = (p: Pool): string => (p.res !== undefined ? patchPool(p.name, { disabled: true }) : `\`calicoctl patch ippool\` on the pool with CIDR ${p.cidr} (name: \`calicoctl get ippool -o wide\`) with \`-p '{"spec":{"disabled":true}}'\``);
  return [
    `Decide which of ${a.name} (${a.cidr}) and ${b.name} (${b.cidr}) to keep, and disable the other so IPAM allocates only from one: ${disable(b)} (or ${disable(a)}).`,
    `Recreate the pods with addresses in the disabled pool (\`calicoctl get workloadendpoints -A -o wide\` lists them), until \`calicoctl ipam show --show-blocks\` shows none left in it; then delete that pool with \`calicoctl delete ippool\`.`,
    'Create pools only with calicoctl (it refuses a CIDR that overlaps an existing pool), not with kubectl on the crd.projectcalico.org IPPool.',
  ];
}

function networkCidr(address: string, prefix: number): string | undefined {
  try {
    const addr = ipaddr.parse(address);
    const net = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`);
    return `${net.toString()}/${prefix}`;
  } catch {
    return undefined;
  }
}

function overlaps(a: string, b: string): boolean {
  return cidrInside(a, b) || cidrInside(b, a);
}

function poolsOf(cluster: { resources: { ippools: IPPoolResource[] }; nodes: NodeModel[] }): { pools: (Pool & { disabled?: boolean })[]; from: string } {
  const res = cluster.resources.ippools.filter((p) => parseCidr(p.cidr) !== undefined);
  if (res.length > 0) {
    return { pools: res.map((p) => ({ name: p.name, cidr: p.cidr, disabled: p.disabled, res: p, evidence: fieldEvidence(`IPPool ${p.name}`, p, 'spec.cidr', `IPPool ${p.name}: cidr: ${p.cidr}${p.disabled ? ' (disabled)' : ''}`) })), from: 'IPPool resources' };
  }
  // No pool exported: Felix's cali40all-ipam-pools set lists every pool CIDR.
  const pools: Pool[] = [];
  for (const n of cluster.nodes) {
    const set = n.ipsets?.sets['cali40all-ipam-pools'];
    if (set === undefined || !set.membersKept) continue;
    for (const m of set.members) {
      if (parseCidr(m) === undefined || pools.some((p) => p.cidr === m)) continue;
      pools.push({ name: m, cidr: m, evidence: { ...lineEvidence(n, artifactFile(n, 'ipsets'), set), text: `${set.text.trim()} (member ${m})` } });
    }
  }
  return { pools, from: 'the cali40all-ipam-pools ipset' };
}

export const ippoolOverlap: Rule = {
  meta: {
    id: 'ippool-overlap',
    severity: 'critical',
    summary: 'An IP pool overlaps a node\'s host subnet, the Kubernetes service range, or another pool: IPAM can hand out addresses that already exist, and NAT treats host traffic as pod traffic.',
    rationale:
      'Calico\'s requirements: "The IP range selected for pod IP addresses cannot overlap with any other IP ranges in your network, including: The Kubernetes service cluster IP range; The range from which host IPs are allocated". With an overlap, "NAT outgoing doesn\'t work, because the NAT rules think the host network is part of the pool" (`! --match-set cali40all-ipam-pools dst` exempts host destinations from MASQUERADE) and "IPAM-chosen IPs can overlap with the real network at random" (calico#1401); block routes compete with `proto kernel scope link` host routes, and a ClusterIP inside a pool is routed as a pod. The classic case is the default pool 192.168.0.0/16 on hosts in 192.168.x (catalogue F2).',
    remediation: [
      'Create a pool in a range that is unused in your network (`calicoctl create -f`), disable the overlapping one (`calicoctl patch ippool <name> -p \'{"spec":{"disabled":true}}\'`), recreate the pods, then delete the old pool (docs "Migrate from one IP pool to another").',
      'Check the service range (`kubeadm-config` serviceSubnet, kube-apiserver `--service-cluster-ip-range`) and the host subnets of every node against the new pool before applying it.',
    ],
    explains: ['route-netlink-conflict'],
    collect: COLLECT,
  },
  check({ cluster }) {
    const { pools, from } = poolsOf(cluster);
    if (pools.length === 0) {
      return { status: 'skipped', reason: 'no IPPool resource exported and no cali40all-ipam-pools ipset in any bundle: the pool CIDRs are unknown', collect: COLLECT };
    }
    const findings: FindingDraft[] = [];
    let hostChecked = 0;
    // A disabled pool allocates nothing: only enabled pools are held against hosts and services.
    const enabled = pools.filter((p) => p.disabled !== true);
    for (const pool of enabled) {
      // Host addresses and subnets.
      const hits: { node: NodeModel; text: string; subnet: string; inside: boolean; ev: Evidence[] }[] = [];
      for (const n of cluster.nodes) {
        for (const [ifaces, id] of [[n.interfaces4, 'ipv4_addr'], [n.interfaces6, 'ipv6_addr']] as const) {
          for (const i of ifaces) {
            if (NOT_HOST.test(i.name)) continue;
            for (const a of i.addresses) {
              if (a.scope === 'link' || a.scope === 'host' || a.address.startsWith('fe80:') || a.address.startsWith('169.254.')) continue;
              hostChecked++;
              const net = networkCidr(a.address, a.prefix);
              const inside = ipInCidr(a.address, pool.cidr);
              if (!inside && (net === undefined || !overlaps(net, pool.cidr))) continue;
              const ev: Evidence[] = [lineEvidence(n, artifactFile(n, id), a)];
              const routes = a.family === 4 ? n.routes4 : n.routes6;
              const subnetRoute = routes.find((r) => r.dst === net && r.proto === 'kernel' && r.dev === i.name);
              if (subnetRoute !== undefined) ev.push(lineEvidence(n, artifactFile(n, a.family === 4 ? 'ipv4_route' : 'ipv6_route'), subnetRoute));
              hits.push({ node: n, subnet: net ?? a.cidr, text: `${n.name} ${i.name} ${a.cidr}${net !== undefined && net !== `${a.address}/${a.prefix}` ? ` (subnet ${net})` : ''}`, inside, ev });
            }
          }
        }
      }
      if (hits.length > 0) {
        const nodes = [...new Set(hits.map((h) => h.node.name))].sort();
        const insideAny = hits.some((h) => h.inside);
        findings.push({
          key: `host:${pool.name}`,
          title: `IP pool ${pool.cidr} overlaps the host network of ${nodes.join(', ')}`,
          message:
            `Pool ${pool.name} (${pool.cidr}) ${insideAny ? 'contains' : 'overlaps'} host addresses: ${hits.slice(0, 6).map((h) => h.text).join('; ')}${hits.length > 6 ? ` and ${hits.length - 6} more` : ''}. ` +
            `IPAM may pick a block inside ${[...new Set(hits.map((h) => h.subnet))].join(', ')} and give pods addresses that hosts already use (the block's routes then hijack those hosts), Felix's NAT rules treat the host subnet as pod addresses (cali40all-ipam-pools: no MASQUERADE towards it)${hits.some((h) => cidrInside(h.subnet, pool.cidr)) ? ", and BIRD's pool export filter (`if ( net ~ " + pool.cidr + " ) then { accept; }`) advertises the host subnet to every BGP peer" : ''}.`,
          nodes,
          evidence: [pool.evidence, ...hits.flatMap((h) => h.ev)],
          severity: insideAny ? undefined : 'warning',
          fix: migratePoolSteps(pool, `outside ${andList([...new Set(hits.map((h) => h.subnet))])} (the host subnet${new Set(hits.map((h) => h.subnet)).size > 1 ? 's' : ''} of ${andList(nodes)}), every other host subnet and ${SERVICE_RANGE}`),
        });
      }
    }
    // The service range, as far as the bundles show it.
    const services = serviceAddresses(cluster);
    for (const pool of enabled) {
      const inside = services.filter((s) => ipInCidr(s.ip, pool.cidr));
      if (inside.length === 0) continue;
      findings.push({
        key: `service:${pool.name}`,
        title: `IP pool ${pool.cidr} contains the Kubernetes service address ${inside.map((s) => s.ip).join(', ')}`,
        message: `${inside.map((s) => `${s.ip} is ${s.how}`).join('; ')}; it lies inside pool ${pool.name} (${pool.cidr}), so the service range overlaps the pod range: a pod can get a ClusterIP's address and service traffic is routed as pod traffic.`,
        nodes: [...new Set(inside.map((s) => s.evidence.node))].sort(),
        evidence: [pool.evidence, ...inside.map((s) => s.evidence)],
        fix: migratePoolSteps(pool, `outside the service range that holds ${andList(inside.map((s) => s.ip))} (${SERVICE_RANGE_HOW}) and every host subnet`),
      });
    }
    // The service CIDR itself, where BGPConfiguration advertises it (spec.serviceClusterIPs).
    for (const bc of cluster.resources.bgpConfigurations) {
      const list = Array.isArray(bc.spec['serviceClusterIPs']) ? (bc.spec['serviceClusterIPs'] as unknown[]) : [];
      for (const [i, item] of list.entries()) {
        const cidr = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['cidr'] : undefined;
        if (typeof cidr !== 'string' || parseCidr(cidr) === undefined) continue;
        for (const pool of enabled) {
          if (!overlaps(cidr, pool.cidr) || findings.some((f) => f.key === `service:${pool.name}`)) continue;
          findings.push({
            key: `service:${pool.name}`,
            title: `IP pool ${pool.cidr} overlaps the Kubernetes service range ${cidr}`,
            message: `BGPConfiguration ${bc.name} advertises the service range ${cidr} (spec.serviceClusterIPs), and pool ${pool.name} (${pool.cidr}) overlaps it: a pod can get a ClusterIP's address and service traffic is routed as pod traffic.`,
            nodes: [],
            evidence: [pool.evidence, fieldEvidence(`BGPConfiguration ${bc.name}`, bc, `spec.serviceClusterIPs.${i}.cidr`, `BGPConfiguration ${bc.name}: serviceClusterIPs: ${cidr}`)],
            fix: migratePoolSteps(pool, `outside the service range ${cidr} and every host subnet`),
          });
        }
      }
    }
    // Pools against each other.
    for (let i = 0; i < pools.length; i++) {
      for (let j = i + 1; j < pools.length; j++) {
        const a = pools[i]!;
        const b = pools[j]!;
        if (a.cidr === b.cidr && a.name === b.name) continue;
        if (!overlaps(a.cidr, b.cidr)) continue;
        findings.push({
          key: `pools:${a.name}:${b.name}`,
          title: `IP pools ${a.name} (${a.cidr}) and ${b.name} (${b.cidr}) overlap`,
          message: `Pools ${a.cidr} and ${b.cidr} share addresses: two blocks can cover the same IPs, and the pool whose settings (encapsulation, natOutgoing) apply to a pod is ambiguous. calicoctl refuses overlapping pools, so one was created another way (kubectl on the CRD, or a changed CIDR).`,
          nodes: [],
          evidence: [a.evidence, b.evidence],
          severity: 'warning',
          fix: poolPairSteps(a, b),
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    return {
      status: 'passed',
      reason: `${pools.length} pool${pools.length === 1 ? '' : 's'} (from ${from}) checked against ${hostChecked} host addresses, ${services.length > 0 ? `service address${services.length === 1 ? '' : 'es'} ${services.map((s) => s.ip).join(', ')}` : 'no known service address (service CIDR not in the bundles)'} and each other: no overlap`,
    };
  },
};
