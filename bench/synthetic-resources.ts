import { SyntheticRng } from './synthetic-rng.js';
import type { SynthCluster } from './synthetic-cluster.js';
import type { SynthPolicy, SynthRule } from './synthetic-policy.js';

/**
 * Exported Calico resources of the synthetic cluster, as `calicoctl get <kind> -o yaml` prints them
 * (a `<Kind>List` of `projectcalico.org/v3` objects; calicoctl marshals through JSON, so keys come out
 * sorted and lists sit at their parent's indent, go-yaml v2 style), and the same objects in the storage
 * form of `calicoctl cluster diags` (`cluster/crd/<plural>.crd.projectcalico.org.yaml`: a `kind: List`
 * of `crd.projectcalico.org/v1` objects whose policy names carry the tier prefix).
 */

type Yaml = string | number | boolean | Yaml[] | { [k: string]: Yaml | undefined };

const PLAIN_UNSAFE = /^[\s\-?:,[\]{}#&*!|>'"%@`]|: | #|\s$|^$/;
const LOOKS_TYPED = /^(?:[-+]?(?:\d[\d_]*)?\.?\d+(?:e[-+]?\d+)?|0x[0-9a-f]+|true|false|yes|no|on|off|null|~|\d{4}-\d{2}-\d{2}(?:[Tt ].*)?)$/i;

function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  if (PLAIN_UNSAFE.test(v) || LOOKS_TYPED.test(v)) return JSON.stringify(v);
  return v;
}

/** go-yaml v2 emitter for the plain data calicoctl prints: sorted keys, `- ` items at the parent's indent. */
export function toYaml(v: Yaml, indent = ''): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return ' []\n';
    let out = '\n';
    for (const item of v) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const body = toYaml(item, indent + '  ').replace(/^\n/, '');
        out += `${indent}- ${body.slice(indent.length + 2)}`;
      } else out += `${indent}- ${scalar(item as string)}\n`;
    }
    return out;
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    if (keys.length === 0) return ' {}\n';
    let out = '\n';
    for (const k of keys) {
      const x = v[k]!;
      if (Array.isArray(x)) out += `${indent}${k}:${x.length === 0 ? ' []\n' : toYaml(x, indent)}`;
      else if (typeof x === 'object') out += `${indent}${k}:${toYaml(x, indent + '  ')}`;
      else out += `${indent}${k}: ${scalar(x)}\n`;
    }
    return out;
  }
  return ` ${scalar(v)}\n`;
}

interface Obj { kind: string; name: string; namespace?: string; spec: Yaml; annotations?: Record<string, string>; labels?: Record<string, string> }

function uid(rng: SyntheticRng): string {
  return `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${rng.pick(['8', '9', 'a', 'b'])}${rng.hex(3)}-${rng.hex(12)}`;
}

function rules(rs: SynthRule[], dir: 'ingress' | 'egress'): Yaml[] {
  return rs.map((r) => {
    const peer: Record<string, Yaml> = {};
    if (r.peerSelector !== undefined) peer['selector'] = r.peerSelector;
    if (r.nets !== undefined) peer['nets'] = r.nets;
    const dst: Record<string, Yaml> = dir === 'egress' ? { ...peer } : {};
    if (r.ports !== undefined) dst['ports'] = r.ports;
    const out: Record<string, Yaml> = { action: r.action };
    if (r.protocol !== undefined) out['protocol'] = r.protocol;
    if (Object.keys(dst).length > 0) out['destination'] = dst;
    if (dir === 'ingress' && Object.keys(peer).length > 0) out['source'] = peer;
    return out;
  });
}

function policySpec(p: SynthPolicy): Yaml {
  const types = [...(p.ingress.length > 0 ? ['Ingress'] : []), ...(p.egress.length > 0 ? ['Egress'] : [])];
  return {
    ...(p.ingress.length > 0 ? { ingress: rules(p.ingress, 'ingress') } : {}),
    ...(p.egress.length > 0 ? { egress: rules(p.egress, 'egress') } : {}),
    ...(p.order !== undefined ? { order: p.order } : {}),
    selector: p.selector,
    tier: 'default',
    types,
  };
}

/** Every exported resource kind with its objects, in `calicoctl get` order (by name). */
function objects(c: SynthCluster): { plural: string; kind: string; items: Obj[] }[] {
  const nodes: Obj[] = c.nodes.map((n) => ({
    kind: 'Node',
    name: n.hostname,
    labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': n.hostname, 'kubernetes.io/os': 'linux' },
    annotations: { 'projectcalico.org/kube-labels': JSON.stringify({ 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': n.hostname, 'kubernetes.io/os': 'linux' }) },
    spec: {
      addresses: [{ address: `${n.ip}/16`, type: 'CalicoNodeIP' }, { address: n.ip, type: 'InternalIP' }],
      bgp: { ipv4Address: `${n.ip}/16`, ipv4IPIPTunnelAddr: n.tunnelIp },
      orchRefs: [{ nodeName: n.hostname, orchestrator: 'k8s' }],
    },
  }));
  const calicoPolicies = c.policies.filter((p) => !p.k8s);
  const kinds: { plural: string; kind: string; items: Obj[] }[] = [
    { plural: 'ippools', kind: 'IPPool', items: [{ kind: 'IPPool', name: 'default-ipv4-ippool', spec: { allowedUses: ['Workload', 'Tunnel'], blockSize: 26, cidr: '192.168.0.0/16', ipipMode: 'Always', natOutgoing: true, nodeSelector: 'all()', vxlanMode: 'Never' } }] },
    { plural: 'nodes', kind: 'Node', items: nodes },
    { plural: 'globalnetworkpolicies', kind: 'GlobalNetworkPolicy', items: calicoPolicies.filter((p) => p.namespace === undefined).map((p) => ({ kind: p.kind, name: p.name, spec: policySpec(p) })) },
    { plural: 'networkpolicies', kind: 'NetworkPolicy', items: calicoPolicies.filter((p) => p.namespace !== undefined).map((p) => ({ kind: p.kind, name: p.name, namespace: p.namespace!, spec: policySpec(p) })) },
    { plural: 'bgppeers', kind: 'BGPPeer', items: [] },
    { plural: 'bgpconfigurations', kind: 'BGPConfiguration', items: [{ kind: 'BGPConfiguration', name: 'default', spec: { asNumber: 64512, logSeverityScreen: 'Info', nodeToNodeMeshEnabled: true } }] },
  ];
  return kinds.map((k) => ({ ...k, items: [...k.items].sort((a, b) => ((a.namespace ?? '') + '/' + a.name < (b.namespace ?? '') + '/' + b.name ? -1 : 1)) }));
}

function created(c: SynthCluster, rng: SyntheticRng): string {
  return new Date(c.startMs - rng.int(2, 30) * 86400_000 - rng.int(0, 86399) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `calicoctl get <plural> -o yaml` output for each exported kind: file name → text. */
export function calicoctlExports(c: SynthCluster): Map<string, string> {
  const rng = SyntheticRng.derive(c.seed, 0x3a);
  const listVersion = String(rng.int(400000, 900000));
  const out = new Map<string, string>();
  for (const k of objects(c)) {
    const items: Yaml[] = k.items.map((o) => ({
      apiVersion: 'projectcalico.org/v3',
      kind: o.kind,
      metadata: { annotations: o.annotations, creationTimestamp: created(c, rng), labels: o.labels, name: o.name, namespace: o.namespace, resourceVersion: String(rng.int(1000, 399999)), uid: uid(rng) },
      spec: o.spec,
    }));
    out.set(`${k.plural}.yaml`, toYaml({ apiVersion: 'projectcalico.org/v3', items, kind: `${k.kind}List`, metadata: { resourceVersion: listVersion } }).replace(/^\n/, ''));
  }
  return out;
}

/** `calicoctl cluster diags` CRD dumps (`kubectl get <crd> -A -o yaml`): file name → text. Nodes are not a CRD in KDD mode. */
export function crdDumps(c: SynthCluster): Map<string, string> {
  const rng = SyntheticRng.derive(c.seed, 0x3b);
  const out = new Map<string, string>();
  for (const k of objects(c)) {
    if (k.kind === 'Node') continue;
    const items: Yaml[] = k.items.map((o) => ({
      apiVersion: 'crd.projectcalico.org/v1',
      kind: o.kind,
      metadata: {
        annotations: o.kind.endsWith('NetworkPolicy') ? { 'projectcalico.org/metadata': '{"creationTimestamp":null}' } : undefined,
        creationTimestamp: created(c, rng),
        generation: 1,
        name: o.kind.endsWith('NetworkPolicy') ? `default.${o.name}` : o.name,
        namespace: o.namespace,
        resourceVersion: String(rng.int(1000, 399999)),
        uid: uid(rng),
      },
      spec: o.spec,
    }));
    out.set(`${k.plural}.crd.projectcalico.org.yaml`, toYaml({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } }).replace(/^\n/, ''));
  }
  return out;
}
