/**
 * Catalogue G1: calico-node (Felix, confd, startup, the CNI plugin) cannot reach the Kubernetes API
 * or etcd. Read from every Calico log of every node; grouped by the address the connections were
 * aimed at, with the nodes that fail and those that do not (one subnet's nodes ⇒ the path; all ⇒ the
 * API server or kube-proxy).
 */
import { andList, restartCalicoNode } from '../fix-steps.js';
import { hostPort, machineOf, ncTest } from './fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { blindCollect, blindNote, withoutAgentLogs, failuresByNode, occurrence, sourceName, type FailureSummary } from '../../combiners/calico-health.js';
import { lineEvidence } from '../../combiners/evidence.js';

/** Sockets of the node towards `target` that never completed (SYN_SENT). */
export function synSentTo(n: NodeModel, target: string): Evidence[] {
  if (n.sockets === undefined) return [];
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  return n.sockets.tcp
    .filter((s) => s.state === 'SYN_SENT' && s.remote.port === port && (s.remote.address === host || host.length === 0))
    .slice(0, 3)
    .map((s) => lineEvidence(n, n.sockets!.file, s));
}

/** Whether the nat table sends traffic to kube-proxy's KUBE-SERVICES (undefined: no nat table). */
function hasKubeServices(n: NodeModel): boolean | undefined {
  const nat = n.iptables4?.tables['nat'];
  if (nat === undefined) return undefined;
  return ['PREROUTING', 'OUTPUT'].some((c) => nat.chains[c]?.rules.some((r) => r.target === 'KUBE-SERVICES') ?? false);
}

/** The node's underlay subnet (the network of its Calico address), when known. */
function subnetOf(n: NodeModel): string | undefined {
  const a = n.interfaces4.flatMap((i) => i.addresses).find((x) => x.address === n.nodeIP);
  if (a === undefined || a.prefix < 8 || a.prefix > 30) return undefined;
  const parts = a.address.split('.').map(Number);
  const v = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const net = (v & (0xffffffff << (32 - a.prefix))) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${a.prefix}`;
}

function consequences(sources: string[]): string {
  const out: string[] = [];
  if (sources.includes('container') || sources.includes('agent')) out.push('calico-node start-up and its agents cannot complete');
  if (sources.includes('felix')) out.push('Felix gets no configuration or policy updates and stays not ready');
  if (sources.includes('confd')) out.push('confd gets no BGP configuration (after a restart it cannot render bird.cfg, so BIRD has no configuration)');
  if (sources.includes('cni')) out.push('the CNI plugin cannot set up new pods');
  return out.length > 0 ? out.join('; ') : 'calico-node is not getting its configuration';
}

const ALLOW_API = 'Calico requirements: "All | kube-apiserver host | Incoming | Often TCP 443 or 6443"';
const WRONG_ENDPOINT = 'if calico-node is pointed at a wrong endpoint, correct `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` (operator: the `kubernetes-services-endpoint` ConfigMap) or the `ETCD_ENDPOINTS`';

/**
 * Test the endpoint from the failing nodes (and kube-proxy when it is the service IP), then fix the
 * path or the credentials, then restart calico-node there and check it becomes Ready.
 */
function fixSteps(names: string[], target: string, serviceIP: boolean, noKube: string[], auth: boolean): string[] {
  const hosts = andList(names.map(machineOf));
  const hp = hostPort(target);
  const steps: string[] = [];
  if (hp !== undefined) {
    steps.push(
      `On ${hosts}: \`curl -vk https://${target}/version\` and ${ncTest(target)} to see whether the endpoint answers from the node` +
        (serviceIP ? `; ${target} looks like the \`kubernetes\` service ClusterIP, which kube-proxy DNATs: \`iptables-save -t nat | grep -c KUBE-SERVICES\` there must not be 0, and \`kubectl -n kube-system get pods -o wide -l k8s-app=kube-proxy\` must show a Running kube-proxy on ${names.length > 1 ? 'each of them' : 'it'}` : '') +
        (noKube.length > 0 ? ` (the bundle already shows no KUBE-SERVICES jump on ${andList(noKube)})` : '') +
        '.',
    );
  } else {
    steps.push(`On ${hosts}: the logs do not name the address calico-node dials; read it from the calico-node log (\`Hit error connecting to datastore\`, \`dial tcp\`) and test it with \`curl -vk https://\` plus \`nc -zv\` from the node.`);
  }
  const kubeProxyGone = serviceIP && !auth && names.length > 0 && names.every((n) => noKube.includes(n));
  if (kubeProxyGone) {
    // The bundle proves it: no KUBE-SERVICES jump, so nothing DNATs the ClusterIP on these nodes.
    steps.push(
      `Bring kube-proxy back on ${hosts}: \`kubectl -n kube-system get ds kube-proxy -o wide\` (its node selector and tolerations must cover ${names.length > 1 ? 'them' : 'it'}), then the logs of the kube-proxy pod step 1 finds there (or the events of the one that does not start); ` +
        'or let calico-node reach the API server without kube-proxy: set `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` to an API server endpoint (`kubectl get endpoints kubernetes`) in the `kubernetes-services-endpoint` ConfigMap of the `tigera-operator` namespace (operator installs) or on the calico-node DaemonSet (manifest installs).',
    );
  } else if (auth) {
    steps.push('The API server answers but rejects calico-node\'s credentials: check its service account can read Calico resources (`kubectl auth can-i list felixconfigurations.crd.projectcalico.org --as=system:serviceaccount:calico-system:calico-node`, `kube-system` for manifest installs) and that the token is not expired; fix the token or the ClusterRole, not the network.');
  } else {
    steps.push(
      serviceIP
        ? `Allow ${hosts} to reach the API server endpoints behind ${hp?.host ?? 'the service IP'} (\`kubectl get endpoints kubernetes\`: a ClusterIP is translated on the node, so security groups and NACLs only ever see the endpoints) in host firewalls, security groups and NACLs (${ALLOW_API}); ${WRONG_ENDPOINT}.`
        : `Allow ${hosts} to reach ${hp !== undefined ? `${hp.host} on TCP ${hp.port}` : 'the API server'} in host firewalls, security groups and NACLs (${ALLOW_API}); ${WRONG_ENDPOINT}.`,
    );
  }
  steps.push(`Once the datastore is reachable, restart calico-node on ${hosts} (${restartCalicoNode(names.map(machineOf))}) and check that it becomes Ready (\`kubectl get pods -A -l k8s-app=calico-node -o wide\`).`);
  return steps;
}

export const felixDatastoreUnreachable: Rule = {
  meta: {
    id: 'felix-datastore-unreachable',
    severity: 'critical',
    summary: 'calico-node cannot reach its datastore (Kubernetes API server or etcd): Felix, confd, startup or the CNI plugin keep failing to connect.',
    rationale:
      'Every part of calico-node reads its configuration from the datastore: startup retries `Hit error connecting to datastore - retry` and never starts the other services, Felix logs `Failed to create datastore client` / `Failed to get config from datastore` and stays not ready, confd cannot render bird.cfg (so BIRD has no configuration), and the CNI plugin cannot get ClusterInformation, so new pods never get an address. The usual causes (catalogue G1) are kube-proxy not running, so the `kubernetes` service ClusterIP (e.g. 10.96.0.1:443) is not DNATed ("Calico connects to the apiserver via kube-proxy"), the API server being down, or a firewall/security group between the node and the API endpoint. Which nodes fail tells which: one subnet\'s nodes ⇒ the path, every node ⇒ the API server or kube-proxy.',
    remediation: [
      'From the failing node, test the address in the finding: `curl -vk https://<address>/version` (and `nc -zv <host> <port>`); for a service IP also check kube-proxy on that node (`kubectl -n kube-system get pods -o wide | grep kube-proxy`, `iptables-save -t nat | grep KUBE-SERVICES`).',
      `Allow the node to reach the API server (${ALLOW_API}) in host firewalls, security groups and NACLs; ${WRONG_ENDPOINT}.`,
      'Once the datastore is reachable, restart calico-node on the failing nodes (`kubectl -n calico-system delete pod <calico-node-pod>`) and check that it becomes Ready.',
    ],
    explains: ['calico-node-not-running', 'bird-confd-not-running', 'cni-plugin-cannot-reach-calico', 'bgp-peer-refused-or-unreachable', 'block-route-missing', 'nat-outgoing-disabled'],
    collect: [
      { command: 'kubectl logs -n calico-system <calico-node-pod> -c calico-node --previous', why: 'startup and Felix datastore errors when file logging is disabled or the container restarted' },
      { command: 'kubectl describe pod -n calico-system <calico-node-pod>', why: 'readiness messages (`felix is not ready`) and restart count' },
    ],
  },
  check({ cluster }) {
    // A blip that the node recovered from (its logs go on for minutes without another error) is not the cause.
    const { withLogs, failing, recovered: transient } = failuresByNode(cluster.nodes, 'datastore', (f) => f.ongoing && (f.count >= 3 || f.last.rec.level === 'FATAL'));
    if (withLogs.length === 0) {
      return { status: 'skipped', reason: `no Calico log (felix, confd, cni, container) in any of ${cluster.nodes.length} bundles` };
    }
    if (failing.length === 0) {
      const t = transient.length > 0 ? `; ${transient.join(', ')} had datastore errors that stopped minutes before the end of the log (recovered)` : '';
      return { status: 'passed', reason: `no ongoing datastore connection errors in the logs of ${withLogs.length} nodes${t}${blindNote(cluster.nodes)}`, collect: blindCollect(cluster.nodes), unchecked: withoutAgentLogs(cluster.nodes) };
    }
    // One finding per target address (the API endpoint every failing node tries).
    const byTarget = new Map<string, { n: NodeModel; f: FailureSummary }[]>();
    for (const x of failing) {
      const t = x.f.targets[0]?.target ?? 'an unnamed endpoint';
      byTarget.set(t, [...(byTarget.get(t) ?? []), x]);
    }
    const findings: FindingDraft[] = [];
    const okNodes = withLogs.filter((n) => !failing.some((x) => x.n === n)).map((n) => n.name);
    for (const [target, list] of [...byTarget].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      list.sort((a, b) => (a.n.name < b.n.name ? -1 : 1));
      const names = list.map((x) => x.n.name);
      const errs = [...new Set(list.flatMap((x) => x.f.errors))];
      const evidence: Evidence[] = [];
      for (const { n, f } of list) {
        evidence.push(lineEvidence(n, f.first.rec.file, f.first.rec));
        if (f.last !== f.first) evidence.push(lineEvidence(n, f.last.rec.file, f.last.rec));
      }
      for (const { n } of list) evidence.push(...synSentTo(n, target));
      for (const { n, f } of list) for (const l of f.lines.slice(1, 4)) evidence.push(lineEvidence(n, l.rec.file, l.rec));
      const perNode = list.map(({ n, f }) => `${n.name}: ${occurrence(f, 'error')} in ${f.sources.map(sourceName).join(', ')}`);
      const syn = list.filter(({ n }) => synSentTo(n, target).length > 0).map((x) => x.n.name);
      const noKube = list.filter(({ n }) => hasKubeServices(n) === false).map((x) => x.n.name);
      let scope: string;
      if (okNodes.length === 0) {
        scope = withLogs.length > 1 ? ` Every node with logs fails the same way, so the API server (or etcd) itself, or kube-proxy on all nodes, is the place to look.` : '';
      } else {
        scope = ` ${okNodes.join(', ')} ${okNodes.length > 1 ? 'show' : 'shows'} no such errors, so the path from ${names.join(', ')} to ${target} (host firewall, security group, routing) or kube-proxy on ${names.length > 1 ? 'those nodes' : 'that node'} is the place to look.`;
        const failNets = new Set(list.map(({ n }) => subnetOf(n)));
        const okNets = new Set(withLogs.filter((n) => okNodes.includes(n.name)).map(subnetOf));
        if (failNets.size === 1 && !failNets.has(undefined) && !okNets.has([...failNets][0]) && !okNets.has(undefined)) {
          scope += ` Every failing node is in ${[...failNets][0]} and no working node is: check the route and security group between that subnet and the API endpoint.`;
        }
      }
      const kubeElsewhere = cluster.nodes.some((o) => hasKubeServices(o) === true);
      const serviceIP = /^10\.|^172\.|^192\.168\./.test(target) && target.endsWith(':443');
      const kube = noKube.length > 0 && kubeElsewhere && serviceIP
        ? ` ${noKube.join(', ')} ${noKube.length > 1 ? 'have' : 'has'} no jump to KUBE-SERVICES in the nat table: kube-proxy does not seem to run there, and Calico reaches the API service IP through kube-proxy.`
        : '';
      const authError = errs.some((e) => e === 'Unauthorized' || e === 'forbidden (RBAC)');
      const auth = authError
        ? ' The API server answers but rejects calico-node\'s credentials (expired service-account token or missing RBAC): fix the token or ClusterRole, not the network.'
        : '';
      const synText = syn.length > 0 ? ` netstat shows connections to ${target} stuck in SYN_SENT on ${syn.join(', ')}.` : '';
      findings.push({
        key: target,
        title: `calico-node on ${names.join(', ')} cannot reach the datastore at ${target}${errs.length > 0 ? ` (${errs.slice(0, 2).join(', ')})` : ''}`,
        message: `${perNode.join('; ')}. The errors last until the end of the logs: ${consequences(list.flatMap((x) => x.f.sources))}.${auth}${synText}${kube}${scope}`,
        nodes: names,
        evidence,
        fix: fixSteps(names, target, serviceIP, kube !== '' ? noKube : [], authError),
      });
    }
    // Nodes with logs that only show recovered blips are named in the reason.
    const reason = `${findings.length} datastore endpoint${findings.length === 1 ? '' : 's'} unreachable from ${failing.length} of ${withLogs.length} nodes`;
    return { status: 'found', findings, reason, collect: blindCollect(cluster.nodes) };
  },
};
