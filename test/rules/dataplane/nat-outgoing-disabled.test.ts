import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, iptables, ipsets, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { natOutgoingDisabled } from '../../../src/rules/dataplane/nat-outgoing-disabled.js';

test('silent on the healthy cluster', () => {
  expectRule(natOutgoingDisabled, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on a pool with natOutgoing: false, citing the YAML and the empty chain', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) {
    n.ipv4_tables = iptables({ masquerade: false });
    n.ipsets = ipsets([]);
  }
  const [f] = expectRule(natOutgoingDisabled, contextFrom(c, POOL_YAML.replace('natOutgoing: true', 'natOutgoing: false')), { status: 'found', keys: ['pool:default-ipv4-ippool'] });
  assert.ok(f!.evidence.some((e) => e.file === 'resources.yaml' && e.text.includes('natOutgoing: false')));
  assert.ok(f!.evidence.some((e) => e.text.startsWith(':cali-nat-outgoing')));
  assert.match(f!.fix?.[0] ?? '', 'calicoctl patch ippool default-ipv4-ippool');
});

test('natOutgoing: false with every node peering with a router outside the cluster (BGP to the ToR) is a note, not a warning', () => {
  const tor = `---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: tor-router
spec:
  peerIP: 10.77.0.1
  asNumber: 65001
`;
  const build = (upOn: string[]) => {
    const c = healthyCluster();
    for (const [name, n] of Object.entries(c)) {
      n.ipv4_tables = iptables({ masquerade: false });
      n.ipsets = ipsets([]);
      n['logs/bird/current'] += `2026-11-27T10:14:09.30001 bird: Global_10_77_0_1: State changed to ${upOn.includes(name) ? 'up' : 'start'}\n`;
    }
    return contextFrom(c, POOL_YAML.replace('natOutgoing: true', 'natOutgoing: false') + tor);
  };
  const [f] = expectRule(natOutgoingDisabled, build(['node-a', 'node-b', 'node-c']), { status: 'found', keys: ['pool:default-ipv4-ippool'] });
  assert.is(f!.severity, 'info');
  assert.match(f!.title, 'every node peers with 10.77.0.1 outside the cluster');
  assert.ok(f!.evidence.some((e) => e.text.includes('Global_10_77_0_1: State changed to up')));
  assert.match(f!.fix![0]!, /^Nothing to change if 10\.77\.0\.1 learns 10\.244\.0\.0\/16/);
  // One node without the session up: the routed design is not proven, the warning stands.
  const [g] = expectRule(natOutgoingDisabled, build(['node-a', 'node-b']), { status: 'found', keys: ['pool:default-ipv4-ippool'] });
  assert.is(g!.severity, undefined);
});

test('fires on one node without the MASQUERADE rule while the pool wants NAT', () => {
  const c = healthyCluster();
  c['node-b']!.ipv4_tables = iptables({ masquerade: false });
  const [f] = expectRule(natOutgoingDisabled, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node:node-b'] });
  assert.match(f!.message, 'out of sync');
  // its own steps: the pool that wants NAT, node-b's Felix log, the restart and what to check after it
  assert.match(f!.fix![0]!, /^default-ipv4-ippool \(10\.244\.0\.0\/16\) asks for natOutgoing, so Felix on node-b did not program it/);
  assert.match(f!.fix![0]!, 'spec.nodeName=node-b');
  assert.match(f!.fix![1]!, 'lists 10.244.0.0/16');
  assert.not.match(f!.fix!.join('\n'), /<[a-z]/);
  // without exported pools: how to read them, the pool named in words
  const [g] = expectRule(natOutgoingDisabled, contextFrom(c), { status: 'found', keys: ['node:node-b'] });
  assert.match(g!.fix![0]!, /^No IPPool was exported/);
  assert.match(g!.fix![1]!, 'lists the pool CIDRs');
  assert.not.match(g!.fix!.join('\n'), /<[a-z]/);
});

test('skipped with neither pools nor iptables', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.ipv4_tables;
  expectRule(natOutgoingDisabled, contextFrom(c), { status: 'skipped' });
});

test.run();
