/**
 * Catalogue A6 / T2 + T7: a BGP session that keeps coming up and going down. BIRD logs
 * `State changed to up` and then `stop`/`down`/`start` again for the same protocol, usually with
 * `Error: Hold timer expired` on the side whose timer fired and `Received: Hold timer expired` on
 * the other. Counted per pair from both ends (BIRD summaries `downsAfterUp`, `stateChanges`, the
 * error events with their svlogd stamps), and from node status when attached.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { BirdEvent, BirdProtocolSummary } from '../../model/facts.js';
import { attachedEvidence, attachedPeers, bgpProtocols, birdEvidence, birdLogOf, humanSeconds, stampMs } from '../../combiners/bgp-peer-status.js';
import { bgpNotInUse } from '../../combiners/bgp-in-use.js';

/** A session that went down at least this often after being up flaps; one hold-timer expiry plus one drop also counts. */
const MIN_DOWNS = 2;

interface SideFlaps {
  node: NodeModel;
  proto: BirdProtocolSummary;
  file: string;
  downs: number;
  holdSent: BirdEvent[];
  holdReceived: BirdEvent[];
  /** Drop-related error events (any NOTIFICATION or socket error), with stamps. */
  drops: BirdEvent[];
  restarts: number;
}

const HOLD = /Hold timer expired/i;

function sideFlaps(node: NodeModel): SideFlaps[] {
  const log = birdLogOf(node);
  if (log === undefined) return [];
  const restarts = log.summary.events.filter((e) => e.kind === 'started').length;
  const out: SideFlaps[] = [];
  for (const p of bgpProtocols(log.summary)) {
    if (p.peerIP === undefined) continue;
    const holdSent = p.errors.filter((e) => e.kind === 'error-sent' && HOLD.test(e.detail ?? e.text));
    const holdReceived = p.errors.filter((e) => e.kind === 'error-received' && HOLD.test(e.detail ?? e.text));
    out.push({ node, proto: p, file: log.file, downs: p.downsAfterUp, holdSent, holdReceived, drops: p.errors, restarts });
  }
  return out;
}

function times(events: BirdEvent[]): number[] {
  return events.map((e) => stampMs(e.time)).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
}

function hhmmss(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

const TIMERS = 'Do not run sub-second or 3 s hold timers on lossy links; Calico\'s defaults (BIRD hold time 240 s, keepalive 80 s) ride out short loss. If a BGPPeer or BGPConfiguration sets shorter timers, raise them.';

/** Steps for one flapping pair: watch the path from one end to the other's address, then CPU and restarts of both, then timers. */
function flapSteps(from: NodeModel | undefined, peerIP: string | undefined, names: [string, string]): string[] {
  const at = from?.name ?? names[0];
  const other = names.find((n) => n !== at) ?? names[1];
  const nic = from?.nodeIPInterface ?? 'any';
  const watch = peerIP !== undefined
    ? `On ${at}, watch the path to ${other} while the session drops: \`ping -c 1000 -i 0.2 ${peerIP}\` (loss) and \`tcpdump -ni ${nic} tcp port 179 and host ${peerIP}\`; check NIC errors (\`ip -s link${nic !== 'any' ? ` show ${nic}` : ''}\`), conntrack (\`conntrack -S\`) and any firewall rule that touches TCP 179.`
    : `On ${at}, watch the path to ${other} while the session drops (${other}'s address is not in the bundle: \`calicoctl get node ${other} -o wide\` gives it): \`ping -c 1000 -i 0.2\` to it and \`tcpdump -ni ${nic} tcp port 179\`; check NIC errors (\`ip -s link\`) and conntrack (\`conntrack -S\`).`;
  return [
    watch,
    `Check that calico-node on ${names[0]} and ${names[1]} gets enough CPU (\`kubectl top pod -A -l k8s-app=calico-node\`, no CPU throttling) and is not restarting (\`kubectl get pod -A -l k8s-app=calico-node -o wide\`: RESTARTS on those nodes; \`Started\` lines in bird/current).`,
    TIMERS,
  ];
}

export const bgpHoldTimerFlapping: Rule = {
  meta: {
    id: 'bgp-hold-timer-flapping',
    severity: 'warning',
    summary: 'A BGP session keeps going down and coming back (hold timer expiries, repeated `State changed to up` then `start`/`down`): routes over it are withdrawn and re-added each time.',
    rationale:
      'Each time a session drops, BIRD withdraws every route learned over it and pods on the two nodes cannot reach each other until the session is up again and the routes are re-announced. The hold timer expires (`<proto>: Error: Hold timer expired` on the side whose timer fired, `Received: Hold timer expired` on the other) when KEEPALIVEs are lost or not processed in time: underlay loss or congestion, a firewall that intermittently drops TCP 179, a starved or hung BIRD, aggressive timers (1 s/3 s), or an overloaded route reflector/ToR. The same drop on both ends within seconds proves the session itself died; one peer common to every flapping session points at that peer, all sessions of one node flapping points at that node (CPU, NIC, conntrack).',
    remediation: [
      'Find the loss on the path between the two nodes: `ping -c 1000 -i 0.2 <peer-ip>` and `tcpdump -ni <nic> tcp port 179` while the session drops; check NIC errors (`ip -s link`), conntrack (`conntrack -S`), and any firewall rule that touches TCP 179.',
      'Check that calico-node gets enough CPU (no throttling in `kubectl top pod -n calico-system`/`kube-system`) and that BIRD is not restarting (`Started` lines in bird/current, restarts in `kubectl describe pod calico-node-…`).',
      TIMERS,
    ],
    explains: ['block-route-missing', 'bgp-peer-refused-or-unreachable', 'bgp-port179-blocked'],
    collect: [
      { command: 'calicoctl node status', why: 'shows each session\'s state and SINCE (a SINCE that keeps moving means the session flaps) on every node' },
      { command: 'birdcl -s /var/run/calico/bird.ctl show protocols all', why: 'shows per session the last error (Hold timer expired), hold/keepalive timers and uptime' },
    ],
  },
  check(ctx) {
    const off = bgpNotInUse(ctx.cluster, ctx.derived);
    if (off !== undefined) return { status: 'passed', reason: off };
    const { cluster } = ctx;
    const nodes = cluster.nodes;
    const byIP = new Map<string, NodeModel>();
    for (const n of nodes) if (n.nodeIP !== undefined) byIP.set(n.nodeIP, n);
    const perSide = nodes.flatMap(sideFlaps);
    // Node status: INFO that still shows the last hold-timer error (e.g. `Active  Received: Hold timer expired`).
    const attachedHold = nodes.flatMap((n) => attachedPeers(n).filter((p) => HOLD.test(p.row.info ?? '')).map((p) => ({ node: n, p })));
    const logs = nodes.filter((n) => birdLogOf(n) !== undefined).length;
    const attached = nodes.filter((n) => attachedPeers(n).length > 0).length;
    if (logs === 0 && attached === 0) {
      return { status: 'skipped', reason: `no BIRD log and no node status attachment on any of ${nodes.length} nodes: session history unknown` };
    }
    // One entry per pair (sorted names, or node + peer IP when the peer sent no bundle).
    interface PairFlaps { key: string; names: [string, string]; sides: SideFlaps[]; attached: typeof attachedHold }
    const pairs = new Map<string, PairFlaps>();
    const pairOf = (n: NodeModel, ip: string): PairFlaps => {
      const peerName = byIP.get(ip)?.name ?? ip;
      const names = [n.name, peerName].sort() as [string, string];
      const key = names.join('<->');
      const p = pairs.get(key) ?? { key, names, sides: [], attached: [] };
      pairs.set(key, p);
      return p;
    };
    for (const s of perSide) pairOf(s.node, s.proto.peerIP!).sides.push(s);
    for (const h of attachedHold) if (h.p.ip !== undefined) pairOf(h.node, h.p.ip).attached.push(h);
    const flapping: PairFlaps[] = [];
    for (const p of pairs.values()) {
      const downs = Math.max(0, ...p.sides.map((s) => s.downs));
      const hold = p.sides.reduce((n, s) => n + s.holdSent.length + s.holdReceived.length, 0) + p.attached.length;
      if (downs >= MIN_DOWNS || (hold > 0 && downs >= 1)) flapping.push(p);
    }
    const checked = pairs.size;
    if (flapping.length === 0) {
      return { status: 'passed', reason: `no BGP session went down after being up ${MIN_DOWNS} times or with a hold timer expiry (${checked} sessions in ${logs} BIRD logs${attached > 0 ? ` and ${attached} node status attachments` : ''})` };
    }
    // Sessions per node, to name a common peer / a node all of whose sessions flap.
    const flapsPerNode = new Map<string, number>();
    for (const p of flapping) for (const n of p.names) flapsPerNode.set(n, (flapsPerNode.get(n) ?? 0) + 1);
    const sessionsPerNode = new Map<string, number>();
    for (const p of pairs.values()) for (const n of p.names) sessionsPerNode.set(n, (sessionsPerNode.get(n) ?? 0) + 1);
    const findings: FindingDraft[] = [];
    for (const p of flapping.sort((a, b) => (a.key < b.key ? -1 : 1))) {
      const parts: string[] = [];
      const evidence: Evidence[] = [];
      for (const s of p.sides.sort((a, b) => (a.node.name < b.node.name ? -1 : 1))) {
        if (s.downs === 0 && s.holdSent.length + s.holdReceived.length === 0) continue;
        const dropTimes = times(s.drops);
        const hold: string[] = [];
        if (s.holdSent.length > 0) hold.push(`its hold timer expired ${s.holdSent.length}×`);
        if (s.holdReceived.length > 0) hold.push(`the peer's expired ${s.holdReceived.length}× (\`Received: Hold timer expired\`)`);
        let when = '';
        if (dropTimes.length >= 2) {
          const span = (dropTimes[dropTimes.length - 1]! - dropTimes[0]!) / 1000;
          const every = dropTimes.length === 2 ? `${humanSeconds(span)} apart` : `every ${humanSeconds(span / (dropTimes.length - 1))} on average`;
          when = ` between ${hhmmss(dropTimes[0]!)} and ${hhmmss(dropTimes[dropTimes.length - 1]!)} UTC (${every})`;
        } else if (dropTimes.length === 1) when = ` at ${hhmmss(dropTimes[0]!)} UTC`;
        parts.push(`${s.node.name}'s ${s.proto.name} went down ${s.downs}× after being up (${s.proto.stateChanges} state changes${hold.length > 0 ? `; ${hold.join(', ')}` : ''})${when}, now \`${s.proto.lastState ?? '?'}\`${s.restarts > 1 ? `; BIRD on ${s.node.name} started ${s.restarts}× in this log, so some drops may be its own restarts` : ''}`);
        // Most telling first: the hold-timer lines, then other drop errors, then the last state.
        for (const e of [...s.holdSent, ...s.holdReceived].slice(-3)) evidence.push(birdEvidence(s.node, e));
        for (const e of s.drops.filter((d) => !HOLD.test(d.detail ?? d.text)).slice(-2)) evidence.push(birdEvidence(s.node, e));
      }
      for (const s of p.sides) if (s.proto.lastStateRef !== undefined) evidence.push(birdEvidence(s.node, s.proto.lastStateRef));
      for (const h of p.attached) {
        parts.push(`${h.node.name}'s node status still shows \`${(h.p.row.info ?? '').trim()}\` for ${h.p.ip}`);
        evidence.unshift(attachedEvidence(h.node, h.p.row));
      }
      const bothEnds = p.sides.filter((s) => s.downs > 0).length === 2;
      // Same drop on both ends within a few seconds proves the session itself died (clock offsets aside).
      let together = '';
      if (bothEnds) {
        const [x, y] = p.sides.map((s) => times(s.drops));
        const close = (x ?? []).filter((t) => (y ?? []).some((u) => Math.abs(t - u) <= 10_000)).length;
        together = close > 0 ? ` Both ends logged ${close} of these drops within 10 s of each other, so the session itself died (not one side's view).` : ' Both ends logged drops.';
      }
      const common = p.names.filter((n) => (flapsPerNode.get(n) ?? 0) >= 2 && flapsPerNode.get(n) === sessionsPerNode.get(n));
      const hint = common.length === 1 ? ` Every session of ${common[0]} flaps (${flapsPerNode.get(common[0]!)}): look at that node first (CPU, NIC, conntrack, its firewall).` : '';
      const peerNames = p.names;
      findings.push({
        key: p.key,
        title: `BGP session ${peerNames[0]} <-> ${peerNames[1]} flaps (${Math.max(0, ...p.sides.map((s) => s.downs))} drops after being up)`,
        message: `${parts.join('; ')}.${together}${hint} Each drop withdraws the routes between the two nodes until the session is back.`,
        nodes: peerNames.filter((n) => nodes.some((m) => m.name === n)),
        evidence,
        pairs: [peerNames],
        fix: flapSteps(p.sides[0]?.node, p.sides[0]?.proto.peerIP ?? nodes.find((n) => n.name === peerNames.find((x) => x !== p.sides[0]?.node.name))?.nodeIP, peerNames),
      });
    }
    return { status: 'found', findings };
  },
};
