import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, iptables, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { declare, gnpChain, allowRule, denyRule, returnRule, twChain } from '../../helpers/policy-tables.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { policyOrderOrTierShadowing } from '../../../src/rules/policy/policy-order-or-tier-shadowing.js';
import { policyDenyNoMatch } from '../../../src/rules/policy/policy-deny-no-match.js';
import { lengthLimitedId } from '../../../src/combiners/policy-chains.js';

const C = NODES[2]!;
const BLOCK = gnpChain('block-8080');
const ALLOW = gnpChain('allow-8080');
const YAML = `${POOL_YAML}---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default.block-8080
spec:
  order: 10
  selector: app == 'api'
  ingress:
  - action: Deny
    protocol: TCP
    destination:
      ports: [8080]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default.allow-8080
spec:
  order: 100
  selector: app == 'api'
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [8080]
`;

function shadowed(allowPort = 8080) {
  const c = healthyCluster();
  c['node-c']!.ipv4_tables = iptables({
    inputRules: [
      ...declare([`cali-tw-${C.iface}`, BLOCK, ALLOW]),
      ...twChain({ iface: C.iface, policies: [{ chain: BLOCK, packets: 12 }, { chain: ALLOW, packets: 0 }], endOfTier: 0 }),
      denyRule(BLOCK, 8080, 12),
      allowRule(ALLOW, allowPort),
      returnRule(ALLOW),
    ],
  });
  return c;
}

test('silent on the healthy cluster', () => {
  expectRule(policyOrderOrTierShadowing, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('a lower-order Deny ahead of an Allow for the same port: names both policies, their orders, the pod and the count', () => {
  const [f] = expectRule(policyOrderOrTierShadowing, contextFrom(shadowed(), YAML), { status: 'found', count: 1, nodes: ['node-c'] });
  assert.match(f!.title, 'GlobalNetworkPolicy default.block-8080 (tier default, order 10) denies 12 packets ahead of GlobalNetworkPolicy default.allow-8080');
  assert.match(f!.message, 'order 10');
  assert.match(f!.message, 'order 100');
  assert.match(f!.message, `${C.iface} (pod ${C.pod}) on node-c`);
  assert.ok(f!.evidence[0]!.text.includes('--dports 8080 -j DROP'));
  assert.ok(f!.evidence.some((e) => e.text.includes('--set-xmark 0x10000/0x10000')), 'the shadowed Allow rule is cited');
  assert.match(f!.fix!.join('\n'), 'order: 9');
  // Both orders known, same tier: the fix is a patch of the allowing policy's order; the jump order is read from the endpoint chain.
  assert.match(f!.fix![0]!, `\`iptables-save -c -t filter | grep -- '-A cali-tw-${C.iface} '\``);
  assert.match(f!.fix![2]!, `\`calicoctl patch globalnetworkpolicy default.allow-8080 -p '{"spec":{"order":9}}'\``);
  assert.not.ok(f!.fix!.some((s) => s.startsWith('Use `Pass`')), 'one tier: no Pass note');
  // The same drop is not also reported as a missing allow.
  expectRule(policyDenyNoMatch, contextFrom(shadowed(), YAML), { status: 'passed' });
});

test('without the YAML the orders are unknown: the fix says which policy goes first, in words', () => {
  const [f] = expectRule(policyOrderOrTierShadowing, contextFrom(shadowed(), POOL_YAML), { status: 'found', count: 1 });
  assert.not.ok(f!.fix!.some((s) => s.includes('calicoctl patch')));
  assert.ok(f!.fix!.some((s) => s.startsWith('Give ') && s.includes('a lower order than')));
  assert.not.match(f!.fix!.join('\n'), /<[A-Za-z][^<>`\n]*>/);
});

test('the Deny in an earlier tier: the fix is the tier (move the Allow or Pass), not an order patch', () => {
  const block = lengthLimitedId('cali-pi-', 'security/security.block-8080');
  const c = healthyCluster();
  c['node-c']!.ipv4_tables = iptables({
    inputRules: [
      ...declare([`cali-tw-${C.iface}`, block, ALLOW]),
      ...twChain({ iface: C.iface, policies: [{ chain: block, packets: 12 }, { chain: ALLOW, packets: 0 }], endOfTier: 0 }),
      denyRule(block, 8080, 12),
      allowRule(ALLOW, 8080),
      returnRule(ALLOW),
    ],
  });
  const yaml = YAML.replace('  name: default.block-8080\nspec:\n', '  name: security.block-8080\nspec:\n  tier: security\n');
  const [f] = expectRule(policyOrderOrTierShadowing, contextFrom(c, yaml), { status: 'found', count: 1 });
  assert.match(f!.message, 'is in tier security');
  assert.ok(f!.fix!.some((s) => s.startsWith('Tier security is evaluated before tier default: move GlobalNetworkPolicy default.allow-8080')));
  assert.not.ok(f!.fix!.some((s) => s.includes('calicoctl patch')));
  assert.ok(f!.fix!.some((s) => s.startsWith('Use `Pass`')), 'two tiers: the Pass note');
});

test('an Allow for another port is not shadowed: the Deny is reported by policy-deny-no-match instead', () => {
  expectRule(policyOrderOrTierShadowing, contextFrom(shadowed(9090), YAML), { status: 'passed' });
  const [f] = expectRule(policyDenyNoMatch, contextFrom(shadowed(9090), YAML), { status: 'found', count: 1 });
  assert.match(f!.title, 'default.block-8080');
});

test('skipped without iptables-save', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.ipv4_tables;
  expectRule(policyOrderOrTierShadowing, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
