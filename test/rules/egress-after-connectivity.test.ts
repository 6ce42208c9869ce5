/**
 * Runbook B1: "can pods reach each other" before "can pods reach the internet". An egress finding is
 * folded under a connectivity cause on the same nodes when one exists; a pool's own natOutgoing: false
 * is a configuration fact no node fault explains, and stays a root cause.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, iptables, POOL_YAML } from '../helpers/healthy-cluster.js';
import { runAll } from '../helpers/rule-tester.js';

const CONFD_DOWN = '2026-11-27T10:14:00.50001 2026-11-27 10:14:00.500 [ERROR][55] confd/client.go 95: Failed to query current BGP settings: Get https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations/default: net/http: TLS handshake timeout\n';

test('a node whose calico-node cannot reach the datastore: its missing MASQUERADE rule is a symptom', () => {
  const c = healthyCluster();
  c['node-b']!['logs/confd/current'] = CONFD_DOWN;
  c['node-b']!.ipv4_tables = iptables({ masquerade: false });
  const all = runAll(contextFrom(c, POOL_YAML));
  const cause = all.find((f) => f.id === 'bird-confd-not-running:node-b');
  assert.ok(cause?.explains.includes('nat-outgoing-disabled:node:node-b'), JSON.stringify(all.map((f) => [f.id, f.explains])));
  assert.ok(all.findIndex((f) => f === cause) < all.findIndex((f) => f.id === 'nat-outgoing-disabled:node:node-b'));
});

test("a pool with natOutgoing: false stays a root cause even when a node's calico-node is down", () => {
  const c = healthyCluster();
  c['node-b']!['logs/confd/current'] = CONFD_DOWN;
  for (const n of Object.values(c)) n.ipv4_tables = iptables({ masquerade: false });
  const all = runAll(contextFrom(c, POOL_YAML.replace('natOutgoing: true', 'natOutgoing: false')));
  const pool = all.find((f) => f.id === 'nat-outgoing-disabled:pool:default-ipv4-ippool');
  assert.ok(pool !== undefined);
  assert.not.ok(all.some((f) => f.explains.includes(pool!.id)), 'no cause folds the pool setting');
});

test.run();
