/**
 * Runbook B3 / catalogue K1: DNS failures traced to their Calico causes, from what customers attach:
 * where CoreDNS runs (`kubectl get pods -A -o wide`), what fails (`nslookup`/`dig`), and the host's
 * `/etc/resolv.conf`. Four causes are checked:
 *   1. CoreDNS on a node other nodes have no route to (the cross-node cause is reported by its own rule
 *      and folds this finding under it);
 *   2. egress policy without a DNS allow, while lookups fail;
 *   3. CoreDNS's pool without natOutgoing, while lookups of outside names fail;
 *   4. a forwarding loop: CoreDNS crashlooping on a node whose resolv.conf points at a local stub (127.0.0.53).
 * Otherwise the rule is skipped and asks for exactly those outputs.
 */
import { andList } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { CollectHint, Evidence } from '../../model/finding.js';
import type { KubePodRow } from '../../model/attachments.js';
import type { GenericResource } from '../../model/facts.js';
import { attachedEvidence } from '../../combiners/attachment-evidence.js';
import { ipInCidr } from '../../combiners/cidr.js';
import { list, resourceEvidence } from '../../combiners/host-facts.js';

const PODS_HINT: CollectHint = { command: 'kubectl get pods -A -o wide', why: 'where CoreDNS runs (node and pod IP), to test the client node → CoreDNS node pairs' };
const LOOKUP_HINT: CollectHint = {
  command: 'kubectl run dnstest --rm -it --restart=Never --image=busybox:1.36 -- nslookup kubernetes.default; kubectl run dnstest2 --rm -it --restart=Never --image=busybox:1.36 -- nslookup example.com',
  why: 'which lookups fail (cluster names, outside names, or both) and with what error',
};
const RESOLV_HINT: CollectHint = { command: 'cat /etc/resolv.conf', why: 'the host resolver CoreDNS forwards to (a 127.0.0.53 stub makes a forwarding loop)' };
const COREDNS_LOG_HINT: CollectHint = { command: 'kubectl -n kube-system logs -l k8s-app=kube-dns --tail=100', why: 'CoreDNS errors: `plugin/loop: Loop ... detected`, upstream timeouts' };

const COREDNS = /^(?:coredns|kube-dns)-/;
const CLUSTER_NAME = /(?:^kubernetes(?:\.default)?(?:\.svc)?|\.cluster\.local\.?$|\.svc$)/;

function isCoreDns(p: KubePodRow): boolean {
  return COREDNS.test(p.name) && (p.namespace === undefined || p.namespace === 'kube-system');
}

/** Egress rules of a policy spec (untrusted data). */
function egressRules(spec: Record<string, unknown>): Record<string, unknown>[] {
  const e = spec['egress'];
  return Array.isArray(e) ? e.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null) : [];
}

function appliesToEgress(spec: Record<string, unknown>): boolean {
  const types = spec['types'];
  return (Array.isArray(types) && types.some((t) => String(t) === 'Egress')) || egressRules(spec).length > 0;
}

/** An Allow egress rule that lets DNS through: no port restriction, or port 53 (or a named `dns` port). */
function allowsDns(rule: Record<string, unknown>): boolean {
  if (String(rule['action'] ?? '') !== 'Allow') return false;
  const proto = rule['protocol'] === undefined ? undefined : String(rule['protocol']).toUpperCase();
  if (proto !== undefined && proto !== 'UDP' && proto !== 'TCP' && proto !== '17' && proto !== '6') return false;
  const dst = rule['destination'];
  const ports = typeof dst === 'object' && dst !== null ? (dst as Record<string, unknown>)['ports'] : undefined;
  if (!Array.isArray(ports) || ports.length === 0) return true;
  return ports.some((p) => String(p) === '53' || /^dns/i.test(String(p)) || /^(\d+):(\d+)$/.test(String(p)) && Number(String(p).split(':')[0]) <= 53 && Number(String(p).split(':')[1]) >= 53);
}

/** `nslookup` from a throw-away pod, on one node when given (the lookup must go through that node's routes). */
function lookupTest(name: string, node?: string): string {
  const on = node !== undefined ? ` --overrides='{"spec":{"nodeName":"${node}"}}'` : '';
  return `\`kubectl run dnstest --rm -it --restart=Never --image=busybox:1.36${on} -- nslookup ${name}\``;
}

const DEBUG_DNS = 'Kubernetes "Debugging DNS Resolution"';

export const dnsResolutionFailure: Rule = {
  meta: {
    id: 'dns-resolution-failure',
    severity: 'warning',
    summary: 'Pods cannot resolve names, for a Calico reason: CoreDNS on an unreachable node, an egress policy without a DNS allow, CoreDNS\'s pool without natOutgoing, or a forwarding loop.',
    rationale:
      'DNS is the first thing that breaks when pods cannot reach each other: CoreDNS runs on a few nodes, so a node without routes to them loses the lookups they would answer (failure rate ≈ share of unreachable replicas). Calico causes besides that: an egress policy or default deny without the documented DNS allow, CoreDNS unable to reach its upstream because its pool has no natOutgoing (F1), and CoreDNS forwarding to a host stub resolver (127.0.0.53) and exiting with `plugin/loop: Loop ... detected` (catalogue K1, runbook B3). The bundle holds no DNS data: where CoreDNS runs, the lookups and resolv.conf come from attachments.',
    remediation: [
      'Fix pod-to-pod connectivity first (runbook B1): the routes and BGP sessions to the nodes that run CoreDNS.',
      'Allow DNS in egress policy (Calico docs, "allow access to Kubernetes DNS for the entire cluster": a GlobalNetworkPolicy allowing UDP/TCP 53 to `k8s-app == "kube-dns"`), enable natOutgoing on CoreDNS\'s pool, or point kubelet\'s `resolvConf` at /run/systemd/resolve/resolv.conf to break a loop.',
      'Then follow Kubernetes "Debugging DNS Resolution" (`nslookup kubernetes.default` from a test pod).',
    ],
    collect: [PODS_HINT, LOOKUP_HINT, RESOLV_HINT],
  },
  check({ cluster, derived }) {
    const pods = cluster.attachments?.kubePods ?? [];
    const coredns = pods.filter(isCoreDns);
    const failing: { node: string; e: Evidence; name?: string; error?: string }[] = [];
    let lookups = 0;
    for (const n of cluster.nodes) {
      for (const l of n.attachments?.dns?.lookups ?? []) {
        lookups++;
        if (!l.ok) failing.push({ node: n.name, e: attachedEvidence(n.name, l), name: l.name, error: l.error });
      }
    }
    const hasDns = cluster.nodes.some((n) => n.attachments?.dns !== undefined);
    if (coredns.length === 0 && !hasDns) {
      return { status: 'skipped', reason: 'no `kubectl get pods -A -o wide`, lookup output or resolv.conf attached: where CoreDNS runs and what fails is not in the bundle' };
    }
    const findings: FindingDraft[] = [];
    const podEvidence = (p: KubePodRow) => attachedEvidence('cluster', p);
    const failText = failing.length > 0 ? ` Lookups fail: ${failing.slice(0, 3).map((f) => `${f.name ?? '?'} on ${f.node}${f.error ? ` (${f.error})` : ''}`).join('; ')}.` : '';

    // 1. CoreDNS on a node others have no route to.
    const byNode = new Map<string, KubePodRow[]>();
    const noBundle: string[] = [];
    for (const p of coredns) if (p.node !== undefined) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
    const m = derived.routeMatrix;
    // Kubernetes node names vs bundle hostnames: exact, else the same short name (`node-c` vs `node-c.example.internal`).
    const short = (x: string) => x.split('.')[0];
    for (const [k8sName, replicas] of [...byNode].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      let j = m.nodes.indexOf(k8sName);
      if (j === -1) {
        const same = m.nodes.filter((x) => short(x) === short(k8sName));
        j = same.length === 1 ? m.nodes.indexOf(same[0]!) : -1;
      }
      if (j === -1) {
        noBundle.push(k8sName);
        continue;
      }
      const host = m.nodes[j]!;
      const blind = m.nodes.filter((_, i) => i !== j && m.rows[i]?.[j]?.status === 'missing');
      if (blind.length === 0) continue;
      const share = `${replicas.length} of ${coredns.length} CoreDNS replica${coredns.length === 1 ? '' : 's'}`;
      const blocks = derived.blocks.filter((b) => b.owners.includes(host));
      findings.push({
        key: `unreachable:${host}`,
        title: `CoreDNS on ${host} is unreachable from ${list(blind)}`,
        message: `${share} (${replicas.map((p) => `${p.name} ${p.ip ?? ''}`.trim()).join(', ')}) run on ${host}, and ${list(blind)} ${blind.length === 1 ? 'has' : 'have'} no route to ${host}'s pod block${blocks.length === 1 ? '' : 's'}: lookups that land on ${replicas.length === 1 ? 'it' : 'them'} from there time out.${failText}`,
        nodes: [host, ...blind],
        evidence: [...replicas.map(podEvidence), ...blocks.flatMap((b) => b.evidence.slice(0, 1)), ...failing.filter((f) => blind.includes(f.node)).map((f) => f.e)],
        pairs: blind.map((b) => [b, host] as [string, string]),
        fix: [
          `Fix the routes from ${andList(blind)} to ${host}'s pod block${blocks.length === 1 ? '' : 's'} first (runbook B1; the route and BGP findings for these nodes name the cause)${blocks.length > 0 ? `: on ${andList(blind)}, ${blocks.slice(0, 3).map((b) => `\`ip route show ${b.block}\``).join(', ')} must show a route via ${host}` : ''}.`,
          `Then check a lookup from a pod on ${blind[0]}: ${lookupTest('kubernetes.default', blind[0])}; it must answer every time.`,
        ],
      });
    }

    // 2. Egress policy without a DNS allow, while lookups fail.
    const policies = [...cluster.resources.globalNetworkPolicies, ...cluster.resources.networkPolicies] as GenericResource[];
    const egress = policies.filter((p) => appliesToEgress(p.spec));
    if (failing.length > 0 && egress.length > 0 && !egress.some((p) => egressRules(p.spec).some(allowsDns))) {
      findings.push({
        key: 'policy',
        title: `Egress policy without a DNS allow (${list(egress.map((p) => p.name), 4)})`,
        message: `${egress.length} polic${egress.length === 1 ? 'y applies' : 'ies apply'} to egress and none allows UDP/TCP 53: once a policy selects a pod for egress, everything not allowed is denied, including its lookups to CoreDNS.${failText}`,
        nodes: [...new Set(failing.map((f) => f.node))],
        evidence: [...egress.slice(0, 5).map((p) => resourceEvidence(p, `${p.kind} ${p.name}: types Egress, no egress rule allows port 53`)), ...failing.slice(0, 5).map((f) => f.e)],
        fix: [
          `Allow DNS in egress: add to ${list(egress.map((p) => p.name), 4)} (or to a policy with the same selector and a lower order) the rules \`action: Allow\`, \`protocol: UDP\` and \`protocol: TCP\`, each with \`destination: {selector: k8s-app == "kube-dns", namespaceSelector: projectcalico.org/name == "kube-system", ports: [53]}\` (Calico docs, "allow access to Kubernetes DNS"); never a new policy with \`selector: all()\`, which would put every pod under egress policy.`,
          `Then check from a pod the policy selects: \`nslookup kubernetes.default\` must answer (${DEBUG_DNS}).`,
        ],
      });
    }

    // 3. CoreDNS's pool without natOutgoing, while lookups of outside names fail.
    const outsideFails = failing.filter((f) => f.name !== undefined && !CLUSTER_NAME.test(f.name));
    if (outsideFails.length > 0) {
      for (const pool of cluster.resources.ippools.filter((p) => !p.natOutgoing && !p.disabled)) {
        const inPool = coredns.filter((p) => p.ip !== undefined && ipInCidr(p.ip, pool.cidr));
        if (inPool.length === 0) continue;
        findings.push({
          key: `nat:${pool.name}`,
          title: `CoreDNS cannot reach its upstream resolvers: pool ${pool.name} has natOutgoing: false`,
          message: `CoreDNS (${inPool.map((p) => `${p.name} ${p.ip}`).join(', ')}) has addresses in ${pool.cidr}, which is not NATed when leaving the cluster, so its queries to upstream resolvers get no answer: outside names fail while cluster names resolve.${failText}`,
          nodes: [...new Set(inPool.map((p) => p.node).filter((x): x is string => x !== undefined))],
          evidence: [resourceEvidence(pool, `IPPool ${pool.name}: cidr: ${pool.cidr}, natOutgoing not set (false)`, 'spec.natOutgoing'), ...inPool.map(podEvidence), ...outsideFails.slice(0, 3).map((f) => f.e)],
          fix: [
            `Enable NAT for traffic leaving the cluster from ${pool.cidr}: \`calicoctl patch ippool ${pool.name} -p '{"spec":{"natOutgoing":true}}'\` (or SNAT ${pool.cidr} on the network's edge if the pool must stay routable).`,
            `Then check an outside name: ${lookupTest('example.com')} must answer, as \`kubernetes.default\` already does.`,
          ],
        });
      }
    }

    // 4. Forwarding loop: CoreDNS crashlooping where the host resolv.conf points at a loopback stub.
    for (const n of cluster.nodes) {
      const stub = (n.attachments?.dns?.nameservers ?? []).filter((l) => /\bnameserver\s+127\./.test(l.text));
      if (stub.length === 0) continue;
      const crashing = coredns.filter((p) => p.node !== undefined && (p.node === n.name || p.node.split('.')[0] === n.name.split('.')[0]) && /CrashLoopBackOff|Error/.test(p.status));
      const loopLines = failing.filter((f) => f.node === n.name && /Loop \(|plugin\/loop/.test(f.e.text));
      if (crashing.length === 0 && loopLines.length === 0) continue;
      findings.push({
        key: `loop:${n.name}`,
        title: `CoreDNS forwarding loop on ${n.name}: resolv.conf points at a local stub`,
        message: `${n.name}'s /etc/resolv.conf names ${stub.map((l) => l.text.trim()).join(', ')}; CoreDNS there forwards to it, gets its own queries back, and exits (\`plugin/loop: Loop ... detected\`)${crashing.length > 0 ? `: ${crashing.map((p) => `${p.name} ${p.status}`).join(', ')}` : ''}.`,
        nodes: [n.name],
        evidence: [...crashing.map(podEvidence), ...stub.map((l) => attachedEvidence(n.name, l)), ...loopLines.map((f) => f.e)],
        fix: [
          `Confirm the loop: \`kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50 | grep -i loop\` shows \`plugin/loop: Loop ... detected\`, and \`resolvectl status\` on ${n.name} lists the real upstream resolvers behind the stub.`,
          `Point kubelet on ${n.name} at the real resolvers: \`resolvConf: /run/systemd/resolve/resolv.conf\` in /var/lib/kubelet/config.yaml, then \`systemctl restart kubelet\`; or, in the coredns ConfigMap (\`kubectl -n kube-system edit configmap coredns\`), replace \`forward . /etc/resolv.conf\` with the upstream addresses found in step 1.`,
          `Restart CoreDNS (\`kubectl -n kube-system rollout restart deployment coredns\`) and check that its pods stay Running and ${lookupTest('kubernetes.default')} answers.`,
        ],
      });
    }

    const diagsHint: CollectHint[] = noBundle.length > 0 ? [{ command: 'calicoctl node diags', why: 'CoreDNS runs on nodes without a bundle: whether the others reach them is unknown', nodes: noBundle }] : [];
    const collect: CollectHint[] = [...diagsHint, ...(coredns.length === 0 ? [PODS_HINT] : []), ...(lookups === 0 ? [LOOKUP_HINT] : []), ...(hasDns ? [] : [RESOLV_HINT]), ...(failing.length > 0 ? [COREDNS_LOG_HINT] : [])];
    if (findings.length > 0) return { status: 'found', findings, collect };
    if (failing.length > 0) {
      return { status: 'skipped', reason: `${failing.length} lookup${failing.length === 1 ? '' : 's'} fail${failing.length === 1 ? 's' : ''} (${list([...new Set(failing.map((f) => f.node))])}) but no Calico cause was found in what is attached`, collect };
    }
    if (coredns.length > 0) {
      const checked = [...byNode.keys()].filter((x) => !noBundle.includes(x));
      if (checked.length === 0) return { status: 'skipped', reason: `CoreDNS runs on ${list(noBundle)}, for which no bundle was given`, collect };
      return {
        status: 'passed',
        reason: `CoreDNS on ${list(checked)}: every node with routes has a route to ${checked.length === 1 ? 'it' : 'them'}${noBundle.length > 0 ? `; not checked (no bundle): ${list(noBundle)}` : ''}${lookups > 0 ? `; ${lookups} lookups succeed` : ''}`,
        collect,
      };
    }
    return { status: 'passed', reason: `${lookups} lookup${lookups === 1 ? '' : 's'} attached, none failing`, collect };
  },
};
