/**
 * Felix's iptables chain names for endpoints, policies and profiles, computed the way Felix
 * computes them (read from projectcalico/calico: `felix/rules/rule_defs.go` for the prefixes,
 * `felix/rules/endpoints.go` EndpointChainName, `felix/rules/policy.go` PolicyChainName and
 * ProfileChainName, `libcalico-go/lib/hash` GetLengthLimitedID, `felix/types/policy_id.go`):
 *
 * - endpoint chains: `cali-tw-<iface>` (to workload: ingress policy), `cali-fw-<iface>` (from
 *   workload: egress), `cali-th-<iface>` (to host endpoint: egress from the host), `cali-fh-<iface>`
 *   (from host endpoint: ingress to the host), `cali-thfw-`/`cali-fhfw-` (applyOnForward);
 * - policy chains: `cali-pi-` (inbound) / `cali-po-` (outbound) + the policy id; profile chains
 *   `cali-pri-` / `cali-pro-` + the profile name (`kns.<namespace>`, `ksa.<namespace>.<sa>`);
 *   policy group chains `cali-gi-` / `cali-go-` (several policies with one selector);
 * - a name longer than 28 characters (iptables' limit) becomes prefix + `_` + the first
 *   (28 - len(prefix) - 1) characters of base64url(SHA-256(suffix)); so does a suffix that starts
 *   with `_` and fills the limit exactly.
 *
 * The policy id is `<tier>/<name>` (GlobalNetworkPolicy) or `<tier>/<namespace>/<name>`
 * (NetworkPolicy) up to v3.31, where a default-tier policy's stored name is `default.<name>` and a
 * Kubernetes NetworkPolicy is `knp.default.<name>`; from v3.32 it is `<kind>/<name>` or
 * `<kind>/<namespace>/<name>` with kind `gnp`, `np` or `knp`. `policyChainCandidates` lists every
 * form, so a chain in a dump is matched to its policy whatever the version.
 */
import { createHash } from 'node:crypto';

/** iptables' chain name limit (felix/iptables/table.go MaxChainNameLength). */
export const IPTABLES_MAX_CHAIN_NAME = 28;

export type ChainKind = 'workload' | 'host' | 'policy' | 'profile' | 'group';
export type Direction = 'ingress' | 'egress';

export interface ChainClass {
  kind: ChainKind;
  prefix: string;
  /** Ingress (to the endpoint) or egress (from it), as the endpoint sees it. */
  direction: Direction;
  /** What follows the prefix: interface, policy id (or `_<hash>`), profile name. */
  suffix: string;
  /** `cali-thfw-`/`cali-fhfw-`: host endpoint policy applied to forwarded traffic. */
  forward?: boolean;
}

/** Prefix → what it names. Longest first, so `cali-thfw-` is tried before `cali-th-`. */
const PREFIXES: readonly (readonly [string, ChainKind, Direction, boolean])[] = [
  ['cali-thfw-', 'host', 'egress', true],
  ['cali-fhfw-', 'host', 'ingress', true],
  ['cali-pri-', 'profile', 'ingress', false],
  ['cali-pro-', 'profile', 'egress', false],
  ['cali-tw-', 'workload', 'ingress', false],
  ['cali-fw-', 'workload', 'egress', false],
  ['cali-th-', 'host', 'egress', false],
  ['cali-fh-', 'host', 'ingress', false],
  ['cali-pi-', 'policy', 'ingress', false],
  ['cali-po-', 'policy', 'egress', false],
  ['cali-gi-', 'group', 'ingress', false],
  ['cali-go-', 'group', 'egress', false],
];

/**
 * Answers already given, by chain name: the policy tables ask again for every rule that jumps to a
 * chain (thousands of times per node for the same few hundred names). Cleared when it gets large.
 */
const classified = new Map<string, Readonly<ChainClass> | undefined>();
const MAX_CLASSIFIED = 50_000;

/** Which Felix chain family a chain belongs to, or undefined for any other chain (the same frozen object for the same name). */
export function classifyChain(name: string): Readonly<ChainClass> | undefined {
  if (!name.startsWith('cali-')) return undefined;
  const known = classified.get(name);
  if (known !== undefined || classified.has(name)) return known;
  let found: ChainClass | undefined;
  for (const [prefix, kind, direction, forward] of PREFIXES) {
    if (name.length > prefix.length && name.startsWith(prefix)) {
      found = { kind, prefix, direction, suffix: name.slice(prefix.length) };
      if (forward) found.forward = true;
      break;
    }
  }
  if (classified.size >= MAX_CLASSIFIED) classified.clear();
  classified.set(name, found === undefined ? undefined : Object.freeze(found));
  return found;
}

/** libcalico-go GetLengthLimitedID: prefix + suffix, or prefix + `_` + truncated base64url SHA-256 of the suffix. */
export function lengthLimitedId(prefix: string, suffix: string, maxLength = IPTABLES_MAX_CHAIN_NAME): string {
  const s = suffix.length === 0 ? '_' : suffix;
  const total = prefix.length + Buffer.byteLength(s);
  if (total > maxLength || (total === maxLength && s.startsWith('_'))) {
    const hash = createHash('sha256').update(s).digest('base64url');
    const left = maxLength - 1 - prefix.length;
    if (left <= 0) return prefix + '_';
    return prefix + '_' + hash.slice(0, left);
  }
  return prefix + s;
}

/** `cali-tw-<iface>` and friends. */
export function endpointChainName(prefix: 'cali-tw-' | 'cali-fw-' | 'cali-th-' | 'cali-fh-' | 'cali-thfw-' | 'cali-fhfw-', iface: string): string {
  return lengthLimitedId(prefix, iface);
}

/** `cali-pri-`/`cali-pro-` + profile name (`kns.default`, `ksa.default.default`). */
export function profileChainName(direction: Direction, profile: string): string {
  return lengthLimitedId(direction === 'ingress' ? 'cali-pri-' : 'cali-pro-', profile);
}

export interface PolicyIdentity {
  kind: 'GlobalNetworkPolicy' | 'NetworkPolicy';
  /** Name as exported (`allow-dns`, `default.allow-dns`, `knp.default.deny-all`, `platform.allow-dns`). */
  name: string;
  namespace?: string;
  /** `spec.tier`, default `default`. */
  tier: string;
}

/**
 * Policy ids Felix may have used for this policy (every version): `<tier>/<name>` with and without
 * the `<tier>.` prefix on the name, `<tier>/<ns>/<name>`, and the v3.32+ `<kind>/[<ns>/]<name>`.
 */
export function policyIdCandidates(p: PolicyIdentity): string[] {
  const names = new Set<string>([p.name]);
  const tierPrefix = `${p.tier}.`;
  if (p.name.startsWith(tierPrefix)) names.add(p.name.slice(tierPrefix.length));
  else names.add(tierPrefix + p.name);
  // Kubernetes NetworkPolicy: stored as knp.default.<name> up to v3.31, kind knp with the plain name after.
  let knpName: string | undefined;
  if (p.name.startsWith('knp.default.')) knpName = p.name.slice('knp.default.'.length);
  const ids: string[] = [];
  for (const n of names) ids.push(p.namespace !== undefined ? `${p.tier}/${p.namespace}/${n}` : `${p.tier}/${n}`);
  const plain = p.name.startsWith(tierPrefix) ? p.name.slice(tierPrefix.length) : p.name;
  if (p.namespace !== undefined) {
    ids.push(`np/${p.namespace}/${plain}`, `np/${p.namespace}/${p.name}`);
    if (knpName !== undefined) ids.push(`knp/${p.namespace}/${knpName}`);
  } else {
    ids.push(`gnp/${plain}`, `gnp/${p.name}`);
  }
  return [...new Set(ids)];
}

/** Every chain name Felix may have given this policy in this direction. */
export function policyChainCandidates(p: PolicyIdentity, direction: Direction): string[] {
  const prefix = direction === 'ingress' ? 'cali-pi-' : 'cali-po-';
  return [...new Set(policyIdCandidates(p).map((id) => lengthLimitedId(prefix, id)))];
}

/** Kubernetes namespace / service account profiles behind a `cali-pri-`/`cali-pro-` suffix (when not hashed). */
export function describeProfile(suffix: string): string {
  if (suffix.startsWith('kns.')) return `namespace ${suffix.slice(4)}`;
  if (suffix.startsWith('ksa.')) return `service account ${suffix.slice(4)}`;
  if (suffix.startsWith('_')) return `profile (hashed name ${suffix})`;
  return `profile ${suffix}`;
}
