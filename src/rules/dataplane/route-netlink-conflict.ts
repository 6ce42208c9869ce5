/**
 * Catalogue C3: the kernel refuses BIRD's or Felix's routes because another route for the same
 * prefix exists (a previous CNI's `cni0`/`flannel.1`, a static route, another routing daemon) or
 * the output device is down: `bird: Netlink: File exists`, `Netlink: Network is down`,
 * `Kernel dropped some netlink messages, will resync on next scan.`, Felix `Failed to add route`,
 * and competing routes for Calico prefixes with another proto/dev in `ipv4_route`.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { Route } from '../../model/facts.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { cidrInside, parseCidr } from '../../combiners/cidr.js';
import { andList, restartCalicoNode } from '../fix-steps.js';

/** Devices a previous CNI leaves behind. */
const FOREIGN_DEV = /^(cni0|flannel\.\d+|flannel-wg|weave|kube-bridge|cilium_\w+)$/;

/** Steps for one node: remove the foreign routes (and devices), stop what adds them, let Calico reprogram, check the blocks. */
function netlinkSteps(n: NodeModel, competing: Competing[], down: boolean, exists: boolean, spread: string[]): string[] {
  const steps: string[] = [];
  const devices = [...new Set(n.interfaces4.map((i) => i.name).filter((d) => FOREIGN_DEV.test(d)))];
  if (competing.length > 0) {
    const dsts = competing.slice(0, 3);
    steps.push(`On ${n.name}, remove the foreign route${dsts.length > 1 ? 's' : ''}: ${dsts.map((c) => `\`ip ${c.v6 ? '-6 ' : ''}route del ${c.route.dst}${c.route.dev !== undefined ? ` dev ${c.route.dev}` : ''}\``).join(', ')}${competing.length > 3 ? ` (and the ${competing.length - 3} other${competing.length - 3 > 1 ? 's' : ''} in the evidence)` : ''}.`);
  } else if (exists) {
    steps.push(`On ${n.name}, find the route the kernel keeps instead of Calico's: \`ip route show table all | grep -v -e 'proto bird' -e 'proto 80'\` lists the routes that are not Calico's; delete the one inside a pod block with \`ip route del\`.`);
  }
  if (down) steps.push(`The output device is down on ${n.name}: \`ip -d link show tunl0\` / \`ip -d link show vxlan.calico\` and \`lsmod | grep -e ipip -e vxlan\` show which; load the module (\`modprobe ipip\`) or bring the device up (\`ip link set tunl0 up\`).`);
  steps.push(`Stop what adds ${competing.length === 1 ? 'it' : competing.length > 1 ? 'them' : 'the conflicting routes'} back: a previous CNI's config in /etc/cni/net.d${devices.length > 0 ? ` and its device${devices.length > 1 ? 's' : ''} (\`${devices.map((d) => `ip link delete ${d}`).join('; ')}\` on ${n.name})` : ''}, flanneld, a static route file, or NetworkManager (\`unmanaged-devices=interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico\` in /etc/NetworkManager/conf.d/calico.conf).`);
  const blocks = [...new Set(competing.map((c) => c.against))].slice(0, 2);
  steps.push(`Restart calico-node on ${n.name} so BIRD and Felix program the routes again (${restartCalicoNode([n.name])}), then verify on ${n.name}: ${blocks.length > 0 ? `${blocks.map((b) => `\`ip route show ${b}\``).join(', ')} show${blocks.length > 1 ? '' : 's'} Calico's route (\`proto bird\` or \`proto 80\`), ` : ''}and no new \`Netlink\` error appears in the BIRD log${spread.length > 0 ? `; ${andList(spread)} then lose${spread.length > 1 ? '' : 's'} the path through ${n.name}` : ''}.`);
  return steps;
}

const COLLECT = [
  { command: 'ip route show table all; ip -d link show', why: 'every route for the block prefixes (any table, any proto) and the state of tunl0/vxlan.calico' },
  { command: 'birdcl -s /var/run/calico/bird.ctl show route for <block> all', why: 'whether BIRD holds the route the kernel refused' },
];

/** Devices and protos that are Calico's own. */
const CALICO_DEV = /^(cali.*|tunl0|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali|wg-v6\.cali)$/;
const CALICO_PROTO = new Set(['bird', '80']);

interface Competing {
  route: Route;
  v6: boolean;
  /** The Calico prefix it competes with (a block, or the pool). */
  against: string;
  exact: boolean;
}

function prefixLen(cidr: string): number {
  return parseCidr(cidr)?.[1] ?? -1;
}

function competingRoutes(n: NodeModel, blocks: string[], pools: string[]): Competing[] {
  const out: Competing[] = [];
  for (const [routes, v6] of [[n.routes4, false], [n.routes6, true]] as const) {
    for (const r of routes) {
      if (r.dst === 'default' || (r.table !== undefined && r.table !== 'main')) continue;
      if (r.type !== 'unicast' && r.type !== 'blackhole' && r.type !== 'unreachable' && r.type !== 'prohibit') continue;
      if (r.proto !== undefined && CALICO_PROTO.has(r.proto)) continue;
      const dev = r.dev ?? r.nexthops?.[0]?.dev;
      if (dev !== undefined && CALICO_DEV.test(dev)) continue;
      if (r.dev === n.nodeIPInterface && r.proto === 'kernel') continue; // host subnet inside a pool: ippool-overlap
      // Same prefix as a block, inside a block, or inside a pool (never a route that merely covers the pool).
      const block = blocks.find((b) => r.dst === b) ?? blocks.find((b) => cidrInside(r.dst, b) && prefixLen(r.dst) < (v6 ? 128 : 32));
      if (block !== undefined) {
        out.push({ route: r, v6, against: block, exact: r.dst === block });
        continue;
      }
      const pool = pools.find((p) => cidrInside(r.dst, p) && r.dst !== p);
      if (pool !== undefined) out.push({ route: r, v6, against: pool, exact: false });
    }
  }
  return out;
}

export const routeNetlinkConflict: Rule = {
  meta: {
    id: 'route-netlink-conflict',
    severity: 'critical',
    summary: 'The kernel refuses Calico\'s routes: another route for the same prefix exists (leftover CNI, static route, another daemon) or the output device is down.',
    rationale:
      'BIRD and Felix add block routes with netlink; when the kernel already has a route for the prefix from someone else (a previous CNI\'s `cni0`/`flannel.1`, `proto static`, NetworkManager, another routing daemon) it answers EEXIST and BIRD logs `Netlink: File exists` (repeated on every scan), Felix `Failed to add route error=file exists` (calico#9687); a down tunl0 gives `Netlink: Network is down` (calico#3134, #4273), and a flood of refusals `Kernel dropped some netlink messages, will resync on next scan.` (calico#10585). The BGP session is up, yet the route to the peer\'s block is missing or points the wrong way (catalogue C3).',
    remediation: [
      'Remove the foreign routes and interfaces (`ip route del <prefix> …`, `ip link delete cni0`/`flannel.1` after a CNI switch), stop the competing agent, and make NetworkManager ignore Calico interfaces (`unmanaged-devices=interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico`).',
      'If the device is down (`Network is down`), bring tunl0/vxlan.calico up or load the `ipip` module on every node; reboot a node after switching CNI if leftovers keep coming back.',
    ],
    explains: ['block-route-missing', 'bgp-established-routes-missing'],
    collect: COLLECT,
  },
  check({ cluster, derived }) {
    const blocks = derived.blocks.filter((b) => b.proto !== 'inferred').map((b) => b.block);
    // Without any Calico block (policy-only installs such as canal, or another IPAM), routes inside a pool are
    // the other CNI's own and not foreign: only same-prefix conflicts with blocks would count, and there are none.
    const pools = blocks.length === 0 ? [] : cluster.resources.ippools.filter((p) => !p.disabled && parseCidr(p.cidr) !== undefined).map((p) => p.cidr);
    const findings: FindingDraft[] = [];
    let checked = 0;
    for (const n of cluster.nodes) {
      const birdErrors = [n.bird, n.bird6, n.containerBird].flatMap((s) => s?.events.filter((e) => e.kind === 'netlink-error') ?? []);
      const felixErrors = [n.felix, n.containerLog, n.cni].flatMap((l) => (l?.signatures['route-add-failed']?.refs ?? []).filter((r) => !r.text.includes('already exists for an interface other than')));
      const felixCount = [n.felix, n.containerLog, n.cni].reduce((s, l) => s + (l?.signatures['route-add-failed']?.count ?? 0), 0);
      const competing = n.artifacts.ipv4_route.status === 'ok' || n.artifacts.ipv6_route.status === 'ok' ? competingRoutes(n, blocks, pools) : [];
      if (n.artifacts.ipv4_route.status === 'ok' || n.bird !== undefined || n.felix !== undefined) checked++;
      if (birdErrors.length === 0 && felixErrors.length === 0 && competing.length === 0) continue;
      const evidence: Evidence[] = [];
      for (const c of competing.filter((x) => x.exact)) evidence.push(lineEvidence(n, artifactFile(n, c.v6 ? 'ipv6_route' : 'ipv4_route'), c.route));
      evidence.push(...birdErrors.slice(0, 4).map((e) => ({ node: n.name, input: n.input, file: e.file, line: e.line, text: e.text })));
      evidence.push(...felixErrors.slice(0, 3).map((r) => lineEvidence(n, r.file, r)));
      for (const c of competing.filter((x) => !x.exact)) evidence.push(lineEvidence(n, artifactFile(n, c.v6 ? 'ipv6_route' : 'ipv4_route'), c.route));
      const kinds = [...new Set(birdErrors.map((e) => e.detail ?? e.text))];
      const parts: string[] = [];
      if (birdErrors.length > 0) parts.push(`BIRD logged ${birdErrors.length} netlink error${birdErrors.length > 1 ? 's' : ''} (${kinds.slice(0, 3).map((k) => `\`${k}\``).join(', ')})`);
      if (felixErrors.length > 0) parts.push(`Felix/CNI logged ${felixCount} route add failure${felixCount > 1 ? 's' : ''}`);
      if (competing.length > 0) {
        parts.push(`its route table holds ${competing.length} foreign route${competing.length > 1 ? 's' : ''} for Calico prefixes: ${competing.slice(0, 4).map((c) => `\`${c.route.text.trim()}\` (${c.exact ? 'same prefix as block' : 'inside'} ${c.against})`).join(', ')}`);
      }
      // BIRD learns the foreign route (kernel protocol `learn`) and, inside a pool, advertises it: peers then
      // hold a path for the block via this node or via the foreign next hop.
      const spread: { node: NodeModel; route: Route; dst: string }[] = [];
      for (const c of competing.filter((x) => x.exact)) {
        const hops = new Set([c.route.via, n.nodeIP].filter((x): x is string => x !== undefined));
        for (const o of cluster.nodes) {
          if (o === n) continue;
          for (const r of c.v6 ? o.routes6 : o.routes4) {
            if (r.dst !== c.route.dst || r.proto !== 'bird') continue;
            if ([r.via, ...(r.nexthops ?? []).map((h) => h.via)].some((v) => v !== undefined && hops.has(v))) spread.push({ node: o, route: r, dst: r.dst });
          }
        }
      }
      for (const x of spread) evidence.push(lineEvidence(x.node, artifactFile(x.node, x.dst.includes(':') ? 'ipv6_route' : 'ipv4_route'), x.route));
      if (spread.length > 0) {
        const on = [...new Set(spread.map((x) => x.node.name))].sort();
        parts.push(`BIRD on ${n.name} learned the foreign route from the kernel and advertises it inside the pool: ${on.join(', ')} ${on.length > 1 ? 'hold' : 'holds'} a path for ${[...new Set(spread.map((x) => x.dst))].join(', ')} towards it (${spread.length > 0 && (spread[0]!.route.nexthops?.length ?? 0) > 1 ? 'an ECMP route, so part of their flows follow it too' : 'their traffic follows it too'})`);
      }
      const exact = competing.some((c) => c.exact);
      const strong = exact || birdErrors.length > 0 || felixErrors.length > 0;
      const down = kinds.some((k) => k.includes('Network is down'));
      findings.push({
        key: n.name,
        title: exact || kinds.some((k) => k.includes('File exists'))
          ? `The kernel on ${n.name} refuses Calico routes: another route for the same prefix exists`
          : down
            ? `The kernel on ${n.name} refuses Calico routes: the output device is down`
            : strong
              ? `Route programming fails on ${n.name}`
              : `${n.name} has foreign routes inside Calico's pool`,
        message:
          `On ${n.name}, ${parts.join('; ')}. ` +
          (exact || kinds.some((k) => k.includes('File exists'))
            ? 'The kernel keeps the existing route and answers "File exists" to BIRD/Felix, so the Calico route for that block is never installed and traffic follows the foreign route.'
            : down
              ? 'A route whose device is down cannot be installed: check tunl0/vxlan.calico state and the ipip module.'
              : strong
                ? 'Routes Calico programs are refused by the kernel, so some block routes are missing on this node.'
                : 'Traffic to those addresses leaves by a route that is not Calico\'s (a previous CNI or a static route), which misroutes pods whose block route is missing.'),
        nodes: [n.name, ...spread.map((x) => x.node.name)],
        evidence,
        severity: strong ? undefined : 'warning',
        fix: netlinkSteps(n, competing, down, exact || kinds.some((k) => k.includes('File exists')), [...new Set(spread.map((x) => x.node.name))].sort()),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (checked === 0) return { status: 'skipped', reason: 'no route table and no BIRD/Felix log in any bundle', collect: COLLECT };
    return { status: 'passed', reason: `${checked} node${checked === 1 ? '' : 's'} checked: no BIRD Netlink error, no Felix/CNI route add failure, no foreign route for the ${blocks.length} blocks and ${pools.length} pool${pools.length === 1 ? '' : 's'}` };
  },
};
