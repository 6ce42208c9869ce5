import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { ipamBlockExhaustion } from '../../../src/rules/dataplane/ipam-block-exhaustion.js';

const CNI_LINE = '2026-11-27 10:14:12.000 [ERROR][2390] ipam/ipam_plugin.go 301: Failed to assign IP address error=Assigned 0 out of 1 requested IPv4 addresses; No more free affine blocks and strict affinity enabled\n';

test('silent on the healthy cluster', () => {
  expectRule(ipamBlockExhaustion, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('a pool whose blocks are all taken (a /25 of /26 blocks, two in use... three nodes)', () => {
  // 10.244.17.0/24 with blockSize 26 holds 4 blocks; 3 nodes + one more block route make it full.
  const c = healthyCluster();
  for (const n of Object.values(c)) n.ipv4_route = n.ipv4_route!.replace(/10\.244\.42\.64/g, '10.244.17.64').replace(/10\.244\.99\.128/g, '10.244.17.128');
  c['node-a']!.ipv4_route += '10.244.17.192/26 via 10.77.0.99 dev eth0 proto bird \n';
  const pool = POOL_YAML.replace('cidr: 10.244.0.0/16', 'cidr: 10.244.17.0/24');
  const [f] = expectRule(ipamBlockExhaustion, contextFrom(c, pool), { status: 'found', keys: ['pool:default-ipv4-ippool'] });
  assert.match(f!.title, '4 of 4 /26 blocks in use');
  assert.is(f!.severity, 'warning');
  // With the CNI saying so, it is critical and the log line leads.
  c['node-b']!['logs/cni/cni.log'] += CNI_LINE;
  const [g] = expectRule(ipamBlockExhaustion, contextFrom(c, pool), { status: 'found', count: 1 });
  assert.is(g!.severity, undefined);
  assert.ok(g!.evidence[0]!.text.includes('No more free affine blocks'));
});

test('CNI exhaustion lines alone: a finding per node', () => {
  const c = healthyCluster();
  c['node-b']!['logs/cni/cni.log'] += CNI_LINE;
  const [f] = expectRule(ipamBlockExhaustion, contextFrom(c, POOL_YAML), { status: 'found', keys: ['log:node-b'] });
  assert.match(f!.message, 'leaked allocations, maxBlocksPerHost or strict affinity');
});

test('skipped without pools and without IPAM lines', () => {
  const r = ipamBlockExhaustion.check(contextFrom(healthyCluster()));
  assert.is(r.status, 'skipped');
  assert.ok(r.collect?.some((h) => h.command.includes('ipam show')));
});

test.run();
