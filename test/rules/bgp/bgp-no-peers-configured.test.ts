import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML, NODES } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { attachStatus, nodeStatus } from '../../helpers/bgp-node-status.js';
import { bgpNoPeersConfigured } from '../../../src/rules/bgp/bgp-no-peers-configured.js';
import { parseSelector } from '../../../src/combiners/bgp-expected-peers.js';

const node = (name: string, ip: string, labels: Record<string, string> = {}, rr?: string) => `---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: ${name}
  labels:
${Object.entries({ 'kubernetes.io/hostname': name, ...labels }).map(([k, v]) => `    ${k}: "${v}"`).join('\n')}
spec:
  bgp:
    ipv4Address: ${ip}/24
${rr !== undefined ? `    routeReflectorClusterID: ${rr}\n` : ''}`;
const MESH_OFF = `---
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  asNumber: 64512
  nodeToNodeMeshEnabled: false
`;
const RR_PEER = `---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: peer-with-route-reflectors
spec:
  nodeSelector: all()
  peerSelector: route-reflector == 'true'
`;
const NODES_YAML = NODES.map((n) => node(n.name, n.ip)).join('');

/** BIRD logs from BIRD's start with only device1/direct1 (confd rendered no BGP protocol). */
function noBgpLogs(c: ReturnType<typeof healthyCluster>) {
  for (const n of Object.values(c)) n['logs/bird/current'] = '2026-11-27T10:14:01.10001 bird: device1: State changed to up\n2026-11-27T10:14:01.10002 bird: direct1: State changed to up\n2026-11-27T10:14:01.10003 bird: Started\n';
  for (const [name, n] of Object.entries(c)) n.ipv4_route = n.ipv4_route!.split('\n').filter((l) => !l.includes(' via ') || !NODES.some((x) => x.name !== name && l.startsWith(x.block))).join('\n');
}

test('parseSelector reads the Calico selector subset and refuses the rest', () => {
  assert.ok(parseSelector('all()')!({}));
  assert.ok(parseSelector("route-reflector == 'true'")!({ 'route-reflector': 'true' }));
  assert.not.ok(parseSelector("route-reflector == 'true'")!({}));
  assert.ok(parseSelector("has(rack) && rack in {'a', 'b'} || !has(x)")!({ rack: 'b', x: '1' }));
  assert.not.ok(parseSelector("rack not in {'a'} && zone != \"z1\"")!({ rack: 'a', zone: 'z2' }));
  assert.is(parseSelector('starts_with(zone, "eu")'), undefined);
});

test('silent on the healthy mesh (resources and logs)', () => {
  expectRule(bgpNoPeersConfigured, contextFrom(healthyCluster(), POOL_YAML + NODES_YAML), { status: 'passed' });
});

test('Nodes named other than the hostnames (NODENAME set to the IP) are found by node IP', () => {
  const byIP = NODES.map((n) => node(n.ip, n.ip)).join('');
  const c = healthyCluster();
  noBgpLogs(c);
  const [f] = expectRule(bgpNoPeersConfigured, contextFrom(c, POOL_YAML + byIP + MESH_OFF), { status: 'found', keys: ['cluster'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.message, 'the node-to-node mesh is disabled');
});

test('mesh disabled without BGPPeers: one finding for the cluster, from resources and logs', () => {
  const c = healthyCluster();
  noBgpLogs(c);
  const [f] = expectRule(bgpNoPeersConfigured, contextFrom(c, POOL_YAML + NODES_YAML + MESH_OFF), { status: 'found', keys: ['cluster'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.message, 'the node-to-node mesh is disabled');
  assert.match(f!.message, 'no Mesh_/Node_/Global_ protocol');
  assert.ok(f!.evidence.some((e) => e.text.includes('nodeToNodeMeshEnabled: false')));
});

test('explains the missing routes on its nodes', () => {
  const c = healthyCluster();
  noBgpLogs(c);
  const all = runAll(contextFrom(c, POOL_YAML + NODES_YAML + MESH_OFF));
  const cause = all.find((f) => f.rule === 'bgp-no-peers-configured');
  const missing = all.filter((f) => f.rule === 'block-route-missing');
  assert.ok(missing.length > 0);
  for (const m of missing) assert.ok(cause!.explains.includes(m.id), m.id);
});

test('route reflectors: clients peering only with the reflector are healthy; an unselected reflector is not', () => {
  const yaml = POOL_YAML + MESH_OFF + RR_PEER + node('node-a', NODES[0]!.ip, { 'route-reflector': 'true' }, '224.0.0.1') + node('node-b', NODES[1]!.ip) + node('node-c', NODES[2]!.ip);
  expectRule(bgpNoPeersConfigured, contextFrom(healthyCluster(), yaml), { status: 'passed' });
  // The reflector label is gone: nobody peers with anybody.
  const broken = POOL_YAML + MESH_OFF + RR_PEER + node('node-a', NODES[0]!.ip, {}, '224.0.0.1') + node('node-b', NODES[1]!.ip) + node('node-c', NODES[2]!.ip);
  const c = healthyCluster();
  noBgpLogs(c);
  const fs = expectRule(bgpNoPeersConfigured, contextFrom(c, broken), { status: 'found', nodes: ['node-a'] });
  assert.ok(fs.some((f) => f.message.includes('is a route reflector (cluster ID 224.0.0.1)')));
});

test('node status `No IPv4 peers found.` decides it for that node alone', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  attachStatus(ctx, 'node-b', nodeStatus([], true));
  const [f] = expectRule(bgpNoPeersConfigured, ctx, { status: 'found', keys: ['node-b'] });
  assert.is(f!.evidence[0]!.text, 'No IPv4 peers found.');
});

test('VXLAN pools need no BGP peers', () => {
  const c = healthyCluster();
  noBgpLogs(c);
  const vxlan = POOL_YAML.replace('vxlanMode: Never', 'vxlanMode: Always');
  expectRule(bgpNoPeersConfigured, contextFrom(c, vxlan + NODES_YAML + MESH_OFF), { status: 'passed' });
});

test('skipped when nothing decides the peer set', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  expectRule(bgpNoPeersConfigured, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
