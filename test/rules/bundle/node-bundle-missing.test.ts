import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, healthyCluster, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
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
  assert.equal(f!.fix, [
    'Collect `calicoctl node diags` on node-c (10.77.0.13) and analyze it together with the bundles of node-a and node-b.',
    'If a machine no longer exists, decommission its stale Node so the mesh stops peering with it: `calicoctl delete node node-c` (and `kubectl delete node node-c` if Kubernetes still lists it).',
  ]);
});

test('a peer known only by its IP (no Node resource): the steps find its Node by that IP', () => {
  const c = healthyCluster();
  delete c['node-c'];
  const [f] = expectRule(nodeBundleMissing, contextFrom(c, POOL_YAML), { status: 'found', keys: ['10.77.0.13'] });
  assert.match(f!.fix![1]!, '`calicoctl get nodes -o wide | grep -w 10.77.0.13`');
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
