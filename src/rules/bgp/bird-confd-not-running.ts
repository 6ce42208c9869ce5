/**
 * Catalogue A11: BIRD or confd is down, or BIRD has no configuration, on a node that should
 * run BGP (its peers have a BIRD protocol for it, or it owns `proto bird` blocks).
 */
import { calicoNodeExec, calicoNodeLogs, NAMESPACE_NOTE } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import { fileEvidence, lineEvidence } from '../../combiners/evidence.js';
import { birdPeerIPs } from '../../combiners/node-identity.js';
import { listens179 } from '../../combiners/bgp-pairs.js';
import { bgpNotInUse } from '../../combiners/bgp-in-use.js';

const CONFD_SIGNATURES = ['bgp-query-failed', 'checkcmd-error'] as const;

const GENERIC = [
  'If confd cannot reach the datastore (errors in its log), fix connectivity/RBAC to the Kubernetes API or etcd, then restart calico-node.',
  'If BIRD reports `Unable to open configuration file` or a config error, look at the confd log for why bird.cfg was not rendered; restart calico-node after fixing.',
  'If the cluster is meant to be VXLAN-only, set the networking backend to vxlan (`calico_backend: vxlan` / operator `bgp: Disabled`) so BIRD is not expected, instead of "fixing" BIRD.',
];

export const birdConfdNotRunning: Rule = {
  meta: {
    id: 'bird-confd-not-running',
    severity: 'critical',
    summary: 'BIRD or confd is not running, or BIRD has no configuration, on a node that should run BGP.',
    rationale:
      'confd renders /etc/calico/confd/config/bird.cfg from the datastore and BIRD serves the node\'s BGP sessions. If confd cannot reach the datastore or its config is rejected, or BIRD cannot open its config, crashed, or another BIRD holds the socket, the node has no BGP: nothing listens on TCP 179, its peers see `Connection refused`, and no routes to or from the node are exchanged. This is expected only when the networking backend is VXLAN-only or BGP is disabled; here the node\'s peers do expect BGP from it.',
    remediation: [
      'Check calico-node on that node: `kubectl -n calico-system logs <calico-node-pod> -c calico-node | grep -iE "bird|confd"` and `kubectl exec ... -- birdcl -s /var/run/calico/bird.ctl show status`.',
      ...GENERIC,
    ],
    explains: ['block-route-missing', 'bgp-peer-refused-or-unreachable', 'dns-resolution-failure', 'nat-outgoing-disabled'],
    collect: [
      { command: 'calicoctl node status', why: 'BGP session state and last error per peer (Established, Connect, Active Socket: Connection refused), which the bundle does not hold' },
      { command: 'kubectl -n calico-system logs <calico-node-pod> -c calico-node', why: 'BIRD, confd and Felix lines when file logging is disabled (CALICO_DISABLE_FILE_LOGGING) and logs/ holds only cni/' },
    ],
  },
  check(ctx) {
    const off = bgpNotInUse(ctx.cluster, ctx.derived);
    if (off !== undefined) return { status: 'passed', reason: off };
    const { cluster } = ctx;
    const nodes = cluster.nodes;
    if (nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const peerNamed = new Set<string>();
    for (const n of nodes) for (const p of birdPeerIPs(n)) peerNamed.add(p.ip);
    const findings: FindingDraft[] = [];
    let checked = 0;
    for (const n of nodes) {
      const birdBlocks = n.routes4.some((r) => r.type === 'blackhole' && r.proto === 'bird');
      const shouldRunBgp = (n.nodeIP !== undefined && peerNamed.has(n.nodeIP)) || birdBlocks || n.bird !== undefined;
      if (!shouldRunBgp) continue;
      checked++;
      const reasons: string[] = [];
      const evidence: Evidence[] = [];
      const birdLogs = [n.bird, n.containerBird].filter((s) => s !== undefined);
      for (const s of birdLogs) {
        const bad = s!.events.filter((e) => e.kind === 'config-missing' || e.kind === 'config-error' || e.kind === 'another-bird' || e.kind === 'startup-error');
        if (bad.length === 0) continue;
        const lastBad = bad[bad.length - 1]!;
        // A later successful start or reconfiguration means BIRD recovered.
        const recovered = s!.events.some((e) => (e.kind === 'started' || e.kind === 'reconfigured') && e.file === lastBad.file && e.line > lastBad.line);
        if (recovered) continue;
        reasons.push(
          lastBad.kind === 'config-missing'
            ? 'BIRD cannot open its configuration (confd never rendered bird.cfg)'
            : lastBad.kind === 'another-bird'
              ? 'another BIRD is already running and holds the control socket'
              : lastBad.kind === 'startup-error'
                ? `BIRD cannot start (${lastBad.detail ?? lastBad.text})`
              : `BIRD rejected its configuration (${lastBad.detail ?? lastBad.text})`,
        );
        for (const e of bad.slice(-3)) evidence.push(lineEvidence(n, e.file, e));
      }
      for (const s of [n.confd, n.containerLog]) {
        for (const sig of CONFD_SIGNATURES) {
          const hit = s?.signatures[sig];
          if (hit === undefined || hit.count === 0) continue;
          reasons.push(sig === 'bgp-query-failed' ? `confd cannot query BGP settings from the datastore (${hit.count} times)` : `confd's generated BIRD config fails BIRD's check (${hit.count} times)`);
          for (const r of hit.refs.slice(0, 2)) evidence.push(lineEvidence(n, r.file, r));
        }
      }
      if (n.sockets !== undefined && listens179(n) === undefined) {
        reasons.push(`nothing listens on TCP 179 (${n.sockets.source} shows no :179 LISTEN socket)`);
        evidence.push(fileEvidence(n, n.sockets.source === 'ss' ? 'ss' : 'netstat', `no socket in LISTEN on port 179 among ${n.sockets.tcpRows} TCP sockets`));
      }
      // confd's datastore errors explain why bird.cfg is missing, but alone (transient) prove nothing.
      const ds = n.confd?.signatures['datastore-error'];
      if (reasons.length > 0 && ds !== undefined && ds.count > 0) {
        reasons.push(`confd cannot reach the datastore (${ds.count} errors)`);
        for (const r of ds.refs.slice(0, 2)) evidence.push(lineEvidence(n, r.file, r));
      }
      if (n.bird === undefined && n.containerBird === undefined && !n.layout.fileLoggingDisabled && n.felix !== undefined && peerNamed.has(n.nodeIP ?? '')) {
        reasons.push('logs/ has felix but no bird folder: the BIRD service is not enabled on this node');
        evidence.push(fileEvidence(n, 'bird_log', 'absent while logs/felix/ is present'));
      }
      if (reasons.length === 0) continue;
      // "nothing listens" alone is weaker: only report it with a second signal or when peers expect BGP.
      if (reasons.length === 1 && reasons[0]!.startsWith('nothing listens') && !peerNamed.has(n.nodeIP ?? '')) continue;
      findings.push({
        key: n.name,
        title: `BIRD is not serving BGP on ${n.name}`,
        message: `${n.name} should run BGP (${n.nodeIP !== undefined && peerNamed.has(n.nodeIP) ? `other nodes have BIRD protocols for ${n.nodeIP}` : 'it owns proto bird blocks'}), but ${reasons.join('; ')}.`,
        nodes: [n.name],
        evidence,
        fix: [`Check calico-node on ${n.name}: ${calicoNodeLogs(n.name, { grep: 'bird|confd' })} and ${calicoNodeExec(n.name, 'birdcl -s /var/run/calico/bird.ctl show status')} ${NAMESPACE_NOTE}.`, ...GENERIC],
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (checked === 0) return { status: 'skipped', reason: 'no node is expected to run BGP (no BIRD protocols, no proto bird routes)' };
    return { status: 'passed', reason: `BIRD and confd show no failure on ${checked} BGP nodes` };
  },
};
