import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, ipAddr, iptables, NODES, POOL_YAML } from '../helpers/healthy-cluster.js';
import { declare, gnpChain, npChain, allowRule, denyRule, returnRule, twChain, POLICY_YAML } from '../helpers/policy-tables.js';
import { kubernetesPolicyOf, policyDrops } from '../../src/combiners/policy-drops.js';
import type { KubePodRow } from '../../src/model/attachments.js';
import type { PolicyInfo, PolicyStep } from '../../src/model/derived.js';

const B = NODES[1]!;
const DENY = gnpChain('default-deny');
const ALLOW = npChain('shop', 'allow-frontend');

function withTables(lines: string[]) {
  const c = healthyCluster();
  c['node-b']!.ipv4_tables = iptables({ inputRules: lines });
  return c;
}

test('ties the interface to the pod IP and node, each jump to its exported policy, in order', () => {
  const c = withTables([...declare([`cali-tw-${B.iface}`, ALLOW, DENY]), ...twChain({ iface: B.iface, policies: [{ chain: ALLOW, packets: 9 }, { chain: DENY, packets: 7 }], endOfTier: 7 }), allowRule(ALLOW, 8080, 2), returnRule(ALLOW)]);
  const { derived } = contextFrom(c, POOL_YAML + '---\n' + POLICY_YAML);
  const t = derived.policy;
  assert.equal(t.nodesWithTables, ['node-a', 'node-b', 'node-c']);
  assert.ok(t.policiesExported);
  const ep = t.endpoints.find((e) => e.iface === B.iface)!;
  assert.equal([ep.node, ep.kind, ep.podIP], ['node-b', 'workload', B.pod]);
  const [chain] = t.chains;
  assert.equal([chain!.chain, chain!.direction], [`cali-tw-${B.iface}`, 'ingress']);
  assert.equal(chain!.steps.map((s) => [s.chain, s.policy?.name, s.policy?.order, s.packets]), [[ALLOW, 'default.allow-frontend', 100, 9], [DENY, 'default.default-deny', 2000, 7]]);
  assert.equal(t.drops.map((d) => [d.kind, d.node, d.chain, d.packets, d.tier, d.policies.length]), [['end-of-tier', 'node-b', `cali-tw-${B.iface}`, 7, 'default', 2]]);
});

test('an endpoint is named after the first pod listed with its IP (kubectl get pods -o wide), none when no pod has it', () => {
  const c = withTables([...declare([`cali-tw-${B.iface}`, DENY]), ...twChain({ iface: B.iface, policies: [{ chain: DENY, packets: 7 }], endOfTier: 7 })]);
  const { cluster } = contextFrom(c, POOL_YAML + '---\n' + POLICY_YAML);
  const row = (name: string, ip?: string, namespace?: string): KubePodRow => ({ input: 'pods.txt', file: 'pods.txt', line: 1, text: name, name, status: 'Running', ...(ip !== undefined ? { ip } : {}), ...(namespace !== undefined ? { namespace } : {}) });
  const named = (pods: KubePodRow[]) => policyDrops(cluster.nodes, cluster.resources, { sources: [], unassigned: [], kubePods: pods }).endpoints.find((e) => e.iface === B.iface)?.pod;
  assert.is(named([row('no-ip'), row('other', '10.99.0.1', 'x'), row('web-1', B.pod, 'shop'), row('web-2', B.pod, 'shop')]), 'shop/web-1');
  assert.is(named([row('bare', B.pod)]), 'bare', 'no namespace column');
  assert.is(named([row('other', '10.99.0.1', 'x')]), undefined);
  assert.is(named([]), undefined);
});

test('a Deny in a policy chain is tied to the endpoints whose chains jumped into it with packets', () => {
  const other = 'cali0123456789a';
  const c = withTables([
    ...declare([`cali-tw-${B.iface}`, `cali-tw-${other}`, DENY]),
    ...twChain({ iface: B.iface, policies: [{ chain: DENY, packets: 5 }], endOfTier: 0 }),
    ...twChain({ iface: other, policies: [{ chain: DENY, packets: 0 }], endOfTier: 0 }),
    denyRule(DENY, 5432, 5),
  ]);
  const d = contextFrom(c, POOL_YAML + '---\n' + POLICY_YAML).derived.policy.drops;
  assert.equal(d.map((x) => [x.kind, x.chain, x.packets, x.endpoints.map((u) => u.endpoint.iface)]), [['policy-deny', DENY, 5, [B.iface]]]);
  assert.is(d[0]!.policy?.policy?.name, 'default.default-deny');
  assert.is(d[0]!.endpoints[0]!.endpoint.podIP, B.pod);
  assert.is(d[0]!.endpoints.find((u) => u.endpoint.iface === other), undefined, 'an endpoint that sent nothing into the policy is not blamed');
});

test('snapshots: the same host at two times (same node IP and MAC, other date), counter deltas; two machines sharing a hostname are not', () => {
  const first = withTables([...declare([`cali-tw-${B.iface}`, DENY]), ...twChain({ iface: B.iface, policies: [{ chain: DENY, packets: 10 }], endOfTier: 10 })]);
  const later = withTables([...declare([`cali-tw-${B.iface}`, DENY]), ...twChain({ iface: B.iface, policies: [{ chain: DENY, packets: 31 }], endOfTier: 31 })])['node-b']!;
  later.date = 'Fri Nov 27 10:16:30 UTC 2026\n';
  const ctx = contextFrom({ ...first, 'node-b-2': later }, POOL_YAML);
  const [s] = ctx.derived.snapshots;
  assert.equal([s!.host, s!.earlier, s!.later, s!.earlierTime, s!.laterTime], ['node-b', 'node-b', 'node-b#2', '2026-11-27T10:15:00.000Z', '2026-11-27T10:16:30.000Z']);
  assert.equal(s!.moved.map((m) => [m.chain, m.before, m.after]), [[`cali-tw-${B.iface}`, 10, 31]]);
  assert.equal(ctx.derived.policy.drops.filter((d) => d.node === 'node-b#2').map((d) => d.delta), [21]);
  // Another machine named node-b (other node IP) at another time is no snapshot.
  const clone = healthyCluster()['node-b']!;
  clone.date = 'Fri Nov 27 10:16:30 UTC 2026\n';
  clone.ipv4_addr = ipAddr({ ...B, ip: '10.77.0.99' });
  assert.equal(contextFrom({ ...first, 'clone': clone }, POOL_YAML).derived.snapshots, []);
  // The same bundle given twice (same date) is no snapshot either.
  assert.equal(contextFrom({ ...first, 'copy': first['node-b']! }, POOL_YAML).derived.snapshots, []);
});

test('policy groups (cali-gi-): the endpoint chain jumps to the group, the group to its policies, in order', () => {
  const group = 'cali-gi-rAfxTv9AX7PpXAhJ';
  const c = withTables([
    ...declare([`cali-tw-${B.iface}`, group, ALLOW, DENY]),
    `[9:540] -A ${group} -m comment --comment "cali:g1AAAAAAAAAAAAAA" -j ${ALLOW}`,
    `[7:420] -A ${group} -m comment --comment "cali:g2AAAAAAAAAAAAAA" -m mark --mark 0x0/0x30000 -j ${DENY}`,
    ...twChain({ iface: B.iface, policies: [{ chain: group, packets: 9 }], endOfTier: 7 }),
  ]);
  const t = contextFrom(c, POOL_YAML + '---\n' + POLICY_YAML).derived.policy;
  assert.equal(t.chains[0]!.steps.map((s) => s.policy?.name), ['default.allow-frontend', 'default.default-deny']);
  assert.equal(t.drops[0]!.policies.map((s) => s.chain), [ALLOW, DENY]);
});

test('no iptables-save: an empty table', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.ipv4_tables;
  const t = contextFrom(c, POOL_YAML).derived.policy;
  assert.equal([t.nodesWithTables, t.drops, t.chains], [[], [], []]);
});

test('kubernetesPolicyOf: a knp.default.* policy from its YAML or its chain comment, nothing for Calico policies', () => {
  const ev = { node: 'node-b', input: 'x', file: 'ipv4_tables', line: 1, text: '' };
  const step = (label: string, policy?: Partial<PolicyInfo>): PolicyStep => ({ chain: 'cali-pi-x', kind: 'policy', label, evidence: ev, ...(policy !== undefined ? { policy: policy as PolicyInfo } : {}) });
  assert.equal(kubernetesPolicyOf(step('policy default/knp.default.allow-same-namespace (cali-pi-_1numAXwdKJzGhjj5, not in the exported YAML)')), { namespace: 'default', name: 'allow-same-namespace' });
  assert.equal(kubernetesPolicyOf(step('NetworkPolicy shop/knp.default.web', { kind: 'NetworkPolicy', name: 'knp.default.web', namespace: 'shop' })), { namespace: 'shop', name: 'web' });
  assert.is(kubernetesPolicyOf(step('NetworkPolicy shop/default.web', { kind: 'NetworkPolicy', name: 'default.web', namespace: 'shop' })), undefined);
  assert.is(kubernetesPolicyOf(step('policy with hashed chain name cali-pi-_abc (not in the exported YAML)')), undefined);
});

test.run();
