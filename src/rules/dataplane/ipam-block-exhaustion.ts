/**
 * Catalogue C2 / T3: the pool has no free block (blocks in use × block size = pool size), or the
 * CNI/IPAM logs say so (`Ran out of existing affine blocks for host`, `No more free affine blocks
 * and strict affinity enabled`, `limit of N blocks reached for this node`, `Unable to autoassign an
 * address - pools are likely exhausted`): new pods stay in ContainerCreating or get borrowed IPs.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { IPPoolResource } from '../../model/facts.js';
import { cidrInside, parseCidr } from '../../combiners/cidr.js';
import { artifactFile, fieldEvidence, lineEvidence } from '../../combiners/evidence.js';

const COLLECT = [
  { command: 'calicoctl ipam show --show-blocks', why: 'blocks per pool and node with their use, and the free space left' },
  { command: 'calicoctl ipam check --show-problem-ips', why: 'leaked allocations (deleted pods/nodes) that keep blocks busy' },
  { command: 'calicoctl get ipamconfig -o yaml', why: 'strictAffinity and maxBlocksPerHost' },
];

function blockSizeOf(p: IPPoolResource): number {
  return p.blockSize ?? (p.cidr.includes(':') ? 122 : 26);
}

export const ipamBlockExhaustion: Rule = {
  meta: {
    id: 'ipam-block-exhaustion',
    severity: 'critical',
    summary: 'IP address management has run out: the pool has no free block, or the CNI/IPAM logs say no block or address could be assigned.',
    rationale:
      'Each node claims whole blocks (default /26 IPv4) from a pool; a pool of /N holds 2^(blockSize−N) blocks. When every block is taken (too many nodes for the pool, leaked allocations of deleted pods or nodes, `maxBlocksPerHost`, strict affinity) IPAM first lends addresses from other nodes\' blocks (borrowing, then missing /32 routes: ipam-block-route-inconsistency) and then fails: libcalico-go logs `Ran out of existing affine blocks for host`, `No free blocks available for allocation`, `No more free affine blocks and strict affinity enabled`, `limit of %d blocks reached for this node`, older CNI `Unable to autoassign an address - pools are likely exhausted` (catalogue C2), and new pods stay in ContainerCreating.',
    remediation: [
      'Add an IP pool (or replace a small one with a larger range; the CIDR of an existing pool cannot be changed in place), or use a smaller blockSize for a new pool when nodes are many and pods per node are few.',
      'Release leaked addresses with `calicoctl ipam check` / `calicoctl ipam release`, and remove Node objects of machines that no longer exist so their blocks are freed.',
    ],
    explains: ['ipam-block-route-inconsistency', 'block-route-missing'],
    collect: COLLECT,
  },
  check({ cluster, derived }) {
    const findings: FindingDraft[] = [];
    // 1. The logs: IPAM said it could not assign.
    const logNodes: { node: string; count: number; evidence: Evidence[] }[] = [];
    for (const n of cluster.nodes) {
      const sigs = [n.cni, n.containerLog, n.felix, n.agent].map((l) => l?.signatures['ipam-exhausted']).filter((s) => s !== undefined && s.count > 0);
      if (sigs.length === 0) continue;
      logNodes.push({ node: n.name, count: sigs.reduce((s, x) => s + x!.count, 0), evidence: sigs.flatMap((s) => s!.refs.map((r) => lineEvidence(n, r.file, r))) });
    }
    // 2. The table: blocks seen in routes (blackholes, block routes on any node) against each pool's capacity.
    const pools = cluster.resources.ippools.filter((p) => !p.disabled && parseCidr(p.cidr) !== undefined);
    const full: { pool: IPPoolResource; used: number; capacity: number; evidence: Evidence[] }[] = [];
    for (const p of pools) {
      const size = blockSizeOf(p);
      const poolLen = parseCidr(p.cidr)![1];
      if (size < poolLen || size - poolLen > 20) continue;
      const capacity = 2 ** (size - poolLen);
      const seen = new Map<string, Evidence>();
      for (const b of derived.blocks) if (cidrInside(b.block, p.cidr) && b.evidence[0] !== undefined) seen.set(b.block, b.evidence[0]);
      for (const n of cluster.nodes) {
        for (const [routes, id] of [[n.routes4, 'ipv4_route'], [n.routes6, 'ipv6_route']] as const) {
          for (const r of routes) {
            if (r.dst === 'default' || !r.dst.endsWith(`/${size}`) || !cidrInside(r.dst, p.cidr) || seen.has(r.dst)) continue;
            if (r.proto !== 'bird' && r.proto !== '80' && r.dev !== 'vxlan.calico' && r.dev !== 'tunl0') continue;
            seen.set(r.dst, lineEvidence(n, artifactFile(n, id), r));
          }
        }
      }
      if (seen.size >= capacity) full.push({ pool: p, used: seen.size, capacity, evidence: [...seen.values()].slice(0, 6) });
    }
    const borrowers = [...new Set(derived.borrowed.map((b) => b.workload.node))].sort();
    for (const f of full) {
      const ev: Evidence[] = [fieldEvidence(`IPPool ${f.pool.name}`, f.pool, 'spec.cidr', `IPPool ${f.pool.name}: cidr: ${f.pool.cidr}, blockSize: ${blockSizeOf(f.pool)}`)];
      const logs = logNodes.flatMap((l) => l.evidence);
      findings.push({
        key: `pool:${f.pool.name}`,
        title: `IP pool ${f.pool.name} (${f.pool.cidr}) has no free block: ${f.used} of ${f.capacity} /${blockSizeOf(f.pool)} blocks in use`,
        message:
          `Pool ${f.pool.cidr} with blockSize ${blockSizeOf(f.pool)} holds ${f.capacity} block${f.capacity === 1 ? '' : 's'}, and the route tables show ${f.used} of them allocated. A node that needs another block gets none: IPAM borrows from other nodes' blocks${borrowers.length > 0 ? ` (as it already did for ${borrowers.join(', ')})` : ''} and, once those are full too, pod creation fails.` +
          (logNodes.length > 0 ? ` The IPAM logs on ${logNodes.map((l) => l.node).join(', ')} confirm it.` : ''),
        nodes: [...new Set([...f.evidence.map((e) => e.node), ...logNodes.map((l) => l.node), ...borrowers])].sort(),
        evidence: [...logs.slice(0, 4), ...ev, ...derived.borrowed.filter((b) => cidrInside(b.block, f.pool.cidr)).slice(0, 3).map((b) => b.workload.evidence), ...f.evidence],
        severity: logNodes.length > 0 || borrowers.length > 0 ? undefined : 'warning',
        remediation: [`Add a pool next to ${f.pool.cidr} (\`calicoctl create -f\` an IPPool with a free range), or migrate to a larger one; ${f.capacity} blocks of /${blockSizeOf(f.pool)} are fewer than the cluster needs.`],
      });
    }
    if (full.length === 0 && logNodes.length > 0) {
      for (const l of logNodes) {
        findings.push({
          key: `log:${l.node}`,
          title: `IPAM on ${l.node} could not assign an address or block (${l.count} log line${l.count > 1 ? 's' : ''})`,
          message: `The CNI/IPAM log on ${l.node} says the pools have no free block or address for this node. New pods on ${l.node} stay in ContainerCreating or get addresses borrowed from other nodes' blocks. ${pools.length === 0 ? 'No IPPool was exported, so the pool capacity could not be compared.' : 'The blocks visible in the route tables do not fill the pools, so leaked allocations, maxBlocksPerHost or strict affinity are the likely limit.'}`,
          nodes: [l.node],
          evidence: l.evidence,
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings, collect: COLLECT.slice(0, 2) };
    if (pools.length === 0) {
      return { status: 'skipped', reason: 'no IPPool exported (pool size unknown) and no IPAM exhaustion line in the CNI/calico-node logs', collect: [{ command: 'calicoctl get ippool -o yaml', why: 'the pool CIDRs and block sizes to compare with the blocks in use' }, COLLECT[0]!] };
    }
    return {
      status: 'passed',
      reason: `${pools.length} pool${pools.length === 1 ? '' : 's'} checked: ${pools.map((p) => `${p.cidr} /${blockSizeOf(p)}`).join(', ')} ${pools.length === 1 ? 'has' : 'have'} free blocks, and no IPAM exhaustion line in the CNI/calico-node logs`,
    };
  },
};
