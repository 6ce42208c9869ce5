import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, iptables, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { declare, gnpChain, npChain, allowRule, returnRule, twChain, POLICY_YAML } from '../../helpers/policy-tables.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { policyDenyNoMatch } from '../../../src/rules/policy/policy-deny-no-match.js';

const B = NODES[1]!;
const DENY = gnpChain('default-deny');
const ALLOW = npChain('shop', 'allow-frontend');

/** node-b's pod is selected by allow-frontend (8080 only) and default-deny; 37 packets hit the end of the tier. */
function defaultDeny(endOfTier = 37) {
  const c = healthyCluster();
  c['node-b']!.ipv4_tables = iptables({
    inputRules: [
      ...declare([`cali-tw-${B.iface}`, ALLOW, DENY]),
      ...twChain({ iface: B.iface, policies: [{ chain: ALLOW, packets: endOfTier + 3 }, { chain: DENY, packets: endOfTier }], endOfTier }),
      allowRule(ALLOW, 8080, 3),
      returnRule(ALLOW),
    ],
  });
  return c;
}

test('silent on the healthy cluster (no policy chains)', () => {
  expectRule(policyDenyNoMatch, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('silent when the end-of-tier DROP never matched', () => {
  expectRule(policyDenyNoMatch, contextFrom(defaultDeny(0), POOL_YAML + '---\n' + POLICY_YAML), { status: 'passed' });
});

test('names the policies, the endpoint (interface, pod IP, node), the direction and the packet count', () => {
  const [f] = expectRule(policyDenyNoMatch, contextFrom(defaultDeny(), POOL_YAML + '---\n' + POLICY_YAML), { status: 'found', count: 1, nodes: ['node-b'] });
  assert.match(f!.title, 'ingress');
  assert.match(f!.title, `${B.iface} (pod ${B.pod}) on node-b`);
  assert.match(f!.title, '37 packets');
  assert.match(f!.message, 'NetworkPolicy shop/default.allow-frontend (tier default, order 100)');
  assert.match(f!.message, 'GlobalNetworkPolicy default.default-deny (tier default, order 2000)');
  assert.match(f!.evidence[0]!.text, 'Drop if no policies passed packet');
  assert.ok(f!.evidence.some((e) => e.text.startsWith(`${B.pod} dev ${B.iface} scope link`)), 'the pod route ties the interface to the pod IP');
  assert.ok(f!.evidence.some((e) => e.file === 'resources.yaml'), 'the policy YAML is cited');
  const steps = f!.fix!.join('\n');
  assert.match(steps, 'kind: GlobalNetworkPolicy');
  assert.match(steps, 'order: 99', 'ordered before the first policy of the tier');
  assert.match(steps, `nets: [${B.pod}/32]`);
  assert.match(steps, `selector: "app == 'web'"`);
  assert.match(steps, 'remove-calico-policy.sh');
  assert.match(steps, 'calicoctl delete globalnetworkpolicy');
});

test('without the YAML the policies are named from their chains', () => {
  const [f] = expectRule(policyDenyNoMatch, contextFrom(defaultDeny(), POOL_YAML), { status: 'found', count: 1 });
  assert.match(f!.message, `hashed chain name ${DENY}`);
  assert.match(f!.message, 'No policy YAML was given');
  // No selector to copy: the confirm step says how to build the test policy instead of printing one with a placeholder.
  assert.not.match(f!.fix![0]!, 'kind: GlobalNetworkPolicy');
  assert.match(f!.fix![0]!, `\`kubectl get pods -A --field-selector status.podIP=${B.pod} --show-labels\``);
  assert.match(f!.fix![0]!, `\`destination: {nets: [${B.pod}/32]}\``);
  assert.match(f!.fix![0]!, '`order: 999`');
  assert.not.match(f!.fix!.join('\n'), /<[A-Za-z][^<>`\n]*>/);
});

test('the root cause is the policy: it is the top finding of the run', () => {
  const findings = runAll(contextFrom(defaultDeny(), POOL_YAML + '---\n' + POLICY_YAML));
  assert.is(findings[0]!.rule, 'policy-deny-no-match');
});

test('two snapshots of node-b: reported once, from the later bundle, with the counter delta', () => {
  const c = defaultDeny(37);
  const later = defaultDeny(52)['node-b']!;
  later.date = 'Fri Nov 27 10:16:00 UTC 2026\n';
  const ctx = contextFrom({ ...c, 'node-b-later': later }, POOL_YAML + '---\n' + POLICY_YAML);
  assert.equal(ctx.derived.snapshots.map((s) => [s.host, s.earlier, s.later]), [['node-b', 'node-b', 'node-b#2']]);
  const [f] = expectRule(policyDenyNoMatch, ctx, { status: 'found', count: 1, nodes: ['node-b#2'] });
  assert.match(f!.message, 'moved by 15 packets');
  // Commands run on the machine node-b, not on the bundle name node-b#2.
  assert.match(f!.fix![0]!, `grep -e 'cali-tw-${B.iface}'\` on node-b)`);
  assert.not.match(f!.fix!.join('\n'), '` on node-b#2');
  // node-ip-duplicate still sees one hostname twice, and says these are snapshots (info), not two machines.
  const dup = runAll(ctx).find((x) => x.rule === 'node-ip-duplicate')!;
  assert.equal([dup.severity, dup.title], ['info', '2 bundles are snapshots of node-b taken at different times']);
  assert.match(dup.message, 'rules that read counters report what moved between them');
});

test('no policy and no profile allows the flow: "Drop if no profiles matched" names the profiles', () => {
  const c = healthyCluster();
  const fw = `cali-fw-${B.iface}`;
  c['node-b']!.ipv4_tables = iptables({
    inputRules: [
      ...declare([fw, 'cali-pro-kns.shop']),
      `[40:2400] -A ${fw} -m comment --comment "cali:aaaaaaaaaaaaaaaa" -j cali-pro-kns.shop`,
      `[0:0] -A ${fw} -m comment --comment "cali:bbbbbbbbbbbbbbbb" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 -j RETURN`,
      `[40:2400] -A ${fw} -m comment --comment "cali:cccccccccccccccc" -m comment --comment "Drop if no profiles matched" -j DROP`,
    ],
  });
  const [f] = expectRule(policyDenyNoMatch, contextFrom(c, POOL_YAML), { status: 'found', count: 1, nodes: ['node-b'] });
  assert.match(f!.title, `Egress traffic from ${B.iface} (pod ${B.pod}) on node-b matched no profile: 40 packets`);
  assert.match(f!.message, 'namespace shop');
});

test('skipped without iptables-save', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.ipv4_tables;
  expectRule(policyDenyNoMatch, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
