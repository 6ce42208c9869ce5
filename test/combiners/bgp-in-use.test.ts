import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, POOL_YAML, vxlanBackendCluster } from '../helpers/healthy-cluster.js';
import { expectRule } from '../helpers/rule-tester.js';
import { bgpNotInUse } from '../../src/combiners/bgp-in-use.js';
import { bgpAsMismatch } from '../../src/rules/bgp/bgp-as-mismatch.js';
import { bgpUnknownPeerOrNat } from '../../src/rules/bgp/bgp-unknown-peer-or-nat.js';
import { bgpRouterIdCollision } from '../../src/rules/bgp/bgp-router-id-collision.js';
import { bgpHoldTimerFlapping } from '../../src/rules/bgp/bgp-hold-timer-flapping.js';
import { bgpStaleNodePeers } from '../../src/rules/bgp/bgp-stale-node-peers.js';
import { birdConfdNotRunning } from '../../src/rules/bgp/bird-confd-not-running.js';

const VXLAN_POOL = POOL_YAML.replace('vxlanMode: Never', 'vxlanMode: Always');
const notInUse = (ctx: { cluster: Parameters<typeof bgpNotInUse>[0]; derived: Parameters<typeof bgpNotInUse>[1] }) => bgpNotInUse(ctx.cluster, ctx.derived);
const RULES = [bgpAsMismatch, bgpUnknownPeerOrNat, bgpRouterIdCollision, bgpHoldTimerFlapping, bgpStaleNodePeers, birdConfdNotRunning];

test('VXLAN backend (no BIRD anywhere, VXLAN pools, no BGPPeer): every BGP rule passes as not applicable', () => {
  const ctx = contextFrom(vxlanBackendCluster(), VXLAN_POOL);
  assert.match(bgpNotInUse(ctx.cluster, ctx.derived) ?? '', /^not applicable: BGP is not in use \(every enabled IPPool is VXLAN/);
  for (const rule of RULES) {
    const r = rule.check(ctx);
    assert.is(r.status, 'passed', rule.meta.id);
    assert.match((r as { reason: string }).reason, 'not applicable', rule.meta.id);
  }
});

test('BGP may be in use: a pool that needs BIRD, one node whose BIRD runs, or a BGPPeer', () => {
  assert.is(notInUse(contextFrom(vxlanBackendCluster(), POOL_YAML.replace('ipipMode: Never', 'ipipMode: Always'))), undefined);
  const c = vxlanBackendCluster();
  c['node-a'] = healthyCluster()['node-a']!;
  assert.is(notInUse(contextFrom(c, VXLAN_POOL)), undefined);
  const peer = `---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: tor
spec:
  peerIP: 10.77.0.1
  asNumber: 64500
`;
  assert.is(notInUse(contextFrom(vxlanBackendCluster(), VXLAN_POOL + peer)), undefined);
  // The healthy BIRD mesh itself: the rules run as before.
  expectRule(birdConfdNotRunning, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
  assert.not.match((birdConfdNotRunning.check(contextFrom(healthyCluster(), POOL_YAML)) as { reason: string }).reason, 'not applicable');
});

test.run();
