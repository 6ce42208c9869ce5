/**
 * The report as JUnit XML, for CI dashboards: one `<testsuite>` per node, one `<testcase>` per rule
 * on that node (classname = node, name = rule id). A rule that found nothing on the node passes; a
 * finding at or above `failOn` (critical by default) on the node is a `<failure>` with the finding's
 * message, evidence and fix; a finding below it passes with the finding in `<system-out>`; a skipped
 * rule is `<skipped message="reason"/>`, a rule that threw is `<error>`. Findings that name no node go
 * to a `(cluster)` suite. Built from the Report only; same report, same bytes.
 *
 * ```xml
 * <testsuites name="calico-diags" tests="147" failures="5" errors="0" skipped="9" time="0">
 *   <testsuite name="node-a" tests="49" failures="3" errors="0" skipped="3" time="0">
 *     <testcase classname="node-a" name="bgp-port179-blocked" time="0">
 *       <failure message="TCP 179 to node-a is dropped: …" type="critical">…</failure>
 *     </testcase>
 * ```
 */
import type { Finding, Severity } from '../model/finding.js';
import { SEVERITY_RANK } from '../model/finding.js';
import type { Report, ReportRule } from './report-types.js';
import { evidenceLine } from './render-text.js';

export interface RenderJunitOptions {
  /** Findings at or above this severity fail their test case (default: critical). */
  failOn?: Severity;
}

/** The suite of findings that name no node (and of every rule when there is no node at all). */
export const CLUSTER_SUITE = '(cluster)';

/**
 * Characters XML 1.0 cannot hold (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF) shown as
 * `\xNN`; bidirectional overrides and isolates shown as `<U+202E>` so a CI page cannot be made to
 * show reordered text.
 */
function xmlSafe(text: string): string {
  return text
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, (ch) => `\\x${ch.codePointAt(0)!.toString(16).padStart(2, '0')}`)
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}

function escText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escAttr(text: string): string {
  return escText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(pairs: Record<string, string | number | undefined>): string {
  return Object.entries(pairs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escAttr(String(v))}"`)
    .join('');
}

/** One finding as the text of a `<failure>` or `<system-out>`: verdict, message, evidence, fix. */
function findingText(f: Finding): string {
  const lines = [`[${f.severity}] ${f.title}`, f.message];
  if (f.evidence.length > 0) {
    lines.push('', 'Evidence:', ...f.evidence.map((e) => `  ${evidenceLine(e)}`));
    if ((f.evidenceDropped ?? 0) > 0) lines.push(`  … and ${f.evidenceDropped} more`);
  }
  if (f.remediation.length > 0) lines.push('', 'Fix:', ...f.remediation.map((s, i) => `  ${i + 1}. ${s}`));
  return lines.join('\n');
}

interface Case {
  xml: string;
  failed: boolean;
  errored: boolean;
  skipped: boolean;
}

function testCase(suite: string, rule: ReportRule, findings: Finding[], min: number): Case {
  const open = `    <testcase${attrs({ classname: suite, name: rule.id, time: 0 })}`;
  if (rule.status === 'error') {
    return { xml: `${open}>\n      <error${attrs({ message: rule.reason, type: 'rule-error' })}/>\n    </testcase>`, failed: false, errored: true, skipped: false };
  }
  if (rule.status === 'skipped' && findings.length === 0) {
    return { xml: `${open}>\n      <skipped${attrs({ message: rule.reason })}/>\n    </testcase>`, failed: false, errored: false, skipped: true };
  }
  const failing = findings.filter((f) => (SEVERITY_RANK[f.severity] ?? 0) >= min);
  const passing = findings.filter((f) => (SEVERITY_RANK[f.severity] ?? 0) < min);
  const body: string[] = [];
  if (failing.length > 0) {
    const first = failing[0]!;
    const message = failing.length === 1 ? first.title : `${first.title} (and ${failing.length - 1} more)`;
    body.push(`      <failure${attrs({ message, type: first.severity })}>${escText(failing.map(findingText).join('\n\n'))}</failure>`);
  }
  if (passing.length > 0) body.push(`      <system-out>${escText(passing.map(findingText).join('\n\n'))}</system-out>`);
  const xml = body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`;
  return { xml, failed: failing.length > 0, errored: false, skipped: false };
}

export function renderJunit(report: Report, opts: RenderJunitOptions = {}): string {
  const min = SEVERITY_RANK[opts.failOn ?? 'critical'];
  // Rules in catalogue order, plus any rule a finding names that the catalogue does not (never drop a failure).
  const rules: ReportRule[] = [...report.rules];
  for (const f of report.findings) {
    if (!rules.some((r) => r.id === f.rule)) rules.push({ id: f.rule, status: 'found', reason: '', severity: f.severity, summary: f.title });
  }
  const suites = report.nodes.map((n) => n.name);
  for (const f of report.findings) for (const n of f.nodes) if (!suites.includes(n)) suites.push(n);
  const clusterFindings = report.findings.filter((f) => f.nodes.length === 0);
  if (suites.length === 0 || clusterFindings.length > 0) suites.push(CLUSTER_SUITE);

  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const suiteXml: string[] = [];
  for (const suite of suites) {
    const isCluster = suite === CLUSTER_SUITE;
    const cases = rules.map((rule) =>
      testCase(
        suite,
        rule,
        report.findings.filter((f) => f.rule === rule.id && (isCluster ? f.nodes.length === 0 : f.nodes.includes(suite))),
        min,
      ),
    );
    const counts = {
      tests: cases.length,
      failures: cases.filter((x) => x.failed).length,
      errors: cases.filter((x) => x.errored).length,
      skipped: cases.filter((x) => x.skipped).length,
    };
    total.tests += counts.tests;
    total.failures += counts.failures;
    total.errors += counts.errors;
    total.skipped += counts.skipped;
    suiteXml.push(
      `  <testsuite${attrs({ name: suite, ...counts, time: 0, timestamp: report.generatedAt?.replace(/\.\d+Z$|Z$/, '') })}>\n${cases.map((x) => x.xml).join('\n')}\n  </testsuite>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites${attrs({ name: report.tool.name, ...total, time: 0 })}>\n${suiteXml.join('\n')}\n</testsuites>\n`
  );
}
