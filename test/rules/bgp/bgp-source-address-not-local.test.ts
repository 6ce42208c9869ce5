import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML, proto, NODES } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { attachStatus, nodeStatus, peerRow } from '../../helpers/bgp-node-status.js';
import { bgpSourceAddressNotLocal } from '../../../src/rules/bgp/bgp-source-address-not-local.js';

const [A, B] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

const nodeYaml = (name: string, ip: string) => `---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: ${name}
spec:
  bgp:
    ipv4Address: ${ip}
`;

test('silent on the healthy cluster (with Node resources)', () => {
  const yaml = POOL_YAML + NODES.map((n) => nodeYaml(n.name, `${n.ip}/24`)).join('');
  expectRule(bgpSourceAddressNotLocal, contextFrom(healthyCluster(), yaml), { status: 'passed' });
});

test('fires on BIRD bind errors and the Node IP missing from ipv4_addr', () => {
  const c = healthyCluster();
  c['node-c']!['logs/bird/current'] += [A, B].map((p, i) => `2026-11-27T10:14:3${i}.10001 bird: ${proto(p.ip)}: Socket error: bind: Address not available`).join('\n') + '\n';
  const yaml = POOL_YAML + nodeYaml('node-a', '10.77.0.11/24') + nodeYaml('node-b', '10.77.0.12/24') + nodeYaml('node-c', '10.77.0.113/24');
  const [f] = expectRule(bgpSourceAddressNotLocal, contextFrom(c, yaml), { status: 'found', keys: ['node-c'], nodes: ['node-c'] });
  assert.is(f!.severity, undefined);
  assert.match(f!.title, '10.77.0.113 is not on the host');
  assert.match(f!.message, 'for 2 peers');
  assert.match(f!.message, 'which is on none of node-c');
  assert.match(f!.evidence[0]!.text, 'Socket error: bind: Address not available');
});

test('the startup line alone is strong evidence', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] += '2026-11-27T10:14:00.00001 2026-11-27 10:14:00.000 [WARNING][9] startup/startup.go 1032: Unable to confirm IPv4 address 10.77.0.99 is assigned to this host\n';
  const findings = expectRule(bgpSourceAddressNotLocal, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(findings[0]!.message, 'could not confirm the address');
});

test('a Node IP missing from ipv4_addr with no BIRD error is a warning, and explains that node\'s missing routes', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_route = c['node-a']!.ipv4_route!.split('\n').filter((l) => !l.startsWith('10.244.99.128/26')).join('\n');
  const yaml = POOL_YAML + nodeYaml('node-a', '10.77.0.11/24') + nodeYaml('node-b', '10.77.0.12/24') + nodeYaml('node-c', '10.77.0.113/24');
  const ctx = contextFrom(c, yaml);
  const [f] = expectRule(bgpSourceAddressNotLocal, ctx, { status: 'found', keys: ['node-c'] });
  assert.is(f!.severity, 'warning');
  const all = runAll(ctx);
  const cause = all.find((x) => x.rule === 'bgp-source-address-not-local');
  assert.ok(cause!.explains.some((id) => id.startsWith('block-route-missing:node-a->node-c')), cause!.explains.join(','));
});

test('node status with the bind error decides it without logs', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  const ctx = contextFrom(c, POOL_YAML);
  attachStatus(ctx, 'node-a', nodeStatus([peerRow(6, B.ip, 'start', 'Active        Socket: Address not available')]));
  const [f] = expectRule(bgpSourceAddressNotLocal, ctx, { status: 'found', keys: ['node-a'] });
  assert.is(f!.evidence[0]!.file, 'node-status.txt');
});

test('skipped without BIRD logs and Node resources', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  expectRule(bgpSourceAddressNotLocal, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
