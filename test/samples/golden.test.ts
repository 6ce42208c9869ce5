/**
 * Golden tests over the committed samples: each scenario's expected rules fire and the silent ones
 * stay silent (from its scenario file), and a readable summary of the findings matches
 * test/golden/<scenario>.txt. Update goldens with UPDATE_GOLDEN=1 npm test; a missing or stale
 * golden fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/report/report-types.js';
import { renderJunit } from '../../src/report/render-junit.js';
import { renderSarif } from '../../src/report/render-sarif.js';
import { RULES } from '../../src/rules/index.js';
import { assertValidSarif, parseJunit } from '../helpers/output-schemas.js';

const root = new URL('../../../', import.meta.url).pathname;
const scenariosDir = join(root, 'samples', 'scenarios');
const scenarioFiles = join(root, 'samples', 'lab', 'scenarios');

interface Expect {
  fire?: string[];
  silent?: string[];
  /** Symptom rules that may fire, but only folded under a root cause that fired. */
  mayFire?: string[];
}

function expectOf(id: string): Expect | undefined {
  const f = join(scenarioFiles, `${id}.yaml`);
  if (!existsSync(f)) return undefined;
  const doc = parse(readFileSync(f, 'utf8')) as { expect?: Expect };
  return doc?.expect;
}

export function goldenText(r: Report): string {
  const lines: string[] = [];
  lines.push(`nodes: ${r.nodes.map((n) => `${n.name}=${n.nodeIP ?? '?'} (${n.versionHint})`).join(', ')}`);
  lines.push(`rules: ${r.rules.map((x) => `${x.id}:${x.status}`).join(' ')}`);
  for (const f of r.findings) {
    lines.push(`- [${f.severity}] ${f.id}: ${f.title}`);
    lines.push(`    nodes: ${f.nodes.join(', ')}`);
    if (f.explains.length > 0) lines.push(`    explains: ${f.explains.join(', ')}`);
    for (const e of f.evidence.slice(0, 3)) lines.push(`    ${e.node} ${e.file}:${e.line}: ${e.text.trim().slice(0, 160)}`);
  }
  for (const c of r.collectNext) lines.push(`collect: ${c.command}${c.nodes.length > 0 ? ` (on ${c.nodes.join(', ')})` : ''} [${c.rules.join(', ')}]`);
  return lines.join('\n') + '\n';
}

const ids = existsSync(scenariosDir) ? readdirSync(scenariosDir).filter((d) => !d.startsWith('.')).sort() : [];

test('there are sample scenarios, including a healthy one and one per first-set rule', () => {
  assert.ok(ids.includes('healthy'), `samples/scenarios has: ${ids.join(', ')}`);
  for (const rule of ['block-route-missing', 'bgp-port179-blocked', 'bgp-peer-refused-or-unreachable', 'bird-confd-not-running', 'bgp-as-mismatch', 'node-ip-duplicate', 'ip-autodetect-wrong-interface', 'nat-outgoing-disabled', 'bundle-incomplete', 'node-bundle-missing']) {
    const firing = ids.filter((id) => expectOf(id)?.fire?.includes(rule));
    assert.ok(firing.length > 0, `a scenario expects ${rule} to fire`);
  }
});

for (const id of ids) {
  test(`scenario ${id}: expected rules fire, others stay silent, golden matches`, async () => {
    const dir = relative(process.cwd(), join(scenariosDir, id)) || '.';
    const report = await analyze([dir], { workers: false });
    const fired = new Set(report.findings.map((f) => f.rule));
    const exp = expectOf(id);
    assert.ok(exp !== undefined, `samples/lab/scenarios/${id}.yaml has an expect section`);
    for (const r of exp!.fire ?? []) assert.ok(fired.has(r), `${id}: ${r} fires (fired: ${[...fired].join(', ')})`);
    for (const r of exp!.silent ?? []) assert.not.ok(fired.has(r), `${id}: ${r} stays silent`);
    const explained = new Set(report.findings.flatMap((f) => f.explains));
    for (const f of report.findings) {
      if ((exp!.mayFire ?? []).includes(f.rule) && !(exp!.fire ?? []).includes(f.rule)) {
        assert.ok(explained.has(f.id), `${id}: symptom ${f.id} is explained by a root cause`);
      }
    }
    if (id === 'healthy' || id.startsWith('healthy-')) {
      const bad = report.findings.filter((f) => f.severity !== 'info');
      assert.equal(bad.map((f) => f.id), [], 'healthy: no critical or warning finding');
    }
    assert.ok(report.rules.every((r) => r.status !== 'error'), 'no rule errored');
    assertValidSarif(renderSarif(report, RULES.map((r) => r.meta)));
    const suites = new Set([...report.nodes.map((n) => n.name), ...report.findings.flatMap((f) => f.nodes)]);
    assert.is(parseJunit(renderJunit(report)).length, suites.size + (report.findings.some((f) => f.nodes.length === 0) ? 1 : 0), 'a JUnit suite per node');
    const text = goldenText(report);
    const golden = join(root, 'test', 'golden', `${id}.txt`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    assert.ok(existsSync(golden), `golden ${golden} exists (UPDATE_GOLDEN=1 npm test writes it)`);
    assert.fixture(text, readFileSync(golden, 'utf8'));
  });
}

test.run();
