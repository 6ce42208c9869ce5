/**
 * Catalogue A5 / T1: two iBGP speakers with the same BGP router id. BIRD rejects an internal
 * peer's OPEN whose identifier equals its own (RFC 6286 check in `proto/bgp/packets.c`): the side
 * that detects it logs `<proto>: Error: Bad BGP identifier`, the other `<proto>: Received: Bad BGP
 * identifier`, and node status shows `Idle BGP Error: Bad BGP identifier`. Calico's router id is
 * the node's IPv4 address unless `CALICO_ROUTER_ID` is set.
 */
import { NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { attachedEvidence, attachedPeers, bgpProtocols, birdEvidence, birdLogOf } from '../../combiners/bgp-peer-status.js';
import { bgpNotInUse } from '../../combiners/bgp-in-use.js';

const BAD_ID = /Bad BGP identifier/i;

/** BIRD prints the rejected identifier as hex data after the description (`...: 0a4d00c8`). */
function decodedId(text: string): string | undefined {
  const m = /Bad BGP identifier:?\s*([0-9a-f]{8})\b/i.exec(text);
  if (m === null) return undefined;
  const h = m[1]!;
  return [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16)).join('.');
}

interface Side {
  node: NodeModel;
  peerName: string;
  sent: boolean;
  text: string;
  evidence: Evidence[];
  via: 'log' | 'node status';
}

export const bgpRouterIdCollision: Rule = {
  meta: {
    id: 'bgp-router-id-collision',
    severity: 'critical',
    summary: 'Two BGP speakers use the same router id: BIRD rejects the session with `Bad BGP identifier` and it never comes up.',
    rationale:
      'Calico renders `router id <node IPv4>` into bird.cfg unless `CALICO_ROUTER_ID` is set (`hash` derives one from the node name). BIRD refuses an internal peer whose OPEN carries its own router id (RFC 6286 "AS-wide unique"): the detecting side logs `<proto>: Error: Bad BGP identifier`, the peer `Received: Bad BGP identifier`, node status shows `Idle  BGP Error: Bad BGP identifier`, and the session waits (`error wait time 5,30`) and fails again. No routes flow between the two nodes. Causes: cloned VMs, one `CALICO_ROUTER_ID` value copied to several nodes, or duplicate node IPs peered through explicit BGPPeers (in the mesh identical IPs are skipped instead: node-ip-duplicate).',
    remediation: [
      'Give every node a unique router id: remove a fixed `CALICO_ROUTER_ID` from the calico-node DaemonSet (or set it to `hash`), or give each node its own value, then restart calico-node on the affected nodes.',
      'If the nodes share one node IP, fix the IP autodetection (`IP_AUTODETECTION_METHOD`) so each gets its own address, then check with `calicoctl get node -o wide`.',
      'Confirm with `calicoctl node status` on both nodes: the session must reach `Established`.',
    ],
    explains: ['block-route-missing', 'bgp-peer-refused-or-unreachable', 'bgp-port179-blocked'],
    collect: [
      { command: 'calicoctl node status', why: 'shows `Idle BGP Error: Bad BGP identifier` for a session rejected because both ends use one router id' },
      { command: 'kubectl exec -n calico-system <calico-node-pod> -- grep "router id" /etc/calico/confd/config/bird.cfg', why: 'shows the router id each node announces (CALICO_ROUTER_ID or the node IP)' },
    ],
  },
  check(ctx) {
    const off = bgpNotInUse(ctx.cluster, ctx.derived);
    if (off !== undefined) return { status: 'passed', reason: off };
    const { cluster } = ctx;
    const nodes = cluster.nodes;
    const byIP = new Map<string, NodeModel>();
    for (const n of nodes) if (n.nodeIP !== undefined) byIP.set(n.nodeIP, n);
    const sides: Side[] = [];
    let logs = 0;
    let attached = 0;
    for (const n of nodes) {
      const log = birdLogOf(n);
      if (log !== undefined) {
        logs++;
        for (const p of bgpProtocols(log.summary)) {
          const bad = p.errors.filter((e) => (e.kind === 'error-sent' || e.kind === 'error-received') && BAD_ID.test(e.detail ?? e.text));
          if (bad.length === 0) continue;
          const last = bad[bad.length - 1]!;
          sides.push({
            node: n,
            peerName: (p.peerIP !== undefined ? byIP.get(p.peerIP)?.name : undefined) ?? p.peerIP ?? p.name,
            sent: last.kind === 'error-sent',
            text: last.text,
            evidence: bad.slice(-2).map((e) => birdEvidence(n, e)),
            via: 'log',
          });
        }
      }
      const peers = attachedPeers(n);
      if (peers.length > 0) attached++;
      for (const p of peers) {
        if (!BAD_ID.test(p.row.info ?? '')) continue;
        const peerName = (p.ip !== undefined ? byIP.get(p.ip)?.name : undefined) ?? p.ip ?? p.row.peerType ?? 'a peer';
        const existing = sides.find((s) => s.node === n && s.peerName === peerName);
        if (existing !== undefined) existing.evidence.unshift(attachedEvidence(n, p.row));
        else sides.push({ node: n, peerName, sent: /BGP Error|Error:/.test(p.row.info ?? ''), text: p.row.text, evidence: [attachedEvidence(n, p.row)], via: 'node status' });
      }
    }
    if (sides.length === 0) {
      if (logs === 0 && attached === 0) return { status: 'skipped', reason: `no BIRD log and no node status attachment on any of ${nodes.length} nodes: a rejected OPEN would not be seen` };
      return { status: 'passed', reason: `no \`Bad BGP identifier\` in ${logs} BIRD logs${attached > 0 ? ` or ${attached} node status attachments` : ''}` };
    }
    const byPair = new Map<string, Side[]>();
    for (const s of sides) {
      const key = [s.node.name, s.peerName].sort().join('<->');
      byPair.set(key, [...(byPair.get(key) ?? []), s]);
    }
    const findings: FindingDraft[] = [];
    for (const [key, list] of [...byPair].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const names = key.split('<->') as [string, string];
      const [x, y] = names.map((nm) => nodes.find((n) => n.name === nm));
      const id = list.map((s) => decodedId(s.text)).find((v) => v !== undefined);
      const said = list.map((s) =>
        s.sent
          ? `${s.node.name} rejected ${s.peerName}'s OPEN (\`Bad BGP identifier\`${s.via === 'node status' ? ', node status' : ''})`
          : `${s.node.name} was told by ${s.peerName} that its identifier is not acceptable (\`Received: Bad BGP identifier\`)`,
      );
      let why: string;
      if (x?.nodeIP !== undefined && y?.nodeIP !== undefined && x.nodeIP === y.nodeIP) {
        why = `Both nodes have node IP ${x.nodeIP}, which is also their default router id.`;
      } else if (x?.nodeIP !== undefined && y?.nodeIP !== undefined) {
        why = `Their node IPs differ (${x.name} ${x.nodeIP}, ${y.name} ${y.nodeIP}), so the router id does not come from the node IP: \`CALICO_ROUTER_ID\` is set to the same value on both${id !== undefined ? ` (${id})` : ''}.`;
      } else {
        why = `Both ends announce the same router id${id !== undefined ? ` (${id})` : ''}.`;
      }
      const evidence = list.flatMap((s) => s.evidence);
      findings.push({
        key,
        title: `${names[0]} and ${names[1]} use the same BGP router id${id !== undefined ? ` ${id}` : ''}: their session is rejected (Bad BGP identifier)`,
        message: `${said.join('; ')}. ${why} The session never reaches Established, so no routes flow between the two nodes. Evidence: ${[...new Set(list.map((s) => (s.via === 'log' ? 'BIRD log' : 'node status attachment')))].join(' and ')}.`,
        nodes: names.filter((nm) => nodes.some((n) => n.name === nm)),
        evidence,
        pairs: [names],
        fix: [
          x?.nodeIP !== undefined && x.nodeIP === y?.nodeIP
            ? `${names[0]} and ${names[1]} share node IP ${x.nodeIP}: fix the IP autodetection (\`IP_AUTODETECTION_METHOD\`) so each gets its own address, then restart calico-node on both (${restartCalicoNode(names)}); \`calicoctl get node -o wide\` must list two addresses.`
            : `Give ${names[0]} and ${names[1]} distinct router ids: \`kubectl set env daemonset/calico-node -n calico-system CALICO_ROUTER_ID=hash\` ${NAMESPACE_NOTE} derives each id from the node name (or give each node its own value), then restart calico-node on both (${restartCalicoNode(names)}).`,
          `Confirm with \`calicoctl node status\` on ${names[0]} and ${names[1]}: the session must reach \`Established\`.`,
        ],
      });
    }
    // Without the announced id in the log line, the rendered bird.cfg shows which id each node uses.
    const undecoded = findings.filter((f) => !/router id \d/.test(f.title)).flatMap((f) => f.nodes);
    const collect = undecoded.length > 0 ? [{ command: 'kubectl exec -n calico-system <calico-node-pod> -- grep "router id" /etc/calico/confd/config/bird.cfg', why: 'shows the router id each node announces (CALICO_ROUTER_ID or the node IP)', nodes: [...new Set(undecoded)].sort() }] : undefined;
    return { status: 'found', findings, collect };
  },
};
