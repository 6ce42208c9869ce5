/**
 * Remediation as the report shows it, over every sample scenario: for each critical or warning finding,
 * (a) no placeholder (`<node subnet>`, `<peer-ip>`, `NODE_IP`, `x.x.x.x`, `cidr=...`) where the analysis
 * knows the value — a value that is not in the bundle is named in words; (b) no two steps that say the
 * same thing (equal or contained text, or the same command); (c) every IPv4 a step names is in the
 * cluster's facts or the finding's evidence, and every node it names is one of the finding's nodes.
 * Failures list the finding ids and the offending steps.
 *
 * It also writes test/golden/remediation/<scenario>.txt (the steps of every finding), so a change of
 * wording shows as a diff: UPDATE_GOLDEN=1 npm test rewrites it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze, loadCluster } from '../../src/analyze.js';
import type { Finding } from '../../src/model/finding.js';
import { RULES } from '../../src/rules/index.js';

const root = new URL('../../../', import.meta.url).pathname;
const scenariosDir = join(root, 'samples', 'scenarios');
const goldenDir = join(root, 'test', 'golden', 'remediation');
const ids = existsSync(scenariosDir) ? readdirSync(scenariosDir).filter((d) => !d.startsWith('.')).sort() : [];

const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g;
const PLACEHOLDERS: [RegExp, string][] = [
  [/<[A-Za-z][^<>`\n]{0,40}>/, 'angle-bracket placeholder'],
  [/\b(?:NODE|PEER|POD|HOST|TYPHA|API)_(?:IP|CIDR|SUBNET|NAME|ADDR)\b/, 'upper-case placeholder'],
  [/\b[xX]\.[xX]\.[xX]\.[xX]\b|\ba\.b\.c\.d\b/, 'dotted placeholder'],
  [/=\.\.\.|\.\.\.[`'"]/, 'elided value (...)'],
];

/** Same key as the report's de-duplication: whitespace, case and final punctuation do not count. */
function key(s: string): string {
  return s.replace(/\s+/g, ' ').trim().replace(/[.;:]+$/, '').toLowerCase();
}

/** The commands of a step (code spans), with addresses, placeholders and node names made equal. */
function commands(step: string, nodeNames: readonly string[]): string[] {
  return [...step.matchAll(/`([^`]+)`/g)]
    .map((m) => {
      let c = m[1]!.replace(/<[^<>]+>/g, 'X').replace(/(?:\d{1,3}\.){3}\d{1,3}(?:\/\d+)?/g, 'X');
      for (const n of nodeNames) c = c.split(n).join('X');
      return c.replace(/\s+/g, ' ').trim();
    })
    .filter((c) => c.length >= 12);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every string inside a value (Maps and Sets included), to find the addresses the bundle holds. */
function factsText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? [...x.entries()] : x instanceof Set ? [...x] : x));
}

export function problemsOf(f: Finding, nodeNames: readonly string[], factIPs: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const steps = f.remediation;
  const known = new Set<string>(factIPs);
  for (const t of [f.title, f.message, ...f.evidence.map((e) => e.text)]) for (const m of t.matchAll(IPV4)) known.add(m[0]);
  const mine = new Set([...f.nodes, ...f.evidence.map((e) => e.node)]);
  // `node-b#2` is a second bundle (snapshot) of the machine node-b: its steps may name the machine to run commands on.
  for (const n of [...mine]) if (/#\d+$/.test(n)) mine.add(n.replace(/#\d+$/, ''));
  if (steps.length === 0) out.push('no remediation step');
  steps.forEach((s, i) => {
    for (const [re, what] of PLACEHOLDERS) {
      const m = re.exec(s);
      if (m !== null) out.push(`step ${i + 1} has a ${what} ${JSON.stringify(m[0])}: ${s}`);
    }
    for (const m of s.matchAll(IPV4)) {
      if (m[0] === '0.0.0.0' || known.has(m[0])) continue;
      out.push(`step ${i + 1} names ${m[0]}, which is neither in the bundle nor in the finding's evidence: ${s}`);
    }
    for (const n of nodeNames) {
      if (mine.has(n)) continue;
      if (new RegExp(`(?<![\\w.-])${escapeRe(n)}(?![\\w#-]|\\.[\\w])`).test(s)) out.push(`step ${i + 1} names node ${n}, which is not one of the finding's nodes: ${s}`);
    }
    for (let j = 0; j < i; j++) {
      const a = key(steps[j]!);
      const b = key(s);
      if (a === b || (Math.min(a.length, b.length) >= 24 && (a.includes(b) || b.includes(a)))) {
        out.push(`steps ${j + 1} and ${i + 1} say the same: ${steps[j]} | ${s}`);
        continue;
      }
      const shared = commands(steps[j]!, nodeNames).filter((c) => commands(s, nodeNames).includes(c));
      if (shared.length > 0) out.push(`steps ${j + 1} and ${i + 1} give the same command \`${shared[0]}\`: ${steps[j]} | ${s}`);
    }
  });
  return out;
}

test('every rule\'s generic steps are distinct', () => {
  const bad: string[] = [];
  for (const { meta } of RULES) {
    const fake: Finding = { id: meta.id, rule: meta.id, severity: meta.severity, title: '', message: '', nodes: [], evidence: [], remediation: meta.remediation, explains: [] };
    bad.push(...problemsOf(fake, [], new Set()).filter((p) => p.startsWith('steps ')).map((p) => `${meta.id}: ${p}`));
  }
  assert.equal(bad, [], `\n${bad.join('\n')}`);
});

for (const id of ids) {
  test(`scenario ${id}: remediation of critical and warning findings is filled, distinct and about the finding`, async () => {
    const dir = relative(process.cwd(), join(scenariosDir, id)) || '.';
    const [report, model] = await Promise.all([analyze([dir], { workers: false }), loadCluster([dir], { workers: false })]);
    const nodeNames = model.nodes.map((n) => n.name);
    const factIPs = new Set([...factsText(model).matchAll(IPV4)].map((m) => m[0]));
    const bad: string[] = [];
    for (const f of report.findings) {
      if (f.severity === 'info') continue;
      const p = problemsOf(f, nodeNames, factIPs);
      if (p.length > 0) bad.push(`${f.id}:\n  ${p.join('\n  ')}`);
    }
    const text = report.findings.map((f) => [`- [${f.severity}] ${f.id}`, ...f.remediation.map((s, i) => `    ${i + 1}. ${s.replace(/\n/g, '\n       ')}`)].join('\n')).join('\n') + '\n';
    const golden = join(goldenDir, `${id}.txt`);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(golden, text);
    }
    assert.equal(bad, [], `\n${bad.join('\n')}`);
    assert.ok(existsSync(golden), `golden ${golden} exists (UPDATE_GOLDEN=1 npm test writes it)`);
    assert.fixture(text, readFileSync(golden, 'utf8'));
  });
}

test.run();
