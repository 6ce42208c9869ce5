/**
 * Catalogue A3 / T1 + T2: a BGP connection arrives from an address the receiving BIRD has no
 * protocol for (`BGP: Unexpected connect from unknown address <ip> (port <n>)`), so it is accepted
 * and closed at once; the connecting side sees `Active Socket: Connection closed`. The address is
 * matched against every bundle's interfaces and node IPs: another node's non-node address (SNAT,
 * a second NIC), a node that the receiver has no protocol for (asymmetric config), or an address in
 * no bundle (a NAT gateway between the nodes, or an external router without a BGPPeer).
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { BirdEvent, IptablesRule } from '../../model/facts.js';
import { attachedEvidence, attachedPeers, bgpProtocols, birdEvidence, birdLogOf, stampMs } from '../../combiners/bgp-peer-status.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { nodeAddresses4 } from '../../combiners/node-identity.js';
import { bgpNotInUse } from '../../combiners/bgp-in-use.js';

const CLOSED = /Connection closed/i;

/** SNAT/MASQUERADE rules in a node's nat table that can rewrite its BGP source (port 179, or to `addr`). */
function natRules(node: NodeModel, addr: string): IptablesRule[] {
  const nat = node.iptables4?.tables['nat'];
  if (nat === undefined) return [];
  const out: IptablesRule[] = [];
  for (const c of Object.values(nat.chains)) {
    for (const r of c.rules) {
      if (r.target !== 'SNAT' && r.target !== 'MASQUERADE') continue;
      if (r.spec.includes(`--to-source ${addr}`) || /--dport 179\b/.test(r.spec)) out.push(r);
    }
  }
  return out;
}

interface Unknown {
  receiver: NodeModel;
  ip: string;
  events: BirdEvent[];
}

export const bgpUnknownPeerOrNat: Rule = {
  meta: {
    id: 'bgp-unknown-peer-or-nat',
    severity: 'critical',
    summary: 'A BGP peer connects from an address the other side has not configured (NAT, a second address, asymmetric peering): BIRD logs `Unexpected connect from unknown address` and closes the session.',
    rationale:
      'BIRD matches an incoming BGP connection by its source address against the `neighbor` of its protocols; an unknown source is logged as `BGP: Unexpected connect from unknown address <ip> (port <n>)` and closed, and the connecting node shows `Active Socket: Connection closed`. In the v3.22+ mesh only the node with the greater IP string connects, so the session never comes up although TCP 179 is open. The source a peer sees differs from the configured node IP when NAT sits between the nodes (different networks or clouds peering over public IPs), an SNAT/MASQUERADE rule on the node rewrites it, or the node IP is wrong or stale; an address that belongs to no node is an external router peering without a BGPPeer. Maintainers in projectcalico/calico#6047: "BGP sessions need to be configured symmetrically on both members of the session".',
    remediation: [
      'Make the node IP the address its peers actually see: fix `IP_AUTODETECTION_METHOD`/`IP`, and remove any SNAT/MASQUERADE that rewrites TCP 179 between nodes.',
      'Do not peer BGP across NAT: use VXLAN (no BGP needed) across NAT boundaries, or route the node network without translation.',
      'If the address is an external router, add a BGPPeer for it (or stop it from peering with the nodes).',
    ],
    explains: ['block-route-missing', 'bgp-peer-refused-or-unreachable', 'bgp-port179-blocked'],
    collect: [
      { command: 'calicoctl node status', why: 'shows `Active Socket: Connection closed` on the node whose connections the peer drops' },
      { command: 'kubectl logs -n calico-system <calico-node-pod> -c calico-node | grep "Unexpected connect"', why: 'BIRD\'s unknown-address lines when file logging is disabled' },
    ],
  },
  check(ctx) {
    const off = bgpNotInUse(ctx.cluster, ctx.derived);
    if (off !== undefined) return { status: 'passed', reason: off };
    const { cluster } = ctx;
    const nodes = cluster.nodes;
    const byNodeIP = new Map<string, NodeModel>();
    for (const n of nodes) if (n.nodeIP !== undefined) byNodeIP.set(n.nodeIP, n);
    const byAddr = new Map<string, NodeModel>();
    for (const n of nodes) for (const a of nodeAddresses4(n)) if (!a.address.startsWith('127.')) byAddr.set(a.address, n);
    const unknowns: Unknown[] = [];
    let logs = 0;
    for (const n of nodes) {
      const log = birdLogOf(n);
      if (log === undefined) continue;
      logs++;
      const byIP = new Map<string, BirdEvent[]>();
      for (const e of log.summary.events) {
        if (e.kind !== 'unknown-connect' || e.detail === undefined) continue;
        byIP.set(e.detail, [...(byIP.get(e.detail) ?? []), e]);
      }
      for (const [ip, events] of byIP) unknowns.push({ receiver: n, ip, events });
    }
    // Connecting sides that see their connection closed (node status / BIRD debug lines).
    const closedBy = new Map<string, { node: NodeModel; evidence: Evidence }[]>(); // peer IP -> nodes whose connection to it is closed
    let attached = 0;
    for (const n of nodes) {
      const peers = attachedPeers(n);
      if (peers.length > 0) attached++;
      for (const p of peers) {
        if (p.ip === undefined || p.row.state === 'up' || !CLOSED.test(p.row.info ?? '')) continue;
        closedBy.set(p.ip, [...(closedBy.get(p.ip) ?? []), { node: n, evidence: attachedEvidence(n, p.row) }]);
      }
      const log = birdLogOf(n);
      for (const p of log !== undefined ? bgpProtocols(log.summary) : []) {
        if (p.peerIP === undefined || p.lastState === 'up') continue;
        const c = p.errors.filter((e) => e.kind === 'connection-closed' || (e.kind === 'socket-error' && CLOSED.test(e.text)));
        if (c.length === 0) continue;
        closedBy.set(p.peerIP, [...(closedBy.get(p.peerIP) ?? []), { node: n, evidence: birdEvidence(n, c[c.length - 1]!) }]);
      }
    }
    if (logs === 0 && attached === 0) return { status: 'skipped', reason: `no BIRD log and no node status attachment on any of ${nodes.length} nodes` };
    // A node that joins connects before confd on the receiver has rendered its peer: a few unknown
    // connects followed by the session coming up are the normal join race, not a fault.
    const settled = (r: NodeModel, peerIP: string | undefined, lastUnknown: BirdEvent): boolean => {
      if (peerIP === undefined) return false;
      const log = birdLogOf(r);
      const p = log !== undefined ? bgpProtocols(log.summary).find((x) => x.peerIP === peerIP) : undefined;
      if (p === undefined || p.lastState !== 'up') return false;
      const up = stampMs(p.lastStateRef?.time);
      const last = stampMs(lastUnknown.time);
      return up !== undefined && last !== undefined && last <= up;
    };
    const findings: FindingDraft[] = [];
    for (const u of unknowns.sort((a, b) => (a.receiver.name + a.ip < b.receiver.name + b.ip ? -1 : 1))) {
      const r = u.receiver;
      const first = u.events[0]!;
      const last = u.events[u.events.length - 1]!;
      const count = u.events.length;
      const evidence: Evidence[] = [birdEvidence(r, last)];
      if (first !== last) evidence.push(birdEvidence(r, first));
      const seen = `${r.name}'s BIRD got ${count}${count >= 200 ? '+' : ''} BGP connection${count > 1 ? 's' : ''} from ${u.ip}, an address it has no protocol for, and closed ${count > 1 ? 'them' : 'it'} (\`Unexpected connect from unknown address\`)`;
      const owner = byAddr.get(u.ip);
      const asNode = byNodeIP.get(u.ip);
      // The connecting node, where known: its closed sessions towards the receiver.
      const closers = (r.nodeIP !== undefined ? closedBy.get(r.nodeIP) ?? [] : []);
      if (settled(r, asNode?.nodeIP ?? owner?.nodeIP, last)) continue;
      if (owner !== undefined && owner !== r && owner.nodeIP !== undefined && owner.nodeIP !== u.ip) {
        const nat = natRules(owner, u.ip);
        for (const x of nat.slice(0, 2)) evidence.unshift(lineEvidence(owner, artifactFile(owner, 'ipv4_tables'), x));
        for (const c of closers.filter((c) => c.node === owner)) evidence.push(c.evidence);
        const olog = birdLogOf(owner);
        const theirs = olog !== undefined && r.nodeIP !== undefined ? bgpProtocols(olog.summary).find((x) => x.peerIP === r.nodeIP) : undefined;
        if (theirs?.lastStateRef !== undefined && !theirs.everUp) evidence.push(birdEvidence(owner, theirs.lastStateRef));
        findings.push({
          key: `${r.name}<-${u.ip}`,
          title: `${owner.name} connects to ${r.name} from ${u.ip}, not its node IP ${owner.nodeIP}: ${r.name} drops the BGP session`,
          message: `${seen}. ${u.ip} is an address of ${owner.name} (${nodeAddresses4(owner).find((a) => a.address === u.ip)?.iface}), whose node IP — the address ${r.name} peers with — is ${owner.nodeIP}. ${nat.length > 0 ? `${owner.name}'s nat table rewrites the source: \`${nat[0]!.text.trim()}\`.` : `Something rewrites or picks the source address (SNAT/MASQUERADE on the path, a second NIC).`} The session ${owner.name} <-> ${r.name} never comes up.`,
          nodes: [r.name, owner.name].sort(),
          evidence,
          pairs: [[r.name, owner.name].sort() as [string, string]],
          remediation: [nat.length > 0 ? `On ${owner.name}, remove or narrow the rule that rewrites TCP 179 (\`${nat[0]!.text.trim()}\`) so BGP leaves from ${owner.nodeIP}.` : `Make ${owner.name} reach ${r.name} from ${owner.nodeIP}: find the SNAT/second-NIC route on the path, or set ${owner.name}'s node IP to the address peers see.`],
        });
      } else if (asNode !== undefined && asNode !== r) {
        for (const c of closers.filter((c) => c.node === asNode)) evidence.push(c.evidence);
        const rlog = birdLogOf(r);
        const own = rlog !== undefined ? bgpProtocols(rlog.summary).find((x) => x.peerIP === u.ip) : undefined;
        if (own?.lastStateRef !== undefined) evidence.push(birdEvidence(r, own.lastStateRef));
        findings.push({
          key: `${r.name}<-${u.ip}`,
          title: own === undefined ? `${r.name} has no BGP protocol for ${asNode.name} (${u.ip}) and drops its connections` : `${r.name} does not match ${asNode.name}'s BGP connections (${u.ip}) to its ${own.name} and drops them`,
          message: own === undefined
            ? `${seen}. ${u.ip} is ${asNode.name}'s node IP: ${asNode.name} peers with ${r.name} but ${r.name}'s configuration has no peer for ${asNode.name} (asymmetric BGPPeers, a route-reflector/mesh mismatch, or a stale config on ${r.name}).`
            : `${seen}. ${u.ip} is ${asNode.name}'s node IP and ${r.name} has ${own.name} for it (now \`${own.lastState ?? '?'}\`), yet BIRD matched none of the connections to it: the protocol was not in start/up when they came (disabled, restarting), or it expects another port/interface. The session never comes up.`,
          nodes: [r.name, asNode.name].sort(),
          evidence,
          pairs: [[r.name, asNode.name].sort() as [string, string]],
          remediation: [`Make the peering symmetric: ${r.name} needs a peer for ${u.ip} (mesh, or a BGPPeer that selects ${r.name} with peerIP ${u.ip}/peerSelector matching ${asNode.name}).`],
        });
      } else if (owner === undefined) {
        // In no bundle: a NAT gateway in front of a node, or an external router.
        const waiting = bgpProtocols(birdLogOf(r)!.summary).filter((p) => !p.everUp && p.peerIP !== undefined);
        const behind = waiting.map((p) => byNodeIP.get(p.peerIP!)?.name ?? p.peerIP!);
        for (const c of closers) evidence.push(c.evidence);
        for (const p of waiting.slice(0, 2)) if (p.lastStateRef !== undefined) evidence.push(birdEvidence(r, p.lastStateRef));
        const natLikely = waiting.length > 0;
        findings.push({
          key: `${r.name}<-${u.ip}`,
          title: natLikely
            ? `${r.name} drops BGP connections from ${u.ip}, an address of no node: NAT between ${r.name} and ${behind.slice(0, 3).join(', ')}?`
            : `${r.name} drops BGP connections from ${u.ip}, an address of no node (external router without a BGPPeer?)`,
          message: natLikely
            ? `${seen}. ${u.ip} belongs to no bundle, while ${r.name}'s session${waiting.length > 1 ? 's' : ''} to ${behind.join(', ')} never came up: the peer's connections reach ${r.name} translated to ${u.ip} (NAT between the nodes), so ${r.name} does not recognise them.${closers.length > 0 ? ` ${closers.map((c) => c.node.name).join(', ')} see${closers.length === 1 ? 's' : ''} \`Connection closed\`.` : ''}`
            : `${seen}. ${u.ip} belongs to no bundle and every configured session of ${r.name} is up: a router or host at ${u.ip} tries to peer without a BGPPeer, or a NAT gateway fronts a node not analyzed here.`,
          nodes: [r.name, ...closers.map((c) => c.node.name)].filter((x, i, a) => a.indexOf(x) === i).sort(),
          evidence,
          severity: natLikely ? undefined : 'warning',
          pairs: natLikely ? behind.filter((b) => nodes.some((n) => n.name === b)).map((b) => [r.name, b].sort() as [string, string]) : undefined,
          remediation: [natLikely ? `Check the path between ${r.name} and ${behind.join(', ')} for NAT (\`tcpdump -ni any tcp port 179\` on ${r.name} shows the source ${u.ip}); peer over untranslated addresses or use VXLAN across the NAT.` : `Find what runs at ${u.ip}; add a BGPPeer for it if it should peer, or stop it.`],
        });
      }
    }
    // Connection closed seen only from the connecting side (node status), no receiver log: still telling.
    if (findings.length === 0) {
      for (const [ip, list] of [...closedBy].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const target = byNodeIP.get(ip);
        const targetLogged = target !== undefined && birdLogOf(target) !== undefined;
        if (targetLogged) continue; // the receiver's log would show the unknown connect; it does not.
        for (const c of list) {
          const names = [c.node.name, target?.name ?? ip].sort() as [string, string];
          findings.push({
            key: `${c.node.name}->${ip}`,
            title: `${target?.name ?? ip} closes ${c.node.name}'s BGP connections (Connection closed)`,
            message: `${c.node.name}'s session to ${ip} shows \`Connection closed\`: TCP 179 connects, then ${target?.name ?? ip} drops it, which BIRD does when the connection comes from an address it has not configured (NAT, wrong node IP, one-sided BGPPeer). ${target?.name ?? ip}'s BIRD log (\`Unexpected connect from unknown address\`) would name the address it saw.`,
            nodes: names.filter((nm) => nodes.some((n) => n.name === nm)),
            evidence: [c.evidence],
            severity: 'warning',
            pairs: target !== undefined ? [names] : undefined,
          });
        }
      }
    }
    if (findings.length > 0) return { status: 'found', findings };
    return { status: 'passed', reason: `no \`Unexpected connect from unknown address\` in ${logs} BIRD logs${attached > 0 ? ` and no \`Connection closed\` in ${attached} node status attachments` : ''}` };
  },
};
