import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { causesOf, linkCauses } from '../../src/rules/link-causes.js';
import { RULES } from '../../src/rules/index.js';
import type { Finding } from '../../src/model/finding.js';

const f = (id: string, rule: string, nodes: string[], severity: Finding['severity'] = 'critical'): Finding => ({
  id,
  rule,
  severity,
  title: id,
  message: id,
  nodes,
  evidence: [],
  remediation: [],
  explains: [],
});

test('node-level causes explain symptoms on their node; pair-level causes only their pair; the deepest cause wins', () => {
  const bird = f('bird-confd-not-running:node-c', 'bird-confd-not-running', ['node-c']);
  const refused = f('bgp-peer-refused-or-unreachable:node-c', 'bgp-peer-refused-or-unreachable', ['node-a', 'node-c']);
  const drop = f('bgp-port179-blocked:node-b', 'bgp-port179-blocked', ['node-a', 'node-b']);
  const routeAC = f('block-route-missing:node-a->node-c', 'block-route-missing', ['node-a', 'node-c']);
  const routeAB = f('block-route-missing:node-a->node-b', 'block-route-missing', ['node-a', 'node-b']);
  const info = f('bundle-incomplete:node-a', 'bundle-incomplete', ['node-a'], 'info');
  linkCauses([
    { finding: bird },
    { finding: refused, pairs: [['node-a', 'node-c']] },
    { finding: drop, pairs: [['node-a', 'node-b']] },
    { finding: routeAC, pairs: [['node-a', 'node-c']] },
    { finding: routeAB, pairs: [['node-a', 'node-b']] },
    { finding: info },
  ], causesOf(RULES.map((r) => r.meta)));
  assert.equal(bird.explains, [refused.id, routeAC.id].sort(), 'BIRD down explains the refusal and the route (not via the refusal)');
  assert.equal(refused.explains, [], 'the refusal is itself explained, so it does not also claim the route');
  assert.equal(drop.explains, [routeAB.id], 'a pair cause explains only its pair');
  assert.equal(info.explains, []);
});

test('causes are declared by the cause rules: every id they name is a rule, and no rule explains itself', () => {
  const ids = new Set(RULES.map((r) => r.meta.id));
  for (const { meta } of RULES) {
    for (const s of meta.explains ?? []) {
      assert.ok(ids.has(s), `${meta.id} explains unknown rule ${s}`);
      assert.is.not(s, meta.id);
    }
  }
  const causes = causesOf(RULES.map((r) => r.meta));
  assert.ok(causes.get('block-route-missing')?.has('bgp-port179-blocked'), 'TCP 179 dropped can explain a missing block route');
});

test.run();
