import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { FELIX, healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { felixDatastoreUnreachable } from '../../../src/rules/felix/felix-datastore-unreachable.js';

/** A v3.31 felix/current line (svlogd -ttt stamp, then logrus). */
export function felixLine(hms: string, level: string, pid: number, src: string, msg: string): string {
  return `2026-11-27T${hms}.00001 2026-11-27 ${hms}.000 [${level}][${pid}] felix/${src}: ${msg}\n`;
}

const DS_ERR = (hms: string) =>
  felixLine(hms, 'ERROR', 68, 'daemon.go 218', 'Failed to create datastore client error=Get "https://10.96.0.1:443/api/v1/nodes/foo": dial tcp 10.96.0.1:443: i/o timeout');

test('silent on the healthy cluster', () => {
  expectRule(felixDatastoreUnreachable, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on Felix failing to reach the API service until the end of its log, with the target and first/last', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = FELIX + DS_ERR('10:14:05') + DS_ERR('10:14:15') + DS_ERR('10:14:25') + DS_ERR('10:14:35');
  c['node-b']!.netstat = c['node-b']!.netstat!.replace('Active UNIX', 'tcp        0      1 10.77.0.12:51234        10.96.0.1:443           SYN_SENT   \nActive UNIX');
  const [f] = expectRule(felixDatastoreUnreachable, contextFrom(c, POOL_YAML), { status: 'found', keys: ['10.96.0.1:443'], nodes: ['node-b'] });
  assert.equal(f!.nodes, ['node-b']);
  assert.match(f!.title, '10.96.0.1:443');
  assert.match(f!.title, 'i/o timeout');
  assert.match(f!.message, '4 errors (first 2026-11-27 10:14:05, last 2026-11-27 10:14:35) in Felix');
  assert.match(f!.message, 'node-a, node-c show no such errors');
  assert.match(f!.message, 'SYN_SENT on node-b');
  assert.is(f!.evidence[0]!.line, 2);
  assert.is(f!.evidence[1]!.line, 5);
  assert.ok(f!.evidence.some((e) => e.text.includes('SYN_SENT')));
  // Steps: test the address from node-b (and kube-proxy, as it is the service IP), open the path, restart there.
  const steps = f!.fix!.join('\n');
  assert.match(f!.fix![0]!, 'On node-b: `curl -vk https://10.96.0.1:443/version` and `nc -zv 10.96.0.1 443`');
  assert.match(f!.fix![0]!, 'KUBE-SERVICES');
  assert.match(f!.fix![1]!, 'Allow node-b to reach the API server endpoints behind 10.96.0.1 (`kubectl get endpoints kubernetes`');
  assert.match(steps, '--field-selector spec.nodeName=node-b');
  assert.not.match(steps, /<[A-Za-z][^<>`\n]*>/);
});

test('kube-proxy proven gone on the failing node (no KUBE-SERVICES jump there, one on the others): bring it back, or bypass it', () => {
  const c = healthyCluster();
  for (const n of ['node-a', 'node-c']) {
    c[n]!.ipv4_tables = c[n]!.ipv4_tables!.replace('*nat\n', '*nat\n:KUBE-SERVICES - [0:0]\n[1:60] -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n');
  }
  c['node-b']!['logs/felix/current'] = FELIX + DS_ERR('10:14:05') + DS_ERR('10:14:15') + DS_ERR('10:14:25') + DS_ERR('10:14:35');
  const [f] = expectRule(felixDatastoreUnreachable, contextFrom(c, POOL_YAML), { status: 'found', keys: ['10.96.0.1:443'], nodes: ['node-b'] });
  assert.match(f!.message, 'node-b has no jump to KUBE-SERVICES');
  assert.match(f!.fix![1]!, /^Bring kube-proxy back on node-b: `kubectl -n kube-system get ds kube-proxy -o wide`/);
  assert.match(f!.fix![1]!, '`kubernetes-services-endpoint` ConfigMap of the `tigera-operator` namespace');
  assert.not.ok(f!.fix!.some((s) => s.startsWith('Allow node-b')), 'no firewall step: the bundle shows what is wrong');
  assert.not.match(f!.fix!.join('\n'), /<[A-Za-z][^<>`\n]*>/);
});

test('credentials rejected (Unauthorized): the steps fix the token or RBAC, not the network', () => {
  const c = healthyCluster();
  const unauth = (hms: string) => `2026-11-27T${hms}.00001 2026-11-27 ${hms}.000 [ERROR][68] felix/daemon.go 314: Failed to get config from datastore error=Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": Unauthorized\n`;
  c['node-b']!['logs/felix/current'] = FELIX + unauth('10:14:05') + unauth('10:14:15') + unauth('10:14:25');
  const [f] = expectRule(felixDatastoreUnreachable, contextFrom(c, POOL_YAML), { status: 'found', nodes: ['node-b'] });
  assert.match(f!.message, 'rejects calico-node\'s credentials');
  assert.match(f!.fix![1]!, 'kubectl auth can-i');
  assert.not.ok(f!.fix!.some((s) => s.startsWith('Allow node-b')), 'no firewall step when the server answers');
});

test('startup retries in the container log (INFO) count, and all nodes failing points at the API side', () => {
  const c = healthyCluster();
  for (const n of ['node-a', 'node-b', 'node-c']) {
    c[n]!['logs/k8s_calico-node_calico-node-x_calico-system_uid_0.log'] =
      '2026-11-27 10:14:00.000 [INFO][9] startup/startup.go 431: Early log level set to info\n' +
      '2026-11-27 10:14:01.000 [INFO][9] startup/startup.go 574: Hit error connecting to datastore - retry error=Get "https://10.96.0.1:443/api/v1/nodes/foo": dial tcp 10.96.0.1:443: connect: connection refused\n'.repeat(3) +
      '2026-11-27 10:14:04.000 [INFO][9] startup/startup.go 574: Hit error connecting to datastore - retry error=Get "https://10.96.0.1:443/api/v1/nodes/foo": dial tcp 10.96.0.1:443: connect: connection refused\n';
  }
  const [f] = expectRule(felixDatastoreUnreachable, contextFrom(c, POOL_YAML), { status: 'found', count: 1 });
  assert.equal(f!.nodes, ['node-a', 'node-b', 'node-c']);
  assert.match(f!.title, 'connection refused');
  assert.match(f!.message, 'Every node with logs fails the same way');
});

test('only the nodes of one subnet fail: the finding says so', () => {
  const c = healthyCluster();
  // node-c moves to another subnet (routed by the underlay): its address everywhere in the cluster's files.
  for (const files of Object.values(c)) {
    for (const [k, v] of Object.entries(files)) files[k] = v.replace(/10\.77\.0\.13/g, '10.78.0.13').replace(/Mesh_10_77_0_13/g, 'Mesh_10_78_0_13');
  }
  c['node-c']!.ipv4_addr = c['node-c']!.ipv4_addr!.replace('brd 10.77.0.255', 'brd 10.78.0.255');
  c['node-c']!['logs/felix/current'] = FELIX + DS_ERR('10:14:05') + DS_ERR('10:14:15') + DS_ERR('10:14:25');
  const ctx = contextFrom(c, POOL_YAML);
  const [f] = expectRule(felixDatastoreUnreachable, ctx, { status: 'found', nodes: ['node-c'] });
  assert.match(f!.message, `Every failing node is in 10.78.0.0/24 and no working node is`);
});

test('errors that stopped long before the end of the log (recovered) are not a finding', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = DS_ERR('10:00:05') + DS_ERR('10:00:15') + DS_ERR('10:00:25') + FELIX;
  const r = felixDatastoreUnreachable.check(contextFrom(c, POOL_YAML));
  assert.is(r.status, 'passed');
  assert.match(r.status === 'passed' ? r.reason : '', 'node-b had datastore errors that stopped');
});

test('local health-port and BIRD-socket refusals are not datastore errors', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = FELIX + felixLine('10:14:05', 'WARNING', 68, 'health.go 66', 'Get "http://localhost:9099/readiness": dial tcp 127.0.0.1:9099: connect: connection refused').repeat(4);
  expectRule(felixDatastoreUnreachable, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('skips without any Calico log', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) {
    delete n['logs/felix/current'];
    delete n['logs/confd/current'];
    delete n['logs/cni/cni.log'];
  }
  expectRule(felixDatastoreUnreachable, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test('the datastore finding explains BIRD down on the same node', () => {
  const c = healthyCluster();
  c['node-c']!['logs/bird/current'] = '2026-11-27T10:14:01.10001 bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg: No such file or directory\n';
  c['node-c']!['logs/confd/current'] =
    '2026-11-27T10:14:00.50001 2026-11-27 10:14:00.500 [ERROR][66] confd/watchercache.go 125: Failed to perform list of current data during resync ListRoot="/calico/resources/v3/projectcalico.org/bgpconfigurations" error=Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations?limit=500": dial tcp 10.96.0.1:443: i/o timeout\n'.repeat(3);
  const all = runAll(contextFrom(c, POOL_YAML));
  const ds = all.find((f) => f.rule === 'felix-datastore-unreachable');
  assert.ok(ds !== undefined);
  assert.ok(ds!.explains.includes('bird-confd-not-running:node-c'), ds!.explains.join(' '));
  assert.is(all[0]!.rule, 'felix-datastore-unreachable');
});

test.run();
