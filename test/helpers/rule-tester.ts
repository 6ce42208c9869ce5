/**
 * Rule tester (ESLint-style): runs one rule over a context and fails on a missing finding,
 * a wrong count, an unexpected status, or findings that do not name the expected nodes.
 */
import * as assert from 'uvu/assert';
import type { Rule, RuleContext } from '../../src/rules/rule.js';
import { RULES } from '../../src/rules/index.js';
import { runRules } from '../../src/rules/run-rules.js';
import type { Finding } from '../../src/model/finding.js';

export interface Expect {
  status: 'found' | 'passed' | 'skipped';
  count?: number;
  /** Each finding's key (id without the rule prefix), in order. */
  keys?: string[];
  /** Nodes that must appear in the findings. */
  nodes?: string[];
}

export function expectRule(rule: Rule, ctx: RuleContext, want: Expect) {
  const result = rule.check(ctx);
  assert.is(result.status, want.status, `status of ${rule.meta.id}: ${'reason' in result ? result.reason : ''}`);
  if (result.status !== 'found') {
    assert.ok(result.reason.length > 10, 'a passed/skipped rule gives a reason');
    return [];
  }
  if (want.count !== undefined) assert.is(result.findings.length, want.count, `finding count of ${rule.meta.id}`);
  if (want.keys !== undefined) assert.equal(result.findings.map((f) => f.key), want.keys);
  for (const n of want.nodes ?? []) assert.ok(result.findings.some((f) => f.nodes.includes(n)), `a finding names ${n}`);
  for (const f of result.findings) {
    assert.ok(f.evidence.length > 0, `finding ${f.key} has evidence`);
    for (const e of f.evidence) {
      assert.type(e.text, 'string');
      assert.ok(e.line >= 0);
    }
    assert.ok(f.title.length > 10 && f.message.length > 20, 'title and message say something');
  }
  return result.findings;
}

/** Full run (all rules + cause linking). */
export function runAll(ctx: RuleContext): Finding[] {
  return runRules(RULES, ctx).findings;
}
