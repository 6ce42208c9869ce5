import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { clockSkew } from '../../../src/rules/host/clock-skew.js';

/** node-c's clock 7 minutes ahead: its BIRD stamps and its `date` both run 420 s early. */
function skewed() {
  const c = healthyCluster();
  const n = c['node-c']!;
  n['logs/bird/current'] = n['logs/bird/current']!.replace(/2026-11-27T10:14:/g, '2026-11-27T10:21:');
  n.date = 'Fri Nov 27 10:22:00 UTC 2026\n';
  return c;
}

test('passes when both ends of every session log `up` together', () => {
  const r = expectRule(clockSkew, contextFrom(healthyCluster()), { status: 'passed' });
  assert.equal(r, []);
  const res = clockSkew.check(contextFrom(healthyCluster()));
  assert.match(res.status === 'passed' ? res.reason : '', 'measured at both ends of 3 BGP sessions');
});

test('fires on the node whose BGP stamps and date run ahead, and corrects the timeline', () => {
  const ctx = contextFrom(skewed());
  const [f] = expectRule(clockSkew, ctx, { status: 'found', keys: ['node-c'], nodes: ['node-c'] });
  assert.match(f!.title, "node-c's clock is 6 min 57 s"); // 420 s less the 3 s between the two `up` lines of the fixture
  assert.match(f!.title, "ahead of node-a's");
  assert.match(f!.message, 'Its `date` file agrees');
  assert.equal([f!.evidence[0]!.node, f!.evidence[1]!.node], ['node-c', 'node-a']);
  assert.match(f!.evidence[0]!.text, '2026-11-27T10:21:04.20002 bird: Mesh_10_77_0_11: State changed to up');
  assert.ok(f!.evidence.some((e) => e.text === 'Fri Nov 27 10:22:00 UTC 2026'));
  const c = ctx.derived.clock.offsets.find((o) => o.node === 'node-c')!;
  assert.is(c.basis, 'bgp');
  assert.ok(Math.abs(c.offsetSeconds - 420) <= 3, String(c.offsetSeconds));
  // The timeline lists the offset and shifts node-c's events back onto node-a's clock.
  const off = ctx.derived.timeline.offsets?.find((o) => o.node === 'node-c');
  assert.equal(off?.applied, true);
  const ev = ctx.derived.timeline.events.filter((e) => e.node === 'node-c');
  assert.ok(ev.length > 0 && ev.every((e) => e.rawTime !== undefined && e.rawTime > e.time && e.time.startsWith('2026-11-27T10:14:')));
  assert.ok(ctx.derived.timeline.events.filter((e) => e.node !== 'node-c').every((e) => e.rawTime === undefined));
});

test('dates alone far apart: a suspicion (info) that asks for the clocks, timeline untouched', () => {
  const c = healthyCluster();
  for (const n of Object.values(c)) delete n['logs/bird/current'];
  c['node-b']!.date = 'Fri Nov 27 11:45:00 UTC 2026\n';
  const ctx = contextFrom(c);
  const [f] = expectRule(clockSkew, ctx, { status: 'found', keys: ['dates'] });
  assert.is(f!.severity, 'info');
  assert.match(f!.message, "node-b's date is 1 h 30 min ahead of node-a's");
  assert.ok(ctx.derived.timeline.offsets?.every((o) => !o.applied));
  assert.ok((clockSkew.check(ctx).collect ?? []).some((h) => h.command.startsWith('date -u')));
});

test("a single node whose TLS says its time is before the certificate's start: its clock is behind", () => {
  const c = healthyCluster();
  delete c['node-b'];
  delete c['node-c'];
  // kubespray #8830 (verbatim x509 text) in a confd ERROR line.
  c['node-a']!['logs/confd/current'] =
    '2006-10-04T08:21:14.00001 2006-10-04 08:21:14.000 [ERROR][55] confd/client.go 95: Failed to query current BGP settings: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations/default": x509: certificate has expired or is not yet valid: current time 2006-10-04T08:21:14Z is before 2022-05-14T06:25:00Z\n';
  const [f] = expectRule(clockSkew, contextFrom(c), { status: 'found', keys: ['node-a'] });
  assert.is(f!.title, "node-a's clock is behind: TLS rejects certificates as not yet valid");
  assert.match(f!.message, 'current time 2006-10-04T08:21:14Z is before 2022-05-14T06:25:00Z');
  assert.match(f!.evidence[0]!.file, 'logs/confd/current');
});

test('skipped with a single node', () => {
  const c = healthyCluster();
  delete c['node-b'];
  delete c['node-c'];
  assert.is(clockSkew.check(contextFrom(c)).status, 'skipped');
});

test.run();
