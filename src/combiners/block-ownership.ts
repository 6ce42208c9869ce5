/**
 * T3 block ownership: the owner of an IPAM block is the node whose route table holds
 * `blackhole <block> proto bird` (BGP modes) or `blackhole <block> proto 80` (Felix, VXLAN).
 */
import type { BlockOwnership } from '../model/derived.js';
import type { NodeModel } from '../model/node.js';
import { artifactFile, lineEvidence } from './evidence.js';

function isBlockBlackhole(dst: string, type: string): boolean {
  if (type !== 'blackhole') return false;
  const i = dst.indexOf('/');
  if (i === -1) return false;
  const len = Number(dst.slice(i + 1));
  return dst.includes(':') ? len < 128 : len < 32;
}

export function blockOwnership(nodes: NodeModel[]): BlockOwnership[] {
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
  return [...map.values()].sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0));
}

export function blocksOf(blocks: BlockOwnership[], node: string): BlockOwnership[] {
  return blocks.filter((b) => b.owners.includes(node));
}
