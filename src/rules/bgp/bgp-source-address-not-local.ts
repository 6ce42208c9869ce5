import type { NodeModel } from '../../model/node.js';
/**
 * Catalogue A7 / T1(a): the address BIRD binds its BGP sockets to (`source address <node IP>`)
 * is not configured on the host, so it cannot connect to any peer: BIRD logs `<proto>: Socket
 * error: bind: Address not available`, calico-node's startup `Unable to confirm IPv4 address <ip>
 * is assigned to this host`, and the Node resource's `spec.bgp.ipv4Address` is missing from the
 * node's own `ipv4_addr`.
 */
import { restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { BirdEvent } from '../../model/facts.js';
import { attachedEvidence, attachedPeers, bgpProtocols, birdEvidence, birdLogOf } from '../../combiners/bgp-peer-status.js';
import { fieldEvidence, fileEvidence, lineEvidence } from '../../combiners/evidence.js';
import { nodeAddresses4, nodeResourceFor, stripPrefix } from '../../combiners/node-identity.js';

const BIND = /bind: (Address not available|Cannot assign requested address)/;

/** Steps for one node: the address to set (one the node holds, when the bundle shows it), then the check. */
function sourceSteps(n: NodeModel, resName: string, ip: string | undefined): string[] {
  const own = n.nodeIPInterface !== undefined ? nodeAddresses4(n).find((a) => a.iface === n.nodeIPInterface) : undefined;
  const cand = own ?? nodeAddresses4(n).find((a) => a.iface !== 'lo' && !a.address.startsWith('127.') && a.address !== ip);
  return [
    `Correct ${n.name}'s node IP${ip !== undefined ? ` (${ip} is not on the host)` : ''}: let calico-node autodetect it again (remove a wrong \`IP\` env value, fix \`IP_AUTODETECTION_METHOD\`) and restart it (${restartCalicoNode([n.name])}), or patch the Node to ${cand !== undefined ? `the address ${n.name} holds on ${cand.iface}: \`calicoctl patch node ${resName} -p '{"spec":{"bgp":{"ipv4Address":"${cand.address}/${cand.prefix}"}}}'\`` : `an address ${n.name} holds, with its prefix, in \`spec.bgp.ipv4Address\` (\`calicoctl patch node ${resName}\`; ${n.name}'s \`ip -4 addr\` is not in the bundle)`}.`,
    `Check with \`ip -4 addr\` on ${n.name} that the address is there, and with \`calicoctl node status\` that its sessions reach Established.`,
  ];
}

export const bgpSourceAddressNotLocal: Rule = {
  meta: {
    id: 'bgp-source-address-not-local',
    severity: 'critical',
    summary: 'The node IP BIRD uses as BGP source address is not on the host: BIRD cannot bind (`Socket error: bind: Address not available`) and no session from this node comes up.',
    rationale:
      'confd renders `source address <Node spec.bgp.ipv4Address>;` into every BGP protocol. When that address is not configured on any interface (host re-IPed by DHCP, IP set explicitly to a wrong value, Node resource copied from another host), BIRD fails every connect with `<proto>: Socket error: bind: Address not available` (or `Cannot assign requested address`), calico-node logs `Unable to confirm IPv4 address <ip> is assigned to this host` at startup, and the peers see this node as Passive/Active forever: no routes to or from it.',
    remediation: [
      'Correct the node IP: let calico-node autodetect it again (remove a wrong `IP` env value, fix `IP_AUTODETECTION_METHOD`) and restart calico-node, or patch the Node: `calicoctl patch node <node> -p \'{"spec":{"bgp":{"ipv4Address":"<ip>/<prefix>"}}}\'`.',
      'Check with `ip -4 addr` on the node that the address is there, and with `calicoctl node status` that the sessions reach Established.',
    ],
    explains: ['block-route-missing', 'bgp-peer-refused-or-unreachable', 'bgp-port179-blocked'],
    collect: [
      { command: 'calicoctl get node <node> -o yaml', why: 'gives spec.bgp.ipv4Address, the BGP source address, to compare with the node\'s `ip -4 addr`' },
      { command: 'kubectl logs -n calico-system <calico-node-pod> -c calico-node', why: 'startup lines (`Unable to confirm IPv4 address`) and BIRD bind errors when file logging is disabled' },
    ],
  },
  check({ cluster }) {
    const findings: FindingDraft[] = [];
    let decidable = 0;
    for (const n of cluster.nodes) {
      const evidence: Evidence[] = [];
      const reasons: string[] = [];
      let strong = false;
      // 1. BIRD's bind errors (any BGP protocol).
      const log = birdLogOf(n);
      if (log !== undefined || attachedPeers(n).length > 0) decidable++;
      const binds: BirdEvent[] = [];
      for (const p of log !== undefined ? bgpProtocols(log.summary) : []) binds.push(...p.errors.filter((e) => e.kind === 'socket-error' && BIND.test(e.detail ?? e.text)));
      const bindProtos = [...new Set(binds.map((e) => e.protocol ?? '?'))];
      if (binds.length > 0) {
        strong = true;
        const addr = BIND.exec(binds[0]!.text)?.[1];
        reasons.push(`BIRD cannot bind its BGP socket (\`bind: ${addr}\`) for ${bindProtos.length} peer${bindProtos.length > 1 ? 's' : ''} (${bindProtos.slice(0, 4).join(', ')}${bindProtos.length > 4 ? ', …' : ''}) in its ${log!.source}`);
        for (const e of binds.slice(-2)) evidence.push(birdEvidence(n, e));
      }
      // 1b. Node status / birdcl: the INFO column keeps the socket error (`Active  Socket: Address not available`).
      const rows = attachedPeers(n).filter((p) => /Address not available|Cannot assign requested address/i.test(p.row.info ?? ''));
      if (rows.length > 0) {
        strong = true;
        reasons.push(`node status shows \`${(rows[0]!.row.info ?? '').trim()}\` for ${rows.length} peer${rows.length > 1 ? 's' : ''}`);
        for (const r of rows.slice(0, 2)) evidence.push(attachedEvidence(n, r.row));
      }
      // 2. calico-node startup: Unable to confirm IPv4 address <ip> is assigned to this host.
      for (const s of [n.containerLog, n.agent, n.felix, n.confd]) {
        const sig = s?.signatures['ip-not-local'];
        if (sig === undefined || sig.count === 0) continue;
        strong = true;
        reasons.push(`calico-node's startup could not confirm the address on the host (${sig.count} line${sig.count > 1 ? 's' : ''})`);
        for (const r of sig.refs.slice(-1)) evidence.push(lineEvidence(n, r.file, r));
        break;
      }
      // 3. T1(a): the Node resource's address is not on the node's interfaces.
      const res = nodeResourceFor(cluster, n);
      const addrOk = n.artifacts.ipv4_addr?.status === 'ok' && n.interfaces4.length > 0;
      if (res !== undefined && addrOk) decidable++;
      let resIP: string | undefined;
      if (res?.ipv4Address !== undefined && addrOk) {
        resIP = stripPrefix(res.ipv4Address);
        const mine = nodeAddresses4(n);
        if (!mine.some((a) => a.address === resIP)) {
          const have = mine.filter((a) => a.iface !== 'lo' && !a.address.startsWith('127.')).map((a) => `${a.address}/${a.prefix} (${a.iface})`);
          reasons.push(`Node ${res.name} has spec.bgp.ipv4Address ${res.ipv4Address}, which is on none of ${n.name}'s interfaces (ipv4_addr has ${have.slice(0, 4).join(', ') || 'no global address'})`);
          evidence.push(fieldEvidence(n.name, res, 'spec.bgp.ipv4Address', `Node ${res.name}: spec.bgp.ipv4Address: ${res.ipv4Address}`));
          evidence.push(fileEvidence(n, 'ipv4_addr', `no interface holds ${resIP} (${have.slice(0, 4).join(', ')})`));
        } else if (!strong) continue;
      }
      if (reasons.length === 0) continue;
      const ip = resIP ?? n.nodeIP;
      findings.push({
        key: n.name,
        title: `${n.name}: BGP source address ${ip ?? '(node IP)'} is not on the host, BIRD cannot connect to any peer`,
        message: `${reasons.join('; ')}. BIRD binds every BGP session to the node IP (\`source address\`), so ${n.name} has no working session and the other nodes see it as Passive/Active forever; its routes and routes to it are missing.`,
        nodes: [n.name],
        evidence,
        severity: strong ? undefined : 'warning',
        fix: sourceSteps(n, res?.name ?? n.name, ip),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (decidable === 0) return { status: 'skipped', reason: `no BIRD log and no Node resource with ipv4_addr for any of ${cluster.nodes.length} nodes` };
    return { status: 'passed', reason: `no BIRD bind error, no \`Unable to confirm IPv4 address\`, and every exported Node IP is on its node (${cluster.nodes.length} nodes)` };
  },
};
