/**
 * Packs lab scenarios the way a customer sends them to support, as `samples/intake/ticket-01234.zip`:
 *
 * ```
 * case-01234/prod/node-{a,b,c}/diags-….tar.gz       bgp-as-mismatch's node bundles, as collected
 * case-01234/prod/resources/*.yaml                    its `calicoctl get -o yaml` exports
 * case-01234/staging-bundles.tar.gz                   a tar.gz (made with GNU tar's layout: a folder per host)
 *                                                     holding healthy-vxlan's node bundles and exports
 * case-01234/notes.txt                                the customer's description of the problem
 * case-01234/screenshot.png                           a screenshot (a 1x1 PNG)
 * case-01234/kubectl-version.json                     `kubectl version -o json` (a JSON that is not a Calico export)
 * ```
 *
 * Two clusters in one zip, an archive inside the zip, and files that are not bundles: what the intake has to
 * sort out (test/intake/ticket-sample.test.ts checks the result). Nothing in the bundles is rewritten: every
 * node bundle is the lab's file byte for byte. The zip's timestamps are fixed, so the same scenarios give the
 * same entries.
 *
 * Usage (after `npm run build`): node dist/samples/lab/make-ticket-archive.js
 */
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { packTarGz } from './tar-gz.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const scenarios = join(root, 'samples', 'scenarios');
/** When the customer zipped the folder (the zip format stores local time; fixed so the entries are stable). */
const ZIPPED_AT = new Date('2026-11-28T09:14:00Z');

/** The ticket's folder in the zip and what goes in it, by path. */
export const TICKET_DIR = 'case-01234';
export const TICKET_CLUSTERS = { prod: 'bgp-as-mismatch', staging: 'healthy-vxlan' } as const;
export const TICKET_NOTES = [
  'Case 01234 - pods on node-c cannot reach pods on node-a and node-b (prod)',
  '',
  'Since the upgrade on Tuesday. Staging is fine, bundles of both attached.',
  'Collected with calicoctl node diags on every node.',
  '',
].join('\n');
export const TICKET_PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e5273ede0000000049454e44ae426082',
  'hex',
);
export const TICKET_KUBECTL_VERSION = JSON.stringify(
  {
    clientVersion: { major: '1', minor: '29', gitVersion: 'v1.29.4', platform: 'linux/amd64' },
    kustomizeVersion: 'v5.0.4-0.20230601165947-6ce0bf390ce3',
    serverVersion: { major: '1', minor: '29', gitVersion: 'v1.29.4', platform: 'linux/amd64' },
  },
  null,
  2,
) + '\n';

/** A scenario's files (`<host>/diags-….tar.gz`, `resources/*.yaml`) by path relative to the scenario. */
export function scenarioFiles(id: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const sub of readdirSync(join(scenarios, id)).sort()) {
    for (const f of readdirSync(join(scenarios, id, sub)).sort()) out[`${sub}/${f}`] = readFileSync(join(scenarios, id, sub, f));
  }
  return out;
}

/** A gzipped tar of `files` under `dir/`, folders first as GNU tar writes them, with a fixed mtime. */
function tarGz(dir: string, files: Record<string, Buffer>): Promise<Buffer> {
  const folders = new Set<string>([`${dir}/`]);
  for (const p of Object.keys(files)) folders.add(`${dir}/${p.slice(0, p.lastIndexOf('/') + 1)}`);
  const header = { mtime: ZIPPED_AT, uid: 1000, gid: 1000, uname: 'ops', gname: 'ops' };
  return packTarGz([
    ...[...folders].sort().map((f) => ({ header: { ...header, name: f, type: 'directory' as const, mode: 0o755 }, body: Buffer.alloc(0) })),
    ...Object.entries(files).map(([p, body]) => ({ header: { ...header, name: `${dir}/${p}`, mode: 0o644 }, body })),
  ]);
}

/** Every entry of the ticket zip, by path inside it. */
export async function ticketEntries(): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const [p, body] of Object.entries(scenarioFiles(TICKET_CLUSTERS.prod))) out[`${TICKET_DIR}/prod/${p}`] = body;
  out[`${TICKET_DIR}/staging-bundles.tar.gz`] = await tarGz('staging', scenarioFiles(TICKET_CLUSTERS.staging));
  out[`${TICKET_DIR}/notes.txt`] = Buffer.from(TICKET_NOTES);
  out[`${TICKET_DIR}/screenshot.png`] = TICKET_PNG;
  out[`${TICKET_DIR}/kubectl-version.json`] = Buffer.from(TICKET_KUBECTL_VERSION);
  return out;
}

export async function writeTicketZip(path: string): Promise<void> {
  const z = new yazl.ZipFile();
  for (const [name, body] of Object.entries(await ticketEntries())) {
    // Bundles are gzipped already: stored, as zip tools do for compressed files.
    z.addBuffer(body, name, { mtime: ZIPPED_AT, mode: 0o100644, compress: !name.endsWith('.gz') && !name.endsWith('.png') });
  }
  z.end();
  mkdirSync(dirname(path), { recursive: true });
  await new Promise<void>((res, rej) => {
    z.outputStream.pipe(createWriteStream(path)).on('close', () => res()).on('error', rej);
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = join(root, 'samples', 'intake', 'ticket-01234.zip');
  await writeTicketZip(out);
  console.log(`wrote ${out}`);
}
