import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML, vxlanBackendCluster } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { bundleIncomplete } from '../../../src/rules/bundle/bundle-incomplete.js';

test('silent on the healthy cluster', () => {
  expectRule(bundleIncomplete, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('missing, empty, failed and disabled logging are each named with what they hide', () => {
  const c = healthyCluster();
  const b = c['node-b']!;
  delete b.netstat;
  b.ipsets = '';
  b.ipv4_tables = 'iptables-save v1.8.7 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n';
  for (const k of Object.keys(b)) if (k.startsWith('logs/') && !k.startsWith('logs/cni/')) delete b[k];
  const [f] = expectRule(bundleIncomplete, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'netstat missing');
  assert.match(f!.message, 'ipsets empty');
  assert.match(f!.message, 'ipv4_tables holds an error');
  assert.match(f!.message, 'file logging disabled');
  assert.match(f!.message, 'hides TCP 179 socket states');
});

test('file logging disabled with calico-node\'s container log in the bundle: read from there, no request for kubectl logs', () => {
  const c = healthyCluster();
  const b = c['node-b']!;
  for (const k of Object.keys(b)) if (k.startsWith('logs/') && !k.startsWith('logs/cni/')) delete b[k];
  b['logs/k8s_calico-node_calico-node-x1k9z_kube-system_603c4dd8-98c8-11e7_0.log'] =
    '2026-11-27 10:14:00.000 [INFO][9] startup/startup.go 431: Early log level set to info\n' +
    '2026-11-27 10:14:05.000 [INFO][52] felix/int_dataplane.go 1800: Completed first update to dataplane.\n';
  const [f] = expectRule(bundleIncomplete, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, "were read from calico-node's container log k8s_calico-node_calico-node-x1k9z_kube-system_603c4dd8-98c8-11e7_0.log");
  assert.ok(f!.evidence.some((e) => e.file.endsWith('_0.log')));
  assert.equal(f!.fix, ['Nothing else is needed for the rules. For lines from before the container started: `kubectl logs --previous -n kube-system calico-node-x1k9z -c calico-node`.']);
});

test('an empty ipv6_route (no IPv6) is not a gap', () => {
  const c = healthyCluster();
  c['node-a']!.ipv6_route = '';
  expectRule(bundleIncomplete, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('a VXLAN-only cluster runs no BIRD or confd: their logs are not a gap; with an IPIP pool needing BIRD they are', () => {
  const vxlanPool = POOL_YAML.replace('vxlanMode: Never', 'vxlanMode: Always');
  expectRule(bundleIncomplete, contextFrom(vxlanBackendCluster(), vxlanPool), { status: 'passed' });
  const [f] = expectRule(bundleIncomplete, contextFrom(vxlanBackendCluster(), POOL_YAML.replace('ipipMode: Never', 'ipipMode: Always')), { status: 'found', count: 3 });
  assert.match(f!.message, 'bird_log missing');
});

test.run();
