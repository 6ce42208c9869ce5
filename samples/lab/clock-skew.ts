/**
 * A node whose clock runs ahead (scenario field `clockOffsetSeconds`). The lab's namespaces share the
 * host's clock and `unshare --time` cannot move CLOCK_REALTIME, so the skew is written after collection,
 * as the node's own clock would have written it: the `date` file, the tarball name, every stamp in the
 * copied logs (svlogd `-ttt` stamps of the real BIRD lines, Felix/confd/CNI logrus stamps, the
 * container-creation time) and the mtimes of the files in the archive are moved by the offset. What
 * the commands printed is otherwise unchanged.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const STAMP = /(\d{4})-(\d{2})-(\d{2})([T_ ])(\d{2}):(\d{2}):(\d{2})/g;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Moves every `YYYY-MM-DD[T_ ]HH:MM:SS` stamp in `text` by `seconds` (fractions kept as printed). */
export function shiftStamps(text: string, seconds: number): string {
  return text.replace(STAMP, (_m, y: string, mo: string, d: string, sep: string, h: string, mi: string, s: string) => {
    const t = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + seconds * 1000);
    return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}${sep}${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  });
}

/** `date` output (C locale, UTC) for an instant: `Fri Nov 27 10:22:00 UTC 2026`. */
export function dateOutput(ms: number): string {
  const r = spawnSync('date', ['-u', '-d', `@${Math.floor(ms / 1000)}`], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`date failed: ${r.stderr}`);
  return r.stdout;
}

/** `diags-20261127_101500.tar.gz` moved by `seconds`. */
export function shiftedArchiveName(name: string, seconds: number): string {
  const m = /^diags-(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.tar\.gz$/.exec(name);
  if (m === null) throw new Error(`not a diags tarball name: ${name}`);
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + seconds * 1000);
  return `diags-${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}_${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}.tar.gz`;
}

function walk(dir: string, visit: (path: string, isDir: boolean) => void): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, visit);
    visit(p, e.isDirectory());
  }
}

/** Rewrites a collected bundle as a node `seconds` ahead would have written it; returns the new path. */
export function skewBundle(tgz: string, seconds: number): string {
  const tmp = mkdtempSync(join(tmpdir(), 'cdlab-skew-'));
  try {
    const x = spawnSync('tar', ['-xzf', tgz], { cwd: tmp, encoding: 'utf8' });
    if (x.status !== 0) throw new Error(`tar -x failed: ${x.stderr}`);
    const diag = join(tmp, 'diagnostics');
    chmodSync(diag, 0o755);
    // `date` ran first: its instant is when the (real) collection began, read on the skewed clock.
    const datePath = join(diag, 'date');
    const realStart = statSync(datePath).mtimeMs;
    writeFileSync(datePath, dateOutput(realStart + seconds * 1000));
    walk(join(diag, 'logs'), (p, isDir) => {
      if (isDir) return;
      writeFileSync(p, shiftStamps(readFileSync(p, 'utf8'), seconds));
    });
    const shift = (p: string) => {
      const st = statSync(p);
      utimesSync(p, new Date(st.atimeMs + seconds * 1000), new Date(st.mtimeMs + seconds * 1000));
    };
    walk(diag, (p) => shift(p));
    shift(diag);
    chmodSync(diag, 0o000);
    const name = shiftedArchiveName(basename(tgz), seconds);
    const r = spawnSync('tar', ['-zcvf', name, 'diagnostics'], { cwd: tmp, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    chmodSync(diag, 0o755);
    const dest = join(dirname(tgz), name);
    rmSync(tgz);
    try {
      renameSync(join(tmp, name), dest);
    } catch {
      writeFileSync(dest, readFileSync(join(tmp, name)));
    }
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
