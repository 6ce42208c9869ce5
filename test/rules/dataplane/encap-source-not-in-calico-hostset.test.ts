import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, encapTables, hostSet, ipipCluster, ipipRoutes, nodeYaml, poolYaml, vxlanCluster } from '../../helpers/encap-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { derive } from '../../../src/combiners/derive.js';
import { encapSourceNotInCalicoHostset as rule } from '../../../src/rules/dataplane/encap-source-not-in-calico-hostset.js';

const VX = docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan'));
const IPIP = docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'));
const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('passes on healthy VXLAN and IPIP clusters, and (not in use) on the BGP cluster', () => {
  expectRule(rule, contextFrom(vxlanCluster(), VX), { status: 'passed' });
  expectRule(rule, contextFrom(ipipCluster(), IPIP), { status: 'passed' });
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('VXLAN: node-a\'s set lacks node-c\'s address and its drop rule counts packets', () => {
  const c = vxlanCluster();
  c['node-a']!.ipsets = hostSet('cali40all-vxlan-net', [A.ip, B.ip]);
  c['node-a']!.ipv4_tables = encapTables('vxlan', { allowIn: 20, dropIn: 11, allowOut: 30 });
  const [f] = expectRule(rule, contextFrom(c, VX), { status: 'found', keys: ['vxlan:node-a'] });
  assert.match(f!.title, 'node-a drops VXLAN from node-c: source 10.77.0.13 not in cali40all-vxlan-net');
  assert.match(f!.evidence[0]!.text, 'Drop IPv4 VXLAN packets from non-allowed hosts');
  assert.ok(f!.evidence[0]!.text.startsWith('[11:'));
  assert.equal(f!.pairs, [['node-c', 'node-a']]);
  // node-c sends from its own node IP: the receiver's set is what is wrong.
  const fix = filledFix(f);
  assert.match(fix, "node-c sends from its own node IP 10.77.0.13, so node-a's cali40all-vxlan-net is what is wrong");
  assert.match(fix, '`tcpdump -ni eth0 udp port 4789 and src host 10.77.0.13` during a ping from a pod on node-c');
  assert.match(fix, "`iptables-save -c | grep 'Drop IPv4 VXLAN packets from non-allowed hosts'` on node-a");
});

test('VXLAN: node-c\'s vxlan.calico sends from a second address (ip -d link local), node-a and node-b drop it', () => {
  const c = vxlanCluster();
  c['node-a']!.ipv4_tables = encapTables('vxlan', { allowIn: 20, dropIn: 9, allowOut: 30 });
  const ctx = contextFrom(c, VX);
  const nc = ctx.cluster.nodes.find((n) => n.name === 'node-c')!;
  const at = { input: 'node-c/ip-d-link.txt', file: 'node-c/ip-d-link.txt' };
  nc.attachments = {
    sources: [{ kind: 'ip-d-link', ...at }],
    links: [{ ...at, line: 2, text: '4: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000', name: 'vxlan.calico', mtu: 1450, vxlan: { id: 4096, local: '10.77.0.23', dev: 'eth0', dstport: 4789 }, tunnelLine: { ...at, line: 4, text: '    vxlan id 4096 local 10.77.0.23 dev eth0 srcport 0 0 dstport 4789 nolearning' } }],
  };
  const r = rule.check({ cluster: ctx.cluster, derived: derive(ctx.cluster) });
  assert.is(r.status, 'found');
  const fs = r.status === 'found' ? r.findings : [];
  assert.equal(fs.map((f) => f.key).sort(), ['vxlan:node-a', 'vxlan:node-b']);
  const fa = fs.find((f) => f.key === 'vxlan:node-a')!;
  assert.match(fa.title, 'node-a drops VXLAN from node-c: source 10.77.0.23 not in cali40all-vxlan-net');
  assert.ok(fa.evidence[0]!.text.startsWith('[9:'), fa.evidence[0]!.text);
  const src = fa.evidence.find((e) => e.node === 'node-c')!;
  assert.equal([src.file, src.line], ['node-c/ip-d-link.txt', 4]);
  assert.match(src.text, 'local 10.77.0.23');
  const fix = filledFix(fa);
  assert.match(fix, 'On node-c, vxlan.calico sends from 10.77.0.23 while its Node IP is 10.77.0.13');
  assert.match(fix, `"externalNodesCIDRList":["10.77.0.23/32"]`);
});

test('IPIP: node-b sends from a second NIC address (route src) that node-a does not accept', () => {
  const c = ipipCluster();
  c['node-b']!.ipv4_route = ipipRoutes(B, [A, C]) + `10.77.0.11 dev eth1 scope link src 192.168.50.12 \n`;
  const [f] = expectRule(rule, contextFrom(c, IPIP), { status: 'found', keys: ['ipip:node-a'] });
  assert.match(f!.message, 'node-b sends from 192.168.50.12');
  assert.ok(f!.evidence.some((e) => e.node === 'node-b' && e.text.includes('src 192.168.50.12')));
  const fix = filledFix(f);
  assert.match(fix, 'On node-b, traffic to node-a leaves from 192.168.50.12 (the source of its route to 10.77.0.11) instead of its Node IP 10.77.0.12: `ip route get 10.77.0.11` on node-b');
  assert.match(fix, '`tcpdump -ni eth0 ip proto 4 and src host 192.168.50.12`');
});

test('drop counter alone (all nodes in the set): a warning about non-Calico senders', () => {
  const c = vxlanCluster();
  c['node-b']!.ipv4_tables = encapTables('vxlan', { allowIn: 20, dropIn: 5, allowOut: 30 });
  const [f] = expectRule(rule, contextFrom(c, VX), { status: 'found', keys: ['vxlan:node-b'] });
  assert.is(f!.severity, 'warning');
  assert.match(f!.message, 'not a Calico node');
  const fix = filledFix(f);
  assert.match(fix, 'Find the sender on node-b: `tcpdump -ni eth0 udp port 4789`');
});

test('VXLAN bundles without Node resources: the node IP is not taken from the VTEP next hops, so nothing is called outside the set', () => {
  const ctx = contextFrom(vxlanCluster());
  assert.not.ok(ctx.cluster.nodes.some((n) => n.nodeIP?.startsWith('10.244.')), ctx.cluster.nodes.map((n) => n.nodeIP).join(','));
  expectRule(rule, ctx, { status: 'passed' });
});

test('skipped when no host set or drop rule was collected', () => {
  const c = vxlanCluster();
  for (const n of Object.values(c)) {
    delete n.ipsets;
    delete n.ipv4_tables;
  }
  expectRule(rule, contextFrom(c, VX), { status: 'skipped' });
});

test.run();
