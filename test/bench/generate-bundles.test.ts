import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { generateBundles, parseGeneratorArgs, type GenerateResult } from '../../bench/generate-bundles.js';

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  text: string;
}

async function readTarball(path: string): Promise<TarEntry[]> {
  const extract = tar.extract();
  createReadStream(path).pipe(createGunzip()).pipe(extract);
  const out: TarEntry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ name: entry.header.name, type: String(entry.header.type), mode: entry.header.mode ?? -1, text: Buffer.concat(chunks).toString('latin1') });
  }
  return out;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

const root = mkdtempSync(join(tmpdir(), 'gen-bundles-test-'));
let first: GenerateResult;
let entries: TarEntry[][];
const OPTS = { nodes: 4, totalBytes: 1_200_000, seed: 7, rotateBytes: 40_000 };

test.before(async () => {
  first = await generateBundles({ dir: join(root, 'a'), ...OPTS });
  entries = await Promise.all(first.bundles.filter((b) => b.format === 'node-diags').map((b) => readTarball(b.path)));
});
test.after(() => rmSync(root, { recursive: true, force: true }));

test('one tarball per node at <dir>/<hostname>/diags-YYYYMMDD_HHMMSS.tar.gz, then cluster diags for two more nodes', () => {
  assert.is(first.bundles.length, 5);
  const cd = first.bundles.filter((b) => b.format === 'cluster-diags');
  assert.equal(cd.map((b) => b.nodes), [['bench-node-05', 'bench-node-06']]);
  assert.is(cd[0]!.path, join(root, 'a', cd[0]!.hostname + '.tar.gz'));
  for (const b of first.bundles.filter((x) => x.format === 'node-diags')) {
    assert.ok(b.path.startsWith(join(root, 'a', b.hostname) + '/'), b.path);
    assert.match(b.path, /\/diags-\d{8}_\d{6}\.tar\.gz$/);
  }
  // Total within 10% of what was asked.
  assert.ok(Math.abs(first.uncompressedBytes - OPTS.totalBytes) / OPTS.totalBytes < 0.1, String(first.uncompressedBytes));
  assert.ok(first.gzipRatio > 3, String(first.gzipRatio));
});

test('entries: diagnostics/ mode 0000 first, all node diags files, rotated felix files then current', () => {
  for (const es of entries) {
    const e0 = es[0] as TarEntry;
    assert.is(e0.name, 'diagnostics/');
    assert.is(e0.type, 'directory');
    assert.is(e0.mode & 0o777, 0);
    const names = es.map((e) => e.name);
    for (const f of ['date', 'hostname', 'netstat', 'ipv4_route', 'ipv6_route', 'ipv4_addr', 'ipv6_addr', 'nft_ruleset', 'ipv4_tables', 'ipv6_tables', 'ipsets', 'journalctl_calico_node']) {
      assert.ok(names.includes('diagnostics/' + f), f);
    }
    for (const f of ['logs/bird/current', 'logs/confd/current', 'logs/cni/cni.log', 'logs/felix/current']) assert.ok(names.includes('diagnostics/' + f), f);
    const felix = names.filter((n) => n.startsWith('diagnostics/logs/felix/') && !n.endsWith('/config') && !n.endsWith('/lock') && !n.endsWith('/'));
    assert.ok(felix.length >= 3, `expected rotated felix files, got ${felix.join(',')}`);
    assert.is(felix[felix.length - 1], 'diagnostics/logs/felix/current');
    const rotated = felix.slice(0, -1);
    for (const r of rotated) assert.match(r, /^diagnostics\/logs\/felix\/@[0-9a-f]{24}\.s$/);
    assert.equal(rotated, [...rotated].sort(), 'rotated files in chronological (name) order');
    for (const e of es.filter((x) => x.name.startsWith('diagnostics/logs/felix/@'))) assert.ok(e.text.length <= OPTS.rotateBytes);
  }
});

test('bird log: every line is -ttt stamp + "bird: "', () => {
  for (const es of entries) {
    const bird = lines((es.find((e) => e.name === 'diagnostics/logs/bird/current') as TarEntry).text);
    assert.ok(bird.length > 50);
    for (const l of bird) assert.match(l, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{5} bird: /);
    assert.ok(bird.some((l) => / bird: Mesh_10_0_0_\d+: State changed to up$/.test(l)));
  }
});

const FELIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{5}) (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) \[([A-Z]+)\]\[(\d+)\] (?:([A-Za-z0-9-]+)\/)?(\S+) (\d+|<nil>): (.*)$/;

test('felix lines: -ttt prefix + Calico logrus grammar, component felix/, svlogd stamps never go back', () => {
  const levels = new Set<string>();
  for (const es of entries) {
    const felix = es.filter((e) => e.name.startsWith('diagnostics/logs/felix/') && (e.name.includes('/@') || e.name.endsWith('/current')));
    let prev = '';
    for (const f of felix) {
      for (const l of lines(f.text)) {
        const m = FELIX.exec(l);
        assert.ok(m, l);
        assert.is(m![5], 'felix');
        assert.ok(['INFO', 'DEBUG', 'WARNING', 'ERROR'].includes(m![3]!), l);
        levels.add(m![3]!);
        assert.ok(m![1]! >= prev, `svlogd stamp went back: ${prev} -> ${l}`);
        prev = m![1]!;
      }
    }
  }
  for (const l of ['INFO', 'DEBUG', 'WARNING', 'ERROR']) assert.ok(levels.has(l), l);
});

const file = (node: number, name: string): string => (entries[node]!.find((e) => e.name === 'diagnostics/' + name) as TarEntry).text;
const index = (host: string): number => first.bundles.findIndex((b) => b.hostname === host);

test('faults: stuck BGP pair (SYN_SENT, no up, no routes), missing block route, empty cali-nat-outgoing', () => {
  const f = first.faults;
  const ini = index(f.bgpStuck!.initiator);
  const pas = index(f.bgpStuck!.passive);
  const pasIp = first.bundles[pas]!.ip;
  assert.match(file(ini, 'netstat'), new RegExp(`:\\d+ +${pasIp.replace(/\./g, '\\.')}:179 +SYN_SENT`));
  const mesh = 'Mesh_' + pasIp.replace(/\./g, '_');
  const bird = file(ini, 'logs/bird/current');
  assert.ok(bird.includes(`bird: ${mesh}: State changed to start`));
  assert.not.ok(bird.includes(`bird: ${mesh}: State changed to up`));
  assert.not.ok(file(ini, 'ipv4_route').includes(first.bundles[pas]!.block));
  assert.not.ok(file(pas, 'ipv4_route').includes(first.bundles[ini]!.block));

  const on = index(f.routeMissing!.on);
  const miss = first.bundles[index(f.routeMissing!.missingBlockOf)]!;
  assert.not.ok(file(on, 'ipv4_route').includes(`${miss.block} via`));
  const other = [0, 1, 2, 3].find((i) => i !== on && i !== index(f.routeMissing!.missingBlockOf) && i !== ini && i !== pas);
  if (other !== undefined) assert.ok(file(other, 'ipv4_route').includes(`${miss.block} via ${miss.ip} dev tunl0 proto bird onlink`));

  const nat = index(f.natOutgoingMissing!);
  for (let i = 0; i < 4; i++) {
    const has = /-A cali-nat-outgoing .*-j MASQUERADE/.test(file(i, 'ipv4_tables'));
    assert.is(has, i !== nat, `node ${i}`);
  }
});

test('ipv4_tables and ipsets are well formed', () => {
  for (let i = 0; i < 4; i++) {
    const t = lines(file(i, 'ipv4_tables'));
    assert.is(t.filter((l) => l.startsWith('*')).length, 4);
    assert.is(t.filter((l) => l === 'COMMIT').length, 4);
    for (const l of t) assert.ok(/^(#|\*|:|COMMIT$|\[\d+:\d+\] -A )/.test(l), l);
    assert.ok(t.some((l) => l.includes('-j KUBE-SVC-')));
    const sets = file(i, 'ipsets').split('\n\n').filter((b) => b.startsWith('Name: '));
    assert.ok(sets.length >= 12);
    for (const s of sets) {
      const declared = Number(/Number of entries: (\d+)/.exec(s)![1]);
      const members = lines(s.slice(s.indexOf('Members:\n') + 9));
      assert.is(members.length, declared, s.slice(0, 40));
    }
  }
});

test('same seed, same bytes; another seed, other bytes', async () => {
  const again = await generateBundles({ dir: join(root, 'b'), ...OPTS });
  const other = await generateBundles({ dir: join(root, 'c'), ...OPTS, seed: 8 });
  first.bundles.forEach((b, i) => {
    assert.ok(readFileSync(b.path).equals(readFileSync(again.bundles[i]!.path)), b.hostname);
    assert.not.ok(readFileSync(b.path).equals(readFileSync(other.bundles[i]!.path)), b.hostname);
  });
});

test('the quick-look command line prints usage for --help and never takes an option as the output folder', () => {
  assert.equal(parseGeneratorArgs(['--help']), { help: true });
  assert.equal(parseGeneratorArgs(['/tmp/x', '-h']), { help: true });
  const bad = parseGeneratorArgs(['--out', '/tmp/x']);
  assert.ok('error' in bad && bad.error.includes('--out'), JSON.stringify(bad));
  const zero = parseGeneratorArgs(['/tmp/x', '0']);
  assert.ok('error' in zero && zero.error.includes('bytes'), JSON.stringify(zero));
  const ok = parseGeneratorArgs(['/tmp/x', '2e6', '3', '9']);
  assert.equal(ok, { help: false, opts: { dir: '/tmp/x', totalBytes: 2e6, nodes: 3, seed: 9 } });
});

test.run();
