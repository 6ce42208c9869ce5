import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderText } from '../../src/report/render-text.js';
import { sampleReport } from './sample-report.js';

const ESC = '\u001b';

test('plain text: counts of causes and symptoms, each cause with first evidence, first fix step and its symptoms in one line', () => {
  const text = renderText(sampleReport(), { colour: false });
  assert.not.ok(text.includes(ESC));
  const lines = text.split('\n');
  // 3 critical findings are 1 cause and 2 symptoms: the counts say so
  assert.is(lines[0], 'calico-diags: 4 nodes, 3 inputs (1 unreadable): 2 root causes (1 critical, 1 warning), 2 symptoms, 1 note');
  assert.is(lines[1], '');
  assert.is(lines[2], 'CRITICAL  BGP session node-b ↔ node-c never established: TCP 179 dropped  [bgp-port179-blocked]');
  assert.is(lines[3], '          nodes: node-b, node-c');
  assert.is(lines[4], '          node-c diagnostics/logs/bird/current:12: 2025-03-01_10:14:02.11873 bird: Mesh_10_0_0_12: State changed to start');
  assert.is(lines[5], '          … and 40 more evidence lines');
  assert.is(lines[6], '          fix: Allow TCP 179 in both directions between all BGP peers (host firewall, security groups, NACLs).');
  assert.is(lines[7], '          symptoms (2): block-route-missing (node-b, node-c)');
  assert.is(lines[8], '');
  assert.ok(text.includes('\n          fix: Re-run calicoctl node diags on node-d as root.\n'));
  // symptoms are folded: not listed as their own entries
  assert.not.ok(text.includes('no route to block'));
  assert.ok(text.includes('\nWARNING   tunl0 MTU differs'));
  assert.ok(text.includes('\nINFO      node-d: ipv4_route not collected  [artifact-not-collected]\n'));
  assert.ok(text.includes('          node-d diagnostics/ipv4_route: absent\n'), 'line 0: no :line suffix');
  assert.ok(text.indexOf('CRITICAL') < text.indexOf('WARNING') && text.indexOf('WARNING') < text.indexOf('INFO'));
  assert.ok(text.includes('rules: 4 found, 1 passed, 1 skipped, 1 error\n'));
  assert.ok(text.endsWith('Unreadable inputs:\n  bundles/diags-node-e-20250301_101733.tar.gz: gzip: unexpected end of file after 1048576 bytes\n'));
});

test('colour: ANSI escapes present, same words once stripped', () => {
  const plain = renderText(sampleReport(), { colour: false });
  const coloured = renderText(sampleReport(), { colour: true });
  assert.ok(coloured.includes(`${ESC}[31m`), 'red for critical');
  assert.ok(coloured.includes(`${ESC}[33m`), 'yellow for warning');
  assert.is(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain);
});

test('hostile bundle text cannot drive the terminal', () => {
  const report = sampleReport();
  report.findings[0]!.evidence[0]!.text = `bird: ${ESC}]0;pwned\u0007${ESC}[2J\rcleared`;
  report.findings[0]!.title = `title${ESC}[31m`;
  report.inputs[2]!.problems = [`bad\n${ESC}[1Afake line`];
  const text = renderText(report, { colour: false });
  assert.not.ok(text.includes(ESC));
  assert.not.ok(text.includes('\r'));
  assert.not.ok(text.includes('\u0007'));
  assert.ok(text.includes('bird: \\x1b]0;pwned\\x07\\x1b[2J\\x0dcleared'));
  assert.ok(text.includes('bad\\x0a\\x1b[1Afake line'));
});

test('bidi overrides in bundle text are shown, not obeyed', () => {
  const report = sampleReport();
  report.findings[0]!.title = 'node-\u202eevil\u202c and \u2066x\u2069';
  const text = renderText(report, { colour: false });
  assert.ok(text.includes('node-<U+202E>evil<U+202C> and <U+2066>x<U+2069>'), text);
  assert.not.ok(/[\u202a-\u202e\u2066-\u2069]/.test(text));
});

test('long evidence is cut, singular wording, no unreadable section when all inputs read', () => {
  const report = sampleReport();
  report.findings[0]!.evidence[0]!.text = 'x'.repeat(500);
  report.findings[0]!.evidenceDropped = 0;
  report.findings[0]!.evidence = report.findings[0]!.evidence.slice(0, 2);
  report.findings[0]!.explains = ['block-route-missing:node-b->node-c'];
  report.inputs = report.inputs.slice(0, 2);
  report.summary = { inputs: 2, unreadableInputs: 0, nodes: 1, findings: { critical: 1, warning: 2, info: 0 } };
  const text = renderText(report, { colour: false });
  assert.ok(text.startsWith('calico-diags: 1 node, 2 inputs: 3 root causes (2 critical, 1 warning), 1 symptom, 1 note\n'), text);
  assert.ok(text.includes(`${'x'.repeat(199)}…\n`));
  assert.not.ok(text.includes('x'.repeat(200)));
  assert.ok(text.includes('… and 1 more evidence line\n'));
  assert.ok(text.includes('symptoms (1): block-route-missing (node-b, node-c)\n'));
  // the unexplained symptom is now a root cause of its own
  assert.ok(text.includes('node-c has no route to block 192.168.20.64/26 of node-b'));
  assert.not.ok(text.includes('Unreadable inputs'));
});

test('evidence without node or file, problems that repeat the input path', () => {
  const report = sampleReport();
  report.findings[0]!.evidence[0] = { node: '', input: 'x.tar.gz', file: '', line: 0, text: 'x.tar.gz: cannot read: no such file' };
  report.inputs[2]!.problems = [`${report.inputs[2]!.path}: cannot read: no such file`];
  const text = renderText(report, { colour: false });
  assert.ok(text.includes('\n          x.tar.gz: cannot read: no such file\n'));
  assert.ok(text.endsWith(`  ${report.inputs[2]!.path}: cannot read: no such file\n`));
});

test('no findings', () => {
  const report = sampleReport();
  report.findings = [];
  const text = renderText(report, { colour: false });
  assert.ok(text.startsWith('calico-diags: 4 nodes, 3 inputs (1 unreadable): no finding\n\n'), text);
  // Never reads as healthy: what was checked, what could not be, and where to look next.
  assert.ok(text.includes('\nNo root cause found. 1 of 7 rules checked the data and passed; 1 could not decide from what was given (nat-outgoing-disabled); 1 failed (ipip-tunl0-missing-or-down). This is not a clean bill of health: collect what is listed under "What to collect next" and analyze again.\n'), text);
  assert.ok(text.includes('What to collect next:\n  calicoctl node status'));
});

test('notes only (info): no root cause, and the coverage says which passes could not see every node', () => {
  const report = sampleReport();
  report.findings = report.findings.filter((f) => f.severity === 'info').slice(0, 1);
  if (report.findings.length === 0) report.findings = [{ ...sampleReport().findings[0]!, severity: 'info', explains: [] }];
  const passed = report.rules.find((r) => r.status === 'passed')!;
  passed.unchecked = ['node-b'];
  const text = renderText(report, { colour: false });
  assert.match(text, ': no root cause, 1 note\n');
  assert.match(text, `\nNo root cause found. 1 of 7 rules checked the data and passed (1 of them without some nodes' logs or attachments: ${passed.id} not on node-b);`);
  assert.match(text, 'This is not a clean bill of health');
});

test('symptoms of several rules and depths in one line, grouped by rule; no fix line without remediation; hostile fix text', () => {
  const report = sampleReport();
  const [cause, s1, s2, mtu] = report.findings;
  s1!.explains = [mtu!.id]; // a symptom of a symptom
  mtu!.severity = 'critical';
  cause!.remediation = [`step \u001b[2J one`, 'step two'];
  report.findings[4]!.remediation = [];
  const text = renderText(report, { colour: false });
  assert.ok(text.includes('\n          fix: step \\x1b[2J one\n'), text);
  assert.not.ok(text.includes('step two'), 'only the first fix step');
  assert.ok(text.includes('\n          symptoms (3): block-route-missing (node-b, node-c); mtu-mismatch (node-d)\n'), text);
  assert.not.ok(text.includes('Re-run'));
  assert.ok(text.startsWith('calico-diags: 4 nodes, 3 inputs (1 unreadable): 1 root cause (1 critical), 3 symptoms, 1 note\n'), text);
  void s2;
});

test.run();
