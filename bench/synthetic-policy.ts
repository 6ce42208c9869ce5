import { createHash } from 'node:crypto';
import { SyntheticRng } from './synthetic-rng.js';

/**
 * The network policies of a synthetic cluster and the names Felix gives their iptables chains
 * (v3.28-v3.31 iptables dataplane, read from projectcalico/calico `felix/rules/policy.go`,
 * `felix/rules/endpoints.go`, `libcalico-go/lib/hash` GetLengthLimitedID):
 *
 * - policy id `default.<name>` (GlobalNetworkPolicy), `<ns>/default.<name>` (NetworkPolicy),
 *   `<ns>/knp.default.<name>` (Kubernetes NetworkPolicy); chain `cali-pi-`/`cali-po-` +
 *   `<tier>/<id>`, which at more than 28 characters becomes the prefix + `_` + the first characters
 *   of base64url(SHA-256(suffix)) (so every default-tier policy chain is hashed);
 * - consecutive policies with one selector form a group: `cali-gi-`/`cali-go-` + 20 characters of
 *   base64url(SHA3-224) of the group, jumps every 5 policies broken by a "Return on verdict";
 * - the first rule of a policy chain carries `Policy <id> ingress|egress`, of a profile chain
 *   `Profile <name> ingress|egress`.
 *
 * Written independently of src/combiners/policy-chains.ts (the analyzer's copy), so a test of the
 * analyzer against this generator checks two readings of Felix against each other.
 */

export interface SynthRule {
  action: 'Allow' | 'Deny';
  protocol?: 'TCP' | 'UDP';
  ports?: number[];
  /** `source.selector` (ingress) or `destination.selector` (egress): an IP set of the pods it selects. */
  peerSelector?: string;
  /** `destination.nets` (egress) or `source.nets` (ingress). */
  nets?: string[];
}

export interface SynthPolicy {
  kind: 'GlobalNetworkPolicy' | 'NetworkPolicy';
  /** Name as `calicoctl get -o yaml` shows it (without the `default.` tier prefix); `knp.default.<name>` for a Kubernetes policy. */
  name: string;
  namespace?: string;
  order?: number;
  selector: string;
  /** Which workloads the selector picks: all, one namespace, one app in a namespace. */
  selects: { ns?: string; app?: string };
  ingress: SynthRule[];
  egress: SynthRule[];
  /** A Kubernetes NetworkPolicy: rendered by Felix, absent from `calicoctl get networkpolicy`. */
  k8s?: boolean;
}

/** iptables' chain name limit (Felix MaxChainNameLength). */
const MAX_CHAIN = 28;

/** libcalico-go GetLengthLimitedID. */
export function limitedId(prefix: string, suffix: string): string {
  if (prefix.length + suffix.length > MAX_CHAIN || (prefix.length + suffix.length === MAX_CHAIN && suffix.startsWith('_'))) {
    return prefix + '_' + createHash('sha256').update(suffix).digest('base64url').slice(0, MAX_CHAIN - prefix.length - 1);
  }
  return prefix + suffix;
}

/** Felix's policy id (v3.31): `default.allow-dns`, `shop/default.allow-api`, `shop/knp.default.x`. */
export function felixPolicyId(p: SynthPolicy): string {
  const name = p.k8s || p.name.startsWith('default.') ? p.name : `default.${p.name}`;
  return p.namespace !== undefined ? `${p.namespace}/${name}` : name;
}

export function policyChain(p: SynthPolicy, dir: 'ingress' | 'egress'): string {
  return limitedId(dir === 'ingress' ? 'cali-pi-' : 'cali-po-', `default/${felixPolicyId(p)}`);
}

export function profileChain(profile: string, dir: 'ingress' | 'egress'): string {
  return limitedId(dir === 'ingress' ? 'cali-pri-' : 'cali-pro-', profile);
}

/** `cali-gi-`/`cali-go-` + 20 characters of the group's SHA3-224 (felix/rules PolicyGroup.UniqueID). */
export function groupChain(group: SynthPolicy[], dir: 'ingress' | 'egress'): string {
  const h = createHash('sha3-224');
  for (const s of [group[0]!.selector, dir === 'ingress' ? 'inbound' : 'outbound', String(group.length), ...group.map((p) => `default/${felixPolicyId(p)}`)]) h.update(s + '\n');
  return (dir === 'ingress' ? 'cali-gi-' : 'cali-go-') + h.digest('base64url').slice(0, 20);
}

/** Felix's IP set for a selector: `cali40s:` + 23 characters of a hash of the selector. */
export function selectorSet(selector: string): string {
  return 'cali40s:' + createHash('sha224').update(selector).digest('base64url').slice(0, 23);
}

/** Policies that apply to a workload in one direction, in Felix's order (order, then name), grouped as Felix groups them. */
export function policyGroups(policies: readonly SynthPolicy[], w: { ns: string; app: string }, dir: 'ingress' | 'egress'): SynthPolicy[][] {
  const active = policies
    .filter((p) => (dir === 'ingress' ? p.ingress : p.egress).length > 0)
    .filter((p) => (p.selects.ns === undefined || p.selects.ns === w.ns) && (p.selects.app === undefined || p.selects.app === w.app));
  active.sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || (felixPolicyId(a) < felixPolicyId(b) ? -1 : 1));
  const groups: SynthPolicy[][] = [];
  for (const p of active) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]!.selector === p.selector && last[0]!.namespace === p.namespace) last.push(p);
    else groups.push([p]);
  }
  return groups;
}

const PORTS = [80, 443, 8080, 8443, 9090, 3000, 5432, 6379];
const PARTNER_PORTS = [443, 8443, 9443, 5671, 6443];

/**
 * The cluster's policies: DNS egress and in-cluster egress for all pods, a threat-feed Deny, a
 * Prometheus scrape allow, per-namespace `allow-same-namespace` (Kubernetes) and per-app ingress
 * pairs (one selector, so Felix groups them), and per-namespace partner egress policies holding
 * `partnerRules` rules of 4-12 CIDRs each in all (the part that scales with the bench's size: thousands of rules on a
 * big node). Every policy allows what the healthy cluster sends; only the threat feed denies.
 */
export function planPolicies(seed: number, namespaces: readonly string[], appsByNs: ReadonlyMap<string, readonly string[]>, partnerRules: number): SynthPolicy[] {
  const rng = SyntheticRng.derive(seed, 7);
  const out: SynthPolicy[] = [
    {
      kind: 'GlobalNetworkPolicy', name: 'allow-dns-egress', order: 100, selector: 'all()', selects: {}, ingress: [],
      egress: [
        { action: 'Allow', protocol: 'UDP', ports: [53], peerSelector: "k8s-app == 'kube-dns'" },
        { action: 'Allow', protocol: 'TCP', ports: [53], peerSelector: "k8s-app == 'kube-dns'" },
      ],
    },
    { kind: 'GlobalNetworkPolicy', name: 'deny-threat-feeds', order: 50, selector: 'all()', selects: {}, ingress: [], egress: [{ action: 'Deny', peerSelector: "threatfeed == 'blocklist'" }] },
    {
      kind: 'GlobalNetworkPolicy', name: 'allow-prometheus-scrape', order: 200, selector: 'all()', selects: {},
      ingress: [{ action: 'Allow', protocol: 'TCP', ports: [9090, 9100], peerSelector: "app == 'prometheus'" }], egress: [],
    },
    {
      kind: 'GlobalNetworkPolicy', name: 'allow-cluster-egress', order: 1000, selector: 'all()', selects: {}, ingress: [],
      egress: [{ action: 'Allow', nets: ['192.168.0.0/16'] }, { action: 'Allow', nets: ['10.96.0.0/12'] }, { action: 'Allow', protocol: 'TCP', ports: [443, 6443], nets: ['10.0.0.0/16'] }],
    },
  ];
  for (const ns of namespaces) {
    out.push({
      kind: 'NetworkPolicy', name: 'knp.default.allow-same-namespace', namespace: ns, k8s: true, order: 1000,
      selector: "projectcalico.org/orchestrator == 'k8s'", selects: { ns },
      ingress: [{ action: 'Allow', peerSelector: `projectcalico.org/namespace == '${ns}'` }], egress: [],
    });
    for (const app of appsByNs.get(ns) ?? []) {
      const port = PORTS[app.length % PORTS.length]!;
      out.push(
        { kind: 'NetworkPolicy', name: `allow-${app}`, namespace: ns, order: 100, selector: `app == '${app}'`, selects: { ns, app }, egress: [],
          ingress: [{ action: 'Allow', protocol: 'TCP', ports: [port], peerSelector: "role == 'frontend'" }, { action: 'Allow', protocol: 'TCP', ports: [port], peerSelector: "app == 'gateway'" }] },
        { kind: 'NetworkPolicy', name: `${app}-metrics`, namespace: ns, order: 100, selector: `app == '${app}'`, selects: { ns, app }, egress: [],
          ingress: [{ action: 'Allow', protocol: 'TCP', ports: [9102], peerSelector: "app == 'prometheus'" }] },
      );
    }
  }
  // Partner egress: per namespace, policies of up to 60 CIDR rules each, one selector per namespace (a group).
  const perNs = Math.ceil(partnerRules / Math.max(1, namespaces.length));
  for (const ns of namespaces) {
    for (let left = perNs, k = 0; left > 0; k++) {
      const n = Math.min(60, left);
      left -= n;
      const egress: SynthRule[] = [];
      for (let i = 0; i < n; i++) {
        const nets = Array.from({ length: rng.int(4, 12) }, () => `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.0/${rng.pick([24, 24, 28, 32])}`.replace(/\.0\/32$/, `.${rng.int(1, 254)}/32`));
        egress.push({ action: 'Allow', protocol: 'TCP', ports: [rng.pick(PARTNER_PORTS)], nets });
      }
      out.push({ kind: 'GlobalNetworkPolicy', name: `egress-partners-${ns}-${String(k + 1).padStart(3, '0')}`, order: 500 + k, selector: `projectcalico.org/namespace == '${ns}'`, selects: { ns }, ingress: [], egress });
    }
  }
  return out;
}

/** Selectors whose IP sets the policies match on (peer selectors): each becomes an ipset `cali40s:…`. */
export function peerSelectors(policies: readonly SynthPolicy[]): string[] {
  const s = new Set<string>();
  for (const p of policies) for (const r of [...p.ingress, ...p.egress]) if (r.peerSelector !== undefined) s.add(r.peerSelector);
  return [...s].sort();
}
