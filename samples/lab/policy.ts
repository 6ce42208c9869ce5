/**
 * Calico network policy in the lab: GlobalNetworkPolicies of a scenario rendered into the chains Felix
 * (v3.30/v3.31) programs for them — `cali-tw-<iface>`/`cali-fw-<iface>` jumping to
 * `cali-pi-`/`cali-po-<policy>` in order, `Start of tier default`, `Return if policy accepted`,
 * `End of tier default. Drop if no policies passed packet`; host endpoints `cali-th-<iface>`/
 * `cali-fh-<iface>` with `cali-failsafe-out`/`cali-failsafe-in` — loaded with the real
 * `iptables-restore --noflush` into the node namespace, so real traffic moves real counters; and the
 * YAML the customer exports (`calicoctl get globalnetworkpolicy -o yaml`, `felixconfiguration`).
 *
 * Chain names follow Felix's PolicyChainName (v3.29–v3.31: prefix + `<tier>/<name>`, the stored name of a
 * default-tier policy being `default.<name>`, hashed as prefix + `_` + base64url(SHA-256) when longer
 * than 28 characters). Computed here on its own, not with the analyzer's code.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { caliHash, type Workload } from './dataplane.js';
import type { NodeSpec, Scenario } from './scenario.js';

export interface LabPolicyRule {
  action: 'Allow' | 'Deny';
  protocol?: 'TCP' | 'UDP' | 'ICMP';
  ports?: number[];
}

export interface LabPolicy {
  name: string;
  order?: number;
  selector: string;
  types: Array<'Ingress' | 'Egress'>;
  ingress?: LabPolicyRule[];
  egress?: LabPolicyRule[];
  /** Lab only: what the selector matches: every pod of these nodes, or (hostEndpoint) their host endpoint on that interface. */
  selects: { nodes: string[]; hostEndpoint?: string };
}

/** Failsafe ports as FelixConfiguration writes them (`tcp:22`). */
export interface LabFailsafe {
  inbound: string[];
  outbound: string[];
}

function chainName(prefix: string, suffix: string): string {
  if (prefix.length + suffix.length <= 28) return prefix + suffix;
  return prefix + '_' + createHash('sha256').update(suffix).digest('base64url').slice(0, 28 - 1 - prefix.length);
}

/** Felix's policy chain for a default-tier GlobalNetworkPolicy (v3.29–v3.31 policy id `default/default.<name>`). */
export function labPolicyChain(p: LabPolicy, dir: 'ingress' | 'egress'): string {
  return chainName(dir === 'ingress' ? 'cali-pi-' : 'cali-po-', `default/default.${p.name}`);
}

class Rules {
  readonly lines: string[] = [];
  readonly chains = new Set<string>();
  private readonly idx = new Map<string, number>();
  add(chain: string, match: string, target: string, comment?: string): void {
    this.chains.add(chain);
    const i = this.idx.get(chain) ?? 0;
    this.idx.set(chain, i + 1);
    const cali = `-m comment --comment "cali:${caliHash(`policy/${chain}/${i}/${match}/${target}`)}"`;
    const extra = comment !== undefined ? ` -m comment --comment "${comment}"` : '';
    const m = /^((?:-[io] \S+ ?)*)(.*)$/.exec(match)!;
    const parts = [`-A ${chain}`];
    if (m[1]!.trim()) parts.push(m[1]!.trim());
    // Felix writes the protocol before the comment.
    const proto = /^(-p \S+) ?(.*)$/.exec(m[2]!.trim());
    if (proto) parts.push(proto[1]!);
    parts.push(cali + extra);
    const rest = proto ? proto[2]! : m[2]!.trim();
    if (rest) parts.push(rest);
    parts.push(target);
    this.lines.push(parts.join(' '));
  }
}

function ruleMatch(r: LabPolicyRule): string {
  const parts: string[] = [];
  if (r.protocol) parts.push(`-p ${r.protocol.toLowerCase()}`);
  if (r.ports && r.ports.length > 0) parts.push(`-m multiport --dports ${r.ports.join(',')}`);
  return parts.join(' ');
}

function renderPolicyChain(out: Rules, p: LabPolicy, dir: 'ingress' | 'egress'): string {
  const chain = labPolicyChain(p, dir);
  if (out.chains.has(chain)) return chain;
  const rules = (dir === 'ingress' ? p.ingress : p.egress) ?? [];
  let first = true;
  const named = (): string | undefined => {
    if (!first) return undefined;
    first = false;
    return `Policy default.${p.name} ${dir}`;
  };
  for (const r of rules) {
    if (r.action === 'Deny') {
      out.add(chain, ruleMatch(r), '-j DROP', named());
    } else {
      out.add(chain, ruleMatch(r), '-j MARK --set-xmark 0x10000/0x10000', named());
      out.add(chain, '-m mark --mark 0x10000/0x10000', '-j RETURN');
    }
  }
  if (rules.length === 0) out.chains.add(chain);
  return chain;
}

function sorted(ps: LabPolicy[]): LabPolicy[] {
  return [...ps].sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || (a.name < b.name ? -1 : 1));
}

/** The tier part of an endpoint chain: jumps in order, return on accept, end-of-tier drop. */
function tier(out: Rules, chain: string, policies: LabPolicy[], dir: 'ingress' | 'egress'): void {
  out.add(chain, '', '-j MARK --set-xmark 0x0/0x20000', 'Start of tier default');
  for (const p of sorted(policies)) {
    const target = renderPolicyChain(out, p, dir);
    out.add(chain, '-m mark --mark 0x0/0x20000', `-j ${target}`);
    out.add(chain, '-m mark --mark 0x10000/0x10000', '-j RETURN', 'Return if policy accepted');
  }
  out.add(chain, '-m mark --mark 0x0/0x20000', '-j DROP', 'End of tier default. Drop if no policies passed packet');
}

function failsafeChain(out: Rules, chain: string, ports: string[], dir: 'in' | 'out'): void {
  out.chains.add(chain);
  for (const proto of ['tcp', 'udp']) {
    const list = ports.filter((p) => p.startsWith(`${proto}:`)).map((p) => p.slice(proto.length + 1));
    if (list.length === 0) continue;
    out.add(chain, `-p ${proto} -m multiport --${dir === 'in' ? 'dports' : 'dports'} ${list.join(',')}`, '-j ACCEPT');
  }
}

/** `iptables-restore --noflush` input replacing the node's endpoint chains that policies select. */
export function policyRestore(s: Scenario, node: NodeSpec, workloads: Workload[]): string | undefined {
  const mine = (s.policies ?? []).filter((p) => p.selects.nodes.includes(node.hostname));
  if (mine.length === 0) return undefined;
  const out = new Rules();
  const wl = mine.filter((p) => p.selects.hostEndpoint === undefined);
  for (const w of workloads) {
    for (const dir of ['ingress', 'egress'] as const) {
      const ps = wl.filter((p) => p.types.includes(dir === 'ingress' ? 'Ingress' : 'Egress'));
      if (ps.length === 0) continue;
      const chain = `${dir === 'ingress' ? 'cali-tw-' : 'cali-fw-'}${w.iface}`;
      out.add(chain, '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');
      out.add(chain, '-m conntrack --ctstate INVALID', '-j DROP');
      out.add(chain, '', '-j MARK --set-xmark 0x0/0x30000');
      if (dir === 'egress') {
        out.add(chain, '-p udp -m multiport --dports 4789', '-j DROP', 'Drop VXLAN encapped packets originating in workloads');
        out.add(chain, '-p ipencap', '-j DROP', 'Drop IPinIP encapped packets originating in workloads');
      }
      tier(out, chain, ps, dir);
      const profile = dir === 'ingress' ? 'cali-pri-kns.default' : 'cali-pro-kns.default';
      out.add(chain, '', `-j ${profile}`);
      out.add(chain, '-m mark --mark 0x10000/0x10000', '-j RETURN', 'Return if profile accepted');
      out.add(chain, '', '-j DROP', 'Drop if no profiles matched');
    }
  }
  const heps = mine.filter((p) => p.selects.hostEndpoint !== undefined);
  const ifaces = [...new Set(heps.map((p) => p.selects.hostEndpoint!))];
  const fs = s.failsafe ?? { inbound: ['tcp:22', 'udp:68', 'tcp:179', 'tcp:2379', 'tcp:2380', 'tcp:5473', 'tcp:6443', 'tcp:6666', 'tcp:6667'], outbound: ['udp:53', 'udp:67', 'tcp:179', 'tcp:2379', 'tcp:2380', 'tcp:5473', 'tcp:6443', 'tcp:6666', 'tcp:6667'] };
  if (ifaces.length > 0) {
    failsafeChain(out, 'cali-failsafe-in', fs.inbound, 'in');
    failsafeChain(out, 'cali-failsafe-out', fs.outbound, 'out');
  }
  for (const iface of ifaces) {
    const ps = heps.filter((p) => p.selects.hostEndpoint === iface);
    for (const dir of ['ingress', 'egress'] as const) {
      const chain = `${dir === 'ingress' ? 'cali-fh-' : 'cali-th-'}${iface}`;
      out.add(dir === 'ingress' ? 'cali-from-host-endpoint' : 'cali-to-host-endpoint', dir === 'ingress' ? `-i ${iface}` : `-o ${iface}`, `-g ${chain}`);
      out.add(chain, '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');
      out.add(chain, '-m conntrack --ctstate INVALID', '-j DROP');
      out.add(chain, '', `-j ${dir === 'ingress' ? 'cali-failsafe-in' : 'cali-failsafe-out'}`);
      out.add(chain, '', '-j MARK --set-xmark 0x0/0x30000');
      const dirPs = ps.filter((p) => p.types.includes(dir === 'ingress' ? 'Ingress' : 'Egress'));
      if (dirPs.length > 0) tier(out, chain, dirPs, dir);
      else out.add(chain, '', '-j DROP', 'Drop if no profiles matched');
    }
  }
  // Declaring a chain in a --noflush restore flushes it; dispatch chains get only our rules appended.
  const flushed = [...out.chains].filter((c) => c !== 'cali-from-host-endpoint' && c !== 'cali-to-host-endpoint');
  const lines = ['*filter', ...flushed.sort().map((c) => `:${c} - [0:0]`), ...out.lines, 'COMMIT', ''];
  return lines.join('\n');
}

/** `calicoctl get globalnetworkpolicy -o yaml` and (failsafe ports overridden) `calicoctl get felixconfiguration -o yaml`. */
function uid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function policyResources(s: Scenario, created: Date): Record<string, string> {
  if (!s.policies || s.policies.length === 0) return {};
  const ts = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let rv = 5100;
  const ruleYaml = (r: LabPolicyRule) => {
    const o: Record<string, unknown> = { action: r.action };
    if (r.protocol) o.protocol = r.protocol;
    o.destination = r.ports ? { ports: r.ports } : {};
    o.source = {};
    return o;
  };
  const items = s.policies.map((p) => {
    const spec: Record<string, unknown> = {};
    if (p.egress) spec.egress = p.egress.map(ruleYaml);
    if (p.ingress) spec.ingress = p.ingress.map(ruleYaml);
    if (p.order !== undefined) spec.order = p.order;
    spec.selector = p.selector;
    spec.tier = 'default';
    spec.types = p.types;
    return {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { creationTimestamp: ts, name: p.name, resourceVersion: String((rv += 41)), uid: uid(`${s.id}/gnp/${p.name}`) },
      spec,
    };
  });
  const out: Record<string, string> = {
    globalnetworkpolicy: stringify({ apiVersion: 'projectcalico.org/v3', items, kind: 'GlobalNetworkPolicyList', metadata: { resourceVersion: '48213' } }, { lineWidth: 0 }),
  };
  if (s.failsafe) {
    const port = (x: string) => ({ port: Number(x.split(':')[1]), protocol: x.split(':')[0]!.toUpperCase() });
    const fc = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'FelixConfiguration',
      metadata: { creationTimestamp: ts, name: 'default', resourceVersion: String((rv += 41)), uid: uid(`${s.id}/felixconfiguration/default`) },
      spec: {
        bpfLogLevel: '',
        failsafeInboundHostPorts: s.failsafe.inbound.map(port),
        failsafeOutboundHostPorts: s.failsafe.outbound.map(port),
        floatingIPs: 'Disabled',
        logSeverityScreen: 'Info',
        reportingInterval: '0s',
      },
    };
    out.felixconfiguration = stringify({ apiVersion: 'projectcalico.org/v3', items: [fc], kind: 'FelixConfigurationList', metadata: { resourceVersion: '48213' } }, { lineWidth: 0 });
  }
  return out;
}
