import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, ipRoute, NODES, POOL_YAML } from '../helpers/healthy-cluster.js';
import { routeKind } from '../../src/combiners/route-matrix.js';
import { parseIpRoute } from '../../src/parsers/ip-route.js';

test('block ownership from blackholes, and a full matrix on the healthy cluster', () => {
  const { derived } = contextFrom(healthyCluster());
  assert.equal(derived.blocks.map((b) => [b.block, b.owners]), [['10.244.17.0/26', ['node-a']], ['10.244.42.64/26', ['node-b']], ['10.244.99.128/26', ['node-c']]]);
  const statuses = derived.routeMatrix.rows.map((r) => r.map((c) => c.status));
  assert.equal(statuses, [['self', 'ok', 'ok'], ['ok', 'self', 'ok'], ['ok', 'ok', 'self']]);
  const cell = derived.routeMatrix.rows[0]![1]!;
  assert.equal(cell.blocks[0]!.route, { dst: '10.244.42.64/26', via: '10.77.0.12', dev: 'eth0', proto: 'bird', onlink: false, type: 'unicast' });
  assert.is(cell.blocks[0]!.kind, 'direct');
});

test('missing and unknown cells', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_route = ipRoute(NODES[0]!, [NODES[1]!]);
  delete c['node-b']!.ipv4_route;
  const { derived } = contextFrom(c);
  const row = (n: number) => derived.routeMatrix.rows[n]!.map((x) => x.status);
  assert.equal(row(0), ['self', 'no-block', 'missing']); // node-b's routes not collected: its block is unknown
  assert.equal(row(1), ['unknown', 'self', 'unknown']);
});

test('route kinds: IPIP via tunl0, VXLAN via vxlan.calico, blackhole', () => {
  const [ipip, vxlan, bh] = parseIpRoute('172.27.174.0/26 via 10.77.20.196 dev tunl0 proto bird onlink\n10.233.72.0/26 via 10.233.72.0 dev vxlan.calico onlink\nblackhole 172.27.198.192/26 proto bird\n');
  assert.equal([routeKind(ipip!), routeKind(vxlan!), routeKind(bh!)], ['ipip', 'vxlan', 'blackhole']);
});

test('without blackholes (BIRD not exporting), blocks are inferred from local workload routes and the pool block size', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) n.ipv4_route = n.ipv4_route!.split('\n').filter((l) => !l.startsWith('blackhole')).join('\n');
  c['node-a']!.ipv4_route = c['node-a']!.ipv4_route!.split('\n').filter((l) => !l.startsWith('10.244.99.128/26')).join('\n');
  const { derived } = contextFrom(c, POOL_YAML);
  assert.equal(derived.blocks.map((b) => [b.block, b.owners, b.proto]), [
    ['10.244.17.0/26', ['node-a'], 'inferred'],
    ['10.244.42.64/26', ['node-b'], 'inferred'],
    ['10.244.99.128/26', ['node-c'], 'inferred'],
  ]);
  assert.ok(derived.blocks[0]!.evidence[0]!.text.includes('dev cali1a2b3c4d5e6'));
  assert.is(derived.routeMatrix.rows[0]![2]!.status, 'missing');
});

test('a BGP-learned aggregate covering the block counts as a route; the default route does not', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_route = ipRoute(NODES[0]!, [NODES[1]!]) + 'default via 10.77.0.1 dev eth0 \n10.244.64.0/18 via 10.77.0.1 dev eth0 proto bird \n';
  let { derived } = contextFrom(c, POOL_YAML);
  assert.is(derived.routeMatrix.rows[0]![2]!.status, 'ok');
  assert.is(derived.routeMatrix.rows[0]![2]!.blocks[0]!.route!.dst, '10.244.64.0/18');
  c['node-a']!.ipv4_route = ipRoute(NODES[0]!, [NODES[1]!]) + 'default via 10.77.0.1 dev eth0 proto bird \n';
  ({ derived } = contextFrom(c, POOL_YAML));
  assert.is(derived.routeMatrix.rows[0]![2]!.status, 'missing');
});

test.run();
