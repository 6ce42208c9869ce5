import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, nodeYaml, poolYaml, vtep, vxlanAddr, vxlanCluster, vxlanRoutes } from '../../helpers/encap-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { vxlanDeviceOrVtepMissing as rule } from '../../../src/rules/dataplane/vxlan-device-or-vtep-missing.js';

const RES = docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan'));
const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('passes on the healthy VXLAN cluster and (not in use) on the BGP cluster', () => {
  expectRule(rule, contextFrom(vxlanCluster(), RES), { status: 'passed' });
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on a node without vxlan.calico and no VTEP; the others lack routes to it', () => {
  const c = vxlanCluster();
  c['node-c']!.ipv4_addr = vxlanAddr(C, { device: false });
  c['node-c']!.ipv4_route = vxlanRoutes(C, [A, B], () => undefined);
  c['node-a']!.ipv4_route = vxlanRoutes(A, [B, C], (p) => (p === C ? undefined : vtep(p)));
  c['node-b']!.ipv4_route = vxlanRoutes(B, [A, C], (p) => (p === C ? undefined : vtep(p)));
  // Felix INFO lines are not scanned in felix/current (parser cost), its ERROR line is (calico #7757 text).
  c['node-c']!['logs/felix/current'] = '2026-11-27T10:14:00.00001 2026-11-27 10:14:00.000 [ERROR][68] felix/route_table.go 1040: Failed to get link attributes error=interface not present ifaceRegex="^vxlan.calico$" ipVersion=0x4\n';
  const ctx = contextFrom(c, docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan', { noTunnel: ['node-c'] })));
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['node-c'], nodes: ['node-c', 'node-a', 'node-b'] });
  assert.match(f!.title, 'node-c has no vxlan.calico');
  assert.match(f!.message, 'no ipv4VXLANTunnelAddr');
  assert.ok(f!.evidence.some((e) => e.text.includes('Failed to get link attributes')));
  // No device: Felix's log, vxlanEnabled, the module; the check is node-a's route to node-c's block.
  const fix = filledFix(f);
  assert.match(fix, "grep -iE 'vxlan|vtep'");
  assert.match(fix, 'neither default nor node.node-c may set `vxlanEnabled: false`');
  assert.match(fix, `on node-a, \`ip route show ${C.block}\` goes via node-c's VTEP dev vxlan.calico onlink`);
  // Root cause over symptom: the missing block routes fold under it.
  const all = runAll(ctx);
  const cause = all.find((x) => x.rule === 'vxlan-device-or-vtep-missing')!;
  assert.ok(cause.explains.some((id) => id.startsWith('block-route-missing:')), `explains: ${cause.explains.join(', ')}`);
  assert.is(all[0]!.rule, 'vxlan-device-or-vtep-missing');
});

test('fires on vxlan.calico down', () => {
  const c = vxlanCluster();
  c['node-b']!.ipv4_addr = vxlanAddr(B, { state: 'DOWN' });
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-b'] });
  assert.match(f!.title, 'down');
});

test('fires on a stale VTEP: others route node-a\'s block via an address that is not its vxlan.calico address', () => {
  const c = vxlanCluster();
  c['node-b']!.ipv4_route = vxlanRoutes(B, [A, C], (p) => (p === A ? '10.244.17.9' : vtep(p)));
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-a'] });
  assert.ok(f!.evidence.some((e) => e.node === 'node-b' && e.text.includes('via 10.244.17.9 dev vxlan.calico')));
  // Device fine, VTEP stale: compare the Node's VTEP with the device, restart, check node-b's route.
  const fix = filledFix(f);
  assert.match(fix, "`calicoctl get node node-a -o yaml | grep -i vxlan`");
  assert.match(fix, `on node-b, \`ip route show ${A.block}\` goes via ${vtep(A)} dev vxlan.calico onlink`);
  assert.not.match(fix, 'vxlanEnabled');
});

test('skipped when no ipv4_addr was collected', () => {
  const c = vxlanCluster();
  for (const n of Object.values(c)) delete n.ipv4_addr;
  expectRule(rule, contextFrom(c, RES), { status: 'skipped' });
});

test.run();
