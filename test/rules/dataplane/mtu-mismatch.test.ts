import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, ipAddr, NODES, POOL_YAML, type NodeSpec } from '../../helpers/healthy-cluster.js';
import type { NodeFiles } from '../../helpers/cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { mtuMismatch } from '../../../src/rules/dataplane/mtu-mismatch.js';
import * as MTU from '../../../src/combiners/mtu-table.js';

/** `ip -6 addr` with the node's pod veth at `mtu` (cali* veths appear only here). */
function ipv6Addr(self: NodeSpec, mtu = 1500): string {
  return [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000',
    '    inet6 ::1/128 scope host ',
    '       valid_lft forever preferred_lft forever',
    `5: ${self.iface}@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${mtu} state UP qlen 1000`,
    '    inet6 fe80::ecee:eeff:feee:eeee/64 scope link ',
    '       valid_lft forever preferred_lft forever',
  ].join('\n') + '\n';
}

function cluster(mtus: Partial<Record<string, number>> = {}, nic: Partial<Record<string, number>> = {}): Record<string, NodeFiles> {
  const c = healthyCluster();
  for (const n of NODES) {
    c[n.name]!.ipv6_addr = ipv6Addr(n, mtus[n.name] ?? 1500);
    if (nic[n.name] !== undefined) c[n.name]!.ipv4_addr = ipAddr(n).replace('mtu 1500', `mtu ${nic[n.name]}`);
  }
  return c;
}

const TUNL0 = (mtu: number) => `7: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu ${mtu} qdisc noqueue state UNKNOWN group default qlen 1000\n    link/ipip 0.0.0.0 brd 0.0.0.0\n    inet 10.244.17.0/32 scope global tunl0\n       valid_lft forever preferred_lft forever\n`;

test('silent on the healthy cluster (veths from ipv6_addr, no encapsulation)', () => {
  const r = expectRule(mtuMismatch, contextFrom(cluster(), POOL_YAML), { status: 'passed' });
  assert.equal(r, []);
  assert.match((mtuMismatch.check(contextFrom(cluster(), POOL_YAML)) as { reason: string }).reason, '3 pod veths');
});

test('one node\'s NIC smaller than the pod MTU: one finding keyed by that node, naming all three', () => {
  const ctx = contextFrom(cluster({}, { 'node-c': 1400 }), POOL_YAML);
  const [f] = expectRule(mtuMismatch, ctx, { status: 'found', keys: ['node-c'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.title, "node-c's eth0 MTU 1400 is smaller than the pod MTU on node-a, node-b, node-c");
  assert.ok(f!.evidence[0]!.text.includes('eth0@if5') && f!.evidence[0]!.text.includes('mtu 1400'));
  assert.ok(f!.evidence.some((e) => e.file.endsWith('ipv6_addr') && e.text.includes('mtu 1500')));
  assert.equal(f!.pairs, [['node-a', 'node-c'], ['node-b', 'node-c']]);
  assert.is(runAll(ctx)[0]!.rule, 'mtu-mismatch');
  // No encapsulation: the pod MTU is node-c's NIC MTU; raising that NIC to the others' 1500 is the alternative.
  const fix = filledFix(f);
  assert.match(fix, 'Set the pod MTU to 1400 (= node-c\'s eth0 MTU, no encapsulation)');
  assert.match(fix, `"calicoNetwork":{"mtu":1400}`);
  assert.match(fix, '"veth_mtu":"1400"');
  assert.match(fix, '`ip link set dev eth0 mtu 1500` on node-c');
  assert.match(fix, '`ping -M do -s 1372 ');
});

test('IP-in-IP: veth 1500 on a 1500 NIC exceeds 1500 − 20, and tunl0 1500 too', () => {
  const c = cluster({ 'node-b': 1500 }, {});
  for (const n of NODES) c[n.name]!.ipv6_addr = ipv6Addr(n, n.name === 'node-b' ? 1500 : 1480);
  c['node-b']!.ipv4_addr = ipAddr(NODES[1]!, TUNL0(1500));
  c['node-a']!.ipv4_addr = ipAddr(NODES[0]!, TUNL0(1480));
  const ctx = contextFrom(c, POOL_YAML.replace('ipipMode: Never', 'ipipMode: Always'));
  const [f] = expectRule(mtuMismatch, ctx, { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'max 1480 = 1500 − 20 for IP-in-IP 20 B');
  assert.match(f!.message, 'tunl0 MTU 1500');
  assert.is(f!.pairs, undefined);
  // IP-in-IP: 1500 − 20; node-b's own NIC limits, so there is no larger NIC to raise.
  const fix = filledFix(f);
  assert.match(fix, 'Set the pod MTU to 1480 (= 1500 − 20 for IP-in-IP 20 B)');
  assert.not.match(fix, 'ip link set dev');
  assert.match(fix, '`ping -M do -s 1452 ');
});

test('VXLAN from the routes (no pool exported): 1450 veths are fine, 1500 are not', () => {
  const c = cluster({ 'node-a': 1450, 'node-b': 1450, 'node-c': 1450 });
  c['node-a']!.ipv4_route += '10.244.42.64/26 via 10.244.42.64 dev vxlan.calico onlink \n';
  expectRule(mtuMismatch, contextFrom(c), { status: 'passed' });
  c['node-a']!.ipv6_addr = ipv6Addr(NODES[0]!, 1500);
  const [f] = expectRule(mtuMismatch, contextFrom(c), { status: 'found', keys: ['node-a'] });
  assert.match(f!.message, 'VXLAN 50 B');
});

test('the overhead follows each pod\'s pool: 1480 is fine in the IP-in-IP pool, too large in the VXLAN pool', () => {
  const c = cluster({ 'node-a': 1480, 'node-b': 1480, 'node-c': 1480 });
  const pools = POOL_YAML.replace('cidr: 10.244.0.0/16', 'cidr: 10.244.0.0/17').replace('ipipMode: Never', 'ipipMode: Always') +
    '---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: vxlan-pool\nspec:\n  cidr: 10.244.128.0/17\n  ipipMode: Never\n  vxlanMode: Always\n  natOutgoing: true\n';
  // node-c's pod 10.244.99.129 lies in the IPIP pool; move node-b's pod into the VXLAN pool.
  for (const n of Object.values(c)) n.ipv4_route = n.ipv4_route!.replace(/10\.244\.42\.65/g, '10.244.142.65');
  const [f] = expectRule(mtuMismatch, contextFrom(c, pools), { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'max 1450 = 1500 − 50');
  assert.match(filledFix(f), 'Set the pod MTU to 1450 (= 1500 − 50 for');
});

test('skipped when no cali* or tunnel MTU was collected (IPv6 off), asking for ip -d link', () => {
  const r = mtuMismatch.check(contextFrom(healthyCluster(), POOL_YAML));
  assert.is(r.status, 'skipped');
  assert.ok(r.collect?.some((h) => h.command === 'ip -d link show'));
});

test('IPv6 off: the cali* MTUs come from an attached `ip -d link show`', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  const node = ctx.cluster.nodes.find((n) => n.name === 'node-b')!;
  ctx.cluster.nodes.find((n) => n.name === 'node-c')!.interfaces4[1]!.mtu = 1400;
  const text = '12: cali7f8e9d0c1b2@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default';
  node.attachments = { sources: [], links: [{ input: 'ip-d-link-node-b.txt', file: 'ip-d-link-node-b.txt', line: 7, text, name: 'cali7f8e9d0c1b2', mtu: 1500, state: 'UP' }] };
  const { mtuTable } = MTU;
  const derived = { ...ctx.derived, mtu: mtuTable(ctx.cluster.nodes, ctx.cluster.resources.ippools) };
  const [f] = expectRule(mtuMismatch, { cluster: ctx.cluster, derived }, { status: 'found', keys: ['node-c'] });
  assert.ok(f!.evidence.some((e) => e.file === 'ip-d-link-node-b.txt' && e.line === 7));
});

test('Felix "Configured MTU is larger" without a table offence is a warning', () => {
  const c = healthyCluster();
  c['node-a']!['logs/felix/current'] += '2026-11-27T10:14:00.10001 2026-11-27 10:14:00.100 [WARNING][68] felix/int_dataplane.go 1110: Configured MTU is larger than detected host interface MTU configured=1500 detected=1450 ifaceName="eth0"\n';
  const [f] = expectRule(mtuMismatch, contextFrom(c, POOL_YAML), { status: 'found', keys: ['felix:node-a'] });
  assert.is(f!.severity, 'warning');
  const fix = filledFix(f);
  assert.match(fix, "grep -iE 'mtu'");
  // The host MTU Felix detected (1450) decides, not the 1500 of the collected ip addr.
  assert.match(fix, "Set the configured MTU to 1450 (= the host MTU Felix detected on node-a's eth0, 1450, no encapsulation)");
  assert.match(fix, `"mtuIfacePattern":"^(eth0)$"`);
});

test.run();
