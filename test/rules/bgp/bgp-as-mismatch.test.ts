import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML, proto, NODES } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { bgpAsMismatch } from '../../../src/rules/bgp/bgp-as-mismatch.js';

const [A, , C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('silent on the healthy cluster', () => {
  expectRule(bgpAsMismatch, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on Bad peer AS from both ends, one finding per pair', () => {
  const c = healthyCluster();
  c['node-a']!['logs/bird/current'] += `2026-11-27T10:14:30.10001 bird: ${proto(C.ip)}: Error: Bad peer AS: 64513\n2026-11-27T10:14:30.10002 bird: ${proto(C.ip)}: State changed to start\n`;
  c['node-c']!['logs/bird/current'] += `2026-11-27T10:14:30.10101 bird: ${proto(A.ip)}: Received: Bad peer AS\n`;
  const [f] = expectRule(bgpAsMismatch, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a<->node-c'], nodes: ['node-a', 'node-c'] });
  assert.match(f!.message, 'announces AS 64513');
  assert.ok(f!.evidence.some((e) => e.node === 'node-c' && e.text.includes('Received: Bad peer AS')));
});

test('fires on a BGPPeer whose asNumber differs from the peer Node\'s', () => {
  const yaml = `${POOL_YAML}---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-c
spec:
  bgp:
    asNumber: 64513
    ipv4Address: 10.77.0.13/24
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: peer-to-c
spec:
  peerIP: 10.77.0.13
  asNumber: 64512
`;
  const [f] = expectRule(bgpAsMismatch, contextFrom(healthyCluster(), yaml), { status: 'found', keys: ['BGPPeer/peer-to-c'] });
  assert.match(f!.title, 'expects AS 64512');
  assert.match(f!.title, 'uses AS 64513');
});

test.run();
