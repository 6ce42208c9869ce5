import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plainText, ticketSummary } from '../../src/report/ticket-summary.js';
import { distinctSteps, reportCase } from '../../src/report/case.js';
import { sampleReport } from './sample-report.js';

test('case: counts split into root causes and symptoms, notes apart', () => {
  const c = reportCase(sampleReport());
  assert.is(c.causes.length, 2, 'bgp-port179-blocked and mtu-mismatch');
  assert.is(c.symptoms, 2);
  assert.is(c.notes.length, 1);
  assert.equal(c.causesBySeverity, { critical: 1, warning: 1, info: 0 });
  assert.equal(c.affectedNodes, ['node-b', 'node-c', 'node-d']);
  assert.match(c.title, /^BGP session node-b ↔ node-c never established: TCP 179 dropped \(\+1 more cause\) — 4 nodes, bundles of 2025-03-01/);
});

test('ticket summary: cause first with nodes, evidence, fix steps and folded symptoms', () => {
  const text = ticketSummary(sampleReport());
  const lines = text.split('\n');
  assert.is(lines[0], '## Calico diagnostics: BGP session node-b ↔ node-c never established: TCP 179 dropped (+1 more cause) — 4 nodes, bundles of 2025-03-01');
  assert.match(text, '1 root cause (1 critical, 1 warning)'.replace('1 root cause', '2 root causes'));
  assert.match(text, '2 symptoms, 1 note');
  assert.match(text, '### 1. [critical] BGP session node-b ↔ node-c never established: TCP 179 dropped');
  assert.match(text, 'Nodes: node-b, node-c · rule `bgp-port179-blocked`');
  assert.match(text, 'node-c diagnostics/logs/bird/current:12  2025-03-01_10:14:02.11873 bird: Mesh_10_0_0_12: State changed to start');
  assert.match(text, /Fix:\n1\. Allow TCP 179 in both directions/);
  assert.match(text, 'Explains 2 symptoms: node-b has no route to block 192.168.30.128/26 of node-c; node-c has no route to block 192.168.20.64/26 of node-b.');
  assert.match(text, '### 2. [warning] tunl0 MTU differs');
  assert.match(text, '### Notes (info)\n- node-d: ipv4_route not collected (node-d)');
  assert.ok(text.indexOf('### 1.') < text.indexOf('### 2.') && text.indexOf('### 2.') < text.indexOf('### Notes'));
  assert.ok(text.endsWith('\n'));
  assert.is(ticketSummary(sampleReport()), text, 'deterministic');
});

test('ticket summary: hostile text cannot close the fence, move the cursor or reorder the line', () => {
  const r = sampleReport();
  r.findings[0]!.evidence[0]!.text = 'x ``` \u001b[2J evil\u202Egnp.exe';
  const text = ticketSummary(r);
  assert.not.ok(text.includes('\u001b'));
  assert.not.ok(text.includes('\u202E'));
  assert.match(text, 'evil<U+202E>gnp.exe');
  assert.match(text, /\n````text\n/);
});

test('ticket summary keeps the line breaks of a step (a manifest stays readable)', () => {
  const r = sampleReport();
  r.findings[0]!.remediation = ['Apply this:\napiVersion: projectcalico.org/v3\nspec:\n  order: 9'];
  assert.match(ticketSummary(r), 'Fix:\n1. Apply this:\n   apiVersion: projectcalico.org/v3\n   spec:\n     order: 9\n');
});

test('ticket summary with no finding says what was checked, never "healthy"', () => {
  const r = sampleReport();
  r.findings = [];
  const text = ticketSummary(r);
  assert.match(text, '## Calico diagnostics: No root cause found — 4 nodes');
  assert.match(text, '0 root causes, 0 symptoms');
  assert.match(text, 'This is not a clean bill of health');
  assert.match(text, '- `calicoctl node status` on node-a');
});

test('distinct steps: repeats and contained steps dropped, longer wording kept', () => {
  assert.equal(
    distinctSteps([
      'Allow TCP 179 between the nodes.',
      'allow tcp 179   between the nodes',
      'Re-run calicoctl node diags on node-d as root.',
      'Re-run calicoctl node diags on node-d as root, then analyze again.',
      '',
    ]),
    ['Allow TCP 179 between the nodes.', 'Re-run calicoctl node diags on node-d as root, then analyze again.'],
  );
});

test('plainText makes bidi controls visible and cuts long lines', () => {
  assert.is(plainText('a\u2066b\u200fc'), 'a<U+2066>b<U+200F>c');
  assert.is(plainText('x'.repeat(10), 5), 'xxxx…');
});

test.run();
