import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, ipipAddr, ipipCluster, ipipRoutes, nodeYaml, poolYaml } from '../../helpers/encap-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { ipipTunl0MissingOrDown as rule } from '../../../src/rules/dataplane/ipip-tunl0-missing-or-down.js';
import { NodeBundleBuilder } from '../../../src/bundle/node-bundle-builder.js';
import { buildClusterModel } from '../../../src/combiners/cluster-model.js';
import { derive } from '../../../src/combiners/derive.js';
import { parseCalicoResources } from '../../../src/parsers/calico-resources.js';
import type { SourceResult } from '../../../src/bundle/source-result.js';

const RES = docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'));
const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('passes on the healthy IPIP cluster and (not in use) on the BGP cluster', () => {
  expectRule(rule, contextFrom(ipipCluster(), RES), { status: 'passed' });
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on a node without tunl0 that has no routes via it, citing BIRD\'s Netlink error; folds block-route-missing', () => {
  const c = ipipCluster();
  c['node-c']!.ipv4_addr = ipipAddr(C, { tunl0: 'absent' });
  c['node-c']!.ipv4_route = ipipRoutes(C, [A, B], () => false);
  c['node-c']!['logs/bird/current'] += '2026-11-27T10:14:09.30003 bird: Netlink: Network is down\n';
  const ctx = contextFrom(c, docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip', { noTunnel: ['node-c'] })));
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['node-c'] });
  assert.match(f!.title, 'node-c has no tunl0 (node-a, node-b have it up)');
  assert.match(f!.message, 'no route to the blocks of node-a, node-b');
  assert.match(f!.message, 'no ipv4IPIPTunnelAddr');
  assert.ok(f!.evidence.some((e) => e.text.includes('Netlink: Network is down')));
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.startsWith('3: tunl0@NONE')));
  // No device: load the module; the check names the blocks it lacks routes to and the Node's tunnel address.
  const fix = filledFix(f);
  assert.match(fix, 'modprobe ipip && echo ipip > /etc/modules-load.d/calico-ipip.conf');
  assert.match(fix, `\`ip route show ${A.block}\`, \`ip route show ${B.block}\` a route via tunl0`);
  assert.match(fix, '`calicoctl get node node-c -o yaml` an ipv4IPIPTunnelAddr');
  const all = runAll(ctx);
  assert.is(all[0]!.rule, 'ipip-tunl0-missing-or-down');
  assert.ok(all[0]!.explains.includes('block-route-missing:node-c->node-a'), all[0]!.explains.join(','));
});

test('a pool with a nodeSelector may not cover a node: no tunl0 and no tunl0 routes to or from it is not a fault', () => {
  const c = ipipCluster();
  c['node-c']!.ipv4_addr = ipipAddr(C, { tunl0: 'absent' });
  c['node-c']!.ipv4_route = ipipRoutes(C, [A, B], () => false);
  for (const n of [A, B]) c[n.name]!.ipv4_route = ipipRoutes(n, NODES.filter((p) => p !== n && p !== C));
  const pool = poolYaml({ ipipMode: 'Always' }).replace('nodeSelector: all()', "nodeSelector: rack == 'r1'");
  expectRule(rule, contextFrom(c, docs(pool, nodeYaml('ipip'))), { status: 'passed' });
  // The same with the pool on all nodes is the fault.
  expectRule(rule, contextFrom(c, docs(poolYaml({ ipipMode: 'Always' }), nodeYaml('ipip'))), { status: 'found', keys: ['node-c'] });
});

test('fires on tunl0 down', () => {
  const c = ipipCluster();
  c['node-b']!.ipv4_addr = ipipAddr(B, { tunl0: 'down' });
  const [f] = expectRule(rule, contextFrom(c, RES), { status: 'found', keys: ['node-b'] });
  assert.match(f!.title, 'tunl0 down');
  assert.match(f!.evidence[0]!.text, 'state DOWN');
  // Down: bring it up and keep NetworkManager away, not the module.
  const fix = filledFix(f);
  assert.match(fix, '`ip link set tunl0 up` on node-b');
  assert.match(fix, 'unmanaged-devices=interface-name:tunl*');
  assert.not.match(fix, 'modprobe');
});

test('skipped without ipv4_addr', () => {
  const c = ipipCluster();
  for (const n of Object.values(c)) delete n.ipv4_addr;
  expectRule(rule, contextFrom(c, RES), { status: 'skipped' });
});

/** `calicoctl cluster diags`: nodes/<node>/ip-addr.txt (`ip addr`, all interfaces, both families), ip-route.txt (`ip route show table all`). */
function clusterDiags(nodes: Record<string, Record<string, string>>, yaml: string) {
  const top = 'calico-diagnostics-20261127_101500';
  const input = `${top}.tar.gz`;
  const facts = Object.entries(nodes).map(([name, files]) => {
    const b = new NodeBundleBuilder(input, { prefix: `${top}/nodes/${name}/`, format: 'cluster-diags', nodeName: name });
    for (const [path, text] of Object.entries(files)) {
      const sink = b.openFile(path);
      sink?.write(Buffer.from(text, 'utf8'));
      sink?.end();
    }
    const f = b.finish();
    f.hostname ??= name; // as the loader names a cluster-diags node after its nodes/<node>/ folder
    return f;
  });
  const r = parseCalicoResources(yaml, { input, file: `${top}/cluster/crd/ippools.crd.projectcalico.org.yaml` });
  const src: SourceResult = { path: input, kind: 'archive', nodes: facts, resources: r.resources, problems: [], unreadable: false };
  const cluster = buildClusterModel([src]);
  return { cluster, derived: derive(cluster) };
}

test('cluster diags: tunl0 listed by `ip addr` without an address (no tunnel address allocated) is caught', () => {
  const files = (n: typeof A, withAddr: boolean) => ({
    'ip-addr.txt':
      `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n    link/ether 52:54:00:12:34:5${n.ip.slice(-1)} brd ff:ff:ff:ff:ff:ff\n    inet ${n.ip}/24 brd 10.77.0.255 scope global eth0\n       valid_lft forever preferred_lft forever\n` +
      `3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/ipip 0.0.0.0 brd 0.0.0.0\n` +
      (withAddr ? `    inet ${n.block.split('/')[0]}/32 scope global tunl0\n       valid_lft forever preferred_lft forever\n` : ''),
    'ip-route.txt': ipipRoutes(n, NODES.filter((p) => p !== n)),
  });
  const ctx = clusterDiags({ 'node-a': files(A, true), 'node-b': files(B, false), 'node-c': files(C, true) }, poolYaml({ ipipMode: 'Always' }));
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'has tunl0 without an IPv4 tunnel address');
  assert.match(f!.evidence[0]!.file, 'nodes/node-b/ip-addr.txt');
});

test.run();
