/**
 * The cross-node model on other layouts than the default fixture: ss instead of netstat (v3.29+ without
 * net-tools), IPv4-mapped tcp6 sockets, BIRD only in the container log (file logging disabled, docker
 * present), v3.20 `-tt` stamps on bird and none on felix.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { birdLog, healthyCluster, NODES, POOL_YAML, proto } from '../helpers/healthy-cluster.js';
import { runAll } from '../helpers/rule-tester.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

function ss(rows: string[]): string {
  return ['Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process', 'tcp   LISTEN 0      8            0.0.0.0:179        0.0.0.0:*', ...rows].join('\n') + '\n';
}

test('ss output and container-log BIRD lines (no timestamps) give the same verdict as netstat and file logs', () => {
  const c = healthyCluster();
  for (const n of NODES) {
    const f = c[n.name]!;
    delete f.netstat;
    const peers = NODES.filter((p) => p !== n);
    const state = (p: typeof n) => (n.name === 'node-a' || p.name === 'node-a' ? ['start'] : ['start', 'feed', 'up']);
    // File logging disabled: only cni/ under logs/, BIRD lines come from `docker logs` without stamps.
    for (const k of Object.keys(f)) if (k.startsWith('logs/') && !k.startsWith('logs/cni/')) delete f[k];
    f['logs/k8s_calico-node_calico-node-6p0xp_kube-system_603c4dd8_0.log'] = birdLog(n, peers, state).replace(/^\S+ bird:/gm, 'bird:');
  }
  c['node-b']!.ss = ss([`tcp   SYN-SENT 0 1 10.77.0.12:45678 10.77.0.11:179`, `tcp   ESTAB 0 0 [::ffff:10.77.0.12]:179 [::ffff:10.77.0.13]:40100`]);
  c['node-c']!.ss = ss([`tcp   SYN-SENT 0 1 10.77.0.13:45679 10.77.0.11:179`, `tcp   ESTAB 0 0 10.77.0.13:40100 10.77.0.12:179`]);
  c['node-a']!.ss = ss([]);
  c['node-a']!.ipv4_route = c['node-a']!.ipv4_route!.split('\n').filter((l) => !l.includes('via')).join('\n');
  for (const n of [B, C]) c[n.name]!.ipv4_route = c[n.name]!.ipv4_route!.split('\n').filter((l) => !l.includes('via 10.77.0.11')).join('\n');
  const ctx = contextFrom(c, POOL_YAML);
  const b = ctx.cluster.nodes.find((n) => n.name === 'node-b')!;
  assert.is(b.containerBird?.protocols[proto(A.ip)]?.lastState, 'start');
  assert.ok(b.layout.fileLoggingDisabled);
  const findings = runAll(ctx);
  const cause = findings.find((f) => f.id === 'bgp-port179-blocked:node-a');
  assert.ok(cause, findings.map((f) => f.id).join(', '));
  assert.ok(cause!.evidence.some((e) => e.file === 'diagnostics/ss' && e.text.includes('SYN-SENT')));
  assert.equal(cause!.explains.length, 4);
  const bc = ctx.derived.bgp.pairs.find((p) => p.a.node === 'node-b' && p.b.node === 'node-c')!;
  assert.equal([bc.a.socket, bc.b.socket, bc.status], ['ESTABLISHED', 'ESTABLISHED', 'up']);
});

/** The healthy cluster as v3.20 writes it: -tt stamps on bird, no component prefix on felix, no nft_ruleset. */
function v320Cluster(): ReturnType<typeof healthyCluster> {
  const c = healthyCluster();
  for (const n of NODES) {
    const f = c[n.name]!;
    f['logs/bird/current'] = f['logs/bird/current']!.replace(/^(\d{4}-\d{2}-\d{2})T/gm, '$1_');
    f['logs/felix/current'] = '2026-11-27 10:14:00.000 [WARNING][68] int_dataplane.go 733: Failed to apply dataplane updates\n';
    f['logs/confd/current'] = f['logs/confd/current']!.replace(/^\S+ /gm, '');
    delete f.nft_ruleset;
    f.ipset_container = '';
  }
  return c;
}

test('v3.20 layout: -tt stamps on bird, no prefix on felix; version window and timeline follow', () => {
  const c = v320Cluster();
  const ctx = contextFrom(c, POOL_YAML);
  const a = ctx.cluster.nodes[0]!;
  assert.is(a.layout.versionHint, '<=v3.20');
  assert.is(a.bird?.protocols[proto(B.ip)]?.lastState, 'up');
  assert.ok(ctx.derived.timeline.events.some((e) => e.source === 'felix' && e.time === '2026-11-27T10:14:00.000Z'));
  assert.equal(runAll(ctx).filter((f) => f.severity !== 'info').map((f) => f.id), []);
});

test('v3.8 and older (logs/libnetwork): no logs/cni/ is expected, it came with v3.11', () => {
  // The v3.20 file set, older still: no logs/cni/, and the libnetwork plugin's log folder.
  const c = v320Cluster();
  for (const n of NODES) {
    const f = c[n.name]!;
    for (const k of Object.keys(f)) if (k.startsWith('logs/cni/')) delete f[k];
    f['logs/libnetwork/current'] = '2019-05-01 10:00:00.000 [INFO][1] main.go 40: Starting libnetwork plugin\n';
  }
  const { cluster } = contextFrom(c, POOL_YAML);
  for (const n of cluster.nodes) {
    assert.match(n.layout.versionHint, '<=v3.8');
    assert.is(n.artifacts.cni_log.status, 'missing');
    assert.is(n.artifacts.cni_log.expected, false, n.name);
  }
  // Without that sign of age, a missing logs/cni/ is a gap as before.
  const d = healthyCluster();
  for (const k of Object.keys(d['node-a']!)) if (k.startsWith('logs/cni/')) delete d['node-a']![k];
  assert.is(contextFrom(d, POOL_YAML).cluster.nodes.find((n) => n.name === 'node-a')!.artifacts.cni_log.expected, true);
});

test.run();
