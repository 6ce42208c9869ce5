import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, healthyCluster, ipAddr, ipRoute, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { routeNetlinkConflict } from '../../../src/rules/dataplane/route-netlink-conflict.js';
import { filledFix } from '../../helpers/fix-steps.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('silent on the healthy cluster', () => {
  expectRule(routeNetlinkConflict, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('static route for node-c\'s block on node-a and BIRD "Netlink: File exists": critical, static route first', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_route = ipRoute(A, [B]) + `${C.block} via 10.77.0.1 dev eth0 proto static \n`;
  c['node-a']!['logs/bird/current'] = birdLog(A, [B, C]) + '2026-11-27T10:14:09.90001 bird: Netlink: File exists\n2026-11-27T10:14:09.95001 bird: Netlink: File exists\n';
  const ctx = contextFrom(c, POOL_YAML);
  const [f] = expectRule(routeNetlinkConflict, ctx, { status: 'found', keys: ['node-a'] });
  assert.is(f!.severity, undefined);
  assert.ok(f!.evidence[0]!.text.includes('proto static'));
  assert.ok(f!.evidence.some((e) => e.text.includes('Netlink: File exists')));
  assert.match(f!.title, 'another route for the same prefix exists');
  const fix = filledFix(f);
  assert.match(fix, `On node-a, remove the foreign route: \`ip route del ${C.block} dev eth0\``);
  assert.match(fix, `\`ip route show ${C.block}\` shows Calico's route`);
  assert.is(runAll(ctx)[0]!.rule, 'route-netlink-conflict');
});

test('the foreign route re-advertised by BIRD: node-b\'s ECMP path via the gateway is named, and no second owner is claimed', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_route = ipRoute(A, [B]) + `${C.block} via 10.77.0.1 dev eth0 proto static \n`;
  c['node-b']!.ipv4_route = ipRoute(B, [A]) + `${C.block} proto bird \n\tnexthop via 10.77.0.1 dev eth0 weight 1 \n\tnexthop via ${C.ip} dev eth0 weight 1 \n`;
  const ctx = contextFrom(c, POOL_YAML);
  const [f] = expectRule(routeNetlinkConflict, ctx, { status: 'found', keys: ['node-a'], nodes: ['node-a', 'node-b'] });
  assert.match(f!.message, 'node-b holds a path for 10.244.99.128/26 towards it (an ECMP route');
  assert.match(filledFix(f), 'node-b then loses the path through node-a');
  const all = runAll(ctx);
  assert.is(all[0]!.rule, 'route-netlink-conflict');
  assert.not.ok(all.some((x) => x.rule === 'ipam-block-route-inconsistency'));
});

test('file logging disabled: BIRD\'s Netlink lines come from the calico-node container log', () => {
  const c = healthyCluster();
  delete c['node-a']!['logs/bird/current'];
  delete c['node-a']!['logs/felix/current'];
  delete c['node-a']!['logs/confd/current'];
  c['node-a']!['logs/k8s_calico-node_calico-node-7kq2x_calico-system_0.log'] = '2026-11-27 10:14:00.000 [INFO][9] startup/startup.go 431: Early log level set to info\nbird: Netlink: File exists\nbird: Netlink: File exists\n';
  c['node-a']!.ipv4_route = ipRoute(A, [B]) + `${C.block} dev cni0 proto kernel scope link src 10.244.99.129 \n`;
  const [f] = expectRule(routeNetlinkConflict, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a'] });
  assert.ok(f!.evidence[0]!.text.includes('dev cni0'));
  assert.ok(f!.evidence.some((e) => e.text === 'bird: Netlink: File exists' && e.file.includes('k8s_calico-node')));
});

test('BIRD "Netlink: Network is down" alone names the device', () => {
  const c = healthyCluster();
  c['node-b']!['logs/bird/current'] = birdLog(B, [A, C]) + '2026-11-27T10:14:09.90001 bird: Netlink: Network is down\n';
  const [f] = expectRule(routeNetlinkConflict, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.title, 'output device is down');
  const fix = filledFix(f);
  assert.match(fix, 'The output device is down on node-b');
  assert.not.match(fix, 'remove the foreign route');
});

test('flannel leftovers inside the pool (cni0) are a warning', () => {
  const c = healthyCluster();
  c['node-c']!.ipv4_route += '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 linkdown \n';
  const [f] = expectRule(routeNetlinkConflict, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-c'] });
  assert.is(f!.severity, 'warning');
  assert.match(f!.message, 'dev cni0');
  assert.match(filledFix(f), 'ip route del 10.244.0.0/24 dev cni0');
  assert.not.match(filledFix(f), 'ip link delete');
  // The bridge itself in ip addr: its removal is named too.
  c['node-c']!.ipv4_addr = ipAddr(C, '5: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000\n    inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0\n       valid_lft forever preferred_lft forever\n');
  const [g] = expectRule(routeNetlinkConflict, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-c'] });
  assert.match(filledFix(g), '`ip link delete cni0` on node-c');
});

test('canal (flannel routes, no Calico block anywhere): flannel routes inside the pool are not foreign', () => {
  const c = healthyCluster();
  for (const [name, n] of Object.entries(c)) {
    const i = Number(name.slice(-1).charCodeAt(0) - 97);
    n.ipv4_route = `10.77.0.0/24 dev eth0 proto kernel scope link src 10.77.0.1${i + 1} \n10.244.${i}.0/24 dev cni0 proto kernel scope link src 10.244.${i}.1 \n10.244.${(i + 1) % 3}.0/24 via 10.244.${(i + 1) % 3}.0 dev flannel.1 onlink \n`;
  }
  expectRule(routeNetlinkConflict, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('Felix "Failed to add route" is evidence', () => {
  const c = healthyCluster();
  c['node-a']!['logs/felix/current'] += '2026-11-27T10:14:00.20001 2026-11-27 10:14:00.200 [WARNING][68] felix/route_table.go 780: Failed to add route error=file exists ifaceName="ens29f1" ipVersion=0x4 targetCIDR=10.244.99.128/26\n';
  const [f] = expectRule(routeNetlinkConflict, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a'] });
  assert.ok(f!.evidence.some((e) => e.text.includes('Failed to add route')));
});

test('a route that merely covers the pool (10.0.0.0/8 via the gateway) is not a conflict', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_route += '10.0.0.0/8 via 10.77.0.1 dev eth0 proto static \n';
  expectRule(routeNetlinkConflict, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('skipped without routes or logs', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) {
    delete n.ipv4_route;
    delete n['logs/bird/current'];
    delete n['logs/felix/current'];
  }
  expectRule(routeNetlinkConflict, contextFrom(c), { status: 'skipped' });
});

test.run();
