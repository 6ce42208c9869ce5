import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, healthyNodeFiles, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { filledFix } from '../../helpers/fix-steps.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { nodeIpDuplicate } from '../../../src/rules/dataplane/node-ip-duplicate.js';

const NODE_YAML = (name: string, ip: string) => `---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: ${name}
spec:
  bgp:
    ipv4Address: ${ip}
`;

test('silent on the healthy cluster', () => {
  expectRule(nodeIpDuplicate, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires when two Node resources claim 10.0.2.15 (Vagrant NAT)', () => {
  const c = healthyCluster();
  const nat = '3: eth1@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000 link-netnsid 1\n    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth1\n       valid_lft 86315sec preferred_lft 86315sec\n';
  c['node-b']!.ipv4_addr += nat;
  c['node-c']!.ipv4_addr += nat;
  const yaml = POOL_YAML + NODE_YAML('node-a', '10.77.0.11/24') + NODE_YAML('node-b', '10.0.2.15/24') + NODE_YAML('node-c', '10.0.2.15/24');
  const [f] = expectRule(nodeIpDuplicate, contextFrom(c, yaml), { status: 'found', keys: ['ip:10.0.2.15'], nodes: ['node-b', 'node-c'] });
  assert.match(f!.message, 'VirtualBox');
  assert.ok(f!.evidence.some((e) => e.file === 'resources.yaml' && e.line > 0));
  assert.ok(f!.evidence.some((e) => e.node === 'node-c' && e.text.includes('inet 10.0.2.15/24')));
  // node-a's unique IP gives the underlay subnet, where node-b and node-c have their eth0 addresses.
  const fix = filledFix(f);
  assert.match(fix, 'node-b has 10.77.0.12 on eth0, node-c has 10.77.0.13 on eth0');
  assert.match(fix, 'IP_AUTODETECTION_METHOD=cidr=10.77.0.0/24');
  assert.match(fix, 'none of them 10.0.2.15');
  // node-c with the NAT address only: no address of it in the underlay subnet, said in words.
  c['node-c']!.ipv4_addr = c['node-c']!.ipv4_addr!.replace(nat, '').replace('10.77.0.13/24 brd 10.77.0.255', '10.0.2.15/24 brd 10.0.2.255');
  const [g] = expectRule(nodeIpDuplicate, contextFrom(c, yaml), { status: 'found', keys: ['ip:10.0.2.15'] });
  const words = filledFix(g);
  assert.match(words, 'the bundles show no address of node-b and node-c in another node\'s subnet');
  assert.not.match(words, 'cidr=10.77.0.0/24');
});

test('two different machines with one hostname', () => {
  const c = healthyCluster();
  c['node-b-clone'] = { ...healthyNodeFiles(NODES[1]!), hostname: 'node-b\n', ipv4_addr: healthyNodeFiles({ ...NODES[1]!, ip: '10.77.0.22' }).ipv4_addr! };
  const findings = expectRule(nodeIpDuplicate, contextFrom(c, POOL_YAML), { status: 'found', keys: ['hostname:node-b'] });
  assert.match(findings[0]!.message, 'different machines');
  const fix = filledFix(findings[0]);
  assert.match(fix, /Give one of the machines named node-b \(bundle node-b\S* at 10\.77\.0\.(12|22) and bundle node-b\S* at 10\.77\.0\.(12|22)\) a unique hostname/);
  assert.match(fix, '10.77.0.22');
  assert.match(fix, '--field-selector spec.nodeName=node-b');
});

test('a Node named differently from its bundle\'s hostname is the same machine: FQDN hostnames, Nodes named by IP', () => {
  const c = healthyCluster();
  for (const n of NODES) c[n.name]!.hostname = `${n.name}.us-west-2.compute.internal\n`;
  const short = POOL_YAML + NODES.map((n) => NODE_YAML(n.name, `${n.ip}/24`)).join('');
  expectRule(nodeIpDuplicate, contextFrom(c, short), { status: 'passed' });
  // NODENAME set to the node's IP (real: "Determined node name: 192.168.1.129").
  const byIP = POOL_YAML + NODES.map((n) => NODE_YAML(n.ip, `${n.ip}/24`)).join('');
  expectRule(nodeIpDuplicate, contextFrom(healthyCluster(), byIP), { status: 'passed' });
});

test('a second Node on a bundle\'s IP, when that bundle has its own Node, is another machine', () => {
  const yaml = POOL_YAML + NODES.map((n) => NODE_YAML(n.name, `${n.ip}/24`)).join('') + NODE_YAML('node-x', `${NODES[1]!.ip}/24`);
  const [f] = expectRule(nodeIpDuplicate, contextFrom(healthyCluster(), yaml), { status: 'found', keys: [`ip:${NODES[1]!.ip}`] });
  assert.match(f!.title, `node-b and node-x share node IP ${NODES[1]!.ip}`);
  assert.equal(f!.nodes, ['node-b']);
});

test.run();
