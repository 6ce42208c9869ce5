/**
 * Derives a later snapshot of one lab node whose Felix log was rotated between the two collections (no
 * namespace lab needed): reads `samples/scenarios/<id>/<node>/diags-*.tar.gz` and writes
 * `samples/scenarios/<id>/<node>-later/diags-<stamp + minutes>.tar.gz`, rewritten entry by entry as
 * calicoctl's GNU tar wrote the original (same order, headers, `diagnostics/` mode 0000, gzip):
 * - `date` is `minutes` later, and so are the collection-time entries' mtimes and the tarball's stamp;
 * - `logs/felix/`: svlogd rotated `current` into `@<TAI64N>.s` and dropped the oldest file, the one that
 *   held Felix's start-up lines (at most `n5` are kept); the rotated file holds Felix's summary lines from
 *   the original on, extended to the rotation, and a new `current` runs from the rotation to the collection.
 *   The same process writes on (same PID), so every line is in the original's format.
 * - BIRD, confd and the other logs are as they were (they did not rotate), every command output too.
 *
 * Usage (after `npm run build`): node dist/samples/lab/derive-rotated-snapshot.js <scenario> <node> <minutes>
 */
import { readdirSync, readFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { packTarGz, type TarEntry } from './tar-gz.js';

type Entry = TarEntry;

async function readEntries(tgz: Buffer): Promise<Entry[]> {
  const out: Entry[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => {
    extract.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: unknown) => parts.push(c as Buffer));
      stream.on('end', () => {
        out.push({ header, body: Buffer.concat(parts) });
        next();
      });
    });
    extract.on('finish', res);
    extract.on('error', rej);
  });
  extract.end(gunzipSync(tgz));
  await done;
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `date` on the lab nodes: `Fri Nov 27 18:23:45 UTC 2026`. */
function dateLine(t: Date): string {
  return `${DAYS[t.getUTCDay()]} ${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2, ' ')} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} UTC ${t.getUTCFullYear()}\n`;
}

function stamp(t: Date): string {
  return `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}_${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
}

/** svlogd's rotated file name: `@` + TAI64N (2^62 + 10 leap seconds + Unix seconds, then nanoseconds) + `.s`. */
function tai64n(t: Date): string {
  const sec = BigInt(Math.floor(t.getTime() / 1000)) + (1n << 62n) + 10n;
  const nano = (t.getTime() % 1000) * 1_000_000;
  return `@${sec.toString(16).padStart(16, '0')}${nano.toString(16).padStart(8, '0')}.s`;
}

/** The logrus stamp `2026-11-27 18:23:18.392` (and svlogd's `-ttt` prefix `2026-11-27T18:23:18.39270 ` when the original has it). */
function restamp(template: string, t: Date, withPrefix: boolean): string {
  const iso = t.toISOString();
  const logrus = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  const body = template.replace(/^(\d{4}-\d{2}-\d{2}T\S+ )?\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}/, logrus);
  // svlogd's -ttt stamp has five digits of fraction, a moment after the line's own stamp
  return withPrefix ? `${iso.slice(0, 19)}.${pad(t.getUTCMilliseconds(), 3)}07 ${body}` : body;
}

/** Felix's periodic summary lines, one every ~10 s from `from` to `to`, in the format of `template`. */
function summaries(template: string, from: Date, to: Date, withPrefix: boolean, seed: number): string[] {
  const out: string[] = [];
  let i = seed;
  for (let t = from.getTime(); t < to.getTime(); t += 10_000 + (i % 7) * 37) {
    const loops = 7 + (i % 5);
    const line = template.replace(/Summarising \d+ dataplane reconciliation loops over [\d.]+s: avg=\d+ms longest=\d+ms/, `Summarising ${loops} dataplane reconciliation loops over 10.${i % 5}s: avg=${9 + (i % 4)}ms longest=${35 + (i % 9)}ms`);
    out.push(restamp(line, new Date(t), withPrefix));
    i++;
  }
  return out;
}

export async function deriveRotatedSnapshot(scenarioDir: string, node: string, minutes: number): Promise<string> {
  const srcDir = join(scenarioDir, node);
  const src = readdirSync(srcDir).find((f) => /^diags-\d{8}_\d{6}\.tar\.gz$/.test(f))!;
  const entries = await readEntries(readFileSync(join(srcDir, src)));
  const date = entries.find((e) => e.header.name === 'diagnostics/date')!;
  const collected = new Date(Date.parse(date.body.toString().trim().replace(/^\w+ (\w+) +(\d+) ([\d:]+) UTC (\d+)$/, '$1 $2 $4 $3 UTC')));
  const later = new Date(collected.getTime() + minutes * 60_000);
  const rotation = new Date(collected.getTime() + (minutes * 60_000) / 2);
  const felix = entries.find((e) => e.header.name === 'diagnostics/logs/felix/current')!;
  const lines = felix.body.toString().split('\n').filter((l) => l.length > 0);
  const firstSummary = lines.findIndex((l) => l.includes('felix/summary.go'));
  const template = lines[lines.length - 1]!;
  const withPrefix = /^\d{4}-\d{2}-\d{2}T/.test(template);
  const lastTime = new Date(Date.parse(/(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})/.exec(template)![1]!.replace(' ', 'T') + 'Z'));
  const rotated = [...lines.slice(firstSummary), ...summaries(template, new Date(lastTime.getTime() + 10_000), rotation, withPrefix, 1)];
  const current = summaries(template, rotation, later, withPrefix, 3);
  const shift = (e: Entry) => {
    const m = e.header.mtime;
    if (m !== undefined && m.getTime() >= collected.getTime() - 5_000) e.header.mtime = new Date(m.getTime() + minutes * 60_000);
  };
  const out: Entry[] = [];
  for (const e of entries) {
    shift(e);
    if (e === date) e.body = Buffer.from(dateLine(later));
    if (e === felix) {
      out.push({ header: { ...e.header, name: `diagnostics/logs/felix/${tai64n(rotation)}`, mode: 0o744, mtime: rotation }, body: Buffer.from(rotated.join('\n') + '\n') });
      e.body = Buffer.from(current.join('\n') + '\n');
      e.header.mtime = later;
    }
    out.push(e);
  }
  const outDir = join(scenarioDir, `${node}-later`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `diags-${stamp(later)}.tar.gz`);
  writeFileSync(path, await packTarGz(out));
  return path;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [id, node, minutes] = process.argv.slice(2);
  if (id === undefined || node === undefined) {
    process.stderr.write('usage: derive-rotated-snapshot <scenario> <node> [minutes=10]\n');
    process.exit(2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  process.stdout.write(`${await deriveRotatedSnapshot(join(root, 'samples', 'scenarios', id), node, Number(minutes ?? 10))}\n`);
}
