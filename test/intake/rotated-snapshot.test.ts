/**
 * Two snapshots of one host whose Felix log svlogd rotated between the collections are one node's snapshots
 * (samples/scenarios/healthy-v3.20/node-b-later, derived by samples/lab/derive-rotated-snapshot.ts), while
 * lab clusters that share a hostname, an address and no MAC stay apart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { analyze, loadClusters } from '../../src/analyze.js';
import { readArchive } from '../../src/bundle/read-archive.js';
import { machineMatch } from '../../src/combiners/cluster-groups.js';
import type { NodeFacts } from '../../src/model/node.js';

const S = 'samples/scenarios';
const ID = 'healthy-v3.20';
const opts = { workers: false } as const;
const bundle = (id: string, node: string) => join(S, id, node, readdirSync(join(S, id, node)).find((f) => f.startsWith('diags-'))!);

async function facts(id: string, node: string): Promise<NodeFacts> {
  return (await readArchive(bundle(id, node))).nodes[0]!;
}

async function entries(path: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => {
    extract.on('entry', (h, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: unknown) => parts.push(c as Buffer));
      stream.on('end', () => {
        out.set(h.name, Buffer.concat(parts));
        next();
      });
    });
    extract.on('finish', res);
    extract.on('error', rej);
  });
  extract.end(gunzipSync(readFileSync(path)));
  await done;
  return out;
}

test('the derived bundle: node-b as collected, but for date, the stamp and a rotated Felix log', async () => {
  const a = await entries(bundle(ID, 'node-b'));
  const b = await entries(bundle(ID, 'node-b-later'));
  const rotated = [...b.keys()].filter((k) => !a.has(k));
  assert.is(rotated.length, 1);
  assert.match(rotated[0]!, /^diagnostics\/logs\/felix\/@4[0-9a-f]{23}\.s$/);
  const changed = [...a.keys()].filter((k) => !a.get(k)!.equals(b.get(k)!));
  assert.equal(changed.sort(), ['diagnostics/date', 'diagnostics/logs/felix/current']);
  assert.match(bundle(ID, 'node-b-later'), /diags-20261127_183345\.tar\.gz$/);
  assert.is(b.get('diagnostics/date')!.toString(), 'Fri Nov 27 18:33:45 UTC 2026\n');
  assert.not.match(b.get(rotated[0]!)!.toString() + b.get('diagnostics/logs/felix/current')!.toString(), 'Felix starting up');
});

test('one cluster, node-b twice as snapshots, the reason stated; the same causes as without the second snapshot', async () => {
  const clusters = await loadClusters([join(S, ID)], opts);
  assert.is(clusters.length, 1);
  const why = clusters[0]!.why.join('\n');
  assert.match(why, 'node-b is given twice, collected at 2026-11-27T18:23:45.000Z and 2026-11-27T18:33:45.000Z: snapshots of one node, its Felix log was rotated in between');
  assert.match(why, 'BIRD');
  const r = await analyze([join(S, ID)], opts);
  assert.is(r.clusters, undefined);
  assert.equal(r.nodes.map((n) => n.name), ['node-a', 'node-b', 'node-b#2', 'node-c']);
  const without = await analyze(['node-a', 'node-b', 'node-c', 'resources'].map((d) => join(S, ID, d)), opts);
  const roots = (x: typeof r) => x.findings.filter((f) => f.severity !== 'info').map((f) => f.id).sort();
  assert.equal(roots(r), roots(without));
  assert.ok(r.findings.some((f) => f.rule === 'node-ip-duplicate' && f.severity === 'info' && f.title.includes('snapshots of node-b')), JSON.stringify(r.findings.map((f) => f.title)));
});

test('conservative: rotation is taken only with a shared log start, later starts and the same process', async () => {
  const early = await facts(ID, 'node-b');
  const late = await facts(ID, 'node-b-later');
  const yes = machineMatch(early, late);
  assert.ok(yes.same && yes.rotated !== undefined);
  assert.equal(machineMatch(late, early), yes, 'either order');
  const clone = (f: NodeFacts): NodeFacts => structuredClone(f);
  // every log moved: nothing ties the two histories together
  const allMoved = clone(late);
  for (const s of [allMoved.bird, allMoved.bird6, allMoved.confd]) if (s !== undefined) s.firstTime = '2026-11-27T18:28:00.000Z';
  assert.equal(machineMatch(early, allMoved), { same: false });
  // a new Felix process, not the one writing on
  const restarted = clone(late);
  restarted.felix!.pids = [4242];
  assert.equal(machineMatch(early, restarted), { same: false });
  // the later bundle's Felix log starting before the earlier one's
  const older = clone(late);
  older.felix!.firstTime = '2026-11-27 18:20:00.000';
  assert.equal(machineMatch(early, older), { same: false });
  // the same collection time: not snapshots
  const sameTime = clone(late);
  sameTime.date = early.date;
  assert.equal(machineMatch(early, sameTime), { same: false });
  // two lab clusters' node-a: same hostname and address, no MAC, other histories
  assert.equal(machineMatch(await facts('healthy', 'node-a'), await facts(ID, 'node-a')), { same: false });
  assert.equal(machineMatch(await facts('policy-deny-no-match', 'node-b'), await facts(ID, 'node-b-later')), { same: false });
});

test('beside other scenarios: healthy-v3.20 stays one cluster of four bundles, the others keep their causes', async () => {
  const ids = [ID, 'healthy', 'policy-deny-no-match'];
  const r = await analyze(ids.map((i) => join(S, i)), opts);
  assert.equal(r.clusters!.map((c) => c.cluster!.name).sort(), [...ids].sort());
  const mine = r.clusters!.find((c) => c.cluster!.name === ID)!;
  assert.equal(mine.nodes.map((n) => n.name), ['node-a', 'node-b', 'node-b#2', 'node-c']);
  assert.ok(mine.cluster!.why.some((w) => w.includes('Felix log was rotated')));
  for (const id of ids) {
    const alone = await analyze([join(S, id)], opts);
    assert.equal(r.clusters!.find((c) => c.cluster!.name === id)!.findings.map((f) => f.id).sort(), alone.findings.map((f) => f.id).sort(), id);
  }
});

test.run();
