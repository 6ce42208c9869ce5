/**
 * What the customer exported with `calicoctl get <kind> -o yaml` for a lab cluster: `IPPoolList`,
 * `NodeList`, `BGPConfigurationList`, `BGPPeerList` (apiVersion projectcalico.org/v3), with the
 * metadata calicoctl prints (name, uid, resourceVersion, creationTimestamp) and the spec fields in
 * calicoctl's order.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Scenario } from './scenario.js';
import { RR_PEER_NAME, rrPeerResource } from './bgp-peers.js';

function uid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function list(kind: string, items: unknown[]): string {
  return stringify({ apiVersion: 'projectcalico.org/v3', items, kind: `${kind}List`, metadata: { resourceVersion: '48213' } }, { lineWidth: 0 });
}

export function renderResources(s: Scenario, created: Date): Record<string, string> {
  const ts = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let rv = 1200;
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({
    ...extra,
    creationTimestamp: ts,
    name,
    resourceVersion: String((rv += 37)),
    uid: uid(`${s.id}/${name}`),
  });
  const pool = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: meta(s.pool.name),
    spec: {
      allowedUses: ['Workload', 'Tunnel'],
      blockSize: s.pool.blockSize,
      cidr: s.pool.cidr,
      ipipMode: s.pool.ipipMode,
      natOutgoing: s.pool.natOutgoing,
      nodeSelector: 'all()',
      vxlanMode: s.pool.vxlanMode,
    },
  };
  const nodes = s.nodes.map((n) => {
    const bgp: Record<string, unknown> = {};
    if (n.asNumber !== undefined) bgp.asNumber = n.asNumber;
    bgp.ipv4Address = n.calicoAddress ?? `${n.ip}/24`;
    if (n.routeReflector !== undefined) bgp.routeReflectorClusterID = n.routeReflector;
    const rrLabel: Record<string, string> = n.routeReflector !== undefined ? { 'route-reflector': 'true' } : {};
    return {
      apiVersion: 'projectcalico.org/v3',
      kind: 'Node',
      metadata: meta(n.hostname, {
        annotations: { 'projectcalico.org/kube-labels': JSON.stringify({ 'kubernetes.io/hostname': n.hostname, 'kubernetes.io/os': 'linux' }) },
        labels: { 'kubernetes.io/hostname': n.hostname, 'kubernetes.io/os': 'linux', ...rrLabel },
      }),
      spec: {
        addresses: [{ address: n.calicoAddress ?? `${n.ip}/24`, type: 'CalicoNodeIP' }, { address: n.ip, type: 'InternalIP' }],
        bgp,
        orchRefs: [{ nodeName: n.hostname, orchestrator: 'k8s' }],
      },
      status: { podCIDRs: [] as string[] },
    };
  });
  const bgpConfig = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'BGPConfiguration',
    metadata: meta('default'),
    spec: {
      asNumber: s.asNumber,
      logSeverityScreen: s.nodes.some((n) => n.debugAll) ? 'Debug' : 'Info',
      nodeToNodeMeshEnabled: !s.meshDisabled,
    },
  };
  return {
    ippool: list('IPPool', [pool]),
    node: list('Node', nodes),
    bgpconfiguration: list('BGPConfiguration', [bgpConfig]),
    bgppeer: list('BGPPeer', s.rrPeering ? [{ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: meta(RR_PEER_NAME), spec: rrPeerResource() }] : []),
  };
}
