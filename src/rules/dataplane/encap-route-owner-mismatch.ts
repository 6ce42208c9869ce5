/**
 * Catalogue D1 / T3: the component that must program a pool's cluster routes for its mode is not
 * the one that does. VXLAN pools → Felix (`dev vxlan.calico … onlink`, `proto 80`; BIRD rejects
 * them); IP-in-IP and unencapsulated pools → BIRD (`proto bird`), unless FelixConfiguration
 * `programClusterRoutes: Enabled` (v3.31+). Two findings: (1) routes to a pool's blocks use another
 * device class than the pool's mode (a pool switched between IPIP and VXLAN, or left-over routes);
 * (2) an IPIP/unencapsulated pool on nodes where BIRD does not run and Felix does not program IPIP
 * routes: nobody programs them, so routes are missing (VXLAN-only backend with an IPIP pool).
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { EncapPool, RouteToBlock } from '../../model/derived.js';
import { poolOfBlock, usesVxlan } from '../../combiners/encapsulation.js';
import { andList, NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';
import { patchPool, RESTART_ALL, vxlanInsteadOfIpip } from './fix-steps-dataplane.js';

/** The pool modes whose routes use a device class. */
const MODE_OF: Partial<Record<Kind, Record<string, string>>> = {
  vxlan: { ipipMode: 'Never', vxlanMode: 'Always' },
  ipip: { ipipMode: 'Always', vxlanMode: 'Never' },
  direct: { ipipMode: 'Never', vxlanMode: 'Never' },
};

const DEVICE: Record<Kind, string> = { ipip: 'tunl0', vxlan: 'vxlan.calico', direct: 'the NIC', blackhole: 'blackhole', other: 'another device' };

/** Routes of another class than the pool's mode: settle the mode, restart so the old owner drops its routes, check a block. */
function modeSteps(pool: EncapPool, kinds: Kind[], nodes: string[], block: string | undefined): string[] {
  const back = kinds.map((k) => MODE_OF[k]).filter((m): m is Record<string, string> => m !== undefined);
  const allowed = [...allowedKinds(pool)].map((k) => DEVICE[k]);
  return [
    `Settle the mode of ${pool.name} (now ${modeText(pool)}): if that is the intended mode, keep it${back.length > 0 ? `; if the routes via ${kinds.map((k) => DEVICE[k]).join(' and ')} show the intended one, set it back: ${back.map((m) => patchPool(pool.name, m)).join(' or ')}` : ''}.`,
    `Restart calico-node on ${andList(nodes)} so the component that owns the old routes removes them and the pool's mode is programmed: ${restartCalicoNode(nodes)}.`,
    block !== undefined
      ? `Verify on ${nodes[0]!}: \`ip route show ${block}\` goes via ${allowed.join(' or ')}.`
      : `Verify on ${nodes[0]!}: the routes to ${pool.cidr}'s blocks (\`ip route | grep -E 'tunl0|vxlan.calico'\`) go via ${allowed.join(' or ')}.`,
  ];
}

/** An IP-in-IP/unencapsulated pool where BIRD does not run: VXLAN, or BIRD; restart; check a block route. */
function noSourceSteps(pools: EncapPool[], nodes: string[], check: { from: string; block: string } | undefined): string[] {
  return [
    `Either switch ${andList(pools.map((p) => p.name))} to VXLAN, whose routes Felix programs without BGP: ${pools.map((p) => patchPool(p.name, vxlanInsteadOfIpip(p))).join(', ')}.`,
    `Or run BIRD on ${andList(nodes)}: operator installs \`kubectl patch installation default --type merge -p '{"spec":{"calicoNetwork":{"bgp":"Enabled"}}}'\`; manifest installs \`kubectl patch configmap calico-config -n kube-system --type merge -p '{"data":{"calico_backend":"bird"}}'\` (and the \`-bird-live\`/\`-bird-ready\` checks back in calico-node's probes).`,
    `Restart calico-node everywhere: ${RESTART_ALL} ${NAMESPACE_NOTE}.`,
    check !== undefined
      ? `Verify on ${check.from}: \`ip route show ${check.block}\` shows a route via vxlan.calico (\`proto 80\`, VXLAN) or via tunl0 (\`proto bird\`, BIRD).`
      : 'Verify on each node: `ip route show proto 80` (VXLAN) or `ip route show proto bird` (BIRD) lists the other nodes\' blocks.',
  ];
}

type Kind = NonNullable<RouteToBlock['kind']>;

/** Device classes a pool's mode allows for routes to remote blocks. */
function allowedKinds(p: EncapPool): Set<Kind> {
  if (p.vxlanMode === 'Always') return new Set(['vxlan']);
  if (p.vxlanMode === 'CrossSubnet') return new Set(['vxlan', 'direct']);
  if (p.ipipMode === 'Always') return new Set(['ipip']);
  if (p.ipipMode === 'CrossSubnet') return new Set(['ipip', 'direct']);
  return new Set(['direct']);
}

function modeText(p: EncapPool): string {
  return `ipipMode ${p.ipipMode}, vxlanMode ${p.vxlanMode}`;
}

const KIND_TEXT: Record<Kind, string> = { ipip: 'tunl0 (IP-in-IP)', vxlan: 'vxlan.calico (VXLAN)', direct: 'the NIC (unencapsulated)', blackhole: 'a blackhole', other: 'another device' };

export const encapRouteOwnerMismatch: Rule = {
  meta: {
    id: 'encap-route-owner-mismatch',
    severity: 'critical',
    summary: 'The routes to a pool\'s blocks do not match the pool\'s encapsulation, or nothing programs them: VXLAN pools need Felix, IP-in-IP and unencapsulated pools need BIRD (or Felix programClusterRoutes).',
    rationale:
      'Calico splits route programming by pool mode: "Calico\'s VXLAN implementation does not use BGP, whereas Calico\'s IP in IP implementation uses BGP between Calico nodes". BIRD\'s kernel filter rejects VXLAN pools ("Don\'t program VXLAN routes into the kernel - these are handled by Felix", bird_ipam.cfg.template); Felix programs VXLAN routes `<block> via <VTEP> dev vxlan.calico onlink proto 80`, and from v3.31 IPIP routes too when FelixConfiguration `programClusterRoutes` is Enabled ("If both Felix and BIRD are enabled for the same kind of IP Pool they will fight over the routes; if neither is, there will be no cluster routes at all"). An IPIP pool in a cluster installed with `CALICO_NETWORKING_BACKEND=vxlan` (BIRD not running) has no routes at all; a pool switched between IPIP and VXLAN leaves routes of the old class behind.',
    remediation: [
      'Choose one model per pool: VXLAN (`vxlanMode: Always|CrossSubnet`, Felix programs the routes, no BGP needed), or IP-in-IP/unencapsulated with BIRD running (`calico_backend: bird` / operator `bgp: Enabled`) — or, on v3.31+, `programClusterRoutes: Enabled` consistently in FelixConfiguration and BGPConfiguration.',
      'After changing a pool\'s mode, restart calico-node on every node so the old routes are removed, and check `ip route | grep <block>` shows the new device everywhere.',
    ],
    explains: ['block-route-missing', 'bird-confd-not-running'],
    collect: [{ command: 'calicoctl get ippool -o yaml; calicoctl get felixconfiguration -o yaml; calicoctl node status', why: 'the pool modes, Felix\'s programClusterRoutes and whether BIRD runs decide who must program the routes' }],
  },
  check({ derived }) {
    const t = derived.encap;
    if (t.pools.length === 0) return { status: 'skipped', reason: 'no IPPool resources were given, so the mode each pool\'s routes must follow is unknown' };
    const { rows } = derived.routeMatrix;
    const findings: FindingDraft[] = [];
    // (1) Device class against pool mode.
    const wrong = new Map<string, { pool: EncapPool; nodes: Set<string>; kinds: Set<Kind>; evidence: Evidence[]; pairs: [string, string][]; blocks: Map<string, string> }>();
    let routesChecked = 0;
    for (const row of rows) {
      for (const cell of row) {
        for (const b of cell.blocks) {
          // Only the block's own route: a covering aggregate (a ToR advertising the pool) says nothing about the mode.
          if (b.route?.type !== 'unicast' || b.kind === undefined || b.route.dst !== b.block) continue;
          const pool = poolOfBlock(t.pools, b.block);
          if (pool === undefined) continue;
          routesChecked++;
          if (allowedKinds(pool).has(b.kind) || b.kind === 'other') continue;
          const w = wrong.get(pool.name) ?? { pool, nodes: new Set<string>(), kinds: new Set<Kind>(), evidence: [pool.evidence], pairs: [], blocks: new Map<string, string>() };
          if (!w.blocks.has(cell.from)) w.blocks.set(cell.from, b.block);
          w.nodes.add(cell.from);
          w.kinds.add(b.kind);
          if (b.evidence !== undefined && w.evidence.length < 8) w.evidence.push(b.evidence);
          w.pairs.push([cell.from, cell.to]);
          wrong.set(pool.name, w);
        }
      }
    }
    for (const w of wrong.values()) {
      const nodes = [...w.nodes].sort();
      findings.push({
        key: `mode:${w.pool.name}`,
        title: `Routes to pool ${w.pool.name} (${w.pool.cidr}) go via ${[...w.kinds].map((k) => KIND_TEXT[k]).join(' and ')} on ${nodes.join(', ')}, but the pool is ${modeText(w.pool)}`,
        message:
          `IPPool ${w.pool.name} is ${modeText(w.pool)}, so routes to its blocks should go via ${[...allowedKinds(w.pool)].map((k) => KIND_TEXT[k]).join(' or ')}; on ${nodes.join(', ')} they go via ${[...w.kinds].map((k) => KIND_TEXT[k]).join(' and ')}. ` +
          `The pool's mode was changed (or the routes come from the other component): packets leave with an encapsulation the receivers do not expect, and the component that owns the old routes keeps them.`,
        nodes,
        evidence: w.evidence,
        pairs: w.pairs,
        fix: modeSteps(w.pool, [...w.kinds], nodes, w.blocks.get(nodes[0]!)),
      });
    }
    // (2) BGP-routed pools (IPIP/no encapsulation) where BIRD is not running and Felix does not program IPIP routes.
    const felixIpip = (t.felixConfig['programClusterRoutes']?.value ?? '').startsWith('Enabled');
    const bgpPools = t.pools.filter((p) => !usesVxlan(p) && !p.cidr.includes(':'));
    // A VXLAN-only install is cluster-wide: BIRD down on some nodes only is bird-confd-not-running's case.
    const known = t.nodes.filter((n) => n.birdRunning !== undefined);
    const birdDown = known.filter((n) => n.birdRunning === false);
    if (bgpPools.length > 0 && birdDown.length > 0 && birdDown.length === known.length && !felixIpip) {
      const poolBlocks = derived.blocks.filter((b) => bgpPools.some((p) => poolOfBlock([p], b.block) !== undefined));
      const downSet = new Set(birdDown.map((n) => n.node));
      const missing: [string, string][] = [];
      const evidence: Evidence[] = [...bgpPools.map((p) => p.evidence)];
      for (const row of rows) {
        for (const cell of row) {
          if (cell.status !== 'missing') continue;
          if (!downSet.has(cell.from) && !downSet.has(cell.to)) continue;
          if (!cell.blocks.some((b) => b.route === undefined && poolBlocks.some((x) => x.block === b.block))) continue;
          missing.push([cell.from, cell.to]);
        }
      }
      if (missing.length > 0 || birdDown.length === t.nodes.length) {
        for (const n of birdDown.slice(0, 4)) evidence.push(...(n.birdEvidence ?? []).slice(0, 1));
        const felixBlackholes = birdDown.filter((n) => n.routes.blackholeProto === '80');
        const nodes = [...downSet].sort();
        findings.push({
          key: 'no-route-source',
          title: `Pool ${bgpPools.map((p) => p.name).join(', ')} (${bgpPools.map((p) => `${p.cidr} ${p.ipipMode === 'Never' ? 'unencapsulated' : `ipipMode ${p.ipipMode}`}`).join(', ')}) needs BIRD, but BIRD does not run on ${nodes.join(', ')}`,
          message:
            `${bgpPools.map((p) => `IPPool ${p.name} is ${modeText(p)}`).join('; ')}: its routes are learned over BGP and programmed by BIRD (Felix programs them only with FelixConfiguration programClusterRoutes: Enabled, which is ${t.felixConfig['programClusterRoutes']?.value ?? 'not set'}). ` +
            `BIRD does not run on ${nodes.join(', ')} (nothing listens on TCP 179, no BIRD log${felixBlackholes.length > 0 ? `; the block blackholes are Felix's proto 80 on ${felixBlackholes.map((n) => n.node).join(', ')}` : ''}), the shape of a VXLAN-only install (CALICO_NETWORKING_BACKEND=vxlan / operator bgp: Disabled). ` +
            (missing.length > 0 ? `${missing.length} node pair${missing.length > 1 ? 's have' : ' has'} no route to the other's blocks.` : 'No node can have routes to the other nodes\' blocks.'),
          nodes,
          evidence,
          pairs: missing.length > 0 ? missing : undefined,
          fix: noSourceSteps(bgpPools, nodes, (() => {
            const m = missing[0];
            const block = m !== undefined ? poolBlocks.find((b) => b.owners.includes(m[1]))?.block : undefined;
            return m !== undefined && block !== undefined ? { from: m[0], block } : undefined;
          })()),
        });
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    const owner = bgpPools.length === 0 ? 'Felix programs the VXLAN pools' : birdDown.length > 0 && birdDown.length === known.length ? 'Felix programs the BGP-routed pools (programClusterRoutes)' : 'BIRD is not shown down on every node for the BGP-routed pools';
    return { status: 'passed', reason: `${routesChecked} routes to other nodes' blocks use the device class of their pool's mode (${t.pools.map((p) => `${p.name}: ${modeText(p)}`).join('; ')}); ${owner}` };
  },
};
