/**
 * Kubernetes service addresses a bundle reveals (the service CIDR is not collected): the
 * addresses on `kube-ipvs0` (kube-proxy IPVS mode binds every ClusterIP there), and the
 * `kubernetes` ClusterIP calico-node dials for the API (`https://10.96.0.1:443`,
 * `dial tcp 10.96.0.1:443`) in Calico log lines kept by the parsers.
 */
import type { Evidence } from '../model/finding.js';
import type { ClusterModel, NodeModel } from '../model/node.js';
import { artifactFile, lineEvidence } from './evidence.js';
import { nodeAddresses4 } from './node-identity.js';

export interface ServiceAddress {
  ip: string;
  how: string;
  evidence: Evidence;
}

const API_DIAL = /(?:https:\/\/|dial tcp )(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):443\b/;

function fromLogs(n: NodeModel, hostIPs: Set<string>): ServiceAddress[] {
  const out: ServiceAddress[] = [];
  for (const l of [n.confd, n.felix, n.containerLog, n.cni, n.agent]) {
    if (l === undefined) continue;
    const refs = [...l.notable, ...Object.values(l.signatures).flatMap((s) => s.refs)];
    for (const r of refs) {
      const m = API_DIAL.exec(r.text);
      if (m === null || hostIPs.has(m[1]!)) continue;
      if (out.some((o) => o.ip === m[1])) continue;
      out.push({ ip: m[1]!, how: 'the API address calico-node dials (the `kubernetes` ClusterIP)', evidence: lineEvidence(n, r.file, r) });
    }
  }
  return out;
}

export function serviceAddresses(cluster: ClusterModel): ServiceAddress[] {
  const hostIPs = new Set(cluster.nodes.flatMap((n) => nodeAddresses4(n).map((a) => a.address)));
  const out: ServiceAddress[] = [];
  for (const n of cluster.nodes) {
    const ipvs = n.interfaces4.find((i) => i.name === 'kube-ipvs0');
    for (const a of ipvs?.addresses ?? []) {
      if (a.family !== 4 || out.some((o) => o.ip === a.address)) continue;
      out.push({ ip: a.address, how: 'a ClusterIP bound on kube-ipvs0', evidence: lineEvidence(n, artifactFile(n, 'ipv4_addr'), a) });
    }
    for (const s of fromLogs(n, hostIPs)) if (!out.some((o) => o.ip === s.ip)) out.push(s);
  }
  return out;
}
