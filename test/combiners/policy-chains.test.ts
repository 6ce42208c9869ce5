import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyChain, endpointChainName, lengthLimitedId, policyChainCandidates, profileChainName } from '../../src/combiners/policy-chains.js';

test('GetLengthLimitedID: the vectors of libcalico-go/lib/hash unique_id_test.go', () => {
  assert.is(lengthLimitedId('felix', '1234', 10), 'felix1234');
  assert.is(lengthLimitedId('felix', '123456', 11), 'felix123456');
  assert.is(lengthLimitedId('felix', '_2345', 10), 'felix_kMQI', 'exactly the limit but starting with _ is hashed');
  assert.is(lengthLimitedId('felix', '12345678910', 13), 'felix_Y2QCZIS');
  assert.is(lengthLimitedId('felix', '', 10), 'felix_');
});

test('policy chains as Felix names them (felix/rules policy_test.go, fv/xdp_test.go)', () => {
  // PolicyChainName with an empty tier: "/long-policy-name-that-gets-hashed" -> cali-pi-_FJ9yUkNpzshVDh2n7mg.
  assert.is(lengthLimitedId('cali-pi-', '/long-policy-name-that-gets-hashed'), 'cali-pi-_FJ9yUkNpzshVDh2n7mg');
  assert.ok(policyChainCandidates({ kind: 'GlobalNetworkPolicy', name: 'xdpf', tier: 'default' }, 'ingress').includes('cali-pi-default/default.xdpf'));
  assert.ok(policyChainCandidates({ kind: 'GlobalNetworkPolicy', name: 'default.xdpf', tier: 'default' }, 'egress').includes('cali-po-default/default.xdpf'));
  const knp = policyChainCandidates({ kind: 'NetworkPolicy', name: 'knp.default.deny-all', namespace: 'shop', tier: 'default' }, 'ingress');
  assert.ok(knp.includes(lengthLimitedId('cali-pi-', 'default/shop/knp.default.deny-all')));
  assert.ok(knp.includes(lengthLimitedId('cali-pi-', 'knp/shop/deny-all')), 'v3.32+ kind/namespace/name');
  assert.ok(knp.every((c) => c.length <= 28));
});

test('endpoint and profile chains', () => {
  assert.is(endpointChainName('cali-tw-', 'cali1f5a29e647c'), 'cali-tw-cali1f5a29e647c');
  assert.is(endpointChainName('cali-thfw-', 'eth0'), 'cali-thfw-eth0');
  assert.is(profileChainName('ingress', 'kns.default'), 'cali-pri-kns.default');
  assert.is(profileChainName('egress', 'ksa.kube-system.coredns'), lengthLimitedId('cali-pro-', 'ksa.kube-system.coredns'));
  assert.match(profileChainName('egress', 'ksa.kube-system.coredns'), /^cali-pro-_.{18}$/);
});

test('classifyChain: kind, direction and suffix', () => {
  assert.equal(classifyChain('cali-tw-cali1f5a29e647c'), { kind: 'workload', prefix: 'cali-tw-', direction: 'ingress', suffix: 'cali1f5a29e647c' });
  assert.equal(classifyChain('cali-fw-cali1f5a29e647c')?.direction, 'egress');
  assert.equal(classifyChain('cali-th-eth0'), { kind: 'host', prefix: 'cali-th-', direction: 'egress', suffix: 'eth0' });
  assert.equal(classifyChain('cali-fh-eth0')?.direction, 'ingress');
  assert.equal(classifyChain('cali-thfw-eth0'), { kind: 'host', prefix: 'cali-thfw-', direction: 'egress', suffix: 'eth0', forward: true });
  assert.equal(classifyChain('cali-pri-kns.default')?.kind, 'profile');
  assert.equal(classifyChain('cali-po-_abc')?.kind, 'policy');
  assert.equal(classifyChain('cali-gi-abc')?.kind, 'group');
  assert.is(classifyChain('cali-from-wl-dispatch'), undefined);
  assert.is(classifyChain('cali-FORWARD'), undefined);
});

test('classifyChain: asked again, the same frozen answer for the same name, its own for every other name', () => {
  const names = ['cali-tw-a', 'cali-fw-a', 'cali-thfw-eth0', 'cali-th-eth0', 'cali-pi-x', 'cali-FORWARD', 'KUBE-SEP-X'];
  const first = names.map((n) => classifyChain(n));
  const again = names.map((n) => classifyChain(n));
  names.forEach((n, i) => assert.is(again[i], first[i], n));
  assert.ok(Object.isFrozen(first[0]));
  assert.equal(again.map((c) => c?.suffix), ['a', 'a', 'eth0', 'eth0', 'x', undefined, undefined]);
  assert.equal(again.map((c) => c?.direction), ['ingress', 'egress', 'egress', 'egress', 'ingress', undefined, undefined]);
});

test.run();
