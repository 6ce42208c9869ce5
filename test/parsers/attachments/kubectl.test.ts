import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { factsOf } from './helpers.js';

test('kubectl describe pod calico-node: node, restarts, OOMKilled, events with the probe text', () => {
  const d = factsOf('kubectl-describe-pod-readiness.txt', 'kubectl-describe-pod').podDescription;
  assert.equal([d.pod, d.node, d.restartCount, d.lastTerminationReason], ['calico-node-7xk2p', 'node-b', 3, 'OOMKilled']);
  assert.equal(d.events.map((e) => [e.type, e.reason]), [['Normal', 'Pulled'], ['Warning', 'Unhealthy'], ['Warning', 'BackOff']]);
  assert.is(d.events[1]!.message, 'Readiness probe failed: calico/node is not ready: BIRD is not ready: BGP not established with 10.77.0.11');
  assert.is(d.events[1]!.line, 37);
});

test('kubectl get nodes -o wide: cells by header, OS-IMAGE with spaces', () => {
  const r = factsOf('kubectl-get-nodes-wide.txt', 'kubectl-get-nodes').kubeNodes;
  assert.equal(r.map((n) => [n.name, n.status, n.internalIP, n.externalIP]), [
    ['node-a', 'Ready', '10.77.0.11', undefined],
    ['node-b', 'Ready', '10.77.0.12', undefined],
    ['node-c', 'NotReady', '10.77.0.13', undefined],
  ]);
  assert.equal([r[0]!.os, r[0]!.kernel, r[0]!.containerRuntime], ['Ubuntu 22.04.4 LTS', '5.15.0-105-generic', 'containerd://1.7.13']);
});

test('kubectl get pods -A -o wide: where CoreDNS runs, restarts `3 (5m ago)`', () => {
  const r = factsOf('kubectl-get-pods-wide.txt', 'kubectl-get-pods').kubePods;
  const dns = r.find((p) => p.name.startsWith('coredns-'))!;
  assert.equal([dns.namespace, dns.ip, dns.node, dns.status], ['kube-system', '10.244.97.3', 'node-a', 'Running']);
  const cn = r.find((p) => p.name === 'calico-node-7xk2p')!;
  assert.equal([cn.ready, cn.restarts, cn.node], ['0/1', 3, 'node-b']);
});

test.run();
