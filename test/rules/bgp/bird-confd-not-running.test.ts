import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, netstat, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { birdConfdNotRunning } from '../../../src/rules/bgp/bird-confd-not-running.js';

const C = NODES[2]!;

test('silent on the healthy cluster', () => {
  expectRule(birdConfdNotRunning, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on BIRD without a config file and no :179 listener', () => {
  const c = healthyCluster();
  c['node-c']!['logs/bird/current'] = '2026-11-27T10:14:01.10001 bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg: No such file or directory\n';
  c['node-c']!.netstat = netstat(C, []).replace(/^tcp .*:179 .*LISTEN.*\n/m, '');
  const [f] = expectRule(birdConfdNotRunning, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-c'] });
  assert.match(f!.message, 'cannot open its configuration');
  assert.match(f!.message, 'nothing listens on TCP 179');
  assert.ok(f!.evidence.some((e) => e.file === 'diagnostics/logs/bird/current' && e.line === 1));
});

test('fires on confd datastore errors', () => {
  const c = healthyCluster();
  c['node-b']!['logs/confd/current'] =
    '2026-11-27T10:14:00.50001 2026-11-27 10:14:00.500 [ERROR][55] confd/client.go 95: Failed to query current BGP settings: Get https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations/default: net/http: TLS handshake timeout\n';
  const [f] = expectRule(birdConfdNotRunning, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'confd cannot query BGP settings');
});

test('a BIRD that started after a config error is not reported', () => {
  const c = healthyCluster();
  c['node-c']!['logs/bird/current'] =
    '2026-11-27T10:13:01.10001 bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg: No such file or directory\n' + c['node-c']!['logs/bird/current'];
  expectRule(birdConfdNotRunning, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('fires on BIRD unable to create its control socket, an empty netstat, and confd datastore errors', () => {
  const c = healthyCluster();
  c['node-c']!['logs/bird/current'] = '2026-11-27T18:18:23.19924 bird: Cannot create control socket /var/run/calico/bird.ctl: No such file or directory\n'.repeat(3);
  c['node-c']!.netstat = 'Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \nActive UNIX domain sockets (servers and established)\n';
  c['node-c']!['logs/confd/current'] =
    '2026-11-27T18:18:44.70300 2026-11-27 18:18:44.702 [ERROR][66] confd/watchercache.go 125: Failed to perform list of current data during resync ListRoot="/calico/resources/v3/projectcalico.org/bgpconfigurations" error=Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations?limit=500": dial tcp 10.96.0.1:443: i/o timeout\n';
  const [f] = expectRule(birdConfdNotRunning, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-c'] });
  assert.match(f!.message, 'BIRD cannot start (Cannot create control socket');
  assert.match(f!.message, 'nothing listens on TCP 179');
  assert.match(f!.message, 'confd cannot reach the datastore');
});

test('transient confd datastore errors alone are not a finding', () => {
  const c = healthyCluster();
  c['node-b']!['logs/confd/current'] += '2026-11-27T18:18:44.70300 2026-11-27 18:18:44.702 [ERROR][66] confd/watchercache.go 125: Failed to perform list of current data during resync error=dial tcp 10.96.0.1:443: i/o timeout\n';
  expectRule(birdConfdNotRunning, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test.run();
