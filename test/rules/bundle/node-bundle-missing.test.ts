import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, establishedRows, healthyCluster, netstat, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { nodeBundleMissing } from '../../../src/rules/bundle/node-bundle-missing.js';

test('silent on the healthy cluster', () => {
  expectRule(nodeBundleMissing, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires for a peer named by BIRD protocols and a Node resource without bundle', () => {
  const c = healthyCluster();
  delete c['node-c'];
  const yaml = `${POOL_YAML}---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-c
spec:
  bgp:
    ipv4Address: 10.77.0.13/24
`;
  const [f] = expectRule(nodeBundleMissing, contextFrom(c, yaml), { status: 'found', keys: ['10.77.0.13'], nodes: ['node-a', 'node-b'] });
  assert.match(f!.title, 'node-c (10.77.0.13)');
  assert.ok(f!.evidence.some((e) => e.text.includes('Mesh_10_77_0_13')));
  assert.ok(f!.evidence.some((e) => e.file === 'resources.yaml'));
  // Both sessions with node-c are up: the machine is alive, so nothing suggests deleting its Node.
  assert.match(f!.message, 'The session is up on node-a, node-b: the machine is alive.');
  assert.equal(f!.fix, [
    'Collect `calicoctl node diags` on node-c (10.77.0.13) and analyze it together with the bundles of node-a and node-b.',
    'Do not delete the Node of node-c (10.77.0.13): its BGP session is up with node-a and node-b, so the machine is alive; only the bundle is missing.',
  ]);
  assert.not.match(f!.fix!.join('\n'), 'calicoctl delete node');
});

test('a peer whose sessions never came up: decommissioning is offered, after confirming the machine is gone', () => {
  const c = healthyCluster();
  delete c['node-c'];
  const notUp = (p: { ip: string }) => (p.ip === NODES[2]!.ip ? ['start', 'connect'] : ['start', 'feed', 'up']);
  c['node-a']!['logs/bird/current'] = birdLog(NODES[0]!, [NODES[1]!, NODES[2]!], notUp);
  c['node-b']!['logs/bird/current'] = birdLog(NODES[1]!, [NODES[0]!, NODES[2]!], notUp);
  c['node-a']!['netstat'] = netstat(NODES[0]!, establishedRows(NODES[0]!, [NODES[1]!]));
  c['node-b']!['netstat'] = netstat(NODES[1]!, establishedRows(NODES[1]!, [NODES[0]!]));
  const [f] = expectRule(nodeBundleMissing, contextFrom(c, POOL_YAML), { status: 'found', keys: ['10.77.0.13'] });
  assert.not.match(f!.message, 'alive');
  assert.is(f!.fix!.length, 2);
  assert.match(f!.fix![1]!, /^Only if a machine no longer exists \(confirm with `kubectl get nodes -o wide`/);
  assert.match(f!.fix![1]!, '`calicoctl get nodes -o wide | grep -w 10.77.0.13`');
});

test('an ESTABLISHED socket alone proves the peer alive (no BIRD log), and is cited', () => {
  const c = healthyCluster();
  delete c['node-c'];
  const bird = (self: (typeof NODES)[number], peers: (typeof NODES)[number][]) => birdLog(self, peers, (p) => (p.ip === NODES[2]!.ip ? ['start'] : ['start', 'feed', 'up']));
  c['node-a']!['logs/bird/current'] = bird(NODES[0]!, [NODES[1]!, NODES[2]!]);
  c['node-b']!['logs/bird/current'] = bird(NODES[1]!, [NODES[0]!, NODES[2]!]);
  const [f] = expectRule(nodeBundleMissing, contextFrom(c, POOL_YAML), { status: 'found', keys: ['10.77.0.13'] });
  assert.ok(f!.evidence.some((e) => e.file.endsWith('netstat') && e.text.includes('10.77.0.13') && e.text.includes('ESTABLISHED')));
  assert.match(f!.fix![1]!, /^Do not delete the Node of 10\.77\.0\.13/);
});

test('a peer known only by its IP (no Node resource): the steps find its Node by that IP', () => {
  const c = healthyCluster();
  delete c['node-c'];
  const [f] = expectRule(nodeBundleMissing, contextFrom(c, POOL_YAML), { status: 'found', keys: ['10.77.0.13'] });
  assert.match(f!.title, 'No bundle for 10.77.0.13');
  assert.not.match(f!.fix!.join('\n'), /<[A-Za-z][^<>`\n]*>/);
});

test('many peers without bundle (only the nodes involved were sent) make one grouped finding', () => {
  const c = healthyCluster();
  const extra = ['10.77.0.21', '10.77.0.22', '10.77.0.23', '10.77.0.24'].map((ip, i) => ({ ...NODES[2]!, name: `node-x${i}`, ip }));
  c['node-a']!['logs/bird/current'] = birdLog(NODES[0]!, [NODES[1]!, NODES[2]!, ...extra]);
  const [f] = expectRule(nodeBundleMissing, contextFrom(c, POOL_YAML), { status: 'found', keys: ['peers'], nodes: ['node-a'] });
  assert.match(f!.title, 'No bundle for 4 peers');
  assert.is(f!.evidence.length, 4);
  assert.match(f!.fix![0]!, 'on 10.77.0.21, 10.77.0.22, 10.77.0.23 and 10.77.0.24 and analyze them together with the bundles of node-a');
});

test.run();
