import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, healthyCluster, ipRoute, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { bgpEstablishedRoutesMissing } from '../../../src/rules/dataplane/bgp-established-routes-missing.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

function missingToC() {
  const c = healthyCluster();
  c['node-a']!.ipv4_route = ipRoute(A, [B]);
  c['node-b']!.ipv4_route = ipRoute(B, [A]);
  return c;
}

test('silent on the healthy cluster', () => {
  expectRule(bgpEstablishedRoutesMissing, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('sessions up, node-c\'s block outside the pool: one finding for node-c, explaining block-route-missing', () => {
  const ctx = contextFrom(missingToC(), POOL_YAML.replace('cidr: 10.244.0.0/16', 'cidr: 10.244.0.0/18'));
  const [f] = expectRule(bgpEstablishedRoutesMissing, ctx, { status: 'found', keys: ['node-c'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.message, '10.244.99.128/26 lies outside every IPPool (default-ipv4-ippool 10.244.0.0/18)');
  assert.ok(f!.evidence[0]!.text.startsWith('blackhole 10.244.99.128/26'));
  const fix = filledFix(f);
  assert.match(fix, 'birdcl -s /var/run/calico/bird.ctl show route for 10.244.99.128/26 all');
  assert.match(fix, '10.244.99.128/26 lies outside every IPPool (default-ipv4-ippool 10.244.0.0/18): cover it with a pool again');
  assert.match(fix, 'on node-a and node-b: `ip route show 10.244.99.128/26` must show a `proto bird` route via node-c (10.77.0.13)');
  const all = runAll(ctx);
  assert.is(all[0]!.rule, 'bgp-established-routes-missing');
  assert.equal(all[0]!.explains, ['block-route-missing:node-a->node-c', 'block-route-missing:node-b->node-c']);
});

test('another node\'s block outside every pool, still routed: named too, with what its pods miss, and fixed with the rest', () => {
  // Pool 10.244.0.0/19: node-a's 10.244.17.0/26 inside; node-b's 10.244.42.64/26 outside but routed; node-c's outside and not.
  const ctx = contextFrom(missingToC(), POOL_YAML.replace('cidr: 10.244.0.0/16', 'cidr: 10.244.0.0/19'));
  const [f] = expectRule(bgpEstablishedRoutesMissing, ctx, { status: 'found', keys: ['node-c'] });
  assert.match(f!.message, 'outside every pool too: 10.244.42.64/26 on node-b (advertised, its affinity being confirmed)');
  assert.match(f!.message, 'natOutgoing (`cali40masq-ipam-pools` lists pool CIDRs only)');
  assert.ok(f!.evidence.some((e) => e.node === 'node-b' && e.text.startsWith('blackhole 10.244.42.64/26')));
  assert.match(filledFix(f), '10.244.99.128/26 and 10.244.42.64/26 (node-b) lie outside every IPPool (default-ipv4-ippool 10.244.0.0/19): cover them with a pool again');
});

test('attached `birdc show route`: learned by BIRD on node-a but not in its kernel table', () => {
  const c = missingToC();
  const ctx = contextFrom(c, POOL_YAML);
  const a = ctx.cluster.nodes.find((n) => n.name === 'node-a')!;
  const text = '10.244.99.128/26   via 10.77.0.13 on eth0 [Mesh_10_77_0_13 10:14:05] * (100/0) [i]';
  a.attachments = { sources: [], birdRoutes: [{ input: 'birdc-node-a.txt', file: 'birdc-node-a.txt', line: 3, text, prefix: '10.244.99.128/26', via: '10.77.0.13', dev: 'eth0', protocol: 'Mesh_10_77_0_13', primary: true }] };
  const [f] = expectRule(bgpEstablishedRoutesMissing, ctx, { status: 'found', keys: ['node-c'] });
  assert.match(f!.message, 'BIRD on node-a did learn it (birdc show route) but the kernel table lacks it');
  assert.ok(f!.evidence.some((e) => e.file === 'birdc-node-a.txt' && e.line === 3));
  assert.match(filledFix(f), 'On node-a the kernel does not take the route BIRD learned');
});

test('disableBGPExport on the pool is named', () => {
  const ctx = contextFrom(missingToC(), POOL_YAML.replace('    blockSize: 26', '    blockSize: 26\n    disableBGPExport: true'));
  const [f] = expectRule(bgpEstablishedRoutesMissing, ctx, { status: 'found', count: 1 });
  assert.match(f!.message, 'disableBGPExport: true');
  assert.match(filledFix(f), `calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"disableBGPExport":false}}'`);
});

test('not for VXLAN pools (Felix programs those routes)', () => {
  const ctx = contextFrom(missingToC(), POOL_YAML.replace('vxlanMode: Never', 'vxlanMode: Always'));
  const r = bgpEstablishedRoutesMissing.check(ctx);
  assert.is(r.status, 'passed');
  assert.match((r as { reason: string }).reason, 'left to Felix');
});

test('not when Felix programs the cluster routes (programClusterRoutes)', () => {
  const fc = `\n---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: default\nspec:\n  programClusterRoutes: Enabled\n`;
  const r = bgpEstablishedRoutesMissing.check(contextFrom(missingToC(), POOL_YAML + fc));
  assert.is(r.status, 'passed');
});

test('not when the node\'s tunnel routes are Felix\'s (proto 80 via tunl0), even with an IPIP pool', () => {
  const c = missingToC();
  c['node-a']!.ipv4_route = c['node-a']!.ipv4_route!.replace('10.244.42.64/26 via 10.77.0.12 dev eth0 proto bird', '10.244.42.64/26 via 10.77.0.12 dev tunl0 proto 80 onlink');
  const r = bgpEstablishedRoutesMissing.check(contextFrom(c, POOL_YAML.replace('ipipMode: Never', 'ipipMode: Always')));
  assert.ok(r.status === 'found' ? !(r.findings[0]!.nodes.includes('node-a')) : true, 'node-a is not blamed');
});

test('not when the session is down (that is a BGP cause)', () => {
  const c = missingToC();
  c['node-c']!['logs/bird/current'] = birdLog(C, [A, B], () => ['start']);
  c['node-a']!['logs/bird/current'] = birdLog(A, [B, C], (p) => (p.name === 'node-c' ? ['start'] : ['start', 'up']));
  c['node-b']!['logs/bird/current'] = birdLog(B, [A, C], (p) => (p.name === 'node-c' ? ['start'] : ['start', 'up']));
  for (const n of ['node-a', 'node-b', 'node-c']) c[n]!.netstat = c[n]!.netstat!.split('\n').filter((l) => !l.includes('10.77.0.13') || l.includes('LISTEN')).join('\n');
  const r = bgpEstablishedRoutesMissing.check(contextFrom(c, POOL_YAML));
  assert.not.equal(r.status, 'found');
});

test('skipped without any BGP pair', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) {
    delete n['logs/bird/current'];
    delete n.netstat;
  }
  expectRule(bgpEstablishedRoutesMissing, contextFrom(c), { status: 'skipped' });
});

test.run();
