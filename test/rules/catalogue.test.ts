import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { RULES } from '../../src/rules/index.js';
import { rulesTable, TABLE_END, TABLE_START } from '../../src/docs/rules-table.js';

const root = new URL('../../../', import.meta.url);
const NOT_RULES = new Set(['rule.ts', 'index.ts', 'run-rules.ts', 'link-causes.ts']);

test('every rule file is registered, its id is its file name, and it has a test', () => {
  const files = readdirSync(new URL('src/rules/', root)).filter((f) => f.endsWith('.ts') && !NOT_RULES.has(f));
  const ids = RULES.map((r) => r.meta.id);
  assert.equal([...files].map((f) => f.slice(0, -3)).sort(), [...ids].sort());
  for (const id of ids) assert.ok(existsSync(new URL(`test/rules/${id}.test.ts`, root)), `test/rules/${id}.test.ts exists`);
});

test('every rule has meta: kebab-case id, severity, summary, rationale, remediation steps', () => {
  const seen = new Set<string>();
  for (const { meta } of RULES) {
    assert.ok(/^[a-z0-9]+(-[a-z0-9]+)+$/.test(meta.id), meta.id);
    assert.not.ok(seen.has(meta.id), `duplicate ${meta.id}`);
    seen.add(meta.id);
    assert.ok(['critical', 'warning', 'info'].includes(meta.severity));
    assert.ok(meta.summary.length > 30 && meta.summary.endsWith('.'), `${meta.id} summary`);
    assert.ok(meta.rationale.length > 100, `${meta.id} rationale`);
    assert.ok(meta.remediation.length >= 2 && meta.remediation.every((s) => s.length > 20), `${meta.id} remediation`);
  }
});

test('the first rule set has the ids and severities the issue fixed', () => {
  const want: Record<string, string> = {
    'block-route-missing': 'critical',
    'bgp-port179-blocked': 'critical',
    'bgp-peer-refused-or-unreachable': 'critical',
    'bird-confd-not-running': 'critical',
    'bgp-as-mismatch': 'critical',
    'node-ip-duplicate': 'critical',
    'ip-autodetect-wrong-interface': 'critical',
    'nat-outgoing-disabled': 'warning',
    'bundle-incomplete': 'info',
    'node-bundle-missing': 'warning',
  };
  for (const [id, sev] of Object.entries(want)) assert.is(RULES.find((r) => r.meta.id === id)?.meta.severity, sev, id);
});

test('the README rule table is the one generated from the rules (run `npm run docs`)', () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  assert.ok(a !== -1 && b > a, 'README has the table markers');
  assert.fixture(readme.slice(a, b + TABLE_END.length), rulesTable(RULES.map((r) => r.meta)));
});

test.run();
