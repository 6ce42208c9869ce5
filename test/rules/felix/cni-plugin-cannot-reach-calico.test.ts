import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { cniPluginCannotReachCalico } from '../../../src/rules/felix/cni-plugin-cannot-reach-calico.js';

const OK = (hms: string) => `2026-11-27 ${hms}.000 [INFO][2353] cni-plugin/k8s.go 73: Extracted identifiers for CmdAddK8s ContainerID="abc" Namespace="default" Pod="web-0" WorkloadEndpoint="node--a-k8s-web--0-eth0"\n`;
const UNAUTH = (hms: string) => `2026-11-27 ${hms}.000 [ERROR][2401] cni-plugin/plugin.go 164: Final result of CNI ADD was an error. error=error getting ClusterInformation: connection is unauthorized: Unauthorized\n`;
const TIMEOUT = (hms: string) =>
  `2026-11-27 ${hms}.000 [ERROR][2402] cni-plugin/plugin.go 164: Final result of CNI ADD was an error. error=error getting ClusterInformation: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp 10.96.0.1:443: i/o timeout\n`;

test('silent on the healthy cluster', () => {
  expectRule(cniPluginCannotReachCalico, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on an unauthorized CNI token until the end of cni.log', () => {
  const c = healthyCluster();
  c['node-b']!['logs/cni/cni.log'] = OK('10:10:00') + UNAUTH('10:14:00') + UNAUTH('10:14:30') + UNAUTH('10:15:00');
  const [f] = expectRule(cniPluginCannotReachCalico, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.title, 'token unauthorized');
  assert.match(f!.message, "3 failed pod set-ups (first 2026-11-27 10:14:00, last 2026-11-27 10:15:00)");
  assert.ok(f!.fix!.some((r) => r.includes('CALICO_MANAGE_CNI')));
  assert.is(f!.evidence[0]!.line, 2);
  // No pod in the failing lines: the steps list the node's pending pods.
  assert.match(f!.fix![0]!, '`kubectl get pods -A -o wide --field-selector spec.nodeName=node-b,status.phase=Pending`');
  assert.match(f!.fix!.join('\n'), '--field-selector spec.nodeName=node-b`');
});

test('a failing line that names the pod: the steps describe that pod', () => {
  const c = healthyCluster();
  const named = (hms: string) => UNAUTH(hms).replace('\n', ' ContainerID="abc" Namespace="shop" Pod="api-1"\n');
  c['node-b']!['logs/cni/cni.log'] = named('10:14:00') + named('10:15:00');
  const [f] = expectRule(cniPluginCannotReachCalico, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.fix![0]!, '`kubectl describe pod -n shop api-1`');
});

test('names the API server the plugin cannot reach', () => {
  const c = healthyCluster();
  c['node-c']!['logs/cni/cni.log'] = TIMEOUT('10:14:00') + TIMEOUT('10:14:40');
  const [f] = expectRule(cniPluginCannotReachCalico, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-c'] });
  assert.match(f!.title, 'API server 10.96.0.1:443 unreachable');
  assert.match(f!.fix![1]!, 'on node-c, `curl -vk https://10.96.0.1:443/version` and `nc -zv 10.96.0.1 443` must answer');
});

test('failures followed by minutes of successful pod set-ups are not a finding', () => {
  const c = healthyCluster();
  c['node-b']!['logs/cni/cni.log'] = UNAUTH('10:00:00') + OK('10:20:00');
  expectRule(cniPluginCannotReachCalico, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('skips without cni.log', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/cni/cni.log'];
  expectRule(cniPluginCannotReachCalico, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
