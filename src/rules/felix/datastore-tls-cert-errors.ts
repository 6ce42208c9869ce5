/**
 * Catalogue L2 (and L1): calico-node, confd, the CNI plugin or Typha clients fail TLS verification
 * towards the API server, etcd or Typha: expired certificates, unknown CA, missing IP SANs.
 */
import { andList, restartCalicoNode } from '../fix-steps.js';
import { hostPort, machineOf } from './fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { failuresByNode, blindCollect, blindNote, withoutAgentLogs, occurrence, sourceName, type FailureSummary } from '../../combiners/calico-health.js';
import { lineEvidence } from '../../combiners/evidence.js';

const ADVICE: Record<string, string> = {
  'certificate has expired or is not yet valid': 'a certificate in the chain is expired (or the node clock is outside its validity window)',
  'certificate signed by unknown authority': 'the client does not trust the CA that signed the server certificate (wrong or outdated CA bundle)',
  "certificate doesn't contain any IP SANs": 'the server certificate has no IP SAN for the address calico-node dials',
  'certificate is not valid for this name': 'the server certificate is not valid for the name or address calico-node dials',
  'tls: bad certificate': 'the server rejected the client certificate',
  'failed to load system roots': 'no CA was configured and the system roots could not be loaded',
  'x509 error': 'certificate verification failed',
};

/** `current time X is before Y`: the node clock is behind the certificate's start. */
function clockBehind(f: FailureSummary): boolean {
  return f.lines.some((l) => /current time \S+ is before \S+/.test(l.rec.message));
}

const ROTATE = 'Rotate or fix the expired or mismatched certificate and CA (Kubernetes API: the cluster CA in the calico-node service account / kubeconfig; etcd: `ETCD_CA_CERT_FILE`, `ETCD_CERT_FILE`, `ETCD_KEY_FILE`; Typha: the operator-managed `typha-certs`/`node-certs` secrets)';

/** What to change for each kind of error (the generic rotation when the error is not more specific). */
const FIX: Record<string, string> = {
  'certificate has expired or is not yet valid': 'Renew the expired certificate (for a kubeadm API server `kubeadm certs check-expiration`, then `kubeadm certs renew all` and restart the control-plane static pods; for Typha delete the operator-managed `typha-certs`/`node-certs` secrets so the operator issues new ones; for etcd the files behind `ETCD_CERT_FILE`/`ETCD_CA_CERT_FILE`)',
  'certificate signed by unknown authority': 'Give calico-node the CA that signed the server certificate (the cluster CA in its service account / kubeconfig; etcd: `ETCD_CA_CERT_FILE`; Typha: the CA bundle of the operator-managed `typha-certs`/`node-certs`)',
  "certificate doesn't contain any IP SANs": 'Reissue the server certificate with an IP SAN for the address calico-node dials, or point calico-node at a name the certificate holds (`KUBERNETES_SERVICE_HOST`, or the `kubernetes-services-endpoint` ConfigMap with the operator)',
  'certificate is not valid for this name': 'Reissue the server certificate with a SAN for the name or address calico-node dials, or point calico-node at a name the certificate holds',
};

/** Read the certificate the nodes see, (clock first when it is behind), fix it, restart and watch the errors stop. */
function fixSteps(names: string[], error: string, targets: string[], behind: boolean): string[] {
  const hosts = andList(names.map(machineOf));
  const eps = targets.map(hostPort).filter((x) => x !== undefined).slice(0, 3);
  const steps: string[] = [];
  if (behind) steps.push(`Check the clock on ${hosts} (\`date -u\`, \`chronyc tracking\`) before touching certificates: the error says the current time is before the certificate's start, so NTP, not the certificate, is the fix.`);
  steps.push(
    eps.length > 0
      ? `Read the certificate ${names.length > 1 ? 'the nodes are' : 'the node is'} given, from ${hosts}: ${eps.map((e) => `\`openssl s_client -connect ${e!.host.includes(':') ? `[${e!.host}]` : e!.host}:${e!.port} -showcerts </dev/null | openssl x509 -noout -dates -subject -ext subjectAltName\``).join(', ')}.`
      : `Read the certificate ${names.length > 1 ? 'the nodes are' : 'the node is'} given: the logs do not name the address, so take it from the calico-node log (\`dial tcp\`, \`https://\`) and run \`openssl s_client -connect\` to it from ${hosts}, piped to \`openssl x509 -noout -dates -subject -ext subjectAltName\`.`,
  );
  if (!behind && error === 'certificate has expired or is not yet valid') steps.push(`Compare the dates with the clock of ${hosts} (\`date -u\`): when the clock is right, the certificate has expired; when it is off, fix NTP instead of the certificate.`);
  steps.push(`${FIX[error] ?? ROTATE}, then restart calico-node on ${hosts}: ${restartCalicoNode(names.map(machineOf))}.`);
  steps.push(`Check that the certificate errors (\`${error}\`) stop in the calico-node log of ${hosts} and that calico-node becomes Ready there.`);
  return steps;
}

export const datastoreTlsCertErrors: Rule = {
  meta: {
    id: 'datastore-tls-cert-errors',
    severity: 'critical',
    summary: 'calico-node, confd or the CNI plugin fail TLS certificate verification towards the API server, etcd or Typha.',
    rationale:
      'Every calico-node component and the CNI plugin talk to the datastore (and Typha) over TLS. When the certificate chain does not verify, the connection fails before any request: `x509: certificate has expired or is not yet valid: current time … is after …` (expired, catalogue L2, #6550), `x509: cannot validate certificate for 10.96.0.1 because it doesn\'t contain any IP SANs` (#2040), `x509: certificate signed by unknown authority`, or etcd rejecting the client with `tls: bad certificate`. calico-node then never gets its configuration, exactly as if the datastore were unreachable, but no network fix helps. Expiry hits all nodes at once; a wrong CA or path only the misconfigured nodes; `current time … is before …` points at the node clock (catalogue L1).',
    remediation: [
      'Read the certificate the node is given: `openssl s_client -connect <address> -showcerts </dev/null | openssl x509 -noout -dates -subject -ext subjectAltName` from the failing node.',
      `${ROTATE}, then restart calico-node.`,
      'If the error says `current time … is before …`, fix the node clock (NTP/chrony) instead of the certificate.',
    ],
    explains: ['felix-datastore-unreachable', 'typha-unreachable', 'calico-node-not-running', 'bird-confd-not-running', 'cni-plugin-cannot-reach-calico', 'bgp-peer-refused-or-unreachable', 'block-route-missing'],
    collect: [{ command: 'openssl s_client -connect <api-server>:6443 -showcerts </dev/null | openssl x509 -noout -dates -ext subjectAltName', why: 'the validity dates and SANs of the certificate the node sees' }],
  },
  check({ cluster }) {
    const { withLogs, failing, recovered } = failuresByNode(cluster.nodes, 'tls-cert');
    if (withLogs.length === 0) return { status: 'skipped', reason: `no Calico log in any of ${cluster.nodes.length} bundles` };
    if (failing.length === 0) {
      return {
        status: 'passed',
        reason: `no ongoing certificate errors in the logs of ${withLogs.length} nodes${recovered.length > 0 ? ` (${recovered.join(', ')}: errors that stopped before the end of the log)` : ''}${blindNote(cluster.nodes)}`,
        unchecked: withoutAgentLogs(cluster.nodes),
        collect: blindCollect(cluster.nodes),
      };
    }
    // One finding per kind of certificate error: expiry is cluster-wide, a wrong CA is per node.
    const byError = new Map<string, { n: NodeModel; f: FailureSummary }[]>();
    for (const x of failing) {
      const e = x.f.errors.find((k) => ADVICE[k] !== undefined) ?? 'x509 error';
      byError.set(e, [...(byError.get(e) ?? []), x]);
    }
    const findings: FindingDraft[] = [];
    for (const [error, list] of [...byError].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      list.sort((a, b) => (a.n.name < b.n.name ? -1 : 1));
      const names = list.map((x) => x.n.name);
      const targets = [...new Set(list.flatMap((x) => x.f.targets.map((t) => t.target)))].sort();
      const evidence: Evidence[] = [];
      for (const { n, f } of list) {
        evidence.push(lineEvidence(n, f.first.rec.file, f.first.rec));
        if (f.last !== f.first) evidence.push(lineEvidence(n, f.last.rec.file, f.last.rec));
      }
      const perNode = list.map(({ n, f }) => `${n.name}: ${occurrence(f, 'certificate error')} in ${f.sources.map(sourceName).join(', ')}`);
      const others = withLogs.filter((n) => !names.includes(n.name)).map((n) => n.name);
      const behind = list.some((x) => clockBehind(x.f));
      const scope =
        others.length === 0
          ? withLogs.length > 1 ? ' Every node fails the same way: a cluster-wide certificate (expired CA or server certificate) is the likely cause.' : ''
          : ` ${others.join(', ')} ${others.length > 1 ? 'do' : 'does'} not fail: compare the CA and certificate configuration (and clocks) of ${names.join(', ')} with ${others.length > 1 ? 'theirs' : 'its'}.`;
      findings.push({
        key: error.replace(/[^a-z0-9]+/gi, '-').toLowerCase(),
        title: `TLS to the datastore fails on ${names.join(', ')}: ${error}${targets.length > 0 ? ` (${targets.slice(0, 2).join(', ')})` : ''}`,
        message: `${perNode.join('; ')}: ${ADVICE[error] ?? 'certificate verification failed'}.${behind ? ' The error says the current time is before the certificate\'s start: the node clock is behind (catalogue L1, clock skew).' : ''}${scope}`,
        nodes: names,
        evidence,
        fix: fixSteps(names, error, targets, behind),
      });
    }
    return { status: 'found', findings, collect: blindCollect(cluster.nodes) };
  },
};
