import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { generateBundles, type GenerateResult } from '../../bench/generate-bundles.js';
import { analyze } from '../../src/analyze.js';
import { inspect } from '../../src/inspect.js';
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
  const { clusters } = await inspect([set.dir]);
  assert.is(clusters.length, 1, 'the generated set is one cluster');
  cluster = clusters[0]!.model;
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
  assert.is(p.nodesWithTables.length, 4, 'three node bundles and the cluster diags node');
  assert.is(p.drops.length, 0, 'a healthy set drops nothing at the end of a tier');
  const steps = p.chains.flatMap((c) => c.steps);
  const policySteps = steps.filter((s) => s.kind === 'policy');
  assert.ok(policySteps.length > 0);
  for (const s of policySteps) assert.match(s.chain, /^cali-p[io]-_[A-Za-z0-9_-]{19,20}$/, s.chain);
  // Calico policies are tied to the exported YAML through their hashed chain names; Kubernetes ones
  // (not in `calicoctl get`) are named by Felix's first-rule comment.
  for (const s of policySteps) {
    if (s.label.includes('knp.default.')) assert.match(s.label, /not in the exported YAML/);
    else assert.ok(s.policy !== undefined, s.label);
  }
  assert.ok(policySteps.some((s) => s.policy?.kind === 'NetworkPolicy') && policySteps.some((s) => s.policy?.kind === 'GlobalNetworkPolicy'));
  const dumps = cluster.nodes.map((n) => n.iptables4!);
  const chains = dumps.flatMap((d) => Object.keys(d.tables['filter']?.chains ?? {}));
  assert.ok(chains.some((c) => /^cali-g[io]-[A-Za-z0-9_-]{20}$/.test(c)), 'policy group chains');
});

async function entryNames(path: string): Promise<string[]> {
  const extract = tar.extract();
  createReadStream(path).pipe(createGunzip()).pipe(extract);
  const names: string[] = [];
  for await (const e of extract) {
    names.push(e.header.name);
    e.resume();
  }
  return names;
}

test('the set holds node bundles, a cluster diags archive for a further node, resource YAML and pastes', async () => {
  const byFormat = (f: string) => set.bundles.filter((b) => b.format === f);
  assert.is(byFormat('node-diags').length, 3);
  const cd = byFormat('cluster-diags');
  assert.is(cd.length, 1);
  assert.match(basename(cd[0]!.path), /^calico-diagnostics-\d{8}_\d{6}\.tar\.gz$/);
  assert.is(relative(set.dir, cd[0]!.path), basename(cd[0]!.path));
  assert.equal(cd[0]!.nodes, ['bench-node-04']);
  const names = await entryNames(cd[0]!.path);
  const top = basename(cd[0]!.path, '.tar.gz');
  for (const f of ['ip-route.txt', 'ip-addr.txt', 'iptables-legacy-save.txt', 'iptables-nft-save.txt', 'ipset-list.txt', 'cni.log.log']) {
    assert.ok(names.includes(`${top}/nodes/bench-node-04/${f}`), f);
  }
  assert.ok(names.some((n) => new RegExp(`^${top}/nodes/bench-node-04/calico-system/calico-node-[a-z0-9]{5}\\.log$`).test(n)), 'calico-node container log');
  assert.ok(names.includes(`${top}/cluster/crd/globalnetworkpolicies.crd.projectcalico.org.yaml`));
  const yaml = set.files.filter((f) => f.kind === 'calico-yaml').map((f) => relative(set.dir, f.path)).sort();
  assert.equal(yaml, ['bgpconfigurations', 'bgppeers', 'globalnetworkpolicies', 'ippools', 'networkpolicies', 'nodes'].map((k) => `calico-resources/${k}.yaml`));
  for (const f of set.files) assert.ok(existsSync(f.path), f.path);
  // The loose files are a small share; the total stays what was asked.
  const looseBytes = set.files.reduce((s, f) => s + f.bytes, 0);
  assert.ok(looseBytes < 0.05 * set.uncompressedBytes, String(looseBytes));
  assert.ok(Math.abs(set.uncompressedBytes - 5_000_000) / 5_000_000 < 0.1, String(set.uncompressedBytes));
});

test('inspect takes every paste as the kind it was written as, for its node', () => {
  const pastes = set.files.filter((f) => f.kind === 'attachment');
  assert.ok(pastes.length >= 5);
  const kinds = new Set(pastes.flatMap((p) => p.kinds ?? []));
  for (const k of ['calicoctl-node-status', 'birdc-show-protocols', 'kubectl-get-pods', 'sysctl', 'ethtool-k', 'ip-d-link']) assert.ok(kinds.has(k), k);
  for (const p of pastes) {
    const input = cluster.inputs.find((i) => i.path === p.path);
    assert.ok(input?.attachment !== undefined, p.path);
    assert.equal(input!.attachment!.takenAs, p.kinds, p.path);
    assert.is(input!.attachment!.node, p.node, p.path);
  }
});

test('the cluster diags archive is read as cluster diags: its node, its address, its dumps and its BGP sessions', () => {
  const n = cluster.nodes.find((x) => x.name === 'bench-node-04');
  assert.ok(n !== undefined);
  assert.is(n!.format, 'cluster-diags');
  assert.is(n!.nodeIP, '10.0.0.13');
  assert.is(n!.artifacts.ipv4_tables.status, 'ok');
  assert.is(n!.artifacts.ipv4_route.status, 'ok');
  assert.is(n!.artifacts.container_logs.status, 'ok');
  assert.ok(Object.values(n!.containerBird?.protocols ?? {}).filter((p) => p.lastState === 'up').length >= 3);
});

test.run();
