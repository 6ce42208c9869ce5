import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBundles, type GenerateResult } from '../../bench/generate-bundles.js';
import { analyze, loadCluster } from '../../src/analyze.js';
import { derive } from '../../src/combiners/derive.js';
import type { Report } from '../../src/report/report-types.js';
import type { ClusterModel } from '../../src/model/node.js';

/**
 * The generated set as a ticket: the analyzer must find exactly the injected faults (and the routes
 * they take away), nothing from the healthy rest, and read the new artifacts as what they are.
 */

const root = mkdtempSync(join(tmpdir(), 'gen-set-test-'));
let set: GenerateResult;
let report: Report;
let cluster: ClusterModel;

test.before(async () => {
  set = await generateBundles({ dir: join(root, 'set'), nodes: 3, totalBytes: 5_000_000, seed: 11 });
  report = await analyze([set.dir]);
  cluster = await loadCluster([set.dir]);
});
test.after(() => rmSync(root, { recursive: true, force: true }));

const key = (rule: string, nodes: string[]): string => `${rule} ${[...nodes].sort().join(',')}`;

test('findings are exactly the injected faults and the block routes they take away', () => {
  const f = set.faults;
  const stuck = [f.bgpStuck!.initiator, f.bgpStuck!.passive];
  const miss = [f.routeMissing!.on, f.routeMissing!.missingBlockOf];
  const expected = [
    key('bgp-port179-blocked', stuck),
    key('block-route-missing', stuck),
    key('block-route-missing', stuck),
    key('bgp-established-routes-missing', miss),
    key('block-route-missing', miss),
    key('nat-outgoing-disabled', [f.natOutgoingMissing!]),
  ].sort();
  const got = report.findings.map((x) => key(x.rule, x.nodes)).sort();
  assert.equal(got, expected);
});

test('policy chains: every endpoint chain jumps to hashed policy or group chains, read through the groups', () => {
  const d = derive(cluster);
  const p = d.policy;
  assert.is(p.nodesWithTables.length, 3);
  assert.is(p.drops.length, 0, 'a healthy set drops nothing at the end of a tier');
  const steps = p.chains.flatMap((c) => c.steps);
  const policySteps = steps.filter((s) => s.kind === 'policy');
  assert.ok(policySteps.length > 0);
  for (const s of policySteps) assert.match(s.chain, /^cali-p[io]-_[A-Za-z0-9_-]{19,20}$/, s.chain);
  // Felix's first-rule comment names each policy, so even a chain without YAML is named.
  assert.ok(policySteps.every((s) => /default\./.test(s.label)), policySteps.find((s) => !/default\./.test(s.label))?.label);
});

test.run();
