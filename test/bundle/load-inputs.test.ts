import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadInputs, SameBytes } from '../../src/bundle/load-inputs.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, NODES, POOL_YAML } from '../helpers/healthy-cluster.js';
import { ITEMWISE_BYTES, loadedItemsHeld, parseCalicoResources } from '../../src/parsers/calico-resources.js';

const dir = tempDir();

test('a folder of bundles: every archive, an extracted bundle, and resource YAML are found', async () => {
  const root = join(dir, 'ticket');
  mkdirSync(join(root, 'node-a'), { recursive: true });
  mkdirSync(join(root, 'node-b'), { recursive: true });
  await makeTarball(join(root, 'node-a', 'diags-20261127_101500.tar.gz'), healthyNodeFiles(NODES[0]!));
  await makeTarball(join(root, 'node-b', 'diags-20261127_101502.tar.gz'), healthyNodeFiles(NODES[1]!));
  // node-c extracted by hand
  const ex = join(root, 'node-c-extracted', 'diagnostics');
  for (const [rel, text] of Object.entries(healthyNodeFiles(NODES[2]!))) {
    mkdirSync(join(ex, rel, '..'), { recursive: true });
    writeFileSync(join(ex, rel), text);
  }
  writeFileSync(join(root, 'ippools.yaml'), POOL_YAML);
  writeFileSync(join(root, 'notes.yaml'), 'customer: acme\nticket: 123\n');
  const results = await loadInputs([root]);
  const hosts = results.flatMap((r) => r.nodes.map((n) => n.hostname)).sort();
  assert.equal(hosts, ['node-a', 'node-b', 'node-c']);
  const pools = results.flatMap((r) => r.resources).filter((r) => r.kind === 'IPPool');
  assert.is(pools.length, 1);
  assert.ok(results.every((r) => !r.unreadable));
  const folder = results.find((r) => r.kind === 'directory')!;
  assert.is(folder.nodes[0]!.root, 'node-c-extracted/diagnostics');
});

test('pointing at the diagnostics folder itself works', async () => {
  const ex = join(dir, 'only', 'diagnostics');
  mkdirSync(ex, { recursive: true });
  writeFileSync(join(ex, 'hostname'), 'node-z\n');
  writeFileSync(join(ex, 'ipv4_route'), 'blackhole 10.244.1.0/26 proto bird\n');
  const [r] = await loadInputs([ex]);
  assert.is(r!.nodes[0]!.hostname, 'node-z');
  assert.is(r!.nodes[0]!.routes4[0]!.dst, '10.244.1.0/26');
});

test('missing paths and empty folders are reported, the rest still read', async () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const good = join(dir, 'good.tar.gz');
  await makeTarball(good, healthyNodeFiles(NODES[0]!));
  const results = await loadInputs([join(dir, 'nope.tar.gz'), empty, good]);
  const byPath = new Map(results.map((r) => [r.path, r]));
  assert.is(byPath.get(join(dir, 'nope.tar.gz'))!.unreadable, true);
  assert.match(byPath.get(join(dir, 'nope.tar.gz'))!.problems[0]!, 'no such file');
  assert.is(byPath.get(empty)!.unreadable, true);
  assert.is(byPath.get(good)!.nodes[0]!.hostname, 'node-a');
});

test('calicoctl cluster diags: one bundle per nodes/<node>/ folder, CRD YAML as resources', async () => {
  const path = join(dir, 'calico-diagnostics-20261127_101500.tar.gz');
  const top = 'calico-diagnostics-20261127_101500';
  await makeTarball(
    path,
    {
      [`${top}/nodes/worker-1/ip-route.txt`]: 'blackhole 10.244.1.0/26 proto bird\n10.244.2.0/26 via 10.0.0.12 dev tunl0 proto bird onlink\nlocal 10.0.0.11 dev eth0 table local proto kernel scope host src 10.0.0.11\n',
      [`${top}/nodes/worker-1/ip-addr.txt`]: '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\n       valid_lft forever preferred_lft forever\n',
      [`${top}/nodes/worker-2/ip-route.txt`]: 'blackhole 10.244.2.0/26 proto bird\n',
      [`${top}/cluster/crd/ippools.crd.projectcalico.org.yaml`]: 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: crd.projectcalico.org/v1\n  kind: IPPool\n  metadata:\n    name: default-ipv4-ippool\n  spec:\n    cidr: 10.244.0.0/16\n    ipipMode: Always\n    natOutgoing: true\n',
    },
    { root: '' },
  );
  const [r] = await loadInputs([path]);
  assert.equal(r!.nodes.map((n) => n.hostname), ['worker-1', 'worker-2']);
  assert.is(r!.nodes[0]!.format, 'cluster-diags');
  assert.is(r!.nodes[0]!.interfaces4[0]!.addresses[0]!.address, '10.0.0.11');
  assert.is(r!.resources.length, 1);
  assert.is((r!.resources[0] as { ipipMode: string }).ipipMode, 'Always');
});

test('resource list items loaded during a read are remembered for its copies only: none is held once the read is done', async () => {
  const item = (i: number) => `- apiVersion: projectcalico.org/v3\n  kind: IPPool\n  metadata:\n    name: pool-${i}\n  spec:\n    cidr: 10.${i >> 8}.${i & 255}.0/24\n    natOutgoing: true\n`;
  let list = 'apiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems:\n';
  for (let i = 0; list.length < ITEMWISE_BYTES + 1000; i++) list += item(i);
  const root = join(dir, 'lists');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'ippools.yaml'), list);
  writeFileSync(join(root, 'ippools-again.yaml'), list);
  // Parsed directly, the items stay remembered (the next copy is not loaded again).
  const direct = parseCalicoResources(list, { input: 'x', file: 'ippools.yaml' });
  assert.ok(loadedItemsHeld() >= direct.resources.length && direct.resources.length > 100);
  const results = await loadInputs([root]);
  assert.is(loadedItemsHeld(), 0);
  assert.is(results.flatMap((r) => r.resources).length, 2 * direct.resources.length);
});

test('progress: archive sizes up front, bytes read per archive up to its size, done once each', async () => {
  const p1 = join(dir, 'prog-a.tar.gz');
  const p2 = join(dir, 'prog-b.tar.gz');
  await makeTarball(p1, healthyNodeFiles(NODES[0]!));
  await makeTarball(p2, healthyNodeFiles(NODES[1]!));
  const started: { path: string; bytes: number }[] = [];
  const last = new Map<string, number>();
  const done: string[] = [];
  await loadInputs([p1, p2], {
    progress: {
      start: (a) => started.push(...a),
      read: (path, n) => {
        assert.ok(n >= (last.get(path) ?? 0), 'bytes read only grow');
        last.set(path, n);
      },
      done: (path) => done.push(path),
    },
  });
  assert.equal(started.map((a) => a.path), [p1, p2]);
  for (const a of started) assert.is(last.get(a.path), a.bytes, 'read to the end');
  assert.equal(done.sort(), [p1, p2].sort());
});

test('progress on many small archives at once: every archive read whole (the byte count never starts the file early)', async () => {
  const paths: string[] = [];
  for (let i = 0; i < 24; i++) {
    const p = join(dir, `many-${i}.tar.gz`);
    await makeTarball(p, { ...healthyNodeFiles(NODES[i % NODES.length]!), hostname: `node-${i}\n` });
    paths.push(p);
  }
  const done: string[] = [];
  const sources = await loadInputs(paths, { concurrency: 8, progress: { start: () => undefined, read: () => undefined, done: (p) => done.push(p) } });
  assert.is(done.length, paths.length);
  assert.equal(sources.map((s) => [s.nodes.length, s.problems]), paths.map(() => [1, []]));
});

test.run();

test('same bytes: a file is hashed only once another input (or an archive inside one) has its size; first given wins', async () => {
  const d = join(dir, 'same-bytes');
  mkdirSync(d, { recursive: true });
  const f = (name: string, text: string): string => {
    writeFileSync(join(d, name), text);
    return join(d, name);
  };
  const a = f('a.tar.gz', 'aaaa');
  const b = f('b.tar.gz', 'bbbbbbbb');
  const c = f('c.tar.gz', 'cccc'); // a's size, other bytes
  const a2 = f('a-copy.tar.gz', 'aaaa');
  const hashed: string[] = [];
  const seen = new SameBytes(async (p, size) => {
    hashed.push(p);
    return `${size}:${(await import('node:fs')).readFileSync(p, 'utf8')}`;
  });
  assert.is(await seen.firstOf(a), undefined);
  assert.is(await seen.firstOf(b), undefined);
  assert.equal(hashed, [], 'sizes differ so far: nothing read');
  assert.is(await seen.firstOf(c), undefined);
  assert.equal(hashed, [a, c], 'a size met twice: both hashed');
  assert.is(await seen.firstOf(a2), a);
  // an archive inside an input, fingerprinted while streamed: b is hashed now, and wins as given directly
  assert.is(await seen.firstOfFingerprint('8:bbbbbbbb', 'zip!/b.tar.gz'), b);
  assert.is(await seen.firstOfFingerprint('9:zzzzzzzzz', 'zip!/z.tar.gz'), undefined);
  assert.is(await seen.firstOfFingerprint('9:zzzzzzzzz', 'zip!/z2.tar.gz'), 'zip!/z.tar.gz');
  assert.equal(hashed, [a, c, a2, b]);
});
