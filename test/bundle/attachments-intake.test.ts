/** Pasted command output beside the bundles: recognised by content, filed on its node, never "unreadable". */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCluster } from '../../src/analyze.js';
import { analyze } from '../../src/analyze.js';
import { renderJson } from '../../src/report/render-json.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, NODES } from '../helpers/healthy-cluster.js';

const dir = tempDir();
const fx = (name: string) => new URL(`../../../test/fixtures/attachments/${name}`, import.meta.url).pathname;
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const STATUS_ON_A = [
  'Calico process is running.',
  '',
  'IPv4 BGP status',
  '+--------------+-------------------+-------+----------+-------------+',
  '| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |',
  '+--------------+-------------------+-------+----------+-------------+',
  '| 10.77.0.12   | node-to-node mesh | start | 10:14:05 | Passive     |',
  '| 10.77.0.13   | node-to-node mesh | start | 10:14:05 | Passive     |',
  '+--------------+-------------------+-------+----------+-------------+',
  '',
].join('\n');

async function ticket(): Promise<string> {
  const root = join(dir, 'ticket');
  for (const n of NODES) {
    mkdirSync(join(root, n.name), { recursive: true });
    await makeTarball(join(root, n.name, 'diags-20261127_101500.tar.gz'), healthyNodeFiles(n));
  }
  copyFileSync(fx('sysctl-node-b.txt'), join(root, 'node-b', 'sysctl.txt')); // folder
  copyFileSync(fx('conntrack-s.txt'), join(root, 'node-c-conntrack.txt')); // file name
  writeFileSync(join(root, 'bgp.txt'), STATUS_ON_A); // content: the one node not among the peers
  copyFileSync(fx('kubectl-describe-pod-readiness.txt'), join(root, 'describe.log')); // content: Node: node-b/…
  copyFileSync(fx('kubectl-get-pods-wide.txt'), join(root, 'pods.txt')); // cluster-wide
  copyFileSync(fx('ip-neigh.txt'), join(root, 'neigh.txt')); // undecided
  writeFileSync(join(root, 'screenshot.png'), PNG);
  writeFileSync(join(root, 'export.json'), '{"items": [{"name": "x"}]}\n');
  writeFileSync(join(root, 'notes.tgz'), 'hello, this is not a tarball\n'.repeat(4));
  writeFileSync(join(root, '.DS_Store'), 'x');
  writeFileSync(join(root, 'renamed.tar.gz'), PNG);
  writeFileSync(join(root, 'pools.json'), JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPoolList', items: [{ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.244.0.0/16', natOutgoing: true } }] }));
  return root;
}

test('a folder with bundles and pastes: each paste tied to its node by content, file name or folder', async () => {
  const root = await ticket();
  const cluster = await loadCluster([root], { workers: false });
  const row = (f: string) => cluster.inputs.find((i) => i.path === join(root, f))!;
  assert.equal([row('node-b/sysctl.txt').kind, row('node-b/sysctl.txt').status, row('node-b/sysctl.txt').attachment!.node, row('node-b/sysctl.txt').attachment!.nodeFrom], ['attachment', 'ok', 'node-b', 'folder']);
  assert.equal([row('node-c-conntrack.txt').attachment!.node, row('node-c-conntrack.txt').attachment!.nodeFrom], ['node-c', 'file name']);
  assert.equal([row('bgp.txt').attachment!.node, row('bgp.txt').attachment!.takenAs], ['node-a', ['calicoctl-node-status']]);
  assert.match(row('bgp.txt').attachment!.nodeFrom!, 'not among its peers');
  assert.equal([row('describe.log').attachment!.node, row('describe.log').attachment!.nodeFrom], ['node-b', 'content: kubectl describe names Node node-b']);
  assert.equal(row('pods.txt').attachment!.node, undefined);
  assert.is(row('neigh.txt').attachment!.node, undefined);
  assert.match(row('neigh.txt').attachment!.note!, '--node');
  assert.equal([row('screenshot.png').status, row('screenshot.png').attachment!.guess], ['ignored', 'image (PNG)']);
  assert.equal([row('export.json').status, row('export.json').attachment!.guess], ['ignored', 'JSON that is not a Calico export']);
  assert.equal([row('notes.tgz').status, row('notes.tgz').attachment!.guess], ['ignored', 'unknown text, 4 lines']);
  assert.ok(!cluster.inputs.some((i) => i.path.endsWith('.DS_Store')));
  assert.equal([row('renamed.tar.gz').status, row('renamed.tar.gz').attachment!.guess], ['ignored', 'image (PNG)']);
  assert.ok(!cluster.inputs.some((i) => i.path.endsWith('pools.json')), 'a Calico JSON export is resources, not an attachment');
  assert.ok(cluster.resources.ippools.some((p) => p.name === 'p'));
  assert.ok(!cluster.inputs.some((i) => i.status === 'unreadable'));

  const a = cluster.nodes.find((n) => n.name === 'node-a')!;
  assert.equal(a.attachments!.nodeStatus!.peers.map((p) => [p.peerIP, p.info, p.line]), [['10.77.0.12', 'Passive', 7], ['10.77.0.13', 'Passive', 8]]);
  const b = cluster.nodes.find((n) => n.name === 'node-b')!;
  assert.is(b.attachments!.sysctl!.values['net.ipv4.conf.eth0.rp_filter']!.value, '2');
  assert.is(b.attachments!.sysctl!.values['net.ipv4.ip_forward']!.file, 'node-b/sysctl.txt');
  assert.is(b.attachments!.podDescription!.lastTerminationReason, 'OOMKilled');
  assert.is(cluster.nodes.find((n) => n.name === 'node-c')!.attachments!.conntrack!.totals['insert_failed'], 3);
  assert.equal(cluster.attachments!.kubePods!.find((p) => p.name.startsWith('coredns'))!.node, 'node-a');
  assert.equal(cluster.attachments!.unassigned.map((s) => s.kind), ['ip-neigh']);
});

test('a bundle repacked as .tar.xz, .tar.bz2, .tar.zst, .7z or .rar is input that could not be read, with the command that unpacks it', async () => {
  const root = join(dir, 'repacked');
  mkdirSync(root, { recursive: true });
  const files: Record<string, [string, string]> = {
    'diags.tar.xz': ['fd377a585a000004e6d6b446', 'an xz-compressed file'],
    'diags.tar.bz2': ['425a683931415926535900', 'a bzip2-compressed file'],
    'diags.tar.zst': ['28b52ffd0458a50100', 'a zstd-compressed file'],
    'diags.7z': ['377abcaf271c000456', 'a 7-Zip archive'],
    'diags.rar': ['526172211a0701003392', 'a RAR archive'],
  };
  for (const [name, [hex]] of Object.entries(files)) writeFileSync(join(root, name), Buffer.from(hex + '00'.repeat(64), 'hex'));
  const unpack: Record<string, string> = { 'diags.tar.xz': 'xz -d', 'diags.tar.bz2': 'bzip2 -d', 'diags.tar.zst': 'zstd -d', 'diags.7z': '7z x', 'diags.rar': 'unrar x' };
  // In a folder, and given directly: each is unreadable, with one line naming it, what it is and how to unpack it.
  const inFolder = await loadCluster([root], { workers: false });
  const direct = await loadCluster([join(root, 'diags.tar.xz')], { workers: false });
  for (const [name, [, what]] of Object.entries(files)) {
    const row = inFolder.inputs.find((i) => i.path === join(root, name))!;
    assert.is(row.status, 'unreadable', name);
    assert.equal(row.problems, [`${join(root, name)}: cannot read: ${what}, which calico-diags cannot unpack (it reads .tar.gz, .tgz, .tar and .zip): unpack it with \`${unpack[name]}\` and give it what comes out`]);
  }
  assert.equal(direct.inputs.map((i) => [i.status, i.problems.length]), [['unreadable', 1]]);
  assert.match(direct.inputs[0]!.problems[0]!, 'xz -d');
  // An empty file named like a bundle, given directly, is an archive that did not finish copying (not an empty paste).
  writeFileSync(join(root, 'diags-empty.tar.gz'), '');
  const empty = await loadCluster([join(root, 'diags-empty.tar.gz')], { workers: false });
  assert.equal(empty.inputs.map((i) => [i.kind, i.status]), [['archive', 'unreadable']]);
  assert.match(empty.inputs[0]!.problems[0]!, 'empty file (0 bytes');
});

test('a text file given directly is an attachment; --node ties it; kubectl logs become the node container log facts', async () => {
  const root = join(dir, 'direct');
  mkdirSync(root, { recursive: true });
  const tar = join(root, 'a.tar.gz');
  await makeTarball(tar, healthyNodeFiles(NODES[0]!));
  const tarB = join(root, 'b.tar.gz');
  await makeTarball(tarB, healthyNodeFiles(NODES[1]!));
  const logs = join(root, 'calico-node.log');
  copyFileSync(fx('kubectl-logs-docker-json.txt'), logs);
  const neigh = join(root, 'neigh.txt');
  copyFileSync(fx('ip-neigh.txt'), neigh);
  const cluster = await loadCluster([tar, tarB, logs], { workers: false, nodeFor: new Map([[resolve(neigh), 'node-a']]) });
  const l = cluster.inputs.find((i) => i.path === logs)!;
  assert.equal([l.kind, l.status, l.attachment!.node, l.attachment!.nodeFrom], ['attachment', 'ok', 'node-b', 'content: calico-node logged node name node-b']);
  const b = cluster.nodes.find((n) => n.name === 'node-b')!;
  assert.is(b.containerBird!.protocols['Mesh_10_77_0_11']!.lastState, 'start');
  assert.is(b.artifacts.container_logs.status, 'ok');
  const n = cluster.inputs.find((i) => i.path.endsWith('neigh.txt'))!;
  assert.equal([n.attachment!.node, n.attachment!.nodeFrom], ['node-a', '--node']);
});

test('one paste with several nodes behind their prompts: each segment goes to its node; kubectl prompts do not count', async () => {
  const root = join(dir, 'multi');
  mkdirSync(root, { recursive: true });
  for (const n of NODES) await makeTarball(join(root, `${n.name}.tar.gz`), healthyNodeFiles(n));
  const paste = join(root, 'outputs.txt');
  writeFileSync(
    paste,
    [
      '[root@node-a ~]# sysctl net.ipv4.ip_forward',
      'net.ipv4.ip_forward = 1',
      '[root@node-c ~]# sysctl net.ipv4.ip_forward',
      'net.ipv4.ip_forward = 0',
      'root@node-a:~# kubectl get pods -A -o wide',
      'NAMESPACE     NAME                READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES',
      'kube-system   calico-node-4jq9z   1/1     Running   0          12d   10.77.0.11   node-a   <none>           <none>',
      'root@node-a:~# kubectl exec -n kube-system calico-node-4jq9z -- uname -a',
      'Linux node-b 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux',
      '',
    ].join('\n'),
  );
  const cluster = await loadCluster([root], { workers: false });
  const row = cluster.inputs.find((i) => i.path === paste)!;
  assert.equal(row.nodes, ['node-a', 'node-b', 'node-c']);
  assert.equal(row.attachment!.parts.map((p) => [p.kind, p.node]), [
    ['sysctl', 'node-a'],
    ['sysctl', 'node-c'],
    ['kubectl-get-pods', undefined],
    ['uname', 'node-b'],
  ]);
  assert.is(cluster.nodes.find((n) => n.name === 'node-c')!.attachments!.sysctl!.values['net.ipv4.ip_forward']!.value, '0');
  assert.is(cluster.nodes.find((n) => n.name === 'node-b')!.attachments!.uname!.kernel, '5.15.0-105-generic');
});

test('an extracted cluster diags tree: its kubectl outputs are bundle files, not pastes', async () => {
  const top = join(dir, 'cd', 'calico-diagnostics-20261127_101500');
  mkdirSync(join(top, 'cluster', 'kubernetes'), { recursive: true });
  mkdirSync(join(top, 'nodes', 'worker-1'), { recursive: true });
  copyFileSync(fx('kubectl-get-nodes-wide.txt'), join(top, 'cluster', 'kubernetes', 'nodes.txt'));
  writeFileSync(join(top, 'nodes', 'worker-1', 'ip-route.txt'), 'blackhole 10.244.1.0/26 proto bird\n');
  const cluster = await loadCluster([join(dir, 'cd')], { workers: false });
  assert.equal(cluster.inputs.filter((i) => i.kind === 'attachment').map((i) => i.path), []);
  assert.equal(cluster.nodes.map((n) => n.name), ['worker-1']);
});

test('JSON report lists inputs of kind attachment and attachments per node', async () => {
  const root = join(dir, 'ticket');
  const j = JSON.parse(renderJson(await analyze([root], { workers: false })));
  const input = j.inputs.find((i: { path: string }) => i.path.endsWith('node-b/sysctl.txt'));
  assert.equal([input.kind, input.attachment.takenAs, input.nodes], ['attachment', ['sysctl'], ['node-b']]);
  const b = j.nodes.find((x: { name: string }) => x.name === 'node-b');
  assert.ok(b.attachments.some((a: { kind: string; file: string }) => a.kind === 'sysctl' && a.file.endsWith('node-b/sysctl.txt')));
  assert.is(j.summary.unreadableInputs, 0);
});

test.run();
