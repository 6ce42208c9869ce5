import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { docs, felixFeatures, nodeYaml, poolYaml, vxlanCluster } from '../../helpers/encap-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { derive } from '../../../src/combiners/derive.js';
import type { RuleContext } from '../../../src/rules/rule.js';
import { vxlanChecksumOffload as rule } from '../../../src/rules/dataplane/vxlan-checksum-offload.js';

const RES = docs(poolYaml({ vxlanMode: 'Always' }), nodeYaml('vxlan'));

/** Attaches `ethtool -k vxlan.calico` and `uname -r` output to a node, as the attachments reader does. */
function attach(ctx: RuleContext, node: string, txOn: boolean, kernel?: string): RuleContext {
  const n = ctx.cluster.nodes.find((x) => x.name === node)!;
  const src = { kind: 'ethtool-k' as const, input: `${node}-ethtool.txt`, file: `${node}-ethtool.txt`, nodeFrom: 'file name' };
  const line = { input: src.input, file: src.file, line: 7, text: `tx-checksum-ip-generic: ${txOn ? 'on' : 'off'}` };
  n.attachments = {
    sources: [src],
    ethtool: [{ source: src, interface: 'vxlan.calico', features: { 'tx-checksum-ip-generic': { ...line, name: 'tx-checksum-ip-generic', on: txOn, fixed: false } } }],
    ...(kernel !== undefined ? { uname: { input: `${node}-uname.txt`, file: `${node}-uname.txt`, line: 1, text: kernel, kernel } } : {}),
  };
  return { cluster: ctx.cluster, derived: derive(ctx.cluster) };
}

test('passes (not in use) on the BGP cluster', () => {
  expectRule(rule, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('skipped on VXLAN without ethtool output, naming the command per node', () => {
  const r = rule.check(contextFrom(vxlanCluster(), RES));
  assert.is(r.status, 'skipped');
  assert.ok(r.status === 'skipped' && r.collect?.[0]?.command === 'ethtool -k vxlan.calico' && r.collect[0].nodes?.length === 3);
  assert.match(r.reason, 'ethtool -k is not part of calicoctl node diags');
});

test('passes with offload on a new kernel (the v3.29+ default)', () => {
  const ctx = attach(contextFrom(vxlanCluster(), RES), 'node-a', true, '6.8.0-45-generic');
  expectRule(rule, ctx, { status: 'passed' });
});

test('fires with offload on on a kernel <= 5.7', () => {
  const ctx = attach(contextFrom(vxlanCluster(), RES), 'node-b', true, '5.4.0-150-generic');
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'kernel 5.4.0-150-generic');
  assert.is(f!.evidence[0]!.text, 'tx-checksum-ip-generic: on');
});

test('fires from Felix\'s own features line in felix/current (ChecksumOffloadBroken:true) with offload still on', () => {
  const files = vxlanCluster();
  files['node-b']!['logs/felix/current'] = felixFeatures('5.4.0-182', true);
  files['node-c']!['logs/felix/current'] = felixFeatures('5.15.0-119', false);
  const ctx = attach(attach(contextFrom(files, RES), 'node-b', true), 'node-c', true);
  const [f] = expectRule(rule, ctx, { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'Felix detected ChecksumOffloadBroken:true');
  assert.ok(f!.evidence.some((e) => e.file.endsWith('felix/current') && e.text.includes('kernelVersion=5.4.0-182')), 'Felix\'s features line is evidence');
});

test('passes with offload off on an old kernel', () => {
  const ctx = attach(contextFrom(vxlanCluster(), RES), 'node-b', false, '5.4.0-150-generic');
  expectRule(rule, ctx, { status: 'passed' });
});

test.run();
