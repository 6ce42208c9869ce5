import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../helpers/healthy-cluster.js';

test('pod IP ↔ cali interface ↔ node from `<ip> dev cali… scope link`', () => {
  const { derived } = contextFrom(healthyCluster(), POOL_YAML);
  assert.equal(derived.workloads.map((w) => [w.node, w.ip, w.iface]), [
    ['node-a', '10.244.17.1', 'cali1a2b3c4d5e6'],
    ['node-b', '10.244.42.65', 'cali7f8e9d0c1b2'],
    ['node-c', '10.244.99.129', 'calia9a07b1e42e'],
  ]);
  assert.ok(derived.workloads[0]!.evidence.line > 0);
  assert.equal(derived.borrowed, []);
});

test('a borrowed address and the host routes the other nodes have for it', () => {
  const c = healthyCluster();
  c['node-b']!.ipv4_route += '10.244.99.140 dev cali0b0b0b0b0b0 scope link \n';
  c['node-a']!.ipv4_route += '10.244.99.140 via 10.77.0.12 dev eth0 proto bird \n';
  const { derived } = contextFrom(c, POOL_YAML);
  assert.is(derived.borrowed.length, 1);
  const b = derived.borrowed[0]!;
  assert.equal([b.workload.node, b.block, b.owners], ['node-b', '10.244.99.128/26', ['node-c']]);
  assert.equal(b.hostRoutes.map((h) => [h.node, h.ok]), [['node-a', true], ['node-c', false]]);
});

test.run();
