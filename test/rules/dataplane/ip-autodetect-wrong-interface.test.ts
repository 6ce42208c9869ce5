import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { birdLog, healthyCluster, ipAddr, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { ipAutodetectWrongInterface } from '../../../src/rules/dataplane/ip-autodetect-wrong-interface.js';

const [A, B, C] = NODES as [typeof NODES[0], typeof NODES[0], typeof NODES[0]];

test('silent on the healthy cluster', () => {
  expectRule(ipAutodetectWrongInterface, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires when node-c\'s peers know it as docker0\'s 172.17.0.1', () => {
  const c = healthyCluster();
  const docker0 = { ...C, ip: '172.17.0.1' };
  c['node-c']!.ipv4_addr = ipAddr(C, '3: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default \n    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\n       valid_lft forever preferred_lft forever\n');
  c['node-a']!['logs/bird/current'] = birdLog(A, [B, docker0], (p) => (p.ip === '172.17.0.1' ? ['start'] : ['start', 'feed', 'up']));
  c['node-b']!['logs/bird/current'] = birdLog(B, [A, docker0], (p) => (p.ip === '172.17.0.1' ? ['start'] : ['start', 'feed', 'up']));
  c['node-c']!['logs/calico-node.log'] = '2026-11-27 10:13:59.001 [INFO][9] startup/autodetection_methods.go 103: Using autodetected IPv4 address on interface docker0: 172.17.0.1/16\n';
  const [f] = expectRule(ipAutodetectWrongInterface, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-c'] });
  assert.match(f!.title, 'uses 172.17.0.1 on docker0');
  assert.match(f!.title, 'instead of 10.77.0.13 on eth0');
  assert.match(f!.fix?.[0] ?? '', 'interface=eth0');
  assert.ok(f!.evidence.some((e) => e.text.includes('Using autodetected IPv4 address on interface docker0')));
  assert.ok(f!.evidence.some((e) => e.node === 'node-a' && e.text.includes('Mesh_172_17_0_1')));
});

test('a bridge that is the real underlay (br-ex with the peers\' subnet) is not flagged', () => {
  const c = healthyCluster();
  for (const n of NODES) c[n.name]!.ipv4_addr = c[n.name]!.ipv4_addr!.replace(/eth0/g, 'br-ex');
  expectRule(ipAutodetectWrongInterface, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('nodes with a correct IP are not flagged because the others use a shared NAT address', () => {
  const c = healthyCluster();
  const nat = '3: eth1@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth1\n       valid_lft 86315sec preferred_lft 86315sec\n';
  for (const n of NODES) c[n.name]!.ipv4_addr += nat;
  const node = (name: string, ip: string) => `---\napiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: ${name}\nspec:\n  bgp:\n    ipv4Address: ${ip}\n`;
  const yaml = POOL_YAML + node('node-a', '10.77.0.11/24') + node('node-b', '10.0.2.15/24') + node('node-c', '10.0.2.15/24');
  const findings = expectRule(ipAutodetectWrongInterface, contextFrom(c, yaml), { status: 'found', keys: ['node-b', 'node-c'] });
  assert.match(findings[0]!.message, 'VirtualBox/Vagrant NAT address');
  assert.match(findings[0]!.title, 'instead of 10.77.0.12 on eth0');
});

test.run();
