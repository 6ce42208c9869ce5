import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, iptables } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { attach, lines, source } from '../../helpers/host-attachments.js';
import { conntrackInvalidAsymmetricRouting } from '../../../src/rules/host/conntrack-invalid-asymmetric-routing.js';

// Felix's workload chain rule in iptables-save -c form (catalogue J2; rule id from issue #4511).
const INVALID = ['[57:3420] -A cali-tw-cali7f8e9d0c1b2 -m comment --comment "cali:p_bDOMcSsa0hVMVl" -m conntrack --ctstate INVALID -j DROP'];

function asymmetric() {
  const c = healthyCluster();
  // node-a reaches node-b's pods through tunl0, node-b answers directly over eth0.
  c['node-a']!.ipv4_route = c['node-a']!.ipv4_route!.replace('10.244.42.64/26 via 10.77.0.12 dev eth0 proto bird ', '10.244.42.64/26 via 10.77.0.12 dev tunl0 proto bird onlink ');
  return c;
}

test('passes on symmetric paths', () => {
  expectRule(conntrackInvalidAsymmetricRouting, contextFrom(healthyCluster()), { status: 'passed' });
});

test('fires on a tunnelled-one-way pair with INVALID drops counted on the receiver', () => {
  const c = asymmetric();
  c['node-b']!.ipv4_tables = iptables({ inputRules: [':cali-tw-cali7f8e9d0c1b2 - [0:0]', ...INVALID] });
  const [f] = expectRule(conntrackInvalidAsymmetricRouting, contextFrom(c), { status: 'found', keys: ['node-a<->node-b'] });
  assert.match(f!.message, 'node-a reaches node-b\'s pods through tunl0 (IPIP) but node-b answers directly (unencapsulated)');
  assert.match(f!.message, 'node-b: 57 packets on Felix\'s INVALID DROP rules');
  assert.match(f!.evidence[0]!.text, 'dev tunl0');
  assert.ok(f!.evidence.some((e) => e.text.includes('--ctstate INVALID -j DROP')));
});

test('conntrack -S invalid counts prove the drops too', () => {
  const ctx = contextFrom(asymmetric());
  attach(ctx, 'node-a', { conntrack: { source: source('conntrack-s', 'a.txt'), totals: { invalid: 880 }, lines: lines('a.txt', 'cpu=0 found=0 invalid=880 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0\n') } });
  expectRule(conntrackInvalidAsymmetricRouting, ctx, { status: 'found', keys: ['node-a<->node-b'] });
});

test('asymmetry without INVALID drops does not fire', () => {
  const r = conntrackInvalidAsymmetricRouting.check(contextFrom(asymmetric()));
  assert.is(r.status, 'passed');
  assert.match(r.status === 'passed' ? r.reason : '', 'asymmetric node-a↔node-b but no INVALID drops');
});

test('skipped without routes', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.ipv4_route;
  assert.is(conntrackInvalidAsymmetricRouting.check(contextFrom(c)).status, 'skipped');
});

test.run();
