import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, establishedRows, healthyCluster, iptables, ipRoute, netstat, NODES, POOL_YAML, proto } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { bgpPeerRefusedOrUnreachable } from '../../../src/rules/bgp/bgp-peer-refused-or-unreachable.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

/** node-c rejects TCP 179 with tcp-reset; a and b run BGP debug so BIRD logs the refusal. */
function rejectOnC() {
  const c = healthyCluster();
  c['node-c']!.ipv4_tables = iptables({ inputRules: ['[22:1320] -A INPUT -p tcp -m tcp --dport 179 -j REJECT --reject-with tcp-reset'] });
  c['node-c']!.netstat = netstat(C, []);
  c['node-c']!['logs/bird/current'] = birdLog(C, [A, B], () => ['start']);
  for (const [self, other] of [[A, B], [B, A]] as const) {
    c[self.name]!.netstat = netstat(self, establishedRows(self, [other]));
    c[self.name]!['logs/bird/current'] =
      birdLog(self, [other, C], (p) => (p.name === 'node-c' ? ['start'] : ['start', 'feed', 'up'])) +
      `2026-11-27T10:14:20.30003 bird: ${proto(C.ip)}: Connecting to ${C.ip} from local address ${self.ip}\n` +
      `2026-11-27T10:14:20.30105 bird: ${proto(C.ip)}: Connection lost (Connection refused)\n`;
    c[self.name]!.ipv4_route = ipRoute(self, [other]);
  }
  return c;
}

test('silent on the healthy cluster', () => {
  expectRule(bgpPeerRefusedOrUnreachable, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires for node-c with the REJECT rule and BIRD\'s "Connection refused"', () => {
  const [f] = expectRule(bgpPeerRefusedOrUnreachable, contextFrom(rejectOnC(), POOL_YAML), { status: 'found', keys: ['node-c'], nodes: ['node-a', 'node-b', 'node-c'] });
  assert.match(f!.message, 'Connection refused');
  assert.match(f!.message, 'rejects TCP 179');
  assert.ok(f!.evidence.some((e) => e.node === 'node-c' && e.text.includes('REJECT --reject-with tcp-reset')));
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.includes('Connection lost (Connection refused)') && e.line > 0));
});

test('fires when nothing listens on the peer, and BIRD down there is the root cause', () => {
  const c = rejectOnC();
  c['node-c']!.ipv4_tables = iptables();
  c['node-c']!.netstat = 'Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \ntcp        0      0 127.0.0.1:9099          0.0.0.0:*               LISTEN     \n';
  c['node-c']!['logs/bird/current'] = '2026-11-27T10:14:01.10001 bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg: No such file or directory\n';
  const findings = runAll(contextFrom(c, POOL_YAML));
  const refused = findings.find((f) => f.id === 'bgp-peer-refused-or-unreachable:node-c');
  const bird = findings.find((f) => f.id === 'bird-confd-not-running:node-c');
  assert.ok(refused && bird);
  assert.match(refused!.message, 'nothing listens on 10.77.0.13:179');
  assert.ok(bird!.explains.includes(refused!.id), 'BIRD down explains the refusal');
});

test.run();
