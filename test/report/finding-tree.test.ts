import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findingTree } from '../../src/report/finding-tree.js';
import type { Finding, Severity } from '../../src/model/finding.js';
import { sampleReport } from './sample-report.js';

function f(id: string, severity: Severity, explains: string[] = []): Finding {
  return { id, rule: id.split(':')[0]!, severity, title: id, message: '', nodes: [], evidence: [], remediation: [], explains };
}

function flatten(nodes: ReturnType<typeof findingTree>): string[] {
  return nodes.flatMap((n) => [n.finding.id, ...flatten(n.symptoms)]);
}

test('sample: the root cause leads and holds its two symptoms', () => {
  const tree = findingTree(sampleReport().findings);
  assert.equal(tree.map((t) => t.finding.id), [
    'bgp-port179-blocked:node-b<->node-c',
    'mtu-mismatch:tunl0',
    'artifact-not-collected:node-d/ipv4_route',
  ]);
  assert.equal(tree[0]!.symptoms.map((s) => s.finding.id), [
    'block-route-missing:node-b->node-c',
    'block-route-missing:node-c->node-b',
  ]);
  assert.is(tree[0]!.symptomCount, 2);
});

test('roots sorted most severe first, then rule, then id, whatever the input order', () => {
  const tree = findingTree([f('b:1', 'info'), f('a:2', 'warning'), f('z:1', 'critical'), f('a:1', 'warning')]);
  assert.equal(tree.map((t) => t.finding.id), ['z:1', 'a:1', 'a:2', 'b:1']);
});

test('a symptom more severe than its cause still folds under it; nesting counts at every depth', () => {
  const tree = findingTree([f('cause:x', 'warning', ['mid:y']), f('mid:y', 'critical', ['leaf:z']), f('leaf:z', 'critical')]);
  assert.equal(tree.map((t) => t.finding.id), ['cause:x']);
  assert.is(tree[0]!.symptomCount, 2);
  assert.equal(tree[0]!.symptoms[0]!.symptoms[0]!.finding.id, 'leaf:z');
});

test('a symptom explained by two causes appears once, under the more severe', () => {
  const tree = findingTree([f('w:c', 'warning', ['s:1']), f('c:c', 'critical', ['s:1']), f('s:1', 'info')]);
  assert.equal(flatten(tree), ['c:c', 's:1', 'w:c']);
});

test('explains cycles and self-references lose no finding', () => {
  const tree = findingTree([f('a:1', 'critical', ['b:1', 'a:1']), f('b:1', 'warning', ['a:1']), f('c:1', 'info', ['gone:1'])]);
  const ids = flatten(tree).sort();
  assert.equal(ids, ['a:1', 'b:1', 'c:1']);
  assert.is(tree[0]!.finding.id, 'a:1');
  assert.is(tree[0]!.symptoms[0]!.finding.id, 'b:1');
});

test.run();
