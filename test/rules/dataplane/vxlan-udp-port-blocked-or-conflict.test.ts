import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, encapTables, nodeYaml, poolYaml, vxlanCluster } from '../../helpers/encap-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { vxlanUdpPortBlockedOrConflict as rule } from '../../../src/rules/dataplane/vxlan-udp-port-blocked-or-conflict.js';
import { filledFix } from '../../helpers/fix-steps.js';

const RES = docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan'));

test('passes on the healthy VXLAN cluster (every node sent and received VXLAN)', () => {
  expectRule(rule, contextFrom(vxlanCluster(), RES), { status: 'passed' });
});

test('passes (not in use) on the healthy BGP cluster', () => {
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on a host firewall DROP of UDP 4789 that matched packets, citing it first', () => {
  const c = vxlanCluster((n) => (n.name === 'node-c' ? { allowIn: 0, allowOut: 12 } : { allowIn: 30, allowOut: 35 }));
  c['node-c']!.ipv4_tables = encapTables('vxlan', { allowIn: 0, allowOut: 12 }, ['[15:2010] -A INPUT -p udp -m udp --dport 4789 -j DROP']);
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-c'], nodes: ['node-c', 'node-a'] });
  assert.match(f!.evidence[0]!.text, '--dport 4789 -j DROP');
  assert.is(f!.evidence[0]!.node, 'node-c');
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.includes('Allow IPv4 VXLAN packets to other allowed hosts')));
  assert.equal(f!.pairs, [['node-a', 'node-c'], ['node-b', 'node-c']]);
  const fix = filledFix(f);
  assert.match(fix, 'On node-c, accept VXLAN from the Calico hosts ahead of the DROP (`-A INPUT -p udp -m udp --dport 4789 -j DROP`)');
  // The receiving NIC comes from the bundle, the source from the first sender.
  assert.match(fix, '`tcpdump -ni eth0 udp port 4789 and src host 10.77.0.11` on node-c');
});

test('fires from counters alone: node-b sends VXLAN, never receives any, others send too (underlay drop)', () => {
  const c = vxlanCluster((n) => (n.name === 'node-b' ? { allowIn: 0, dropIn: 0, allowOut: 9 } : { allowIn: 20, allowOut: 22 }));
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-b'] });
  assert.match(f!.title, 'towards node-b is lost');
  assert.match(f!.message, 'No DROP for it');
  assert.ok(f!.evidence[0]!.text.includes('Allow IPv4 VXLAN packets from allowed hosts') && f!.evidence[0]!.text.startsWith('[0:0]'));
  const fix = filledFix(f);
  assert.match(fix, 'Allow UDP 4789 from node-a (10.77.0.11) and node-c (10.77.0.13) to node-b (10.77.0.12)');
  assert.match(fix, `calicoctl patch felixconfiguration default -p '{"spec":{"vxlanPort":4799}}'`);
  // The capture runs on the receiver's own underlay NIC.
  c['node-b']!.ipv4_addr = c['node-b']!.ipv4_addr!.replace(/eth0/g, 'ens5');
  c['node-b']!.ipv4_route = c['node-b']!.ipv4_route!.replace(/eth0/g, 'ens5');
  const [g] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-b'] });
  assert.match(filledFix(g), '`tcpdump -ni ens5 udp port 4789');
});

test('a receiver whose drop rule counted packets is not a port block (source not in the set is another rule)', () => {
  const c = vxlanCluster((n) => (n.name === 'node-b' ? { allowIn: 0, dropIn: 7, allowOut: 9 } : { allowIn: 20, allowOut: 22 }));
  expectRule(rule, contextFrom(c, RES), { status: 'passed' });
});

test('fires once for the whole cluster when every node sent VXLAN and none received any', () => {
  const c = vxlanCluster(() => ({ allowIn: 0, dropIn: 0, allowOut: 14 }));
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['all-nodes'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.title, 'No node receives VXLAN (UDP 4789): 3 nodes sent it, none received any');
  assert.is(f!.pairs?.length, 3);
  assert.match(filledFix(f), 'Allow UDP 4789 between all nodes (node-a 10.77.0.11, node-b 10.77.0.12 and node-c 10.77.0.13)');
});

test('a node that sent only a couple of packets proves nothing', () => {
  const c = vxlanCluster((n) => (n.name === 'node-b' ? { allowIn: 0, allowOut: 2 } : { allowIn: 20, allowOut: 22 }));
  expectRule(rule, contextFrom(c, RES), { status: 'passed' });
});

test('skipped when there was no VXLAN traffic at all (all counters 0)', () => {
  const c = vxlanCluster(() => ({ allowIn: 0, allowOut: 0 }));
  expectRule(rule, contextFrom(c, RES), { status: 'skipped' });
  const r = rule.check(contextFrom(c, RES));
  assert.ok(r.status === 'skipped' && (r.collect ?? []).some((h) => h.command.includes('iptables-save -c')));
});

test('skipped when VXLAN is in use but no node has Felix VXLAN rules', () => {
  const c = vxlanCluster();
  for (const n of Object.values(c)) delete n.ipv4_tables;
  expectRule(rule, contextFrom(c, RES), { status: 'skipped' });
});

test('fires when nodes disagree on the VXLAN port', () => {
  const c = vxlanCluster();
  c['node-c']!.ipv4_tables = encapTables('vxlan', { allowIn: 40, allowOut: 42 }, [], 4799);
  const f = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['port-mismatch'] });
  assert.match(f[0]!.title, '4799 on node-c');
  const fix = filledFix(f[0]);
  assert.match(fix, `calicoctl patch felixconfiguration node.node-c -p '{"spec":{"vxlanPort":4789}}'`);
  assert.match(fix, '`dstport 4789`');
});

test('another VXLAN device on Calico\'s port (attached ip -d link): move one overlay', () => {
  const ctx = contextFrom(vxlanCluster(), RES);
  const nb = ctx.cluster.nodes.find((n) => n.name === 'node-b')!;
  const at = { input: 'node-b/ip-d-link.txt', file: 'node-b/ip-d-link.txt' };
  nb.attachments = { sources: [], links: [{ ...at, line: 9, text: '7: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default', name: 'flannel.1', mtu: 1450, vxlan: { id: 1, dstport: 4789 } }] };
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['conflict:node-b'] });
  const fix = filledFix(f);
  assert.match(fix, 'the other device (flannel.1)');
  assert.match(fix, `calicoctl patch felixconfiguration default -p '{"spec":{"vxlanPort":4799}}'`);
});

test('in a full run the port block is the top finding', () => {
  const c = vxlanCluster((n) => (n.name === 'node-c' ? { allowIn: 0, allowOut: 12 } : { allowIn: 30, allowOut: 35 }));
  const findings = runAll(contextFrom(c, RES));
  assert.is(findings[0]?.rule, 'vxlan-udp-port-blocked-or-conflict');
});

test.run();
