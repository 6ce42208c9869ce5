import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, nodeYaml, poolYaml, vtep, vxlanAddr, vxlanCluster } from '../../helpers/encap-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { nodeSubnetMaskCrosssubnet as rule } from '../../../src/rules/dataplane/node-subnet-mask-crosssubnet.js';
import { filledFix } from '../../helpers/fix-steps.js';

/** node-a, node-b in 10.77.0.0/24; node-c moved to 10.77.1.13/24 (another routed subnet). */
function twoSubnets(nodePrefix: number) {
  const c = vxlanCluster();
  const cIp = '10.77.1.13';
  for (const [name, files] of Object.entries(c)) {
    for (const k of Object.keys(files)) files[k] = files[k]!.replaceAll('10.77.0.13', cIp);
    if (name === 'node-c') {
      files.ipv4_addr = vxlanAddr({ ...NODES[2]!, ip: cIp }).replace('brd 10.77.0.255', 'brd 10.77.1.255');
      files.ipv4_route = files.ipv4_route!.replace('10.77.0.0/24 dev eth0', '10.77.1.0/24 dev eth0').replace('default via 10.77.0.1', 'default via 10.77.1.1');
    }
  }
  // With the /16 Node prefix, Felix (CrossSubnet) routes node-c unencapsulated via eth0 from node-a/b, and back.
  for (const [name, other] of [['node-a', NODES[2]!], ['node-b', NODES[2]!]] as const) {
    c[name]!.ipv4_route = c[name]!.ipv4_route!.replace(`${other.block} via ${vtep(other)} dev vxlan.calico proto 80 onlink`, `${other.block} via ${cIp} dev eth0 proto 80 onlink`);
  }
  const yaml = nodeYaml('vxlan', { prefix: () => nodePrefix }).replaceAll('10.77.0.13', cIp);
  return contextFrom(c, docs(poolYaml({ vxlanMode: 'CrossSubnet' }), yaml));
}

test('passes on a CrossSubnet cluster whose Node prefixes are the real ones', () => {
  expectRule(rule, twoSubnets(24), { status: 'passed' });
});

test('passes (no CrossSubnet) on healthy BGP and VXLAN Always clusters', () => {
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
  expectRule(rule, contextFrom(vxlanCluster(), docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan'))), { status: 'passed' });
});

test('fires per sender when the Node prefix /16 is wider than the real /24, with the unencapsulated route as evidence', () => {
  const f = expectRule(rule, twoSubnets(16), { status: 'found', keys: ['node-a', 'node-b', 'node-c'] });
  const a = f[0]!;
  assert.match(a.title, "node-a's Node prefix 10.77.0.11/16 is wider than its interface 10.77.0.11/24: CrossSubnet treats node-c as local");
  assert.equal(a.pairs, [['node-a', 'node-c']]);
  assert.match(a.evidence[0]!.text, 'ipv4Address: 10.77.0.11/16');
  assert.match(a.evidence[1]!.text, 'inet 10.77.0.11/24');
  assert.ok(a.evidence.some((e) => e.text.includes('via 10.77.1.13 dev eth0 proto 80 onlink')));
  assert.equal(f[2]!.pairs, [['node-c', 'node-a'], ['node-c', 'node-b']]);
  // The steps: the Node patched to the interface prefix, autodetection limited to both real subnets, the route to check.
  const fix = filledFix(a);
  assert.match(fix, `calicoctl patch node node-a -p '{"spec":{"bgp":{"ipv4Address":"10.77.0.11/24"}}}'`);
  assert.match(fix, 'IP_AUTODETECTION_METHOD=cidr=10.77.0.0/24,10.77.1.0/24');
  assert.match(fix, `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"vxlanMode":"Always"}}'`);
  assert.match(fix, `\`ip route show ${NODES[2]!.block}\` must go via vxlan.calico, not eth0`);
  assert.is(runAll(twoSubnets(16))[0]!.rule, 'node-subnet-mask-crosssubnet');
});

test('skipped without Node resources (prefix unknown) and without pools', () => {
  const c = vxlanCluster();
  expectRule(rule, contextFrom(c, poolYaml({ vxlanMode: 'CrossSubnet' })), { status: 'skipped' });
  expectRule(rule, contextFrom(c), { status: 'skipped' });
});

test.run();
