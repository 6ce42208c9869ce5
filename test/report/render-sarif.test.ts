import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSarif, evidenceUri } from '../../src/report/render-sarif.js';
import { RULES } from '../../src/rules/index.js';
import type { RuleMeta } from '../../src/model/finding.js';
import { sampleReport } from './sample-report.js';
import { assertValidSarif, validateSarif as validate } from '../helpers/output-schemas.js';

const assertValid = assertValidSarif;

/** Metas for the sample report's rules (a few of them are real rules, the rest are made up here). */
function metas(): RuleMeta[] {
  const real = new Map(RULES.map((r) => [r.meta.id, r.meta]));
  return sampleReport().rules.map(
    (r) =>
      real.get(r.id) ?? {
        id: r.id,
        severity: r.severity,
        summary: r.summary,
        rationale: `Why ${r.id} matters: a long enough rationale for the test of the SARIF rule descriptor.`,
        remediation: [`First step for ${r.id}.`, `Second step for ${r.id}.`],
      },
  );
}

test('the schema validator works: it rejects a log without version and a result with a bad level', () => {
  assert.not.ok(validate({ runs: [] }));
  const bad = JSON.parse(renderSarif(sampleReport(), metas()));
  bad.runs[0].results[0].level = 'critical';
  assert.not.ok(validate(bad));
});

test('valid SARIF 2.1.0 for the sample report, for a report without findings, and for every real rule', () => {
  assertValid(renderSarif(sampleReport(), metas()));
  const empty = sampleReport();
  empty.findings = [];
  assertValid(renderSarif(empty, metas()));
  const all = sampleReport();
  all.rules = RULES.map((r) => ({ id: r.meta.id, status: 'passed', reason: 'ok', severity: r.meta.severity, summary: r.meta.summary }));
  const log = JSON.parse(renderSarif(all, RULES.map((r) => r.meta)));
  assertValid(JSON.stringify(log));
  // every catalogue rule, plus the sample's made-up rule that a finding names (never dropped)
  assert.equal(log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id), [...RULES.map((r) => r.meta.id), 'artifact-not-collected']);
});

test('driver rules from the metas: id, descriptions, help with remediation, default level', () => {
  const m = metas();
  const log = JSON.parse(renderSarif(sampleReport(), m));
  assert.is(log.version, '2.1.0');
  const rules = log.runs[0].tool.driver.rules;
  assert.equal(rules.map((r: { id: string }) => r.id), sampleReport().rules.map((r) => r.id));
  const port = rules.find((r: { id: string }) => r.id === 'bgp-port179-blocked');
  const meta = m.find((x) => x.id === 'bgp-port179-blocked')!;
  assert.is(port.shortDescription.text, meta.summary);
  assert.is(port.fullDescription.text, meta.rationale);
  assert.is(port.help.text, meta.remediation.map((s, i) => `${i + 1}. ${s}`).join('\n'));
  assert.is(port.defaultConfiguration.level, 'error');
  assert.is(rules.find((r: { id: string }) => r.id === 'nat-outgoing-disabled').defaultConfiguration.level, { critical: 'error', warning: 'warning', info: 'note' }[m.find((x) => x.id === 'nat-outgoing-disabled')!.severity]);
  assert.is(rules.find((r: { id: string }) => r.id === 'artifact-not-collected').defaultConfiguration.level, 'note');
});

test('each finding a result: rule, level, message, first evidence as location, the rest related', () => {
  const report = sampleReport();
  const log = JSON.parse(renderSarif(report, metas()));
  const results = log.runs[0].results;
  assert.is(results.length, report.findings.length);
  const rules = log.runs[0].tool.driver.rules;
  for (const [i, r] of results.entries()) {
    const f = report.findings[i]!;
    assert.is(r.ruleId, f.rule);
    assert.is(rules[r.ruleIndex].id, f.rule);
    assert.is(r.level, { critical: 'error', warning: 'warning', info: 'note' }[f.severity]);
    assert.ok(r.message.text.startsWith(f.title));
    assert.is(r.partialFingerprints['calicoDiagsFindingId/v1'], f.id);
    assert.equal(r.properties.nodes, f.nodes);
  }
  const port = results[0];
  const first = report.findings[0]!.evidence[0]!;
  assert.is(port.locations.length, 1);
  assert.is(port.locations[0].physicalLocation.artifactLocation.uri, `${first.input}!/${first.file}`);
  assert.is(port.locations[0].physicalLocation.region.startLine, first.line);
  assert.is(port.locations[0].physicalLocation.region.snippet.text, first.text);
  assert.is(port.relatedLocations.length, report.findings[0]!.evidence.length - 1);
  assert.equal(port.relatedLocations.map((l: { id: number }) => l.id), port.relatedLocations.map((_: unknown, i: number) => i + 1));
  // line 0 (the file as a whole): a location without region
  const absent = results.find((r: { ruleId: string }) => r.ruleId === 'artifact-not-collected');
  assert.is(absent.locations[0].physicalLocation.region, undefined);
  assert.is(absent.locations[0].physicalLocation.artifactLocation.uri, 'bundles/cluster-diags-20250301_101500.tar.gz!/diagnostics/ipv4_route');
});

test('skipped and failed rules and input problems are notifications; same report, same bytes', () => {
  const text = renderSarif(sampleReport(), metas());
  assert.is(renderSarif(sampleReport(), metas()), text);
  const inv = JSON.parse(text).runs[0].invocations[0];
  assert.is(inv.executionSuccessful, false, 'a rule threw');
  const skipped = inv.toolExecutionNotifications.find((n: { associatedRule?: { id: string } }) => n.associatedRule?.id === 'nat-outgoing-disabled');
  assert.is(skipped.level, 'note');
  assert.match(skipped.message.text, 'IPPool resources not collected');
  const failed = inv.toolExecutionNotifications.find((n: { associatedRule?: { id: string } }) => n.associatedRule?.id === 'ipip-tunl0-missing-or-down');
  assert.is(failed.level, 'error');
  assert.ok(inv.toolExecutionNotifications.some((n: { message: { text: string } }) => n.message.text.includes('gzip: unexpected end of file')));
});

test('evidence URIs: archive members with !/, folders with /, odd characters percent-encoded, still schema-valid', () => {
  const e = { node: 'n', line: 3, text: 't' };
  assert.is(evidenceUri({ ...e, input: 'a/diags.tar.gz', file: 'diagnostics/netstat' }), 'a/diags.tar.gz!/diagnostics/netstat');
  assert.is(evidenceUri({ ...e, input: 'bundle-dir', file: 'diagnostics/netstat' }), 'bundle-dir/diagnostics/netstat');
  assert.is(evidenceUri({ ...e, input: 'C:\\x y\\d.tgz', file: 'f#1' }), 'C%3A/x%20y/d.tgz!/f%231');
  assert.is(evidenceUri({ ...e, input: 'paste.txt', file: 'paste.txt' }), 'paste.txt');
  assert.is(evidenceUri({ ...e, input: '', file: '' }), undefined);
  const report = sampleReport();
  report.findings[0]!.evidence[0] = { node: 'node-b', input: '/tmp/my bundles/<x>"?.tar.gz', file: 'diagnostics/a b#c', line: 2, text: '<script>' };
  report.findings[1]!.evidence = [{ node: '', input: '', file: '', line: 0, text: 'derived, no file' }];
  const text = renderSarif(report, metas());
  assertValid(text);
  const r = JSON.parse(text).runs[0].results;
  assert.is(r[0].locations[0].physicalLocation.artifactLocation.uri, '/tmp/my%20bundles/%3Cx%3E%22%3F.tar.gz!/diagnostics/a%20b%23c');
  assert.is(r[1].locations, undefined);
  assert.is(r[1].relatedLocations[0].message.text, 'derived, no file');
});

test.run();
