import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { attach, HEALTHY_SYSCTL, sysctl } from '../../helpers/host-attachments.js';
import { ipForwardingDisabled } from '../../../src/rules/host/ip-forwarding-disabled.js';

const FC_DISABLED = `apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: default
spec:
  ipForwarding: Disabled
`;

function withSysctl(bOff: boolean) {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  for (const n of ['node-a', 'node-b', 'node-c']) {
    const text = n === 'node-b' && bOff ? HEALTHY_SYSCTL.replace('net.ipv4.ip_forward = 1', 'net.ipv4.ip_forward = 0') : HEALTHY_SYSCTL;
    attach(ctx, n, { sysctl: sysctl(`${n}-sysctl.txt`, text) });
  }
  return ctx;
}

test('passes when every node shows ip_forward = 1', () => {
  expectRule(ipForwardingDisabled, withSysctl(false), { status: 'passed' });
});

test('fires on the node whose sysctl shows ip_forward = 0, citing the pasted line', () => {
  const [f] = expectRule(ipForwardingDisabled, withSysctl(true), { status: 'found', keys: ['node-b'], nodes: ['node-b'] });
  assert.equal(f!.evidence[0], { node: 'node-b', input: 'node-b-sysctl.txt', file: 'node-b-sysctl.txt', line: 1, text: 'net.ipv4.ip_forward = 0' });
  assert.match(f!.title, 'net.ipv4.ip_forward = 0');
  assert.match(f!.fix![0]!, 'On node-b: `sysctl -w net.ipv4.ip_forward=1`');
});

test('the fabric NIC forwarding flag counts too', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  attach(ctx, 'node-a', { sysctl: sysctl('a.txt', 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.eth0.forwarding = 0\n') });
  expectRule(ipForwardingDisabled, ctx, { status: 'found', keys: ['node-a'] });
});

test('skipped without sysctl output, asking for it on every node', () => {
  const r = ipForwardingDisabled.check(contextFrom(healthyCluster(), POOL_YAML));
  assert.is(r.status, 'skipped');
  assert.ok(r.collect?.[0]?.command.startsWith('sysctl net.ipv4.ip_forward'));
  assert.equal(r.collect?.[0]?.nodes, ['node-a', 'node-b', 'node-c']);
});

test('FelixConfiguration ipForwarding: Disabled without sysctl is only a suspicion (info)', () => {
  const r = ipForwardingDisabled.check(contextFrom(healthyCluster(), POOL_YAML + '---\n' + FC_DISABLED));
  assert.is(r.status, 'found');
  if (r.status !== 'found') return;
  assert.is(r.findings[0]!.severity, 'info');
  assert.ok(r.findings[0]!.evidence[0]!.text.includes('ipForwarding: Disabled'));
  assert.ok((r.collect ?? []).length > 0);
});

test('passes naming the nodes it could not check', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  attach(ctx, 'node-a', { sysctl: sysctl('a.txt', HEALTHY_SYSCTL) });
  const r = ipForwardingDisabled.check(ctx);
  assert.is(r.status, 'passed');
  assert.match(r.status === 'passed' ? r.reason : '', 'not checked (no sysctl): node-b, node-c');
  assert.equal(r.collect?.[0]?.nodes, ['node-b', 'node-c']);
});

test.run();
