import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { attach, HEALTHY_SYSCTL, lines, source, sysctl } from '../../helpers/host-attachments.js';
import { conntrackTableFull } from '../../../src/rules/host/conntrack-table-full.js';

// Kernel line as printed by dmesg -T (SUSE KB 000020149 / Calico troubleshooting).
const DMESG = `[Fri Nov 27 10:12:01 2026] IPv4: martian source 10.244.17.1 from 10.244.42.65, on dev eth0
[Fri Nov 27 10:14:55 2026] nf_conntrack: nf_conntrack: table full, dropping packet
[Fri Nov 27 10:14:56 2026] nf_conntrack: nf_conntrack: table full, dropping packet
`;
const CONNTRACK_S = `cpu=0   \tfound=12 invalid=4 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=3
cpu=1   \tfound=9 invalid=1 ignore=0 insert=0 insert_failed=2 drop=311 early_drop=42 error=0 search_restart=0
`;

test('passes on nodes with low conntrack use', () => {
  const ctx = contextFrom(healthyCluster());
  for (const n of ['node-a', 'node-b', 'node-c']) attach(ctx, n, { sysctl: sysctl(`${n}.txt`, HEALTHY_SYSCTL) });
  expectRule(conntrackTableFull, ctx, { status: 'passed' });
});

test('fires on the kernel line, citing it first', () => {
  const ctx = contextFrom(healthyCluster());
  const notable = lines('node-c-dmesg.txt', DMESG).filter((l) => l.text.includes('conntrack'));
  attach(ctx, 'node-c', { dmesg: { source: source('dmesg', 'node-c-dmesg.txt'), notable, lines: 3 } });
  const [f] = expectRule(conntrackTableFull, ctx, { status: 'found', keys: ['node-c'] });
  assert.is(f!.evidence[0]!.text, '[Fri Nov 27 10:14:55 2026] nf_conntrack: nf_conntrack: table full, dropping packet');
  assert.match(f!.message, '2 times');
});

test('fires on count at max, and on conntrack -S drops', () => {
  const ctx = contextFrom(healthyCluster());
  attach(ctx, 'node-a', { sysctl: sysctl('a.txt', HEALTHY_SYSCTL.replace('nf_conntrack_count = 1843', 'nf_conntrack_count = 262144')) });
  const totals = { found: 21, invalid: 5, insert_failed: 2, drop: 311, early_drop: 42 };
  attach(ctx, 'node-b', { conntrack: { source: source('conntrack-s', 'b.txt'), totals, lines: lines('b.txt', CONNTRACK_S) } });
  const fs = expectRule(conntrackTableFull, ctx, { status: 'found', keys: ['node-a', 'node-b'] });
  assert.match(fs[0]!.message, '100 % of nf_conntrack_max 262144');
  assert.match(fs[1]!.message, 'drop=311 early_drop=42; also insert_failed=2');
  assert.ok(fs[1]!.evidence[0]!.text.includes('drop=311'));
  assert.match(fs[0]!.remediation![0]!, 'nf_conntrack_max=1048576');
});

test('skipped without attachments, asking for sysctl, dmesg and conntrack -S', () => {
  const r = conntrackTableFull.check(contextFrom(healthyCluster()));
  assert.is(r.status, 'skipped');
  assert.equal(r.collect?.map((c) => c.command.split(' ')[0]), ['sysctl', 'dmesg', 'conntrack']);
});

test.run();
