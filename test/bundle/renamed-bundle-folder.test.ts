import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readArchive } from '../../src/bundle/read-archive.js';
import { readDirectory } from '../../src/bundle/read-directory.js';
import { mayJoinRenamedBundle, renamedBundlePrefix } from '../../src/bundle/artifact-path.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, NODES } from '../helpers/healthy-cluster.js';

const dir = tempDir();

/** node-a's files with the ones that alone do not tell a bundle (hostname, date, netstat) first, as readdir order may put them. */
function weakFirst(): Record<string, string> {
  const all = healthyNodeFiles(NODES[0]!) as Record<string, string>;
  const weak = ['hostname', 'date', 'netstat'];
  return Object.fromEntries([...weak.map((k) => [k, all[k]!]), ...Object.entries(all).filter(([k]) => !weak.includes(k))]);
}

test('renamedBundlePrefix: calicoctl file names or a daemon log reveal the folder; diagnostics/, cluster diags and the top level do not', () => {
  assert.is(renamedBundlePrefix('diags-node-a/ipv4_route'), 'diags-node-a/');
  assert.is(renamedBundlePrefix('case/node-a/logs/felix/current'), 'case/node-a/');
  assert.is(renamedBundlePrefix('ipv4_route'), undefined);
  assert.is(renamedBundlePrefix('x/diagnostics/ipv4_route'), undefined);
  assert.is(renamedBundlePrefix('calico-diagnostics-1/nodes/n1/ipv4_route'), undefined);
  assert.is(renamedBundlePrefix('notes/hostname'), undefined);
  assert.is(renamedBundlePrefix('x/logs/cni/cni.log'), undefined);
  assert.ok(mayJoinRenamedBundle('x/hostname'));
  assert.ok(mayJoinRenamedBundle('x/logs/cni/cni.log'));
  assert.not.ok(mayJoinRenamedBundle('hostname'));
  assert.not.ok(mayJoinRenamedBundle('x/notes.txt'));
});

test('an archive re-packed with the bundle under the node\'s name is read as that node, files seen before the folder was recognised included', async () => {
  const path = join(dir, 'renamed-node-a.tar.gz');
  await makeTarball(path, weakFirst(), { root: 'diags-node-a' });
  const r = await readArchive(path);
  assert.is(r.nodes.length, 1);
  const n = r.nodes[0]!;
  assert.is(n.hostname, 'node-a');
  assert.is(n.root, 'diags-node-a');
  assert.is(n.artifacts.netstat.status, 'ok');
  assert.is(n.artifacts.date.status, 'ok');
  assert.is(n.bird?.protocols['Mesh_10_77_0_12']?.lastState, 'up');
  assert.equal(r.attachments ?? [], []);
  assert.ok(r.problems.some((p) => p.includes('diags-node-a/ holds calicoctl node diags files in a folder not named diagnostics/')));
});

test('the same bundle extracted into a folder of another name is read from the folder', async () => {
  const root = join(dir, 'extracted');
  for (const [rel, content] of Object.entries(weakFirst())) {
    const full = join(root, 'node-a-diags', rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  const r = await readDirectory(root);
  assert.is(r.nodes.length, 1);
  assert.is(r.nodes[0]!.hostname, 'node-a');
  assert.is(r.nodes[0]!.artifacts.netstat.status, 'ok');
  assert.equal(r.attachments ?? [], []);
});

test('pasted files named like calicoctl\'s, in a folder without any of its own file names, stay pasted files', async () => {
  const path = join(dir, 'notes.tar.gz');
  await makeTarball(path, { 'hostname': 'node-a\n', 'date': 'Fri Nov 27 10:15:00 UTC 2026\n', 'notes.txt': 'BGP is down since Monday\n' }, { root: 'case-1234' });
  const r = await readArchive(path);
  assert.is(r.nodes.length, 0);
  assert.is((r.attachments ?? []).length, 3);
});

test.run();
