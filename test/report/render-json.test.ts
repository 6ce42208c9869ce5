import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderJson } from '../../src/report/render-json.js';
import type { Report } from '../../src/report/report-types.js';
import { sampleReport } from './sample-report.js';
import { renderText } from '../../src/report/render-text.js';
import { ticketSummary } from '../../src/report/ticket-summary.js';
import { redactReport } from '../../src/report/redact.js';

/** The same data, every object rebuilt with its keys in reverse insertion order. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) out[key] = reversedKeys((value as Record<string, unknown>)[key]);
  return out as T;
}

test('top-level keys in the fixed order, generatedAt absent unless set', () => {
  const parsed = JSON.parse(renderJson(sampleReport())) as Record<string, unknown>;
  assert.equal(Object.keys(parsed), [
    'schemaVersion', 'tool', 'summary', 'inputs', 'nodes', 'findings', 'rules', 'blocks', 'routeMatrix', 'bgp', 'timeline', 'problems', 'collectNext',
  ]);
  const withTime = JSON.parse(renderJson({ ...sampleReport(), generatedAt: '2025-03-01T10:20:00Z' })) as Record<string, unknown>;
  assert.equal(Object.keys(withTime).slice(0, 4), ['schemaVersion', 'tool', 'generatedAt', 'summary']);
});

test('same report gives the same bytes, whatever the key insertion order', () => {
  const a = renderJson(sampleReport());
  const b = renderJson(sampleReport());
  const c = renderJson(reversedKeys(sampleReport()));
  assert.is(a, b);
  assert.is(c, a);
});

test('two-space indent, trailing newline, round-trips to the same data', () => {
  const report = sampleReport();
  const text = renderJson(report);
  assert.ok(text.endsWith('}\n'));
  assert.ok(!text.endsWith('\n\n'));
  assert.ok(text.startsWith('{\n  "schemaVersion": 1,\n  "tool": {\n    "name": "calico-diags",'));
  assert.equal(JSON.parse(text), JSON.parse(JSON.stringify(report)));
});

test('nested keys: identity first, evidence fields in reading order', () => {
  const parsed = JSON.parse(renderJson(reversedKeys(sampleReport()))) as Report;
  const f = parsed.findings[0]!;
  assert.equal(Object.keys(f), ['id', 'rule', 'severity', 'title', 'message', 'nodes', 'evidence', 'evidenceDropped', 'remediation', 'explains']);
  assert.equal(Object.keys(f.evidence[0]!), ['node', 'input', 'file', 'line', 'text']);
  assert.equal(Object.keys(parsed.summary.findings), ['critical', 'warning', 'info']);
  assert.equal(Object.keys(parsed.summary), ['inputs', 'unreadableInputs', 'nodes', 'findings']);
  // arrays keep their order: the builder sorted them
  assert.equal(parsed.nodes.map((n) => n.name), ['node-a', 'node-b', 'node-c', 'node-d']);
});

test('unknown extra top-level keys are kept, after the known ones, sorted', () => {
  const extended = { ...sampleReport(), zeta: 1, alpha: 2 } as unknown as Report;
  const keys = Object.keys(JSON.parse(renderJson(extended)) as object);
  assert.equal(keys.slice(-3), ['collectNext', 'alpha', 'zeta']);
});

test('hostile strings stay data: escaped by JSON, no raw control characters', () => {
  const report = sampleReport();
  report.findings[0]!.evidence[0]!.text = 'a"b\\c\u001b[31mred\n</script>';
  const text = renderJson(report);
  assert.not.match(text, /\u001b/);
  const parsed = JSON.parse(text) as Report;
  assert.is(parsed.findings[0]!.evidence[0]!.text, 'a"b\\c\u001b[31mred\n</script>');
});

test('evidence context: in the JSON after the line it belongs to (before, then after); not in the terminal or ticket summary', () => {
  const r = sampleReport();
  const e = r.findings[0]!.evidence[0]!;
  e.context = { after: [{ text: 'NEXT-LINE', line: e.line + 1 }], before: [{ text: 'PREV-LINE', line: e.line - 1 }] };
  const json = renderJson(reversedKeys(r));
  const parsed = JSON.parse(json) as Report;
  assert.equal(parsed.findings[0]!.evidence[0]!.context, { before: [{ line: e.line - 1, text: 'PREV-LINE' }], after: [{ line: e.line + 1, text: 'NEXT-LINE' }] });
  const at = json.indexOf('"context"');
  assert.ok(json.lastIndexOf('"text"', at) > json.lastIndexOf('"line"', at), 'context follows line and text');
  assert.ok(json.indexOf('"before"', at) < json.indexOf('"after"', at));
  for (const out of [renderText(r, { colour: false }), ticketSummary(r)]) {
    assert.not.ok(out.includes('PREV-LINE') || out.includes('NEXT-LINE'));
  }
});

test('evidence context is redacted like the evidence line (names and addresses)', () => {
  const r = sampleReport();
  const e = r.findings[0]!.evidence[0]!;
  e.context = { before: [{ line: 1, text: 'peer node-b at 10.0.0.12 password=hunter2' }], after: [] };
  const out = JSON.stringify(redactReport(r, { key: 'k' }).report.findings[0]!.evidence[0]!.context);
  assert.ok(out !== undefined && out.includes('peer '), out);
  for (const s of ['node-b', '10.0.0.12', 'hunter2']) assert.not.ok(out.includes(s), `${s} redacted: ${out}`);
});

test.run();
