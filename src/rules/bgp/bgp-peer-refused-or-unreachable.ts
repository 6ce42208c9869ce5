/**
 * Catalogue A2 / T2: the peer answers a BGP connection with a TCP RST (nothing listening on
 * 179, or `REJECT --reject-with tcp-reset`) or with ICMP unreachable (firewalld's
 * `icmp-host-prohibited`, no route to the peer).
 */
import { restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { BgpSide } from '../../model/derived.js';
import { blockingRules } from '../../combiners/port-filters.js';
import { artifactFile, fileEvidence, lineEvidence } from '../../combiners/evidence.js';
import { protocolsTo } from '../../combiners/bgp-pairs.js';

const REFUSED = /Connection refused|No route to host|Host is unreachable|Network is unreachable|Connection reset/;

interface Hit {
  from: BgpSide;
  reasons: string[];
  evidence: Evidence[];
}

/** Steps for one target: bring its listener back or lift its REJECT (with the peers' addresses), then the test from a peer. */
function refusedSteps(target: NodeModel, from: NodeModel[], noListener: boolean, reject: string | undefined): string[] {
  const steps: string[] = [];
  if (noListener) steps.push(`Nothing listens on ${target.name}'s TCP 179: bring calico-node/BIRD back there (${restartCalicoNode([target.name])}; see the bird-confd-not-running finding if present) and check BGPConfiguration \`bindMode\`/\`listenPort\`; \`ss -tlnp 'sport = :179'\` on ${target.name} must show bird.`);
  if (reject !== undefined) {
    const ips = from.map((n) => n.nodeIP).filter((ip): ip is string => ip !== undefined);
    steps.push(`On ${target.name}, lift the REJECT (\`${reject}\`): ${ips.length > 0 ? ips.map((ip) => `\`iptables -I INPUT -p tcp --dport 179 -s ${ip} -j ACCEPT\``).join(', ') : 'insert an ACCEPT for TCP 179 from the other nodes before it'}, or disable firewalld as Calico's requirements advise.`);
  }
  if (steps.length === 0) steps.push(UNREACHABLE);
  const f = from[0]!;
  steps.push(target.nodeIP !== undefined ? `Test from ${f.name}: \`nc -zv ${target.nodeIP} 179\` must connect.` : `Test from ${f.name} with \`nc -zv\` to ${target.name}'s node IP (not in the bundle: \`calicoctl get node ${target.name} -o wide\`) on port 179.`);
  return steps;
}

const UNREACHABLE = 'If the error is `No route to host`/`Host is unreachable`: check the underlay route and ARP to the peer IP, and that the node IP is the address the peers can reach.';

export const bgpPeerRefusedOrUnreachable: Rule = {
  meta: {
    id: 'bgp-peer-refused-or-unreachable',
    severity: 'critical',
    summary: 'A BGP peer refuses the connection or is unreachable: nothing listens on its TCP 179, a firewall rejects it, or there is no route to it.',
    rationale:
      'When BIRD on the peer is not running (or listens on another address), the kernel answers the SYN with a RST and the connecting side shows `Active Socket: Connection refused`; a firewall REJECT rule does the same (tcp-reset) or answers with ICMP unreachable (`No route to host`, `Host is unreachable`). At the default BGP log level BIRD logs only `State changed to start`; the reason is in netstat/ss on the peer (no `:179 LISTEN`), in its iptables (a REJECT rule with counters), or in BIRD debug lines (`Connection lost (Connection refused)`).',
    remediation: [
      'If nothing listens on the peer\'s TCP 179: bring calico-node/BIRD back on the peer (see the bird-confd-not-running finding if present) and check BGPConfiguration `bindMode`/`listenPort`.',
      'If the peer\'s firewall rejects TCP 179 (REJECT rule, firewalld): allow TCP 179 from the other nodes or disable firewalld as Calico\'s requirements advise.',
      UNREACHABLE,
    ],
    explains: ['block-route-missing', 'dns-resolution-failure'],
    collect: [
      { command: 'calicoctl node status', why: 'BGP session state and last error per peer (Established, Connect, Active Socket: Connection refused), which the bundle does not hold' },
      { command: 'ss -tanp \'( sport = :179 or dport = :179 )\'', why: 'TCP 179 socket states (LISTEN, SYN_SENT, ESTABLISHED) when netstat is not in the bundle (cluster diags)' },
    ],
  },
  check({ cluster, derived }) {
    const pairs = derived.bgp.pairs;
    if (pairs.length === 0) return { status: 'skipped', reason: 'no BGP pair could be built (node IPs or BIRD logs missing)' };
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const byTarget = new Map<string, Hit[]>();
    for (const pair of pairs) {
      if (pair.status === 'up') continue;
      for (const [x, y] of [[pair.a, pair.b], [pair.b, pair.a]] as const) {
        const target = byName.get(y.node) as NodeModel;
        const from = byName.get(x.node) as NodeModel;
        if (x.lastState === 'up' || x.protocol === undefined) continue;
        const reasons: string[] = [];
        const evidence: Evidence[] = [...x.evidence];
        const proto = protocolsTo(from, target.nodeIP ? [target.nodeIP] : [])[0]?.proto;
        const refusedErr = proto?.errors.filter((e) => REFUSED.test(e.detail ?? '') || REFUSED.test(e.text)) ?? [];
        if (refusedErr.length > 0) {
          const m = REFUSED.exec(refusedErr[refusedErr.length - 1]!.text);
          reasons.push(`${x.node}'s BIRD logged "${m?.[0] ?? 'refused'}" for ${x.protocol}`);
          for (const e of refusedErr.slice(-2)) if (!evidence.some((v) => v.line === e.line && v.file === e.file)) evidence.push(lineEvidence(from, e.file, e));
        }
        if (y.listens179 === false) {
          reasons.push(`nothing listens on ${target.nodeIP ?? y.node}:179 (${target.sockets?.source ?? 'netstat'} on ${y.node} has no :179 LISTEN socket)`);
          evidence.push(fileEvidence(target, target.sockets?.source === 'ss' ? 'ss' : 'netstat', `no socket in LISTEN on port 179 among ${target.sockets?.tcpRows ?? 0} TCP sockets`));
        }
        const rejects = blockingRules(target, 179).filter((r) => r.target === 'REJECT');
        if (rejects.length > 0) {
          reasons.push(`${y.node}'s iptables rejects TCP 179 (\`${rejects[0]!.text.trim()}\`)`);
          for (const r of rejects) evidence.push(lineEvidence(target, artifactFile(target, 'ipv4_tables'), r));
        }
        if (reasons.length === 0) continue;
        byTarget.set(y.node, [...(byTarget.get(y.node) ?? []), { from: x, reasons, evidence }]);
      }
    }
    if (byTarget.size === 0) return { status: 'passed', reason: `no peer refuses or is unreachable (${pairs.length} pairs checked)` };
    const findings: FindingDraft[] = [];
    for (const [targetName, hits] of [...byTarget].sort((p, q) => (p[0] < q[0] ? -1 : 1))) {
      const target = byName.get(targetName) as NodeModel;
      const from = [...new Set(hits.map((h) => h.from.node))].sort();
      const reasons = [...new Set(hits.flatMap((h) => h.reasons))];
      const evidence: Evidence[] = [];
      for (const h of hits) for (const e of h.evidence) if (!evidence.some((v) => v.node === e.node && v.file === e.file && v.line === e.line && v.text === e.text)) evidence.push(e);
      findings.push({
        key: targetName,
        title: `BGP to ${targetName} (${target.nodeIP ?? 'node IP unknown'}) is refused or unreachable from ${from.join(', ')}`,
        message: `The session${from.length > 1 ? 's' : ''} from ${from.join(', ')} to ${targetName} never came up: ${reasons.join('; ')}.`,
        nodes: [targetName, ...from],
        evidence,
        pairs: from.map((f) => [f, targetName] as [string, string]),
        fix: refusedSteps(target, from.map((f) => byName.get(f)!), hits.some((h) => h.reasons.some((r) => r.startsWith('nothing listens'))), blockingRules(target, 179).filter((r) => r.target === 'REJECT')[0]?.text.trim()),
      });
    }
    return { status: 'found', findings };
  },
};
