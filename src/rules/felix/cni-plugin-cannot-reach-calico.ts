/**
 * Catalogue G4: the Calico CNI plugin fails pod network set-up: `/var/lib/calico/nodename` missing
 * (calico-node not running or not mounted), an expired or unauthorised CNI token, ClusterInformation
 * not ready or unreachable. Read from `cni.log` (node diags `logs/cni/`, cluster diags `cni.log.log`).
 */
import { restartCalicoNode } from '../fix-steps.js';
import { hostPort, k8sName, machineOf, ncTest, pendingPodsOn } from './fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import { logTimeMs, ONGOING_WINDOW_MS, classify, type LogRecord } from '../../combiners/calico-health.js';
import { lineEvidence } from '../../combiners/evidence.js';

type Cause = 'nodename' | 'unauthorized' | 'not-ready' | 'unreachable';

const CAUSES: Record<Cause, { what: string; fix: (node: string, target: string | undefined) => string }> = {
  nodename: {
    what: 'the plugin cannot find /var/lib/calico/nodename, which calico-node writes when it starts: calico-node is not running on the node or does not mount /var/lib/calico',
    fix: (node) => `Get calico-node running on ${node} (its own finding, or its logs and \`kubectl describe pod\`); check that it mounts the /var/lib/calico hostPath (\`ls -l /var/lib/calico/nodename\` on ${machineOf(node)}).`,
  },
  unauthorized: {
    what: 'the API server rejects the CNI plugin\'s token (`connection is unauthorized: Unauthorized`): the kubeconfig calico-node writes for the plugin (/etc/cni/net.d/calico-kubeconfig) holds an expired or revoked token',
    fix: (node) => `Make sure calico-node refreshes the CNI token (\`CALICO_MANAGE_CNI=true\`, calico#6546), then restart calico-node on ${machineOf(node)} so it rewrites /etc/cni/net.d/calico-kubeconfig: ${restartCalicoNode([machineOf(node)])}.`,
  },
  'not-ready': {
    what: 'ClusterInformation says the datastore is not ready (`Calico is currently not ready to process requests`): an upgrade or migration is in progress or stuck',
    fix: () => 'Check `kubectl get clusterinformation default -o yaml` (datastoreReady) and the operator / kube-controllers status (`kubectl get tigerastatus`).',
  },
  unreachable: {
    what: 'the plugin cannot reach the API server to read ClusterInformation',
    fix: (node, target) => {
      const hp = target !== undefined ? hostPort(target) : undefined;
      return hp !== undefined
        ? `Fix ${node}'s path to the API server: on ${machineOf(node)}, \`curl -vk https://${target}/version\` and ${ncTest(target!)} must answer (felix-datastore-unreachable reports the same address when calico-node fails too).`
        : `Fix ${node}'s path to the API server (felix-datastore-unreachable names the address when calico-node fails too).`;
    },
  },
};

/** `Namespace="default" Pod="web-1"` in a CNI log line: the pod it was setting up. */
function podOf(rec: LogRecord): { ns: string; pod: string } | undefined {
  const ns = k8sName(/\bNamespace="([^"]*)"/.exec(rec.message)?.[1]);
  const pod = k8sName(/\bPod="([^"]*)"/.exec(rec.message)?.[1]);
  return ns !== undefined && pod !== undefined ? { ns, pod } : undefined;
}

/** Confirm with the stuck pods' events, fix each cause, then check the pods start. */
function fixSteps(node: string, causes: Cause[], target: string | undefined, stuck: { ns: string; pod: string } | undefined): string[] {
  const confirm = stuck !== undefined
    ? `Confirm with the events of a pod the plugin failed to set up: \`kubectl describe pod -n ${stuck.ns} ${stuck.pod}\` (FailedCreatePodSandBox … plugin type="calico" failed (add): …); ${pendingPodsOn(node)} lists the others on ${machineOf(node)}.`
    : `Confirm with the pods stuck on ${machineOf(node)}: ${pendingPodsOn(node)}, then \`kubectl describe\` one of them: its events show FailedCreatePodSandBox … plugin type="calico" failed (add).`;
  return [
    confirm,
    ...causes.map((c) => CAUSES[c].fix(node, target)),
    `After the fix, the pods stuck on ${machineOf(node)} leave ContainerCreating by themselves (kubelet retries the sandbox); new lines in cni.log there end with \`Wrote updated endpoint to datastore\` instead of \`Final result of CNI ADD was an error\`.`,
  ];
}

function causeOf(rec: LogRecord): Cause | undefined {
  const m = rec.message;
  if (m.includes('/var/lib/calico/nodename')) return 'nodename';
  if (m.includes('connection is unauthorized') || (m.includes('Unauthorized') && m.includes('ClusterInformation'))) return 'unauthorized';
  if (m.includes('Calico is currently not ready')) return 'not-ready';
  if (m.includes('error getting ClusterInformation') || (m.includes('Final result of CNI') && classify(m).kind === 'datastore')) return 'unreachable';
  return undefined;
}

export const cniPluginCannotReachCalico: Rule = {
  meta: {
    id: 'cni-plugin-cannot-reach-calico',
    severity: 'critical',
    summary: 'The Calico CNI plugin fails to set up pod networking on a node (calico-node not running, CNI token unauthorised, datastore not ready or unreachable), so new pods there get no IP.',
    rationale:
      'Each pod sandbox runs the Calico CNI plugin, which reads /var/lib/calico/nodename (written by calico-node at start-up), then ClusterInformation from the API server with the token in /etc/cni/net.d/calico-kubeconfig. Catalogue G4: `stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/` (calico-node down), `error getting ClusterInformation: connection is unauthorized: Unauthorized` (token expired, not refreshed when `CALICO_MANAGE_CNI` is false), `Calico is currently not ready to process requests` (datastore not ready). Every pod scheduled there then stays in ContainerCreating with `FailedCreatePodSandBox`, which looks like "the pod cannot reach anything".',
    remediation: [
      'Confirm with the pod events: `kubectl describe pod <stuck-pod>` (FailedCreatePodSandBox … plugin type="calico" failed (add): …).',
      'Fix calico-node on the node first when it is not running; then make sure the CNI token is refreshed (`CALICO_MANAGE_CNI=true`) and restart calico-node so it rewrites the CNI kubeconfig.',
    ],
    explains: [],
    collect: [{ command: 'journalctl -u kubelet --since -1h | grep -i "plugin type=\\"calico\\""', why: 'CNI ADD failures as kubelet saw them (the plugin logs the nodename error before it opens cni.log)' }],
  },
  check({ cluster }) {
    const withCni = cluster.nodes.filter((n) => n.cni !== undefined);
    if (withCni.length === 0) return { status: 'skipped', reason: `no CNI plugin log (logs/cni/cni.log) in any of ${cluster.nodes.length} bundles` };
    const findings: FindingDraft[] = [];
    for (const n of withCni) {
      const s = n.cni!;
      const recs: LogRecord[] = [];
      const seen = new Set<string>();
      const sig = s.signatures['cni-not-ready'];
      for (const r of [...(sig?.refs ?? []), ...(sig?.last !== undefined ? [sig.last] : []), ...s.notable]) {
        const k = `${r.file}\u0000${r.line}`;
        if (seen.has(k) || causeOf(r) === undefined) continue;
        seen.add(k);
        recs.push(r);
      }
      if (recs.length === 0) continue;
      recs.sort((a, b) => (logTimeMs(a.time) ?? 0) - (logTimeMs(b.time) ?? 0));
      const last = recs[recs.length - 1]!;
      const end = logTimeMs(s.lastTime);
      // Pods set up successfully for minutes after the last error: the plugin recovered.
      if (end !== undefined && end - (logTimeMs(last.time) ?? 0) > ONGOING_WINDOW_MS) continue;
      const causes = [...new Set(recs.map((r) => causeOf(r)!))];
      const count = Math.max(recs.length, sig?.count ?? 0);
      const evidence: Evidence[] = [lineEvidence(n, recs[0]!.file, recs[0]!)];
      if (last !== recs[0]) evidence.push(lineEvidence(n, last.file, last));
      for (const r of recs.slice(1, 4)) evidence.push(lineEvidence(n, r.file, r));
      const target = recs.map((r) => classify(r.message).target).find((t) => t !== undefined);
      findings.push({
        key: n.name,
        title: `CNI plugin on ${n.name} cannot set up pods: ${causes.map((c) => (c === 'unreachable' && target !== undefined ? `API server ${target} unreachable` : c === 'nodename' ? 'calico-node not running (no nodename file)' : c === 'unauthorized' ? 'token unauthorized' : c === 'not-ready' ? 'Calico not ready' : 'API server unreachable')).join(', ')}`,
        message: `${n.name}'s cni.log has ${count} failed pod set-up${count === 1 ? '' : 's'} (first ${recs[0]!.time.slice(0, 19)}, last ${last.time.slice(0, 19)}), lasting until the end of the log: ${causes.map((c) => CAUSES[c].what).join('; ')}. New pods on ${n.name} stay in ContainerCreating.`,
        nodes: [n.name],
        evidence,
        fix: fixSteps(n.name, causes, target, recs.map(podOf).find((p) => p !== undefined)),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    return { status: 'passed', reason: `no ongoing CNI ADD failures in the cni.log of ${withCni.length} nodes` };
  },
};
