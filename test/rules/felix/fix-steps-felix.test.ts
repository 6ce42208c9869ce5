import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCalicoNode, hostPort, k8sName, machineOf, ncTest, pendingPodsOn } from '../../../src/rules/felix/fix-steps-felix.js';

test('machineOf: a snapshot bundle name is run on its machine', () => {
  assert.is(machineOf('node-b#2'), 'node-b');
  assert.is(machineOf('node-b'), 'node-b');
  assert.is(machineOf('ip-10-0-0-1.ec2.internal#3'), 'ip-10-0-0-1.ec2.internal');
});

test('hostPort and ncTest: host:port targets of the logs, the first of a Typha list, IPv6 in brackets', () => {
  assert.equal(hostPort('10.96.0.1:443'), { host: '10.96.0.1', port: '443' });
  assert.equal(hostPort('10.77.0.12:5473,10.77.0.13:5473'), { host: '10.77.0.12', port: '5473' });
  assert.equal(hostPort('[fd00::1]:6443'), { host: 'fd00::1', port: '6443' });
  assert.is(hostPort('an unnamed endpoint'), undefined);
  assert.is(ncTest('10.96.0.1:443'), '`nc -zv 10.96.0.1 443`');
  assert.is(ncTest('nowhere'), undefined);
});

test('commands by node name use the machine', () => {
  assert.match(describeCalicoNode('node-b#2'), '--field-selector spec.nodeName=node-b -o name)`');
  assert.is(pendingPodsOn('node-c'), '`kubectl get pods -A -o wide --field-selector spec.nodeName=node-c,status.phase=Pending`');
});

test('k8sName: only names that are Kubernetes object names reach a command', () => {
  assert.is(k8sName('calico-node-x8k2p'), 'calico-node-x8k2p');
  assert.is(k8sName('web-1; rm -rf /'), undefined);
  assert.is(k8sName('Web'), undefined);
  assert.is(k8sName(undefined), undefined);
});

test.run();
