/**
 * Checks of a finding's own fix steps in rule tests: every step is filled (no `<placeholder>`, no
 * `=...`) and no two steps give the same command, so a branch that falls back to a placeholder or
 * repeats a command fails the rule's own test, not only the scenario sweep.
 */
import * as assert from 'uvu/assert';
import type { FindingDraft } from '../../src/rules/rule.js';

/** The finding's fix steps, asserted filled and distinct; returned joined for further matching. */
export function filledFix(f: FindingDraft | undefined): string {
  assert.ok(f !== undefined, 'a finding');
  const steps = f.fix ?? [];
  assert.ok(steps.length > 0, `finding ${f.key} has its own fix steps`);
  const seen = new Map<string, number>();
  steps.forEach((s, i) => {
    assert.not.match(s, /<[A-Za-z][^<>`\n]{0,40}>/, `step ${i + 1} of ${f.key} has no placeholder: ${s}`);
    assert.not.match(s, /=\.\.\.|\.\.\.[`'"]/, `step ${i + 1} of ${f.key} elides no value: ${s}`);
    for (const m of s.matchAll(/`([^`]{12,})`/g)) {
      const before = seen.get(m[1]!);
      assert.ok(before === undefined || before === i, `steps ${(before ?? 0) + 1} and ${i + 1} of ${f.key} both give \`${m[1]}\``);
      seen.set(m[1]!, i);
    }
  });
  return steps.join('\n');
}
