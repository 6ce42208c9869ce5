import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { FELIX, healthyCluster, ipsets, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { ipsetUserspaceKernelMismatch } from '../../../src/rules/felix/ipset-userspace-kernel-mismatch.js';

const IPSET_ERR = (hms: string) =>
  `2026-11-27T${hms}.00001 2026-11-27 ${hms}.000 [ERROR][68] felix/ipsets.go 570: Bad return code from 'ipset list'. error=exit status 1 family="inet" stderr="ipset v7.1: Kernel and userspace incompatible: settype hash:ip with revision 5 not supported by userspace.\\n"\n`;

test('silent on the healthy cluster', () => {
  expectRule(ipsetUserspaceKernelMismatch, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on Felix failing to list its sets until the end of the log', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = FELIX + IPSET_ERR('10:14:05') + IPSET_ERR('10:14:15') + IPSET_ERR('10:14:25');
  const [f] = expectRule(ipsetUserspaceKernelMismatch, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.is(f!.severity, undefined);
  assert.match(f!.message, "Felix's ipset v7.1 failed to program IP sets 3 times (first 2026-11-27 10:14:05, last 2026-11-27 10:14:25)");
  assert.match(f!.message, 'revision 5 not supported by userspace');
  assert.match(f!.fix![0]!, '-- ipset version`');
  assert.match(f!.fix!.join('\n'), 'reboot node-b');
});

test('the host ipset binary failing while ipset_container lists Calico\'s sets is info only', () => {
  const c = healthyCluster();
  c['node-a']!.ipsets = 'ipset v6.20.1: Kernel support protocol versions 6-7 while userspace supports protocol versions 6-6\n';
  c['node-a']!.ipset_container = ipsets();
  const [f] = expectRule(ipsetUserspaceKernelMismatch, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a'] });
  assert.is(f!.severity, 'info');
  assert.match(f!.message, 'the host\'s ipset v6.20.1 is incompatible with the kernel');
  assert.match(f!.message, 'lists 2 sets fine');
  assert.not.ok(f!.fix!.some((s) => s.includes('reboot')), 'Calico is not affected: no reboot, no upgrade');
  assert.match(f!.fix![0]!, 'Calico on node-a uses its own ipset binary');
});

test('both the host and the container ipset failing is critical', () => {
  const c = healthyCluster();
  const err = 'ipset v6.20.1: Kernel support protocol versions 6-7 while userspace supports protocol versions 6-6\n';
  c['node-a']!.ipsets = err;
  c['node-a']!.ipset_container = err;
  const [f] = expectRule(ipsetUserspaceKernelMismatch, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a'] });
  assert.is(f!.severity, undefined);
  assert.match(f!.message, "calico-node's ipset binary (v6.20.1) cannot read the kernel's sets");
});

test('skips without ipset output or logs', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) for (const k of ['ipsets', 'logs/felix/current', 'logs/confd/current', 'logs/cni/cni.log']) delete n[k];
  expectRule(ipsetUserspaceKernelMismatch, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
