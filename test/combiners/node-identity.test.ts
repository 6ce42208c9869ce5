import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../helpers/healthy-cluster.js';

test('node IP from other nodes\' BIRD protocol names', () => {
  const { cluster } = contextFrom(healthyCluster());
  const a = cluster.nodes.find((n) => n.name === 'node-a')!;
  assert.is(a.nodeIP, '10.77.0.11');
  assert.match(a.nodeIPSource!, "named by node-b's Mesh_10_77_0_11");
  assert.is(a.nodeIPInterface, 'eth0');
});

test('node IP from the Node resource wins', () => {
  const yaml = `${POOL_YAML}---\napiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: node-a\nspec:\n  bgp:\n    ipv4Address: 10.77.0.11/24\n`;
  const { cluster } = contextFrom(healthyCluster(), yaml);
  assert.match(cluster.nodes[0]!.nodeIPSource!, 'Node resource node-a');
});

test('without BIRD logs: from BGP sockets, then from the next hop peers use for the node\'s block', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  let { cluster } = contextFrom(c);
  assert.is(cluster.nodes[0]!.nodeIP, '10.77.0.11');
  assert.match(cluster.nodes[0]!.nodeIPSource!, 'local address of BGP socket');
  for (const n of Object.values(c)) delete n.netstat;
  ({ cluster } = contextFrom(c));
  assert.is(cluster.nodes[0]!.nodeIP, '10.77.0.11');
  assert.match(cluster.nodes[0]!.nodeIPSource!, 'next hop node-b uses for its block 10.244.17.0/26');
});

test('nothing to go on: node IP unknown, not guessed', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) {
    delete n['logs/bird/current'];
    delete n.netstat;
    delete n.ipv4_route;
  }
  const { cluster } = contextFrom(c);
  assert.is(cluster.nodes[0]!.nodeIP, undefined);
});

test('a Node resource named by FQDN matches a bundle whose hostname is the short name', () => {
  const yaml = `${POOL_YAML}---\napiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: node-a.ec2.internal\nspec:\n  bgp:\n    ipv4Address: 10.77.0.11/24\n`;
  const { cluster } = contextFrom(healthyCluster(), yaml);
  assert.match(cluster.nodes[0]!.nodeIPSource!, 'Node resource node-a.ec2.internal');
});

test.run();
