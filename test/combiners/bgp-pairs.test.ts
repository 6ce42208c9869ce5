import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { birdLog, healthyCluster, netstat, NODES } from '../helpers/healthy-cluster.js';

test('healthy: every pair up on both sides, ESTABLISHED sockets, greater IP string initiates', () => {
  const { derived } = contextFrom(healthyCluster());
  assert.is(derived.bgp.pairs.length, 3);
  for (const p of derived.bgp.pairs) {
    assert.is(p.status, 'up');
    assert.equal([p.a.lastState, p.b.lastState, p.a.socket, p.b.socket, p.a.listens179], ['up', 'up', 'ESTABLISHED', 'ESTABLISHED', true]);
  }
  const ab = derived.bgp.pairs.find((p) => p.a.node === 'node-a' && p.b.node === 'node-b')!;
  assert.is(ab.initiator, 'node-b');
  assert.equal(derived.bgp.unknownPeers, []);
});

test('one side down, SYN_SENT, and a peer with no bundle', () => {
  const c = healthyCluster();
  const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];
  c['node-b']!.netstat = netstat(B, [`tcp        0      1 ${B.ip}:45678        ${A.ip}:179          SYN_SENT   `]);
  c['node-b']!['logs/bird/current'] = birdLog(B, [A, C, { ...C, ip: '10.77.0.99' }], (p) => (p.name === 'node-a' ? ['start'] : ['start', 'feed', 'up']));
  const { derived } = contextFrom(c);
  const ab = derived.bgp.pairs.find((p) => p.a.node === 'node-a' && p.b.node === 'node-b')!;
  assert.is(ab.b.socket, 'SYN_SENT');
  assert.is(ab.b.lastState, 'start');
  assert.is(ab.status, 'half');
  assert.equal(derived.bgp.unknownPeers.map((u) => [u.node, u.peerIP, u.protocol]), [['node-b', '10.77.0.99', 'Mesh_10_77_0_99']]);
});

test('Node_/Global_ peers that are no node (a ToR, a route reflector) are not reported as nodes without bundle', () => {
  const c = healthyCluster();
  c['node-a']!['logs/bird/current'] += '2026-11-27T10:14:09.20002 bird: Node_10_77_0_1: State changed to up\n2026-11-27T10:14:09.20003 bird: Global_10_77_0_2: State changed to up\n';
  const { derived } = contextFrom(c);
  assert.equal(derived.bgp.unknownPeers, []);
});

test('a Mesh protocol BIRD removed on a reconfiguration (its Node deleted) is no unknown peer; one added again is', () => {
  const c = healthyCluster();
  const removed = [
    '2026-11-27T10:14:09.20001 bird: Mesh_10_77_0_14: State changed to up',
    '2026-11-27T10:20:00.10001 bird: Reconfiguration requested by SIGHUP',
    '2026-11-27T10:20:00.10002 bird: Reconfiguring',
    '2026-11-27T10:20:00.10003 bird: Removing protocol Mesh_10_77_0_14',
    '2026-11-27T10:20:00.10004 bird: Mesh_10_77_0_14: Shutting down',
    '2026-11-27T10:20:00.10005 bird: Mesh_10_77_0_14: State changed to stop',
    '2026-11-27T10:20:00.10006 bird: Mesh_10_77_0_14: State changed to down',
    '2026-11-27T10:20:00.10007 bird: Reconfigured',
  ].join('\n') + '\n';
  c['node-a']!['logs/bird/current'] += removed;
  assert.equal(contextFrom(c).derived.bgp.unknownPeers, []);
  c['node-a']!['logs/bird/current'] += '2026-11-27T10:30:00.10001 bird: Adding protocol Mesh_10_77_0_14\n2026-11-27T10:30:00.10002 bird: Mesh_10_77_0_14: State changed to start\n';
  assert.equal(contextFrom(c).derived.bgp.unknownPeers.map((u) => u.peerIP), ['10.77.0.14']);
});

test("bird6's Mesh peers at the nodes' own IPv6 addresses are known nodes", () => {
  const c = healthyCluster();
  NODES.forEach((n, i) => {
    c[n.name]!.ipv6_addr += `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000\n    inet6 fd00:77::1${i + 1}/64 scope global \n       valid_lft forever preferred_lft forever\n`;
  });
  c['node-a']!['logs/bird/current'] += '2026-11-27T10:14:09.20001 bird: Mesh_fd00_77__12: State changed to up\n2026-11-27T10:14:09.20002 bird: Mesh_fd00_77__99: State changed to up\n';
  assert.equal(contextFrom(c).derived.bgp.unknownPeers.map((u) => u.peerIP), ['fd00:77::99']);
});

test.run();
