/**
 * T3 block ownership: the owner of an IPAM block is the node whose route table holds
 * `blackhole <block> proto bird` (BGP modes) or `blackhole <block> proto 80` (Felix, VXLAN).
 * When a node has local workloads (`<pod-ip> dev cali… scope link`) but no blackhole for their
 * block (BIRD not exporting yet, e.g. still in graceful-restart wait, or not running), the block
 * is inferred from the pod IP and the pool's block size (default /26), marked `inferred`.
 */
import type { BlockOwnership } from '../model/derived.js';
import type { NodeModel } from '../model/node.js';
import type { IPPoolResource } from '../model/facts.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { cidrInside, ipInCidr, ipv4CidrNumber, ipv4Number, maskIpv4, networkOf } from './cidr.js';

/** Calico's default IPv4 block size. */
export const DEFAULT_BLOCK_SIZE_V4 = 26;

function isBlockBlackhole(dst: string, type: string): boolean {
  if (type !== 'blackhole') return false;
  const i = dst.indexOf('/');
  if (i === -1) return false;
  const len = Number(dst.slice(i + 1));
  return dst.includes(':') ? len < 128 : len < 32;
}

export function blockOwnership(nodes: NodeModel[], pools: IPPoolResource[] = []): BlockOwnership[] {
  const map = new Map<string, BlockOwnership>();
  for (const n of nodes) {
    const file = artifactFile(n, 'ipv4_route');
    const file6 = artifactFile(n, 'ipv6_route');
    for (const [routes, f] of [[n.routes4, file], [n.routes6, file6]] as const) {
      for (const r of routes) {
        if (!isBlockBlackhole(r.dst, r.type)) continue;
        if (r.table !== undefined && r.table !== 'main') continue;
        const b = map.get(r.dst) ?? { block: r.dst, owners: [], proto: r.proto, evidence: [] };
        if (!b.owners.includes(n.name)) b.owners.push(n.name);
        b.evidence.push(lineEvidence(n, f, r));
        map.set(r.dst, b);
      }
    }
  }
  // Infer blocks of local workloads that no blackhole covers: IPv4 blocks indexed by prefix length
  // (masked network → covered), so a pod address is checked once per length, not against every block.
  const v4Blocks = new Map<number, Set<number>>();
  const otherBlocks: string[] = [];
  const indexBlock = (block: string) => {
    const c = ipv4CidrNumber(block);
    if (c === undefined) {
      otherBlocks.push(block);
      return;
    }
    let set = v4Blocks.get(c[1]);
    if (set === undefined) v4Blocks.set(c[1], (set = new Set()));
    set.add(maskIpv4(c[0], c[1]));
  };
  for (const block of map.keys()) indexBlock(block);
  const covered = (ip: string): boolean => {
    const n = ipv4Number(ip);
    if (n === undefined) return [...map.keys()].some((b) => ipInCidr(ip, b));
    for (const [len, nets] of v4Blocks) if (nets.has(maskIpv4(n, len))) return true;
    return otherBlocks.some((b) => ipInCidr(ip, b));
  };
  const v4pools = pools.filter((p) => !p.cidr.includes(':') && !p.disabled);
  for (const n of nodes) {
    const file = artifactFile(n, 'ipv4_route');
    for (const r of n.routes4) {
      if (r.type !== 'unicast' || !r.dst.endsWith('/32') || !(r.dev ?? '').startsWith('cali') || r.via !== undefined) continue;
      const ip = r.dst.slice(0, -3);
      if (covered(ip)) continue;
      const pool = v4pools.find((p) => ipInCidr(ip, p.cidr));
      if (v4pools.length > 0 && pool === undefined) continue;
      const block = networkOf(ip, pool?.blockSize ?? DEFAULT_BLOCK_SIZE_V4);
      if (block === undefined || (pool !== undefined && !cidrInside(block, pool.cidr))) continue;
      let b = map.get(block);
      if (b === undefined) {
        b = { block, owners: [], proto: 'inferred', evidence: [] };
        map.set(block, b);
        indexBlock(block);
      }
      if (!b.owners.includes(n.name)) b.owners.push(n.name);
      if (b.evidence.length < 3) b.evidence.push(lineEvidence(n, file, r));
    }
  }
  return [...map.values()].sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0));
}

export function blocksOf(blocks: BlockOwnership[], node: string): BlockOwnership[] {
  return blocks.filter((b) => b.owners.includes(node));
}
