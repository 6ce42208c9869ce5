import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, establishedRows, healthyCluster, iptables, ipRoute, netstat, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { declare, gnpChain } from '../../helpers/policy-tables.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { hostEndpointPolicyLockout } from '../../../src/rules/policy/host-endpoint-policy-lockout.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];
const DENY = gnpChain('deny-host-egress', 'po');
const YAML = `${POOL_YAML}---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default.deny-host-egress
spec:
  order: 500
  selector: has(host-endpoint)
  types:
  - Egress
`;

/** node-c (the initiator of its BGP sessions) has a HostEndpoint on eth0 with an egress default-deny; failsafe-out lacks 179. */
function lockedOut(failsafePorts = '22') {
  const c = healthyCluster();
  c['node-c']!.ipv4_tables = iptables({
    inputRules: [
      ':cali-failsafe-out - [0:0]',
      ...declare(['cali-th-eth0', DENY]),
      `[0:0] -A cali-failsafe-out -p tcp -m comment --comment "cali:82hjfji-wChFhAqL" -m multiport --dports ${failsafePorts} -j ACCEPT`,
      '[0:0] -A cali-failsafe-out -p udp -m comment --comment "cali:TNM3RfEjbNr72hgH" -m multiport --dports 67 -j ACCEPT',
      '[310:18600] -A cali-th-eth0 -m comment --comment "cali:yLjsNlC1pqdBTqFx" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '[25:1500] -A cali-th-eth0 -m comment --comment "cali:G5-pDnm-Vbmqqk3K" -j cali-failsafe-out',
      '[25:1500] -A cali-th-eth0 -m comment --comment "cali:vnjfuzTLcIdHWm6q" -m mark --mark 0x0/0x20000 -j ' + DENY,
      '[25:1500] -A cali-th-eth0 -m comment --comment "cali:nW25DCYDwGXFSYyt" -m comment --comment "Drop if no policies passed packet" -m mark --mark 0x0/0x20000 -j DROP',
    ],
  });
  c['node-c']!.netstat = netstat(C, [`tcp        0      1 ${C.ip}:45678        ${A.ip}:179          SYN_SENT   `, `tcp        0      1 ${C.ip}:45679        ${B.ip}:179          SYN_SENT   `]);
  c['node-c']!['logs/bird/current'] = birdLog(C, [A, B], () => ['start']);
  c['node-c']!.ipv4_route = ipRoute(C, []);
  for (const [self, other] of [[A, B], [B, A]] as const) {
    c[self.name]!.netstat = netstat(self, establishedRows(self, [other]));
    c[self.name]!['logs/bird/current'] = birdLog(self, [C, other], (p) => (p.name === 'node-c' ? ['start'] : ['start', 'feed', 'up']));
    c[self.name]!.ipv4_route = ipRoute(self, [other]);
  }
  return c;
}

test('silent on the healthy cluster', () => {
  expectRule(hostEndpointPolicyLockout, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('names the host endpoint, the policy, the packet count, the missing failsafe port and the BGP peers', () => {
  const [f] = expectRule(hostEndpointPolicyLockout, contextFrom(lockedOut(), YAML), { status: 'found', count: 1, nodes: ['node-c'] });
  assert.match(f!.title, 'node-c');
  assert.match(f!.title, '25 packets in cali-th-eth0');
  assert.match(f!.title, 'BGP to node-a, node-b is down');
  assert.match(f!.message, 'GlobalNetworkPolicy default.deny-host-egress (tier default, order 500)');
  assert.match(f!.message, 'cali-failsafe-out does not let Calico\'s own egress traffic through: no tcp:179/tcp:5473');
  assert.is(f!.severity, undefined, 'critical (the rule\'s severity)');
  assert.match(f!.message, `host endpoint eth0 (${C.ip}) on node-c`);
  assert.match(f!.evidence[0]!.text, 'cali-th-eth0');
  assert.match(f!.fix!.join('\n'), 'has(host-endpoint)');
  // The fix names the peers by address and the failsafe field of the direction that lacks the ports.
  assert.match(f!.fix![1]!, `On node-c: allow TCP 179 to and from ${A.ip} and ${B.ip}`);
  assert.match(f!.fix![1]!, '`failsafeOutboundHostPorts`');
  assert.not.match(f!.fix![1]!, 'failsafeInboundHostPorts');
  assert.match(f!.fix![3]!, `shows the sessions with ${A.ip} and ${B.ip} Established`);
});

test('is the root cause of the BGP symptoms it causes', () => {
  const findings = runAll(contextFrom(lockedOut(), YAML));
  const cause = findings.find((x) => x.rule === 'host-endpoint-policy-lockout')!;
  assert.ok(cause);
  const bgp = findings.filter((x) => x.rule === 'bgp-port179-blocked').map((x) => x.id);
  assert.ok(bgp.length > 0, 'the symptom is found too');
  for (const id of bgp) assert.ok(cause.explains.includes(id), `explains ${id}`);
});

test('failsafe ports that cover 179 and 5473: the drop is other host traffic, listed as info, not blamed for BGP', () => {
  const [f] = expectRule(hostEndpointPolicyLockout, contextFrom(lockedOut('22,179,5473'), YAML), { status: 'found', count: 1 });
  assert.not.match(f!.message, 'does not let');
  assert.not.match(f!.title, 'BGP');
  assert.match(f!.message, 'cover BGP (179) and Typha (5473)');
  assert.is(f!.severity, 'info');
  assert.match(f!.fix![1]!, '`tcpdump -ni eth0`');
  assert.not.ok(f!.fix!.some((s) => s.includes('failsafeOutboundHostPorts')));
});

test('skipped without iptables-save', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n.ipv4_tables;
  expectRule(hostEndpointPolicyLockout, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
