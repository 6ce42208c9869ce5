/**
 * "What to collect next" is filled for every skipped rule: a rule that could not decide names the
 * command that would decide it (its own `collect`, or its meta's).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../helpers/healthy-cluster.js';
import { RULES } from '../../src/rules/index.js';
import { runRules } from '../../src/rules/run-rules.js';
import type { RuleContext } from '../../src/rules/rule.js';

function assertEverySkipAsks(ctx: RuleContext, minSkipped: number) {
  const run = runRules(RULES, ctx);
  const skipped = run.outcomes.filter((o) => o.status === 'skipped').map((o) => o.id);
  assert.ok(skipped.length >= minSkipped, `skipped: ${skipped.join(', ')}`);
  for (const id of skipped) {
    const asks = run.collectNext.filter((c) => c.rules.includes(id));
    assert.ok(asks.length > 0, `skipped rule ${id} adds a command to collectNext`);
    for (const c of asks) assert.ok(c.command.length > 3 && c.why.length > 10, `${id}: ${c.command}`);
  }
  assert.ok(run.outcomes.every((o) => o.status !== 'error'), JSON.stringify(run.outcomes.filter((o) => o.status === 'error')));
  return run;
}

test('resources only, no bundle: most rules are skipped and every skipped one asks for something', () => {
  // Rules that read only the resources (pool overlap, pool NAT, encapsulation config) can still decide.
  const run = assertEverySkipAsks(contextFrom({}, POOL_YAML), Math.ceil(RULES.length * 0.6));
  assert.ok(run.collectNext.some((c) => c.command === 'calicoctl node diags'));
});

test('bundles without attachments: the attachment rules are skipped and ask per node', () => {
  const run = assertEverySkipAsks(contextFrom(healthyCluster(), POOL_YAML), 3);
  const sysctl = run.collectNext.find((c) => c.command.startsWith('sysctl net.ipv4.ip_forward'));
  assert.ok(sysctl !== undefined && sysctl.rules.includes('ip-forwarding-disabled') && sysctl.rules.includes('conntrack-table-full'));
  assert.equal(sysctl!.nodes, ['node-a', 'node-b', 'node-c']);
});

test('every rule declares what to collect when it must skip', () => {
  for (const r of RULES) assert.ok((r.meta.collect ?? []).length > 0, `${r.meta.id} has meta.collect`);
});



test('a pass that could not see some nodes carries them in its outcome (as hosts), and only then', () => {
  const ctx = contextFrom(healthyCluster(), POOL_YAML);
  const meta = { ...RULES[0]!.meta, id: 'fake-partial' };
  const partial = { meta, check: () => ({ status: 'passed' as const, reason: 'fine where seen', unchecked: ['node-b', 'node-b'] }) };
  const whole = { meta: { ...meta, id: 'fake-whole' }, check: () => ({ status: 'passed' as const, reason: 'fine', unchecked: [] }) };
  const run = runRules([partial, whole], ctx);
  assert.equal(run.outcomes, [
    { id: 'fake-partial', status: 'passed', reason: 'fine where seen', unchecked: ['node-b'] },
    { id: 'fake-whole', status: 'passed', reason: 'fine' },
  ]);
});
test.run();
