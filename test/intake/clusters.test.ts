import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { main } from '../../src/cli.js';
import type { Report } from '../../src/report/report-types.js';
import { captureIO } from '../helpers/io.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import type { NodeSpec } from '../helpers/healthy-cluster.js';
import { healthyNodeFiles, NODES } from '../helpers/healthy-cluster.js';

const S = 'samples/scenarios';
const opts = { workers: false } as const;

/** What a cluster's report concludes: every finding's rule, severity and nodes (ids name the nodes). */
function causes(r: Report): string[] {
  return r.findings.map((f) => `${f.severity} ${f.id}`).sort();
}

const PAIRS: [string, string][] = [
  ['healthy', 'healthy-vxlan'],
  ['bgp-as-mismatch', 'mtu-mismatch'],
  ['bgp-port179-blocked', 'policy-deny-no-match'],
];

for (const [a, b] of PAIRS) {
  test(`${a} + ${b} given together: two clusters, each with the findings it has alone`, async () => {
    const both = await analyze([join(S, a), join(S, b)], opts);
    assert.ok(both.clusters !== undefined, 'several clusters');
    assert.equal(both.clusters!.map((c) => c.cluster!.name).sort(), [a, b].sort());
    for (const id of [a, b]) {
      const alone = await analyze([join(S, id)], opts);
      assert.is(alone.clusters, undefined, `${id} alone is one cluster (single-cluster shape)`);
      const c = both.clusters!.find((x) => x.cluster!.name === id)!;
      assert.equal(causes(c), causes(alone), id);
      assert.equal(c.nodes.map((n) => n.name), alone.nodes.map((n) => n.name));
      assert.ok(c.cluster!.why.some((w) => w.includes('node-a') && w.includes('two machines')), c.cluster!.why.join('; '));
    }
    // Top level: every finding, tagged with its cluster; summary sums the clusters.
    assert.is(both.findings.length, both.clusters!.reduce((n, c) => n + c.findings.length, 0));
    assert.ok(both.findings.every((f) => f.cluster === a || f.cluster === b));
    assert.is(both.summary.nodes, both.clusters!.reduce((n, c) => n + c.summary.nodes, 0));
    assert.ok(both.inputs.every((i) => i.cluster === a || i.cluster === b));
  });
}

test('a folder holding many scenarios: one cluster per scenario, the snapshot scenario stays whole', async () => {
  const ids = ['healthy', 'healthy-v3.20', 'bgp-as-mismatch', 'policy-deny-no-match', 'node-bundle-missing'];
  const r = await analyze(ids.map((i) => join(S, i)), opts);
  assert.equal(r.clusters!.map((c) => c.cluster!.name).sort(), [...ids].sort());
  const snap = r.clusters!.find((c) => c.cluster!.name === 'policy-deny-no-match')!;
  assert.is(snap.nodes.length, 4, 'node-b twice (two snapshots of one host) in one cluster');
  for (const c of r.clusters!) assert.ok(!c.findings.some((f) => f.rule === 'node-ip-duplicate' && f.severity !== 'info'), c.cluster!.name);
});

test('every sample scenario at once: one cluster each, with the findings it has alone', async () => {
  const all = await analyze([S], opts);
  const ids = readdirSync(S).sort();
  assert.equal(all.clusters!.map((c) => c.cluster!.name).sort(), ids);
  for (const id of ids) assert.equal(causes(all.clusters!.find((c) => c.cluster!.name === id)!), causes(await analyze([join(S, id)], opts)), id);
});

test('--cluster overrides the guess', async () => {
  const forced = new Map([['lab-one', [resolve(S, 'healthy/node-a'), resolve(S, 'healthy/node-b'), resolve(S, 'healthy/node-c'), resolve(S, 'healthy/resources')]]]);
  const r = await analyze([join(S, 'healthy'), join(S, 'healthy-vxlan')], { ...opts, clusters: forced });
  assert.equal(r.clusters!.map((c) => c.cluster!.name), ['lab-one', 'healthy-vxlan']);
  const one = r.clusters![0]!;
  assert.equal(one.nodes.map((n) => n.name), ['node-a', 'node-b', 'node-c']);
  assert.ok(one.cluster!.why[0]!.includes('--cluster lab-one='));
  assert.ok(one.inputs.some((i) => i.kind === 'directory' && i.path.endsWith('healthy')), 'the resources in the named folder go with it');
  assert.ok(!r.clusters![1]!.inputs.some((i) => i.path === join(S, 'healthy')));
});

test('CLI: one page with a section per cluster, JSON clusters[], --split writes one report per cluster', async () => {
  const dir = tempDir();
  const c = captureIO();
  const code = await main(['node', 'calico-diags', 'analyze', join(S, 'healthy'), join(S, 'bgp-as-mismatch'), '-o', join(dir, 'r.html'), '--json', join(dir, 'r.json'), '--no-progress'], c.io);
  assert.is(code, 0, c.err());
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  assert.is(html.match(/<section class="cluster"/g)?.length, 2);
  assert.is(html.match(/<body>/g)?.length, 1);
  const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
  assert.equal(json.clusters!.map((x) => x.cluster!.name).sort(), ['bgp-as-mismatch', 'healthy']);
  assert.ok(c.out().includes('== Cluster healthy') && c.out().includes('== Cluster bgp-as-mismatch'));

  const s = captureIO();
  assert.is(await main(['node', 'calico-diags', 'analyze', join(S, 'healthy'), join(S, 'bgp-as-mismatch'), '-o', join(dir, 'split.html'), '--split', '--json', join(dir, 'split.json'), '--no-progress'], s.io), 0);
  for (const n of ['healthy', 'bgp-as-mismatch']) {
    assert.ok(existsSync(join(dir, `split-${n}.html`)), n);
    assert.is((JSON.parse(readFileSync(join(dir, `split-${n}.json`), 'utf8')) as Report).cluster!.name, n);
  }
  assert.ok(!existsSync(join(dir, 'split.html')));

  const bad = captureIO();
  assert.is(await main(['node', 'calico-diags', 'analyze', join(S, 'healthy'), '--cluster', 'no name'], bad.io), 2);
});

test('bundles side by side in one folder, two address islands with no shared hostname: two clusters', async () => {
  const dir = tempDir();
  const other: NodeSpec[] = [
    { name: 'prod-1', ip: '172.16.5.11', block: '10.200.1.0/26', pod: '10.200.1.1', iface: 'cali0000000000a' },
    { name: 'prod-2', ip: '172.16.5.12', block: '10.200.2.0/26', pod: '10.200.2.1', iface: 'cali0000000000b' },
  ];
  const lab = NODES.slice(0, 2);
  for (const n of lab) await makeTarball(join(dir, `${n.name}.tar.gz`), healthyNodeFiles(n, lab));
  for (const n of other) await makeTarball(join(dir, `${n.name}.tar.gz`), healthyNodeFiles(n, other));
  const r = await analyze([dir], opts);
  assert.equal(r.clusters?.map((c) => c.nodes.map((n) => n.name).join(',')).sort(), ['node-a,node-b', 'prod-1,prod-2']);
  assert.ok(r.clusters!.every((c) => c.cluster!.why.some((w) => w.includes('share no subnet'))));
  // One island alone is one cluster, as before.
  const one = await analyze(lab.map((n) => join(dir, `${n.name}.tar.gz`)), opts);
  assert.is(one.clusters, undefined);
});

test.run();
