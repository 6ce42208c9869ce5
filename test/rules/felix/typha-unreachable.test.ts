import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { FELIX, healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { typhaUnreachable } from '../../../src/rules/felix/typha-unreachable.js';

const WARN = (hms: string) =>
  `2026-11-27T${hms}.00001 2026-11-27 ${hms}.000 [WARNING][68] felix/sync_client.go 239: Failed to connect to typha endpoint 10.77.0.12:5473.  Will try another if available... error=dial tcp 10.77.0.12:5473: i/o timeout myID=0x1 type=""\n`;
const FATAL = '2026-11-27T10:14:40.00001 2026-11-27 10:14:40.000 [FATAL][68] felix/daemon.go 590: Failed to connect to Typha, giving up after timeout error=failed to connect to Typha after 6 tries\n';

test('silent on the healthy cluster', () => {
  expectRule(typhaUnreachable, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires when node-a and node-c time out to Typha on node-b, which listens on 5473 and works', () => {
  const c = healthyCluster();
  for (const n of ['node-a', 'node-c']) c[n]!['logs/felix/current'] = FELIX + WARN('10:14:05') + WARN('10:14:15') + WARN('10:14:25') + FATAL;
  c['node-b']!.netstat = c['node-b']!.netstat!.replace('Active UNIX', 'tcp        0      0 0.0.0.0:5473            0.0.0.0:*               LISTEN     \nActive UNIX');
  const [f] = expectRule(typhaUnreachable, contextFrom(c, POOL_YAML), { status: 'found', count: 1 });
  assert.equal(f!.nodes, ['node-a', 'node-c']);
  assert.match(f!.title, '10.77.0.12:5473');
  assert.match(f!.message, 'node-b hosts Typha (LISTEN on :5473)');
  assert.match(f!.message, 'TCP 5473 is blocked');
  assert.ok(f!.evidence.some((e) => e.node === 'node-b' && e.text.includes(':5473') && e.text.includes('LISTEN')));
  assert.ok(f!.evidence.some((e) => e.text.includes('[FATAL]')));
  assert.equal(f!.fix![0], 'Test the Typha port from node-a: `nc -zv 10.77.0.12 5473`; from node-c: `nc -zv 10.77.0.12 5473`.');
  assert.match(f!.fix!.join('\n'), 'to node-b (10.77.0.12)');
  assert.not.ok(f!.fix!.some((s) => s.includes('iptables -D')), 'no host rule to delete');
});

test('a DROP on 5473 in the Typha host\'s iptables is named', () => {
  const c = healthyCluster();
  c['node-a']!['logs/felix/current'] = FELIX + WARN('10:14:05') + WARN('10:14:15') + FATAL;
  c['node-b']!.ipv4_tables = c['node-b']!.ipv4_tables!.replace('[5120:880211] -A INPUT', '[31:1860] -A INPUT -p tcp -m tcp --dport 5473 -j DROP\n[5120:880211] -A INPUT');
  const [f] = expectRule(typhaUnreachable, contextFrom(c, POOL_YAML), { status: 'found' });
  assert.match(f!.message, 'node-b drops TCP 5473');
  assert.ok(f!.fix!.some((s) => s.startsWith('On node-b:') && s.includes('`iptables -D INPUT -p tcp -m tcp --dport 5473 -j DROP`')), 'the host\'s own DROP is deleted by its rule');
});

test('a few warnings without Felix giving up (a Typha rolling update) are not a finding', () => {
  const c = healthyCluster();
  c['node-a']!['logs/felix/current'] = FELIX + WARN('10:14:05') + WARN('10:14:06') + WARN('10:14:07');
  expectRule(typhaUnreachable, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('a single recovered error is not a finding', () => {
  const c = healthyCluster();
  c['node-a']!['logs/felix/current'] = WARN('10:00:05') + FELIX;
  expectRule(typhaUnreachable, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('skips without Calico logs', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) for (const k of ['logs/felix/current', 'logs/confd/current', 'logs/cni/cni.log']) delete n[k];
  expectRule(typhaUnreachable, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
