import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderJunit, CLUSTER_SUITE } from '../../src/report/render-junit.js';
import type { Report } from '../../src/report/report-types.js';
import { sampleReport } from './sample-report.js';
import { parseJunit } from '../helpers/output-schemas.js';
import type { JunitCase as Case, JunitSuite as Suite } from '../helpers/output-schemas.js';

const caseOf = (suites: Suite[], node: string, rule: string): Case => {
  const c = suites.find((s) => s['@_name'] === node)?.testcase.find((t) => t['@_name'] === rule);
  assert.ok(c, `${node}/${rule}`);
  return c!;
};

test('one suite per node, one test case per rule and node, with consistent counts', () => {
  const report = sampleReport();
  const suites = parseJunit(renderJunit(report));
  assert.equal(suites.map((s) => s['@_name']), report.nodes.map((n) => n.name));
  for (const s of suites) {
    assert.equal(s.testcase.map((c) => c['@_name']), report.rules.map((r) => r.id));
    for (const c of s.testcase) assert.is(c['@_classname'], s['@_name']);
  }
});

test('critical findings fail on their nodes only; lower severities pass with the finding in system-out', () => {
  const suites = parseJunit(renderJunit(sampleReport()));
  const failure = caseOf(suites, 'node-b', 'bgp-port179-blocked').failure!;
  assert.is(failure['@_type'], 'critical');
  assert.match(failure['@_message'], 'BGP session node-b ↔ node-c never established');
  assert.match(failure['#text']!, 'node-c diagnostics/netstat:14: tcp');
  assert.match(failure['#text']!, 'Fix:\n  1. ');
  assert.ok(caseOf(suites, 'node-c', 'bgp-port179-blocked').failure);
  const a = caseOf(suites, 'node-a', 'bgp-port179-blocked');
  assert.not.ok('failure' in a, 'node-a is not in the finding: passes');
  // block-route-missing has two findings on node-b and node-c: one failure listing both
  assert.match(caseOf(suites, 'node-b', 'block-route-missing').failure!['@_message'], '(and 1 more)');
  const mtu = caseOf(suites, 'node-d', 'mtu-mismatch');
  assert.not.ok('failure' in mtu);
  assert.match(mtu['system-out']!, '[warning] tunl0 MTU differs');
  assert.is(Number(suites.find((s) => s['@_name'] === 'node-a')!['@_failures']), 0);
});

test('--fail-on warning / info turn lower findings into failures', () => {
  const warning = parseJunit(renderJunit(sampleReport(), { failOn: 'warning' }));
  assert.is(caseOf(warning, 'node-d', 'mtu-mismatch').failure!['@_type'], 'warning');
  assert.not.ok('failure' in caseOf(warning, 'node-d', 'artifact-not-collected'));
  const info = parseJunit(renderJunit(sampleReport(), { failOn: 'info' }));
  assert.ok(caseOf(info, 'node-d', 'artifact-not-collected').failure);
});

test('skipped rules are <skipped> with the reason on every node, errors are <error>', () => {
  const suites = parseJunit(renderJunit(sampleReport()));
  for (const s of suites) {
    const c = caseOf(suites, s['@_name'], 'nat-outgoing-disabled');
    assert.equal(c.skipped, { '@_message': 'IPPool resources not collected (node diags carry none)' });
    assert.match(caseOf(suites, s['@_name'], 'ipip-tunl0-missing-or-down').error!['@_message'], "TypeError: Cannot read properties of undefined (reading 'mtu')");
    assert.ok(!('failure' in caseOf(suites, s['@_name'], 'bgp-as-mismatch')) && !('skipped' in caseOf(suites, s['@_name'], 'bgp-as-mismatch')));
  }
});

test('findings without nodes, and a report without nodes, go to the (cluster) suite', () => {
  const report: Report = sampleReport();
  report.findings[3]!.nodes = [];
  const suites = parseJunit(renderJunit(report));
  assert.is(suites.at(-1)!['@_name'], CLUSTER_SUITE);
  assert.ok(caseOf(suites, CLUSTER_SUITE, 'mtu-mismatch')['system-out']);
  report.nodes = [];
  report.findings = [];
  const alone = parseJunit(renderJunit(report));
  assert.equal(alone.map((s) => s['@_name']), [CLUSTER_SUITE]);
  assert.is(alone[0]!.testcase.length, report.rules.length);
});

test('hostile text: escaped, XML-invalid characters shown as \\xNN, still well-formed; same bytes each time', () => {
  const report = sampleReport();
  report.findings[0]!.title = 'a <b> & "c" \'d\' \u0000\u001b[31m\ud800 ]]> --> <!--';
  report.findings[0]!.evidence[0]!.text = '</failure></testcase><testcase name="x"> \u202eevil';
  report.nodes[1]!.name = 'node-b"><x y="';
  report.findings[0]!.nodes = ['node-b"><x y="', 'node-c'];
  const xml = renderJunit(report);
  assert.is(renderJunit(report), xml);
  const suites = parseJunit(xml);
  const f = caseOf(suites, 'node-b"><x y="', 'bgp-port179-blocked').failure!;
  assert.is(f['@_message'], 'a <b> & "c" \'d\' \\x00\\x1b[31m\\xd800 ]]> --> <!--');
  assert.match(f['#text']!, '</failure></testcase><testcase name="x"> <U+202E>evil');
  assert.not.match(xml, '\u001b');
});

test.run();
