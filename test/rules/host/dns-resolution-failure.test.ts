import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, iptables, netstat, NODES, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { attach, lines, source } from '../../helpers/host-attachments.js';
import { dnsResolutionFailure } from '../../../src/rules/host/dns-resolution-failure.js';
import type { KubePodRow } from '../../../src/model/attachments.js';
import type { RuleContext } from '../../../src/rules/rule.js';

// `kubectl get pods -A -o wide` rows (CoreDNS on node-c, pod IP in node-c's block 10.244.99.128/26).
const PODS = `NAMESPACE     NAME                       READY   STATUS    RESTARTS   AGE   IP              NODE     NOMINATED NODE   READINESS GATES
kube-system   coredns-5d78c9869d-4xk2p   1/1     Running   0          3d    10.244.99.130   node-c   <none>           <none>
kube-system   coredns-5d78c9869d-9qwzt   1/1     Running   0          3d    10.244.99.131   node-c   <none>           <none>
default       web-0                      1/1     Running   0          3d    10.244.17.1     node-a   <none>           <none>
`;

function pods(text = PODS): KubePodRow[] {
  return lines('pods.txt', text).slice(1).map((l) => {
    const f = l.text.split(/\s+/);
    return { ...l, namespace: f[0], name: f[1]!, ready: f[2], status: f[3]!, restarts: Number(f[4]), ip: f[6], node: f[7] };
  });
}

function withPods(ctx: RuleContext, text?: string): RuleContext {
  ctx.cluster.attachments = { sources: [source('kubectl-get-pods', 'pods.txt')], kubePods: pods(text), unassigned: [] };
  return ctx;
}

// busybox nslookup from a pod on node-a (Kubernetes "Debugging DNS Resolution").
function failingLookup(ctx: RuleContext, node: string, name: string, nameservers = 'nameserver 10.96.0.10\n') {
  const l = lines(`${node}-nslookup.txt`, `;; connection timed out; no servers could be reached\n`)[0]!;
  attach(ctx, node, {
    dns: {
      source: source('dns-lookup', `${node}-nslookup.txt`),
      nameservers: lines(`${node}-resolv.conf`, nameservers),
      other: [],
      lookups: [{ ...l, name, server: '10.96.0.10', ok: false, error: 'connection timed out; no servers could be reached' }],
    },
  });
}

test('passes when every node has routes to the CoreDNS node', () => {
  expectRule(dnsResolutionFailure, withPods(contextFrom(healthyCluster(), POOL_YAML)), { status: 'passed' });
});

test('CoreDNS on a node others have no route to: a symptom folded under the route cause', () => {
  const c = healthyCluster();
  c['node-a']!.ipv4_route = c['node-a']!.ipv4_route!.split('\n').filter((l) => !l.startsWith('10.244.99.128/26')).join('\n');
  const ctx = withPods(contextFrom(c, POOL_YAML));
  failingLookup(ctx, 'node-a', 'kubernetes.default');
  const [f] = expectRule(dnsResolutionFailure, ctx, { status: 'found', keys: ['unreachable:node-c'] });
  assert.is(f!.title, 'CoreDNS on node-c is unreachable from node-a');
  assert.match(f!.message, '2 of 2 CoreDNS replicas');
  assert.match(f!.evidence[0]!.text, 'coredns-5d78c9869d-4xk2p');
  assert.equal(f!.pairs, [['node-a', 'node-c']]);
  // B1: the connectivity cause explains the DNS symptom.
  const all = runAll(ctx);
  const cause = all.find((x) => x.id === 'block-route-missing:node-a->node-c');
  assert.ok(cause?.explains.includes('dns-resolution-failure:unreachable:node-c'), JSON.stringify(all.map((x) => [x.id, x.explains])));
});

test('B1: BIRD down on the CoreDNS node is the root cause; the DNS failure and the missing routes fold under it', () => {
  const c = healthyCluster();
  // node-c: BIRD never got a config, nothing listens on 179; the others lost their routes to node-c's block.
  c['node-c']!['logs/bird/current'] = '2026-11-27T10:14:01.10001 bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg: No such file or directory\n';
  c['node-c']!.netstat = netstat(NODES[2]!, []).replace(/^tcp .*:179 .*LISTEN.*\n/m, '');
  for (const n of ['node-a', 'node-b']) c[n]!.ipv4_route = c[n]!.ipv4_route!.split('\n').filter((l) => !l.startsWith('10.244.99.128/26')).join('\n');
  c['node-c']!.ipv4_route = c['node-c']!.ipv4_route!.split('\n').filter((l) => !l.includes('via')).join('\n');
  const ctx = withPods(contextFrom(c, POOL_YAML));
  failingLookup(ctx, 'node-a', 'kubernetes.default');
  const all = runAll(ctx);
  const dns = all.find((f) => f.rule === 'dns-resolution-failure');
  assert.is(dns?.id, 'dns-resolution-failure:unreachable:node-c');
  const by = all.filter((f) => f.explains.includes(dns!.id)).map((f) => f.id);
  assert.equal(by, ['bird-confd-not-running:node-c'], JSON.stringify(all.map((f) => [f.id, f.explains])));
  // Connectivity first: the root cause sorts before the egress symptom.
  assert.ok(all.findIndex((f) => f.rule === 'bird-confd-not-running') < all.findIndex((f) => f.rule === 'dns-resolution-failure'));
});

test('egress policy without a DNS allow, while lookups fail', () => {
  const gnp = `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-deny-egress
spec:
  selector: all()
  types:
  - Egress
  egress:
  - action: Allow
    protocol: TCP
    destination:
      ports: [443]
`;
  const ctx = withPods(contextFrom(healthyCluster(), POOL_YAML + gnp));
  failingLookup(ctx, 'node-b', 'kubernetes.default');
  const [f] = expectRule(dnsResolutionFailure, ctx, { status: 'found', keys: ['policy'], nodes: ['node-b'] });
  assert.match(f!.evidence[0]!.text, 'GlobalNetworkPolicy default-deny-egress');
  assert.match(f!.fix![0]!, 'add to default-deny-egress');
  // A DNS allow silences it.
  const allow = gnp.replace('ports: [443]', 'ports: [443]\n  - action: Allow\n    protocol: UDP\n    destination:\n      ports: [53]');
  const ok = withPods(contextFrom(healthyCluster(), POOL_YAML + allow));
  failingLookup(ok, 'node-b', 'kubernetes.default');
  assert.is(dnsResolutionFailure.check(ok).status, 'skipped');
});

test("CoreDNS's pool without natOutgoing, while outside names fail", () => {
  const c = healthyCluster();
  // Felix programs no MASQUERADE rule for a pool without natOutgoing.
  for (const n of Object.values(c)) n.ipv4_tables = iptables({ masquerade: false });
  const ctx = withPods(contextFrom(c, POOL_YAML.replace('natOutgoing: true', 'natOutgoing: false')));
  failingLookup(ctx, 'node-a', 'example.com');
  const [f] = expectRule(dnsResolutionFailure, ctx, { status: 'found', keys: ['nat:default-ipv4-ippool'], nodes: ['node-c'] });
  assert.match(f!.evidence[0]!.text, 'natOutgoing: false');
  assert.match(f!.fix![0]!, `\`calicoctl patch ippool default-ipv4-ippool -p '{"spec":{"natOutgoing":true}}'\``);
  // The pool's own finding explains it.
  const all = runAll(ctx);
  assert.ok(all.find((x) => x.rule === 'nat-outgoing-disabled')?.explains.includes('dns-resolution-failure:nat:default-ipv4-ippool'));
});

test('forwarding loop: CoreDNS crashlooping where resolv.conf names 127.0.0.53', () => {
  const ctx = withPods(contextFrom(healthyCluster(), POOL_YAML), PODS.replace(/Running   0 /g, 'CrashLoopBackOff   41 '));
  attach(ctx, 'node-c', { dns: { source: source('resolv-conf', 'node-c-resolv.conf'), nameservers: lines('node-c-resolv.conf', 'nameserver 127.0.0.53\n'), other: [], lookups: [] } });
  const [f] = expectRule(dnsResolutionFailure, ctx, { status: 'found', keys: ['loop:node-c'] });
  assert.ok(f!.evidence.some((e) => e.text === 'nameserver 127.0.0.53'));
  assert.match(f!.fix![1]!, 'Point kubelet on node-c at the real resolvers');
  assert.not.match(f!.fix!.join('\n'), /<[A-Za-z][^<>`\n]*>/);
});

test('failing lookups without a Calico cause: skipped, asking for CoreDNS logs', () => {
  const ctx = withPods(contextFrom(healthyCluster(), POOL_YAML));
  failingLookup(ctx, 'node-a', 'kubernetes.default');
  const r = dnsResolutionFailure.check(ctx);
  assert.is(r.status, 'skipped');
  assert.ok(r.collect?.some((c) => c.command.startsWith('kubectl -n kube-system logs -l k8s-app=kube-dns')));
});

test('CoreDNS only on a node without a bundle: skipped, asking for that node\'s diags', () => {
  const ctx = withPods(contextFrom(healthyCluster(), POOL_YAML), PODS.replace(/node-c   <none>/g, 'node-d   <none>'));
  const r = dnsResolutionFailure.check(ctx);
  assert.is(r.status, 'skipped');
  assert.equal(r.collect?.[0], { command: 'calicoctl node diags', why: 'CoreDNS runs on nodes without a bundle: whether the others reach them is unknown', nodes: ['node-d'] });
});

test('skipped without attachments, asking for where CoreDNS runs and what fails', () => {
  const r = dnsResolutionFailure.check(contextFrom(healthyCluster(), POOL_YAML));
  assert.is(r.status, 'skipped');
  assert.equal(dnsResolutionFailure.meta.collect?.map((c) => c.command.split(' ').slice(0, 2).join(' ')), ['kubectl get', 'kubectl run', 'cat /etc/resolv.conf']);
});

test.run();
