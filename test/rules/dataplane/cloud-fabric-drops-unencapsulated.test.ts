import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, felixConfigYaml, nodeYaml, poolYaml, vxlanCluster } from '../../helpers/encap-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { cloudFabricDropsUnencapsulated as rule } from '../../../src/rules/dataplane/cloud-fabric-drops-unencapsulated.js';

test('passes when all cross-node traffic is encapsulated (VXLAN)', () => {
  expectRule(rule, contextFrom(vxlanCluster(), docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan'))), { status: 'passed' });
});

test('passes on the on-premises BGP cluster (unencapsulated, no sign of a public cloud)', () => {
  const r = rule.check(contextFrom(healthyCluster(), POOL_YAML));
  assert.is(r.status, 'passed');
  assert.match(r.reason ?? '', '6 node pairs route pod traffic unencapsulated');
});

test('skipped (cannot be decided from the bundles) on AWS-style hostnames', () => {
  const c = healthyCluster();
  c['node-a']!.hostname = 'ip-10-77-0-11.ec2.internal\n';
  const r = rule.check(contextFrom(c, POOL_YAML));
  assert.is(r.status, 'skipped');
  assert.match(r.reason ?? '', 'ip-10-77-0-11.ec2.internal');
});

test('fires when FelixConfiguration awsSrcDstCheck: Enable keeps the check on', () => {
  const [f] = expectRule(rule, contextFrom(healthyCluster(), docs(POOL_YAML, felixConfigYaml({ awsSrcDstCheck: 'Enable' }))), { status: 'found', keys: ['aws-src-dst-check'] });
  assert.match(f!.evidence[0]!.text, /^awsSrcDstCheck: "?Enable"?$/);
  assert.ok(f!.evidence.some((e) => e.text.includes('dev eth0 proto bird')));
  assert.is(f!.pairs?.length, 6);
  // The instances by their node IPs (the instance ids are in no bundle), Felix's switch, the pool's encapsulation.
  const fix = filledFix(f);
  assert.match(fix, 'aws ec2 describe-instances --filters Name=private-ip-address,Values=10.77.0.11,10.77.0.12,10.77.0.13');
  assert.match(fix, `calicoctl patch felixconfiguration default -p '{"spec":{"awsSrcDstCheck":"Disable"}}'`);
  assert.match(fix, `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"vxlanMode":"Always"}}'`);
});

test('passes when awsSrcDstCheck: Disable', () => {
  expectRule(rule, contextFrom(healthyCluster(), docs(POOL_YAML, felixConfigYaml({ awsSrcDstCheck: 'Disable' }))), { status: 'passed' });
});

test.run();
