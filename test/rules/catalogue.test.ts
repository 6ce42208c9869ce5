import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { RULES } from '../../src/rules/index.js';
import { rulesTable, TABLE_END, TABLE_START } from '../../src/docs/rules-table.js';

const root = new URL('../../../', import.meta.url);
const LAYERS = readdirSync(new URL('src/rules/', root), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

test('every rule file is registered, its id is its file name, and it has a test', () => {
  // Rules live in one folder per layer (bgp/, dataplane/, felix/, policy/, host/, bundle/); index.ts registers them,
  // and a layer's shared fix-step builders sit beside them as fix-steps-<layer>.ts.
  const files = LAYERS.flatMap((l) => readdirSync(new URL(`src/rules/${l}/`, root)).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('fix-steps-')).map((f) => `${l}/${f.slice(0, -3)}`));
  const ids = RULES.map((r) => r.meta.id);
  assert.equal(files.map((f) => f.split('/')[1]).sort(), [...ids].sort());
  assert.equal(readdirSync(new URL('src/rules/', root)).filter((f) => f.endsWith('.ts')).sort(), ['fix-steps.ts', 'index.ts', 'link-causes.ts', 'rule.ts', 'run-rules.ts'], 'only the runner modules (and the shared fix-step builders) sit beside the layer folders');
  for (const f of files) assert.ok(existsSync(new URL(`test/rules/${f}.test.ts`, root)), `test/rules/${f}.test.ts exists`);
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
    for (const c of meta.collect ?? []) assert.ok(c.command.length > 3 && c.why.length > 10, `${meta.id} collect hint ${c.command}`);
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
