import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { FELIX, healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { datastoreTlsCertErrors } from '../../../src/rules/felix/datastore-tls-cert-errors.js';

const EXPIRED = (hms: string) =>
  `2026-11-27T${hms}.00001 2026-11-27 ${hms}.000 [ERROR][68] felix/daemon.go 234: Failed to get config from datastore error=Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": x509: certificate has expired or is not yet valid: current time 2026-11-27T${hms}Z is after 2026-11-20T19:20:45Z\n`;

test('silent on the healthy cluster', () => {
  expectRule(datastoreTlsCertErrors, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on an expired certificate on every node, cluster-wide, and owns the datastore symptom', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) n['logs/felix/current'] = FELIX + EXPIRED('10:14:05') + EXPIRED('10:14:06') + EXPIRED('10:14:07');
  const [f] = expectRule(datastoreTlsCertErrors, contextFrom(c, POOL_YAML), { status: 'found', count: 1 });
  assert.equal(f!.nodes, ['node-a', 'node-b', 'node-c']);
  assert.match(f!.title, 'certificate has expired or is not yet valid');
  assert.match(f!.title, '10.96.0.1:443');
  assert.match(f!.message, 'cluster-wide certificate');
  assert.match(f!.message, '3 certificate errors (first 2026-11-27 10:14:05, last 2026-11-27 10:14:07)');
  // The certificate lines are not also reported as an unreachable datastore.
  assert.not.ok(runAll(contextFrom(c, POOL_YAML)).some((x) => x.rule === 'felix-datastore-unreachable'));
  // Read the certificate at the address the logs name, compare with the clocks, renew, restart, check.
  assert.match(f!.fix![0]!, '`openssl s_client -connect 10.96.0.1:443 -showcerts </dev/null');
  assert.match(f!.fix![1]!, 'Compare the dates with the clock of node-a, node-b and node-c');
  assert.match(f!.fix![2]!, 'kubeadm certs renew all');
  assert.match(f!.fix![2]!, '--field-selector spec.nodeName=node-c');
});

test('a clock behind the certificate start is called out', () => {
  const c = healthyCluster();
  c['node-c']!['logs/confd/current'] = '2026-11-27T10:14:05.00001 2026-11-27 10:14:05.000 [ERROR][66] confd/client.go 95: Failed to query current BGP settings: Get https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations/default: x509: certificate has expired or is not yet valid: current time 2006-10-04T08:21:14Z is before 2026-05-14T06:25:00Z\n';
  const [f] = expectRule(datastoreTlsCertErrors, contextFrom(c, POOL_YAML), { status: 'found', nodes: ['node-c'] });
  assert.match(f!.message, 'node clock is behind');
  assert.match(f!.message, 'node-a, node-b do not fail');
  // The clock comes first, and the "compare with the clock" step is not repeated.
  assert.match(f!.fix![0]!, 'Check the clock on node-c');
  assert.not.ok(f!.fix!.some((s) => s.startsWith('Compare the dates')));
});

test('skips without Calico logs', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) for (const k of ['logs/felix/current', 'logs/confd/current', 'logs/cni/cni.log']) delete n[k];
  expectRule(datastoreTlsCertErrors, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
