import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, ipRoute, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { blockRouteMissing, nextHop } from '../../../src/rules/dataplane/block-route-missing.js';

test('silent on the healthy cluster', () => {
  expectRule(blockRouteMissing, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires when node-a lacks the route to node-c\'s block, naming the expected route form', () => {
  const c = healthyCluster();
  const [a, b] = NODES;
  c['node-a']!.ipv4_route = ipRoute(a!, [b!]);
  const [f] = expectRule(blockRouteMissing, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a->node-c'], nodes: ['node-a', 'node-c'] });
  assert.match(f!.title, '10.244.99.128/26');
  assert.match(f!.message, 'via 10.77.0.13 dev eth0 proto bird');
  // Evidence: the owner's blackhole line with its line number.
  assert.ok(f!.evidence.some((e) => e.node === 'node-c' && /blackhole 10\.244\.99\.128\/26 proto bird/.test(e.text) && e.line > 0));
});

test('the next hop is the owner\'s address on the node\'s own network, also when the owner\'s node IP is wrong', () => {
  const { cluster } = contextFrom(healthyCluster(), POOL_YAML);
  const [a, , c] = cluster.nodes;
  assert.equal(nextHop(a!, c!), { ip: '10.77.0.13', dev: 'eth0' });
  // Autodetection picked docker0 on node-c: the route after the fix goes to its eth0 address.
  const docker = { ...c!, nodeIP: '172.17.0.1', interfaces4: [...c!.interfaces4, { name: 'docker0', index: 9, flags: [], mtu: 1500, addresses: [{ family: 4 as const, address: '172.17.0.1', prefix: 16, cidr: '172.17.0.1/16' }] }] } as typeof c;
  const hop = nextHop(a!, docker);
  assert.equal([hop.ip, hop.dev], ['10.77.0.13', 'eth0']);
  assert.match(hop.note!, "node-c's node IP 172.17.0.1 is not on node-a's networks; its address on node-a's network is 10.77.0.13 (eth0)");
  // The same address on both (a NAT address every VM has) is no way to the owner.
  const nat = { name: 'eth1', index: 3, flags: [], mtu: 1500, addresses: [{ family: 4 as const, address: '10.0.2.15', prefix: 24, cidr: '10.0.2.15/24' }] };
  const a2 = { ...a!, interfaces4: [...a!.interfaces4, nat] } as typeof a;
  const c2 = { ...c!, nodeIP: '10.0.2.15', interfaces4: [...c!.interfaces4, nat] } as typeof c;
  assert.match(nextHop(a2!, c2!).note!, "node-c's node IP 10.0.2.15 is node-a's own address too; its address on node-a's network is 10.77.0.13");
});

test('IPIP pool: expects dev tunl0 ... onlink', () => {
  const c = healthyCluster();
  const [a, b] = NODES;
  c['node-a']!.ipv4_route = ipRoute(a!, [b!]);
  const findings = expectRule(blockRouteMissing, contextFrom(c, POOL_YAML.replace('ipipMode: Never', 'ipipMode: Always')), { status: 'found', count: 1 });
  assert.match(findings[0]!.message, 'dev tunl0 proto bird onlink');
});

test('a blackhole for another node\'s block counts as missing', () => {
  const c = healthyCluster();
  c['node-b']!.ipv4_route = c['node-b']!.ipv4_route!.replace('10.244.17.0/26 via 10.77.0.11 dev eth0 proto bird', 'unreachable 10.244.17.0/26 proto bird');
  expectRule(blockRouteMissing, contextFrom(c), { status: 'found', keys: ['node-b->node-a'] });
});

test('skipped when no node has a block', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) n.ipv4_route = '10.77.0.0/24 dev eth0 proto kernel scope link src 10.77.0.11\n';
  expectRule(blockRouteMissing, contextFrom(c), { status: 'skipped' });
});

test('session Established but the block lies outside every pool: says BIRD did not export it', () => {
  const c = healthyCluster();
  const [a, b] = NODES;
  c['node-a']!.ipv4_route = ipRoute(a!, [b!]);
  const findings = expectRule(blockRouteMissing, contextFrom(c, POOL_YAML.replace('cidr: 10.244.0.0/16', 'cidr: 10.244.0.0/18')), { status: 'found', keys: ['node-a->node-c'] });
  assert.match(findings[0]!.message, 'The BGP session between them is Established');
  assert.match(findings[0]!.message, '10.244.99.128/26 lies outside every IPPool (10.244.0.0/18)');
});

test.run();
