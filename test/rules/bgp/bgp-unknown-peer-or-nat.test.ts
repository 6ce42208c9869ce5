import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, iptables, ipAddr, POOL_YAML, proto, NODES } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { attachStatus, nodeStatus, peerRow } from '../../helpers/bgp-node-status.js';
import { bgpUnknownPeerOrNat } from '../../../src/rules/bgp/bgp-unknown-peer-or-nat.js';

const [A, , C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

const unknown = (ip: string, n: number) =>
  Array.from({ length: n }, (_, i) => `2026-11-27T10:14:${String(10 + i * 5).padStart(2, '0')}.10001 bird: BGP: Unexpected connect from unknown address ${ip} (port ${40100 + i})`).join('\n') + '\n';

/** node-c's session to node-a never comes up (node-a is passive, node-c's connections are dropped). */
function cDown(c: ReturnType<typeof healthyCluster>): void {
  c['node-a']!['logs/bird/current'] = c['node-a']!['logs/bird/current']!.replace(`${proto(C.ip)}: State changed to feed\n`, '').replace(new RegExp(`.*${proto(C.ip)}: State changed to up\\n`), '');
  c['node-c']!['logs/bird/current'] = c['node-c']!['logs/bird/current']!.replace(`${proto(A.ip)}: State changed to feed\n`, '').replace(new RegExp(`.*${proto(A.ip)}: State changed to up\\n`), '');
}

test('silent on the healthy cluster', () => {
  expectRule(bgpUnknownPeerOrNat, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('a node connecting from a second address that its own SNAT rule picks', () => {
  const c = healthyCluster();
  cDown(c);
  c['node-a']!['logs/bird/current'] += unknown('10.77.0.23', 3);
  c['node-c']!.ipv4_addr = ipAddr(C, '3: nat0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default qlen 1000\n    inet 10.77.0.23/32 scope global nat0\n       valid_lft forever preferred_lft forever\n');
  c['node-c']!.ipv4_tables = iptables().replace(':cali-POSTROUTING - [0:0]\n', ':cali-POSTROUTING - [0:0]\n[3:180] -A POSTROUTING -d 10.77.0.11/32 -p tcp -m tcp --dport 179 -j SNAT --to-source 10.77.0.23\n');
  const [f] = expectRule(bgpUnknownPeerOrNat, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a<-10.77.0.23'], nodes: ['node-a', 'node-c'] });
  assert.match(f!.title, 'node-c connects to node-a from 10.77.0.23, not its node IP 10.77.0.13');
  assert.match(f!.message, 'nat0');
  assert.match(f!.evidence[0]!.text, 'SNAT --to-source 10.77.0.23');
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.includes('Unexpected connect')));
  assert.equal(f!.pairs, [['node-a', 'node-c']]);
});

test('an address of no node while a session never came up: NAT between the nodes', () => {
  const c = healthyCluster();
  cDown(c);
  c['node-a']!['logs/bird/current'] += unknown('192.0.2.50', 2);
  const ctx = contextFrom(c, POOL_YAML);
  attachStatus(ctx, 'node-c', nodeStatus([peerRow(6, A.ip, 'start', 'Active        Socket: Connection closed')]));
  const [f] = expectRule(bgpUnknownPeerOrNat, ctx, { status: 'found', keys: ['node-a<-192.0.2.50'], nodes: ['node-a', 'node-c'] });
  assert.match(f!.title, 'NAT between node-a and node-c');
  assert.ok(f!.evidence.some((e) => e.file === 'node-status.txt'));
  assert.is(f!.severity, undefined);
});

test('an address of no node while every session is up: an external router, warning only', () => {
  const c = healthyCluster();
  c['node-b']!['logs/bird/current'] += unknown('192.0.2.1', 1);
  const [f] = expectRule(bgpUnknownPeerOrNat, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b<-192.0.2.1'] });
  assert.is(f!.severity, 'warning');
  assert.match(f!.title, 'external router');
});

test('Connection closed in node status with no log from the receiver', () => {
  const c = healthyCluster();
  delete c['node-a']!['logs/bird/current'];
  const ctx = contextFrom(c, POOL_YAML);
  attachStatus(ctx, 'node-c', nodeStatus([peerRow(6, A.ip, 'start', 'Active        Socket: Connection closed')]));
  const [f] = expectRule(bgpUnknownPeerOrNat, ctx, { status: 'found', keys: ['node-c->10.77.0.11'] });
  assert.is(f!.severity, 'warning');
  assert.match(f!.title, 'node-a closes node-c');
});

test('a joining node connecting before the receiver knew it, then up: the join race, not a fault', () => {
  const c = healthyCluster();
  // node-c's connects at 10:14:01 precede node-a's Mesh_10_77_0_13 coming up (10:14:0x).
  c['node-a']!['logs/bird/current'] = '2026-11-27T10:14:01.00001 bird: BGP: Unexpected connect from unknown address 10.77.0.13 (port 40100)\n' + c['node-a']!['logs/bird/current'];
  expectRule(bgpUnknownPeerOrNat, contextFrom(c, POOL_YAML), { status: 'passed' });
  // The same line after the session is up again, with node-a's protocol down: asymmetric config.
  const d = healthyCluster();
  cDown(d);
  d['node-a']!['logs/bird/current'] += unknown('10.77.0.13', 2);
  const [f] = expectRule(bgpUnknownPeerOrNat, contextFrom(d, POOL_YAML), { status: 'found', keys: ['node-a<-10.77.0.13'] });
  assert.match(f!.title, "node-a does not match node-c's BGP connections");
  // node-a has no protocol for node-c at all: a one-sided peering.
  const e = healthyCluster();
  e['node-a']!['logs/bird/current'] = e['node-a']!['logs/bird/current']!.split('\n').filter((l) => !l.includes(proto(C.ip))).join('\n') + unknown('10.77.0.13', 2);
  const [g] = expectRule(bgpUnknownPeerOrNat, contextFrom(e, POOL_YAML), { status: 'found', keys: ['node-a<-10.77.0.13'] });
  assert.match(g!.title, 'node-a has no BGP protocol for node-c');
});

test('skipped without BIRD logs or node status', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  expectRule(bgpUnknownPeerOrNat, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
