import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { FELIX, healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { calicoNodeNotRunning } from '../../../src/rules/felix/calico-node-not-running.js';

function felixRun(pid: number, hms: string, fatal: string): string {
  return (
    `2026-11-27T${hms}.00001 2026-11-27 ${hms}.000 [INFO][${pid}] felix/daemon.go 383: Felix starting up GOMAXPROCS=2 version="v3.31.0"\n` +
    `2026-11-27T${hms}.50001 2026-11-27 ${hms}.500 [FATAL][${pid}] felix/daemon.go 590: ${fatal}\n`
  );
}
const TYPHA_FATAL = 'Failed to connect to Typha, giving up after timeout error=failed to connect to Typha after 6 tries';

test('silent on the healthy cluster', () => {
  expectRule(calicoNodeNotRunning, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('fires on a Felix crash loop: new PIDs, each ending in FATAL, the log ending with one', () => {
  const c = healthyCluster();
  c['node-c']!['logs/felix/current'] = FELIX + felixRun(101, '10:14:10', TYPHA_FATAL) + felixRun(102, '10:14:50', TYPHA_FATAL) + felixRun(103, '10:15:30', TYPHA_FATAL) + felixRun(104, '10:16:10', TYPHA_FATAL);
  const [f] = expectRule(calicoNodeNotRunning, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-c'] });
  assert.is(f!.severity, undefined);
  assert.match(f!.title, 'crashlooping');
  assert.match(f!.message, 'Felix restarted 4 times in its log (5 PIDs: 68, 101, 102, 103, 104)');
  assert.match(f!.message, 'ends with a fatal error at 2026-11-27 10:16:10');
  assert.ok(f!.evidence[0]!.text.includes('[FATAL][104]'));
  // Without an attached pod description, the pod is found by node name for both commands.
  assert.equal(f!.fix![0], `Start from the fatal line on node-c: \`${TYPHA_FATAL}\`; fix that cause first (datastore or Typha reachability, node IP autodetection, MTU, iptables/ipset tools).`);
  assert.match(f!.fix![1]!, '`kubectl describe pod -n calico-system $(kubectl get pod -n calico-system -l k8s-app=calico-node --field-selector spec.nodeName=node-c -o name)`');
  assert.match(f!.fix![1]!, '-c calico-node --previous`');
});

test('startup Terminating and "Calico node failed to start" at the end of the container log', () => {
  const c = healthyCluster();
  c['node-a']!['logs/k8s_calico-node_calico-node-7kq2x_calico-system_3f6c_5.log'] =
    '2026-11-27 10:14:00.000 [INFO][9] startup/startup.go 431: Early log level set to info\n' +
    '2026-11-27 10:14:01.000 [WARNING][9] startup/startup.go 1183: Calico node \'node-b\' is already using the IPv4 address 10.77.0.11.\n' +
    '2026-11-27 10:14:01.001 [WARNING][9] startup/utils.go 47: Terminating\n' +
    'Calico node failed to start\n';
  const [f] = expectRule(calicoNodeNotRunning, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-a'] });
  assert.match(f!.message, 'restart #5');
  assert.match(f!.message, 'Terminating');
});

test('calicoctl node run: several start-up banners in one container log are restarts', () => {
  const c = healthyCluster();
  const run = (s: string) => `2026-11-27 10:1${s}:00.000 [INFO][9] startup/startup.go 431: Early log level set to info\nCalico node started successfully\n`;
  c['node-b']!['logs/calico-node.log'] = run('0') + run('1') + run('2') + run('3');
  const [f] = expectRule(calicoNodeNotRunning, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'holds 4 start-up banners');
  assert.is(f!.evidence[0]!.line, 8);
});

test('a single config-change restart of Felix is normal', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] =
    FELIX + '2026-11-27T10:14:01.00001 2026-11-27 10:14:01.000 [WARNING][68] felix/daemon.go 847: Felix is shutting down reason="config changed"\n' + FELIX.replace('[68]', '[120]').replace('10:14:00', '10:14:02');
  expectRule(calicoNodeNotRunning, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('a fatal line long before the end of a running log is not "down"', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = felixRun(50, '09:00:00', TYPHA_FATAL) + FELIX;
  expectRule(calicoNodeNotRunning, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('a datastore cause on the same node explains the crash loop', () => {
  const c = healthyCluster();
  const ds = 'Failed to create datastore client error=Get "https://10.96.0.1:443/api/v1/nodes/foo": dial tcp 10.96.0.1:443: i/o timeout';
  c['node-c']!['logs/felix/current'] = FELIX + felixRun(101, '10:14:10', ds) + felixRun(102, '10:14:50', ds) + felixRun(103, '10:15:30', ds) + felixRun(104, '10:16:10', ds);
  const all = runAll(contextFrom(c, POOL_YAML));
  const cause = all.find((f) => f.rule === 'felix-datastore-unreachable');
  assert.ok(cause !== undefined, all.map((f) => f.id).join(' '));
  assert.ok(cause!.explains.includes('calico-node-not-running:node-c'));
});

test('kubectl describe pod (attached): restarts, back-off and liveness failures', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  const node = ctx.cluster.nodes.find((n) => n.name === 'node-b')!;
  const source = { kind: 'kubectl-describe-pod' as const, input: 'describe-calico-node-x8k2p.txt', file: 'describe-calico-node-x8k2p.txt', nodeFrom: 'content' };
  const ev = (line: number, type: string, reason: string, message: string) => ({ input: source.input, file: source.file, line, text: `  ${type}  ${reason}  3m  kubelet  ${message}`, type, reason, message });
  node.attachments = {
    sources: [source],
    podDescription: {
      source,
      pod: 'calico-node-x8k2p',
      node: 'node-b',
      restartCount: 7,
      lastTerminationReason: 'Error',
      events: [
        ev(41, 'Warning', 'Unhealthy', 'Liveness probe failed: calico/node is not ready: Felix is not live: Get "http://localhost:9099/liveness": dial tcp 127.0.0.1:9099: connect: connection refused'),
        ev(42, 'Warning', 'BackOff', 'Back-off restarting failed container calico-node in pod calico-node-x8k2p_calico-system'),
      ],
    },
  };
  const [f] = expectRule(calicoNodeNotRunning, ctx, { status: 'found', keys: ['node-b'] });
  assert.is(f!.severity, undefined);
  assert.match(f!.message, '`kubectl describe pod calico-node-x8k2p` shows 7 restarts (last terminated: Error) and 2 failing probe/back-off events');
  assert.ok(f!.evidence.some((e) => e.file === 'describe-calico-node-x8k2p.txt' && e.line === 41));
  // The attached pod name goes into the command; its description is not asked for again.
  const steps = f!.fix!.join('\n');
  assert.match(steps, '`kubectl logs -n calico-system calico-node-x8k2p -c calico-node --previous`');
  assert.not.match(steps, 'kubectl describe pod -n calico-system $(');
  assert.match(steps, '--field-selector spec.nodeName=node-b');
});

test('readiness failing for BGP alone (no restarts) is not calico-node down', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  const node = ctx.cluster.nodes.find((n) => n.name === 'node-b')!;
  const source = { kind: 'kubectl-describe-pod' as const, input: 'd.txt', file: 'd.txt' };
  node.attachments = {
    sources: [source],
    podDescription: {
      source,
      pod: 'calico-node-x8k2p',
      restartCount: 0,
      events: [{ input: 'd.txt', file: 'd.txt', line: 9, text: 'x', type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: calico/node is not ready: BIRD is not ready: BGP not established with 10.77.0.11' }],
    },
  };
  expectRule(calicoNodeNotRunning, ctx, { status: 'passed' });
});

test('skips when no node has a Calico log or pod description', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) for (const k of ['logs/felix/current', 'logs/confd/current', 'logs/cni/cni.log']) delete n[k];
  expectRule(calicoNodeNotRunning, contextFrom(c, POOL_YAML), { status: 'skipped' });
});

test.run();
