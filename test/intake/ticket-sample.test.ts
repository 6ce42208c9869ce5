/**
 * The committed intake sample `samples/intake/ticket-01234.zip` (made by samples/lab/make-ticket-archive.ts):
 * two clusters in one zip, one of them inside a tar.gz in the zip, notes, a screenshot and an unrelated JSON.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import yauzl from 'yauzl';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/report/report-types.js';
import { TICKET_CLUSTERS, TICKET_DIR, ticketEntries } from '../../samples/lab/make-ticket-archive.js';

const ZIP = 'samples/intake/ticket-01234.zip';
const opts = { workers: false } as const;

function zipEntries(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err !== null || zip === undefined) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, s) => {
          if (err2 !== null || s === undefined) return reject(err2);
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => {
            out.set(e.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function causes(r: Report): string[] {
  return r.findings.map((f) => `${f.severity} ${f.id}`).sort();
}

test('the committed ticket zip holds what its script makes: the lab bundles byte for byte', async () => {
  const committed = await zipEntries(ZIP);
  const made = await ticketEntries();
  assert.equal([...committed.keys()].sort(), Object.keys(made).sort());
  for (const [name, body] of Object.entries(made)) {
    // the inner tar.gz is compared inflated (gzip bytes may differ between zlib builds)
    const a = name.endsWith('bundles.tar.gz') ? gunzipSync(committed.get(name)!) : committed.get(name)!;
    const b = name.endsWith('bundles.tar.gz') ? gunzipSync(body) : body;
    assert.ok(a.equals(b), `${name} differs: run node dist/samples/lab/make-ticket-archive.js`);
  }
});

test('the ticket zip: two clusters, each with the root causes of its scenario alone, every file accounted for', async () => {
  const r = await analyze([ZIP], opts);
  assert.equal(r.clusters?.map((c) => c.cluster!.name).sort(), ['prod', 'staging']);
  for (const [name, id] of Object.entries(TICKET_CLUSTERS)) {
    const alone = await analyze([join('samples/scenarios', id)], opts);
    const c = r.clusters!.find((x) => x.cluster!.name === name)!;
    assert.equal(causes(c), causes(alone), `${name} (${id})`);
    assert.equal(c.nodes.map((n) => n.name), alone.nodes.map((n) => n.name));
  }
  const staging = r.clusters!.find((x) => x.cluster!.name === 'staging')!;
  assert.ok(staging.cluster!.why.some((w) => w.includes(`${ZIP}!/${TICKET_DIR}/staging-bundles.tar.gz!/staging`)), staging.cluster!.why.join('\n'));

  const row = (suffix: string) => r.inputs.find((i) => i.path === `${ZIP}!/${TICKET_DIR}/${suffix}`);
  assert.equal([row('notes.txt')?.status, row('notes.txt')?.attachment?.guess], ['ignored', 'unknown text, 4 lines']);
  assert.equal([row('screenshot.png')?.status, row('screenshot.png')?.attachment?.guess], ['ignored', 'image (PNG)']);
  assert.equal([row('kubectl-version.json')?.status, row('kubectl-version.json')?.attachment?.guess], ['ignored', 'JSON that is not a Calico export']);
  for (const n of ['node-a', 'node-b', 'node-c']) {
    assert.ok(r.inputs.some((i) => i.path.startsWith(`${ZIP}!/${TICKET_DIR}/prod/${n}/diags-`) && i.status === 'ok' && i.nodes.join() === n), `prod ${n}`);
    assert.ok(r.inputs.some((i) => i.path.startsWith(`${ZIP}!/${TICKET_DIR}/staging-bundles.tar.gz!/staging/${n}/diags-`) && i.status === 'ok' && i.nodes.join() === n), `staging ${n}`);
  }
  // the YAML inside the archives is accounted for on the row of the archive that held it
  const zipRow = r.inputs.find((i) => i.path === ZIP)!;
  assert.equal(zipRow.resources, [`${TICKET_DIR}/prod/resources/bgpconfiguration.yaml: 1 BGPConfiguration`, `${TICKET_DIR}/prod/resources/ippool.yaml: 1 IPPool`, `${TICKET_DIR}/prod/resources/node.yaml: 3 Node`]);
  const tgzRow = r.inputs.find((i) => i.path === `${ZIP}!/${TICKET_DIR}/staging-bundles.tar.gz` && i.resources !== undefined)!;
  assert.ok(tgzRow.resources!.includes('staging/resources/felixconfiguration.yaml: 1 FelixConfiguration'), JSON.stringify(tgzRow));
  assert.ok(!r.inputs.some((i) => i.status === 'unreadable' || i.status === 'partial'));
});

test.run();
