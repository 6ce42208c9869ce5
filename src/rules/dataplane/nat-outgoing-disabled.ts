/**
 * Runbook B2 / catalogue F1: the pool used by pods has `natOutgoing: false`, or a node has
 * no MASQUERADE/SNAT rule in `cali-nat-outgoing`, or an empty `cali40masq-ipam-pools`.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { IPPoolResource } from '../../model/facts.js';
import { artifactFile, fieldEvidence, fileEvidence, lineEvidence } from '../../combiners/evidence.js';
import { cidrInside, ipInCidr } from '../../combiners/cidr.js';
import { calicoNodeExec, calicoNodeLogs, NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';
import { bgpProtocols, birdLogOf } from '../../combiners/bgp-peer-status.js';
import { bgpSocket } from '../../combiners/bgp-pairs.js';
import { nodeAddresses4, stripPrefix } from '../../combiners/node-identity.js';
import type { ClusterModel } from '../../model/node.js';

/**
 * Routers outside the cluster (BGPPeers whose address is no node's) with a session up on every node
 * that has a BIRD log or socket table: the documented design in which `natOutgoing: false` is right
 * (the upstream network learns and routes the pod CIDRs). Empty when not every node shows one.
 */
function upstreamPeering(cluster: ClusterModel): { peers: string[]; evidence: Evidence[] } {
  const nodeIPs = new Set<string>();
  for (const n of cluster.nodes) {
    if (n.nodeIP !== undefined) nodeIPs.add(n.nodeIP);
    for (const a of nodeAddresses4(n)) nodeIPs.add(a.address);
  }
  for (const r of cluster.resources.nodes) if (r.ipv4Address !== undefined) nodeIPs.add(stripPrefix(r.ipv4Address));
  const external = [...new Set(cluster.resources.bgpPeers.map((p) => p.peerIP).filter((ip): ip is string => ip !== undefined && !nodeIPs.has(ip)))];
  if (external.length === 0) return { peers: [], evidence: [] };
  const evidence: Evidence[] = [];
  const up = new Set<string>();
  let seen = 0;
  for (const n of cluster.nodes) {
    const log = birdLogOf(n);
    if (log === undefined && n.sockets === undefined) continue;
    seen++;
    const proto = log !== undefined ? bgpProtocols(log.summary).find((p) => p.peerIP !== undefined && external.includes(p.peerIP) && p.lastState === 'up') : undefined;
    const sock = proto === undefined ? external.map((ip) => ({ ip, s: bgpSocket(n, [ip]) })).find((x) => x.s?.state === 'ESTABLISHED') : undefined;
    if (proto === undefined && sock === undefined) return { peers: [], evidence: [] };
    if (proto?.lastStateRef !== undefined) evidence.push(lineEvidence(n, proto.lastStateRef.file, proto.lastStateRef));
    else if (sock !== undefined) evidence.push(lineEvidence(n, n.sockets!.file, sock.s!));
    up.add(proto?.peerIP ?? sock!.ip);
  }
  return seen > 0 ? { peers: [...up].sort(), evidence } : { peers: [], evidence: [] };
}

function poolInUse(pool: IPPoolResource, blocks: string[], podIPs: string[]): boolean {
  return blocks.some((b) => cidrInside(b, pool.cidr)) || podIPs.some((ip) => ipInCidr(ip, pool.cidr));
}

function podIPs(n: NodeModel): string[] {
  return n.routes4.filter((r) => r.dev?.startsWith('cali') && r.dst.endsWith('/32')).map((r) => r.dst.slice(0, -3));
}

interface NodeNat {
  node: NodeModel;
  hasChain: boolean;
  masqRule?: { line: number; text: string };
  chainRef?: { line: number; text: string };
  masqSet?: { entries: number; line: number; text: string };
}

function natOf(n: NodeModel): NodeNat | undefined {
  const nat = n.iptables4?.tables['nat'];
  if (nat === undefined) return undefined;
  const hasCalico = Object.keys(nat.chains).some((c) => c.startsWith('cali-'));
  if (!hasCalico) return undefined; // Felix's nat table not there at all: not this rule's business
  const chain = nat.chains['cali-nat-outgoing'];
  const rule = chain?.rules.find((r) => r.target === 'MASQUERADE' || r.target === 'SNAT');
  const set = n.ipsets?.sets['cali40masq-ipam-pools'];
  return {
    node: n,
    hasChain: chain !== undefined,
    masqRule: rule,
    chainRef: chain,
    masqSet: set !== undefined ? { entries: set.entries, line: set.line, text: set.text } : undefined,
  };
}

const GENERIC = [
  'If the pool already says true but a node lacks the rule, Felix on that node is out of sync: check its log for datastore/iptables errors and restart calico-node.',
  'If pod CIDRs are meant to be routed upstream instead, confirm the upstream routers have routes to the pool (BGP to the ToR) and ignore this warning.',
];

/** Steps for a node that lacks the rule: the pools that want NAT when exported, else how to read them. */
function nodeFix(node: string, pools: string[], cidrs: string[]): string[] {
  const first =
    pools.length > 0
      ? `${pools.join(', ')} ${pools.length === 1 ? 'asks' : 'ask'} for natOutgoing, so Felix on ${node} did not program it: look in its log for iptables or datastore errors, ${calicoNodeLogs(node, { grep: 'iptables|nat-outgoing|masq|datastore' })} ${NAMESPACE_NOTE}.`
      : `No IPPool was exported: read the pools (\`calicoctl get ippool -o wide\`); if the pool of ${node}'s pods says natOutgoing false, enable it with \`calicoctl patch ippool\` and that pool's name, \`-p '{"spec":{"natOutgoing":true}}'\`; if it says true, Felix on ${node} is out of sync: ${calicoNodeLogs(node, { grep: 'iptables|nat-outgoing|masq|datastore' })}.`;
  const check = `Restart calico-node on ${node} (${restartCalicoNode([node])}), then check that Felix programmed it: ${calicoNodeExec(node, 'iptables-save -t nat')} holds \`-A cali-nat-outgoing\` with \`-j MASQUERADE\`, and ${calicoNodeExec(node, 'ipset list cali40masq-ipam-pools')} lists ${cidrs.length > 0 ? cidrs.join(', ') : 'the pool CIDRs'}.`;
  return [first, check, GENERIC[1]!];
}

export const natOutgoingDisabled: Rule = {
  meta: {
    id: 'nat-outgoing-disabled',
    severity: 'warning',
    summary: 'Pods cannot reach destinations outside the cluster: their IP pool has `natOutgoing: false`, or a node lacks the `cali-nat-outgoing` MASQUERADE rule or the `cali40masq-ipam-pools` members.',
    rationale:
      'Pod IPs are usually not routable outside the cluster. With `natOutgoing: true` Felix adds `-A cali-nat-outgoing ... --match-set cali40masq-ipam-pools src ... ! --match-set cali40all-ipam-pools dst -j MASQUERADE` and lists the pool in `cali40masq-ipam-pools`, so traffic leaving the cluster takes the node\'s address. Without it, replies from the internet never come back (runbook B2). It is correct only when the upstream network routes pod CIDRs (e.g. BGP peering with the ToR).',
    remediation: [
      'Enable outgoing NAT on the pool the pods use: `calicoctl patch ippool <pool> -p \'{"spec":{"natOutgoing":true}}\'` (or export it with `calicoctl get ippool <pool> -o yaml`, set `natOutgoing: true`, `calicoctl apply -f`).',
      ...GENERIC,
    ],
    explains: ['dns-resolution-failure'],
    collect: [
      { command: 'calicoctl get ippool -o yaml', why: 'natOutgoing, encapsulation and CIDR of every pool' },
      { command: 'iptables-save -c -t nat', why: 'Felix\'s cali-nat-outgoing MASQUERADE rule and its counters' },
    ],
  },
  check({ cluster, derived }) {
    const pools = cluster.resources.ippools.filter((p) => !p.disabled && !p.cidr.includes(':'));
    const nats = cluster.nodes.map(natOf).filter((x): x is NodeNat => x !== undefined);
    if (pools.length === 0 && nats.length === 0) {
      return { status: 'skipped', reason: 'no IPPool exported and no node\'s iptables nat table with Calico chains' };
    }
    const blocks = derived.blocks.map((b) => b.block);
    const pods = cluster.nodes.flatMap(podIPs);
    const findings: FindingDraft[] = [];
    const offPools = pools.filter((p) => !p.natOutgoing && (blocks.length + pods.length === 0 || poolInUse(p, blocks, pods)));
    const upstream = offPools.length > 0 ? upstreamPeering(cluster) : { peers: [], evidence: [] };
    for (const pool of offPools) {
      if (upstream.peers.length > 0) {
        // natOutgoing off with every node peering upstream: the routed design, noted rather than flagged.
        findings.push({
          key: `pool:${pool.name}`,
          title: `IP pool ${pool.name} (${pool.cidr}) has natOutgoing: false, and every node peers with ${upstream.peers.join(', ')} outside the cluster`,
          message: `Pods in ${pool.cidr} leave the cluster with their pod IP. That is right when the upstream network routes ${pool.cidr} back, which is what the BGP sessions with ${upstream.peers.join(', ')} (up on every node) are usually for; it is wrong if those routers do not pass the route on to the rest of the network.`,
          nodes: [],
          evidence: [fieldEvidence(`IPPool ${pool.name}`, pool, 'spec.natOutgoing', `IPPool ${pool.name}: cidr: ${pool.cidr}, natOutgoing not set (false)`), ...upstream.evidence.slice(0, 3)],
          severity: 'info',
          fix: [
            `Nothing to change if ${upstream.peers.join(', ')} ${upstream.peers.length === 1 ? 'learns' : 'learn'} ${pool.cidr} from the nodes and the network routes it: check on the router (\`show ip bgp ${pool.cidr}\` or its equivalent) and from a host outside the cluster that replies to a pod address come back.`,
            `If pods must reach destinations those routers do not serve (the internet), enable outgoing NAT on ${pool.name}: \`calicoctl patch ippool ${pool.name} -p '{"spec":{"natOutgoing":true}}'\`.`,
          ],
          pairs: [],
        });
        continue;
      }
      const evidence: Evidence[] = [fieldEvidence(`IPPool ${pool.name}`, pool, 'spec.natOutgoing', `IPPool ${pool.name}: cidr: ${pool.cidr}, natOutgoing not set (false)`)];
      for (const x of nats) {
        if (x.masqRule === undefined) {
          evidence.push(x.chainRef !== undefined ? lineEvidence(x.node, artifactFile(x.node, 'ipv4_tables'), x.chainRef) : fileEvidence(x.node, 'ipv4_tables', 'nat table has no cali-nat-outgoing chain'));
        }
      }
      findings.push({
        key: `pool:${pool.name}`,
        title: `IP pool ${pool.name} (${pool.cidr}) has natOutgoing: false`,
        message: `Pods in ${pool.cidr} ${blocks.some((b) => cidrInside(b, pool.cidr)) ? '(blocks on ' + derived.blocks.filter((b) => cidrInside(b.block, pool.cidr)).flatMap((b) => b.owners).filter((v, i, a) => a.indexOf(v) === i).join(', ') + ')' : ''} leave the cluster with their pod IP; unless the upstream network routes ${pool.cidr} back, they cannot reach the internet or hosts outside the cluster.`,
        nodes: nats.filter((x) => x.masqRule === undefined).map((x) => x.node.name),
        evidence,
        fix: [`Enable outgoing NAT on ${pool.name} (${pool.cidr}): \`calicoctl patch ippool ${pool.name} -p '{"spec":{"natOutgoing":true}}'\`.`, ...GENERIC],
        // The pool's own setting: no node's fault explains it (empty pairs: never folded under a node cause).
        pairs: [],
      });
    }
    // Node side: pools say NAT (or no pool exported) but this node has no MASQUERADE rule / empty set.
    const poolsWantNat = pools.length === 0 || pools.some((p) => p.natOutgoing);
    if (poolsWantNat && offPools.length === 0) {
      for (const x of nats) {
        const reasons: string[] = [];
        const evidence: Evidence[] = [];
        if (x.masqRule === undefined) {
          reasons.push(x.hasChain ? 'its cali-nat-outgoing chain has no MASQUERADE/SNAT rule' : 'its nat table has no cali-nat-outgoing chain');
          evidence.push(x.chainRef !== undefined ? lineEvidence(x.node, artifactFile(x.node, 'ipv4_tables'), x.chainRef) : fileEvidence(x.node, 'ipv4_tables', 'no cali-nat-outgoing chain in *nat'));
        }
        if (x.node.ipsets !== undefined && (x.masqSet === undefined || x.masqSet.entries === 0)) {
          reasons.push(x.masqSet === undefined ? 'ipset cali40masq-ipam-pools does not exist' : 'ipset cali40masq-ipam-pools is empty');
          evidence.push(x.masqSet !== undefined ? lineEvidence(x.node, artifactFile(x.node, 'ipsets'), x.masqSet) : fileEvidence(x.node, 'ipsets', 'no cali40masq-ipam-pools set'));
        }
        if (reasons.length === 0) continue;
        const natPools = pools.filter((p) => p.natOutgoing);
        findings.push({
          key: `node:${x.node.name}`,
          title: `${x.node.name} does not masquerade pod traffic leaving the cluster`,
          message: `${x.node.name}: ${reasons.join('; ')}. ${pools.length > 0 ? 'The exported pools ask for natOutgoing, so Felix on this node is out of sync.' : 'No IPPool was exported; if the pool has natOutgoing: false this is expected, otherwise Felix is out of sync.'}`,
          nodes: [x.node.name],
          evidence,
          fix: nodeFix(x.node.name, natPools.map((p) => `${p.name} (${p.cidr})`), natPools.map((p) => p.cidr)),
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    return { status: 'passed', reason: `${pools.length} pools with natOutgoing and ${nats.length} nodes with the MASQUERADE rule` };
  },
};
