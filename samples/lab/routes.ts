/**
 * Lab faults of the routes/IPAM/MTU layer (catalogue C, E1, F2), applied with real commands inside
 * the node namespaces before BIRD starts:
 * - `underlayMtu`: `ip link set <underlay> mtu N` (a NIC smaller than the pod MTU);
 * - `staticRoutes`: `ip route add …` (a foreign route for a Calico prefix, so the kernel refuses
 *   BIRD's: real `Netlink: File exists`);
 * - `extraBlocks`: more blocks in the node's `bird_aggr.cfg`, rendered as confd renders a node with
 *   several affine blocks (`route <block> blackhole;` and `calico_aggr` accept/reject), e.g. a block
 *   whose affinity two nodes hold.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsRun, run } from './proc.js';
import type { NodeSpec } from './scenario.js';

/** MTU and static routes, after the topology is built and before BIRD starts. */
export function applyUnderlayFaults(nodes: Array<{ spec: NodeSpec; ns: string }>): void {
  for (const n of nodes) {
    if (n.spec.underlayMtu !== undefined) {
      nsRun(n.ns, 'ip', ['link', 'set', n.spec.underlayInterface ?? 'eth0', 'mtu', String(n.spec.underlayMtu)]);
    }
    for (const r of n.spec.staticRoutes ?? []) nsRun(n.ns, 'ip', ['route', 'add', ...r.split(' ')]);
  }
}

/** Adds `extraBlocks` to the node's rendered bird_aggr.cfg (and checks it with `bird -p`). */
export function addExtraBlocks(spec: NodeSpec, configDir: string): void {
  const extra = spec.extraBlocks ?? [];
  if (extra.length === 0) return;
  const path = join(configDir, 'bird_aggr.cfg');
  let text = readFileSync(path, 'utf8');
  const routeLine = `   route ${spec.block} blackhole;`;
  text = text.replace(routeLine, [routeLine, ...extra.map((b) => `   route ${b} blackhole;`)].join('\n'));
  const aggr = extra.flatMap((b) => [`      # Block ${b} is confirmed`, `      if ( net = ${b} ) then { accept; }`, `      if ( net ~ ${b} ) then { reject; }`]);
  text = text.replace(/\n}\n$/, `\n${aggr.join('\n')}\n}\n`);
  writeFileSync(path, text);
  const r = run('bird', ['-p', '-c', join(configDir, 'bird.cfg')], { allowFail: true });
  if (r.code !== 0) throw new Error(`bird -p rejected ${spec.hostname}'s config with extra blocks: ${r.stderr}`);
}
