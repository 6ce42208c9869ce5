import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderJunit, CLUSTER_SUITE } from '../../src/report/render-junit.js';
import type { Report } from '../../src/report/report-types.js';
import { sampleReport } from './sample-report.js';

interface Case {
  '@_name': string;
  '@_classname': string;
  failure?: { '@_message': string; '@_type': string; '#text'?: string };
  error?: { '@_message': string };
  skipped?: { '@_message': string } | '';
  'system-out'?: string;
}
interface Suite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  '@_skipped': string;
  testcase: Case[];
}

const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase', parseTagValue: false, parseAttributeValue: false });

/**
 * The common JUnit XML structure (the one Jenkins, GitLab and GitHub reporters read): <testsuites>
 * with tests/failures/errors/skipped, <testsuite> with name and the same counts, matching its
 * <testcase>s; each <testcase> has name and classname and at most one of failure, error, skipped.
 */
function parseJunit(xml: string): Suite[] {
  const wellFormed = XMLValidator.validate(xml);
  assert.ok(wellFormed === true, JSON.stringify(wellFormed));
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const doc = parser.parse(xml);
  const root = doc.testsuites;
  assert.ok(root, 'root element is <testsuites>');
  const suites: Suite[] = root.testsuite ?? [];
  const sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of suites) {
    assert.type(s['@_name'], 'string');
    const cases = s.testcase ?? [];
    for (const c of cases) {
      assert.type(c['@_name'], 'string');
      assert.type(c['@_classname'], 'string');
      const outcomes = ['failure', 'error', 'skipped'].filter((k) => k in c);
      assert.ok(outcomes.length <= 1, `${c['@_name']}: ${outcomes.join(', ')}`);
    }
    const counts = {
      tests: cases.length,
      failures: cases.filter((c) => 'failure' in c).length,
      errors: cases.filter((c) => 'error' in c).length,
      skipped: cases.filter((c) => 'skipped' in c).length,
    };
    assert.equal(
      { tests: Number(s['@_tests']), failures: Number(s['@_failures']), errors: Number(s['@_errors']), skipped: Number(s['@_skipped']) },
      counts,
      `counts of suite ${s['@_name']}`,
    );
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += counts[k];
  }
  assert.equal(
    { tests: Number(root['@_tests']), failures: Number(root['@_failures']), errors: Number(root['@_errors']), skipped: Number(root['@_skipped']) },
    sum,
    'counts of testsuites',
  );
  return suites;
}

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
  report.findings[0]!.evidence[0]!.text = '</failure></testcase><testcase name="x">';
  report.nodes[1]!.name = 'node-b"><x y="';
  report.findings[0]!.nodes = ['node-b"><x y="', 'node-c'];
  const xml = renderJunit(report);
  assert.is(renderJunit(report), xml);
  const suites = parseJunit(xml);
  const f = caseOf(suites, 'node-b"><x y="', 'bgp-port179-blocked').failure!;
  assert.is(f['@_message'], 'a <b> & "c" \'d\' \\x00\\x1b[31m\\xd800 ]]> --> <!--');
  assert.match(f['#text']!, '</failure></testcase><testcase name="x">');
  assert.not.match(xml, '\u001b');
});

test.run();
