import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, iptables, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule, runAll } from '../../helpers/rule-tester.js';
import { attach, HEALTHY_SYSCTL, sysctl } from '../../helpers/host-attachments.js';
import { rpFilterLoose } from '../../../src/rules/host/rp-filter-loose.js';

// Felix <= v3.11 (catalogue J3, verbatim message; svlogd stamp added as the file log writes it).
const FATAL = "2020-07-19T06:19:39.76712 2020-07-19 06:19:39.767 [FATAL][1144] int_dataplane.go 1032: Kernel's RPF check is set to 'loose'.  This would allow endpoints to spoof their IP address.  Calico requires net.ipv4.conf.all.rp_filter to be set to 0 or 1. If you require loose RPF and you are not concerned about spoofing, this check can be disabled by setting the IgnoreLooseRPF configuration parameter to 'true'.\n";

test('rp_filter = 2 with a running modern Felix is not a fault', () => {
  const ctx = contextFrom(healthyCluster());
  attach(ctx, 'node-a', { sysctl: sysctl('a.txt', HEALTHY_SYSCTL.replace('rp_filter = 1', 'rp_filter = 2')) });
  const r = expectRule(rpFilterLoose, ctx, { status: 'passed' });
  assert.equal(r, []);
  const res = rpFilterLoose.check(ctx);
  assert.match(res.status === 'passed' ? res.reason : '', 'rp_filter = 2 on node-a is harmless');
});

test('fires on the Felix FATAL, with the sysctl line as support', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = FATAL;
  const ctx = contextFrom(c);
  attach(ctx, 'node-b', { sysctl: sysctl('b.txt', HEALTHY_SYSCTL.replace('rp_filter = 1', 'rp_filter = 2')) });
  const [f] = expectRule(rpFilterLoose, ctx, { status: 'found', keys: ['node-b'] });
  assert.match(f!.evidence[0]!.text, "Kernel's RPF check is set to 'loose'");
  assert.is(f!.evidence[1]!.text, 'net.ipv4.conf.all.rp_filter = 2');
  assert.match(f!.title, 'net.ipv4.conf.all.rp_filter = 2');
});

test('the Felix that exits explains the missing MASQUERADE rule on its node', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = FATAL;
  c['node-b']!.ipv4_tables = iptables({ masquerade: false });
  const all = runAll(contextFrom(c, POOL_YAML));
  assert.ok(all.find((f) => f.id === 'rp-filter-loose:node-b')?.explains.includes('nat-outgoing-disabled:node:node-b'));
});

test('the Felix that exits on a loose rp_filter explains calico-node crashlooping on its node', () => {
  const c = healthyCluster();
  const start = (t: string, pid: number) => `${t} [INFO][${pid}] daemon.go 345: Felix starting up GOMAXPROCS=2 builddate="2020-03-05T16:36:15+0000" gitcommit="0f1fc2e5" version="v3.11.3"\n`;
  c['node-b']!['logs/felix/current'] = [0, 1, 2, 3].map((i) => start(`2020-07-19 06:${19 + i}:39.100`, 1144 + 37 * i) + FATAL.replace('1144', String(1144 + 37 * i)).replace(/06:19:39/g, `06:${19 + i}:39`)).join('');
  const all = runAll(contextFrom(c, POOL_YAML));
  const crash = all.find((f) => f.id === 'calico-node-not-running:node-b');
  assert.ok(crash !== undefined, `calico-node-not-running fires on the restarts (fired: ${all.map((f) => f.id).join(', ')})`);
  assert.ok(all.find((f) => f.id === 'rp-filter-loose:node-b')?.explains.includes('calico-node-not-running:node-b'));
});

test('skipped without any Calico log, asking for the calico-node log', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/felix/current'];
  const r = rpFilterLoose.check(contextFrom(c));
  assert.is(r.status, 'skipped');
  assert.match(r.collect?.[0]?.command ?? '', 'kubectl -n calico-system logs');
});

test.run();
