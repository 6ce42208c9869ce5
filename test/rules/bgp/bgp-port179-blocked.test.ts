import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, establishedRows, healthyCluster, iptables, ipRoute, netstat, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { bgpPort179Blocked } from '../../../src/rules/bgp/bgp-port179-blocked.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

/** node-a drops TCP 179: b and c (greater IPs, the initiators) sit in SYN_SENT; a listens. */
function blockedOnA() {
  const c = healthyCluster();
  c['node-a']!.ipv4_tables = iptables({ inputRules: ['[14:840] -A INPUT -p tcp -m tcp --dport 179 -j DROP'] });
  c['node-a']!.netstat = netstat(A, []);
  c['node-a']!['logs/bird/current'] = birdLog(A, [B, C], () => ['start']);
  c['node-a']!.ipv4_route = ipRoute(A, []);
  for (const [self, other] of [[B, C], [C, B]] as const) {
    c[self.name]!.netstat = netstat(self, [...establishedRows(self, [other]), `tcp        0      1 ${self.ip}:45678        10.77.0.11:179          SYN_SENT   `]);
    c[self.name]!['logs/bird/current'] = birdLog(self, [A, other], (p) => (p.name === 'node-a' ? ['start'] : ['start', 'feed', 'up']));
    c[self.name]!.ipv4_route = ipRoute(self, [other]);
  }
  return c;
}

test('silent on the healthy cluster', () => {
  expectRule(bgpPort179Blocked, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires once for the target, naming both initiators and the DROP rule with its counters', () => {
  const [f] = expectRule(bgpPort179Blocked, contextFrom(blockedOnA(), POOL_YAML), { status: 'found', keys: ['node-a'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.title, 'node-b, node-c');
  assert.match(f!.message, '14 packets dropped');
  assert.ok(f!.evidence.some((e) => e.node === 'node-b' && e.text.includes('SYN_SENT')));
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.includes('--dport 179 -j DROP') && e.file === 'diagnostics/ipv4_tables'));
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.includes('0.0.0.0:179') && e.text.includes('LISTEN')));
});

test('explains the missing routes to and from node-a', () => {
  const findings = runAll(contextFrom(blockedOnA(), POOL_YAML));
  const cause = findings.find((f) => f.id === 'bgp-port179-blocked:node-a')!;
  assert.ok(cause);
  const symptoms = findings.filter((f) => f.rule === 'block-route-missing').map((f) => f.id).sort();
  assert.equal(symptoms, ['block-route-missing:node-a->node-b', 'block-route-missing:node-a->node-c', 'block-route-missing:node-b->node-a', 'block-route-missing:node-c->node-a']);
  assert.equal(cause.explains, symptoms);
  assert.is(findings[0]!.id, cause.id, 'the cause is listed first');
});

test('not fired when the target does not listen (that is refused/BIRD down)', () => {
  const c = blockedOnA();
  c['node-a']!.netstat = 'Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \ntcp        0      0 127.0.0.1:9099          0.0.0.0:*               LISTEN     \n';
  expectRule(bgpPort179Blocked, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('skipped without any netstat/ss', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.netstat;
  expectRule(bgpPort179Blocked, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
