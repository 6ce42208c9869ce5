/**
 * Catalogue G3: calico-node crashloops or is down on a node: fatal lines at the end of its logs,
 * Felix restarting again and again (new PIDs), `Calico node failed to start`, startup `Terminating`,
 * and, when `kubectl describe pod` was attached, restarts and liveness/readiness failures.
 */
import { calicoNodeLogs, NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';
import { describeCalicoNode, k8sName, machineOf } from './fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { CollectHint, Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { calicoLogs, logTimeMs, ONGOING_WINDOW_MS, sourceName, when, type LogRecord, type LogSource } from '../../combiners/calico-health.js';
import { lineEvidence } from '../../combiners/evidence.js';

/** Felix restarts itself when its configuration changes (once at start-up is normal). */
const BENIGN_SHUTDOWN = ['config changed', 'Received OS signal'];

interface Fatal {
  source: LogSource;
  rec: LogRecord;
  /** The log's last record time (to tell "ended with" from "once, long ago"). */
  end?: number;
}

function fatals(n: NodeModel): Fatal[] {
  const out: Fatal[] = [];
  const seen = new Set<string>();
  for (const [source, s] of calicoLogs(n)) {
    if (source === 'cni') continue; // a failed CNI ADD is the CNI rule's business
    const end = logTimeMs(s.lastTime);
    const add = (rec: LogRecord) => {
      const k = `${rec.file}\u0000${rec.line}`;
      if (seen.has(k)) return;
      seen.add(k);
      out.push({ source, rec, end });
    };
    for (const r of s.notable) if (r.level === 'FATAL' || r.level === 'PANIC') add(r);
    for (const name of ['node-failed', 'terminating', 'mtu-detect-failed']) {
      const sig = s.signatures[name];
      if (sig === undefined || sig.count === 0) continue;
      for (const r of sig.refs) add(r);
      if (sig.last !== undefined) add(sig.last);
    }
    const shut = s.signatures['felix-shutdown'];
    for (const r of [...(shut?.refs ?? []), ...(shut?.last !== undefined ? [shut.last] : [])]) {
      if (BENIGN_SHUTDOWN.some((b) => r.message.includes(b))) continue;
      add(r);
    }
  }
  return out.sort((a, b) => (logTimeMs(a.rec.time) ?? 0) - (logTimeMs(b.rec.time) ?? 0));
}

/** `k8s_calico-node_<pod>_<ns>_<uid>_<restart>.log` → restart counter of the container instance. */
function containerRestarts(n: NodeModel): { file: string; restarts: number } | undefined {
  let best: { file: string; restarts: number } | undefined;
  for (const f of n.artifacts.container_logs.files) {
    const m = /k8s_calico-node_[^/]*_(\d+)\.log$/.exec(f);
    if (m === null) continue;
    const r = Number(m[1]);
    if (best === undefined || r > best.restarts) best = { file: f, restarts: r };
  }
  return best;
}

const CAUSES = 'datastore or Typha reachability, node IP autodetection, MTU, iptables/ipset tools';

/**
 * Steps for one node: the fatal line (or the reasons) first, then what the bundle lacks (the pod's
 * events and the crashed container's output, by the attached pod name when there is one), then restart and check.
 */
function fixSteps(node: string, fatal: string | undefined, podName: string | undefined): string[] {
  const host = machineOf(node);
  const prev = podName !== undefined ? `\`kubectl logs -n calico-system ${podName} -c calico-node --previous\`` : calicoNodeLogs(host, { previous: true });
  return [
    fatal !== undefined
      ? `Start from the fatal line on ${node}: \`${fatal}\`; fix that cause first (${CAUSES}).`
      : `Read the restarts and failing checks the finding lists for ${node}; fix their cause first (${CAUSES}).`,
    podName !== undefined
      ? `Collect what the bundle cannot show: ${prev} (the crashed container's output; the attached \`kubectl describe pod ${podName}\` already gives the events and restart count), and the init containers' logs when the pod is in Init:CrashLoopBackOff ${NAMESPACE_NOTE}.`
      : `Collect what the bundle cannot show: ${describeCalicoNode(host)} (events, restart count) and ${prev} (the crashed container's output), and the init containers' logs when the pod is in Init:CrashLoopBackOff ${NAMESPACE_NOTE}.`,
    `After the fix, restart calico-node on ${host} so the DaemonSet recreates it (${restartCalicoNode([host])}) and check \`calicoctl node status\` there: \`Calico process is running.\` and its BGP sessions Established.`,
  ];
}

const PROBE_FAILS = ['Felix is not live', 'felix is not ready', 'bird/confd is not live', 'is not live:', 'Liveness probe failed', 'Back-off restarting failed container'];

export const calicoNodeNotRunning: Rule = {
  meta: {
    id: 'calico-node-not-running',
    severity: 'critical',
    summary: 'calico-node is crashlooping or down on a node: its logs end in fatal errors, Felix keeps restarting, or the pod fails its liveness checks.',
    rationale:
      'calico-node runs startup, Felix, confd and BIRD; when it crashloops or is absent, the node\'s pods keep their old (or no) routes and policy, new pods stay in ContainerCreating, and BGP peers see the node disappear. Catalogue G3: the logs end with `[FATAL]`/`[PANIC]`, startup\'s `Terminating` or `Calico node failed to start`; Felix restarts show as new PIDs in its log (once at start-up for a config change is normal); `kubectl describe pod` shows restarts, `Back-off restarting failed container` and `calico/node is not ready: Felix is not live: …`. The fatal line says why: address autodetection, a duplicate node IP, the datastore or Typha, MTU detection.',
    remediation: [
      'Read the last fatal line in the finding; fix that cause first (datastore or Typha reachability, node IP autodetection, MTU, iptables/ipset tools).',
      'Collect what the bundle cannot show: `kubectl describe pod -n calico-system <calico-node-pod>` (events, restart count) and `kubectl logs -n calico-system <calico-node-pod> -c calico-node --previous` (the crashed container\'s output), and the init containers\' logs when the pod is in Init:CrashLoopBackOff.',
      'After the fix, delete the pod so the DaemonSet recreates it, and check `calicoctl node status` on the node.',
    ],
    explains: ['bird-confd-not-running', 'cni-plugin-cannot-reach-calico', 'bgp-peer-refused-or-unreachable', 'block-route-missing', 'nat-outgoing-disabled'],
    collect: [
      { command: 'kubectl describe pod -n calico-system <calico-node-pod>', why: 'restart count, Back-off and liveness/readiness events of calico-node' },
      { command: 'kubectl logs -n calico-system <calico-node-pod> -c calico-node --previous', why: 'the output of the crashed calico-node container (startup runs only there)' },
    ],
  },
  check({ cluster }) {
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const findings: FindingDraft[] = [];
    let checked = 0;
    const noData: string[] = [];
    for (const n of cluster.nodes) {
      const logs = calicoLogs(n).filter(([s]) => s !== 'cni');
      if (logs.length === 0) noData.push(n.name);
      const pod = n.attachments?.podDescription;
      const status = n.attachments?.nodeStatus;
      if (logs.length === 0 && pod === undefined && status === undefined) continue;
      checked++;
      const reasons: string[] = [];
      const evidence: Evidence[] = [];
      let strong = false;
      const fs = fatals(n);
      const lastFatal = fs[fs.length - 1];
      const endedWithFatal = lastFatal !== undefined && (lastFatal.end === undefined || lastFatal.end - (logTimeMs(lastFatal.rec.time) ?? 0) <= ONGOING_WINDOW_MS);
      const felixPids = n.felix?.pids.length ?? 0;
      const felixRestarts = Math.max(0, felixPids - 1);
      const cr = containerRestarts(n);
      const podRestarts = pod?.restartCount ?? 0;
      if (endedWithFatal) {
        strong = true;
        reasons.push(`its ${sourceName(lastFatal.source)} log ends with a fatal error at ${when(lastFatal)}: \`${lastFatal.rec.message.slice(0, 200)}\`${fs.length > 1 ? ` (${fs.length} fatal or shutdown lines, first at ${when(fs[0]!)})` : ''}`);
        evidence.push(lineEvidence(n, lastFatal.rec.file, lastFatal.rec));
        for (const f of fs.slice(0, -1).slice(-3)) evidence.push(lineEvidence(n, f.rec.file, f.rec));
      }
      if (felixRestarts >= 3 && (fs.length > 0 || felixRestarts >= 5)) {
        strong = true;
        reasons.push(`Felix restarted ${felixRestarts} times in its log (${felixPids} PIDs: ${n.felix!.pids.slice(0, 6).join(', ')}${felixPids > 6 ? ', …' : ''}) between ${n.felix!.firstTime ?? '?'} and ${n.felix!.lastTime ?? '?'}`);
        if (!endedWithFatal) for (const f of fs.slice(-3)) evidence.push(lineEvidence(n, f.rec.file, f.rec));
      }
      // `calicoctl node run` keeps one container across restarts: its docker log holds one start-up banner per run.
      const banners = n.containerLog?.signatures['node-started'];
      if (banners !== undefined && banners.count >= 3) {
        strong = true;
        const lastBanner = banners.last ?? banners.refs[banners.refs.length - 1]!;
        reasons.push(`the calico-node container log holds ${banners.count} start-up banners (\`Calico node started successfully\`): the container restarted ${banners.count - 1} times`);
        evidence.push(lineEvidence(n, lastBanner.file, lastBanner));
      }
      if (cr !== undefined && cr.restarts >= 3) {
        strong = true;
        reasons.push(`the calico-node container log is from restart #${cr.restarts} of the container (${cr.file.slice(cr.file.lastIndexOf('/') + 1)})`);
        evidence.push({ node: n.name, input: n.input, file: cr.file, line: 0, text: `container instance ${cr.restarts} (restart counter in the docker container name)` });
      }
      if (status?.calicoRunning === false) {
        strong = true;
        reasons.push('`calicoctl node status` says `Calico process is not running.`');
        for (const l of status.lines) evidence.push({ node: n.name, input: l.input, file: l.file, line: l.line, text: l.text });
      }
      if (pod !== undefined) {
        const bad = pod.events.filter((e) => PROBE_FAILS.some((p) => e.message.includes(p)));
        if (podRestarts >= 3 && (bad.length > 0 || pod.lastTerminationReason !== undefined)) strong = true;
        if (podRestarts >= 3 || bad.length > 0) {
          reasons.push(
            `\`kubectl describe pod ${pod.pod}\` shows ${podRestarts} restart${podRestarts === 1 ? '' : 's'}${pod.lastTerminationReason !== undefined ? ` (last terminated: ${pod.lastTerminationReason})` : ''}${bad.length > 0 ? ` and ${bad.length} failing probe/back-off event${bad.length === 1 ? '' : 's'} (\`${bad[bad.length - 1]!.message.slice(0, 160)}\`)` : ''}`,
          );
          for (const e of bad.slice(-3)) evidence.push({ node: n.name, input: e.input, file: e.file, line: e.line, text: e.text });
        }
      }
      if (reasons.length === 0) continue;
      findings.push({
        key: n.name,
        title: strong ? `calico-node is crashlooping or down on ${n.name}` : `calico-node on ${n.name} fails its health checks`,
        message: `On ${n.name}, ${reasons.join('; ')}. While calico-node is down, the node's routes and policy are not maintained, new pods there get no network, and its BGP sessions go down.`,
        nodes: [n.name],
        evidence,
        severity: strong ? undefined : 'warning',
        fix: fixSteps(n.name, lastFatal?.rec.message.slice(0, 160), k8sName(pod?.pod)),
      });
    }
    const collect: CollectHint[] | undefined = noData.length > 0 ? [{ command: 'kubectl logs -n calico-system <calico-node-pod> -c calico-node', why: 'calico-node output for nodes whose bundle has no felix/confd/container log (file logging disabled): their datastore, Typha and TLS errors are not in the bundle', nodes: noData }] : undefined;
    if (findings.length > 0) return { status: 'found', findings, collect };
    if (checked === 0) return { status: 'skipped', reason: `no Calico log, pod description or node status for any of ${cluster.nodes.length} nodes` };
    return { status: 'passed', reason: `no fatal end, crash loop or failing liveness on ${checked} nodes (Felix PIDs, fatal lines, container restarts checked)`, collect };
  },
};
