/**
 * Log files of the calico/node services that cannot run in the lab (felix, confd, the CNI plugin,
 * allocate-tunnel-addrs, monitor-addresses, node-status-reporter). Their lines are WRITTEN, in the
 * exact Calico logrus format for the layout (diags-format.md §3.1), built from the real excerpts of
 * §5, stamped with the lab's own clock; they are fed through a real `svlogd` exactly as calico/node's
 * `log/run` scripts do (`svlogd` for ≤v3.20 felix/confd, `svlogd -ttt` for v3.21+, plain `svlogd`
 * for monitor-addresses), so prefixes, `current`, `lock` and `config` are svlogd's own.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Layout } from './scenario.js';
import { startTracked } from './proc.js';

export type SvlogdMode = 'plain' | '-tt' | '-ttt';

/** svlogd mode calico/node uses for a service directory in a layout. */
export function svlogdMode(layout: Layout, service: string): SvlogdMode {
  if (service === 'monitor-addresses') return 'plain';
  if (layout === 'v3.20') return service === 'bird' || service === 'bird6' ? '-tt' : 'plain';
  return '-ttt';
}

/** Service directories calico/node writes under /var/log/calico for a layout. */
export function services(layout: Layout): string[] {
  const base = ['allocate-tunnel-addrs', 'bird', 'bird6', 'cni', 'confd', 'felix', 'monitor-addresses'];
  return layout === 'v3.20' ? base : [...base, 'node-status-reporter'];
}

/** Starts a real svlogd on `<logRoot>/<service>` the way the service's `log/run` does; returns its stdin. */
export function startSvlogd(logRoot: string, layout: Layout, service: string): Writable {
  const dir = join(logRoot, service);
  mkdirSync(dir, { recursive: true });
  if (service !== 'monitor-addresses') appendFileSync(join(dir, 'config'), 's10000000\nn5\n');
  const mode = svlogdMode(layout, service);
  const args = mode === 'plain' ? [dir] : [mode, dir];
  const child = startTracked('svlogd', args, { stdio: ['pipe', 'ignore', 'inherit'] });
  return child.stdin!;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in the container's time zone (UTC). */
export function logrusTime(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

export type Level = 'INFO' | 'WARNING' | 'ERROR' | 'DEBUG';

/** One logrus line: `2024-03-15 00:46:55.752 [INFO][68] felix/int_dataplane.go 1689: msg k=v`. */
export function logrusLine(d: Date, level: Level, pid: number, component: string | undefined, file: string, line: number, msg: string): string {
  return `${logrusTime(d)} [${level}][${pid}] ${component ? component + '/' : ''}${file} ${line}: ${msg}`;
}

/** A Calico Go service's log sink: writes logrus lines (component prefix from v3.14) into its svlogd. */
export class CalicoLog {
  constructor(
    private readonly out: Writable | undefined,
    private readonly layout: Layout,
    readonly pid: number,
    private readonly component: string,
  ) {}
  write(level: Level, file: string, line: number, msg: string): void {
    if (!this.out) return;
    // Both layouts are ≥ v3.14, so the component prefix is always present.
    this.out.write(logrusLine(new Date(), level, this.pid, this.component, file, line, msg) + '\n');
  }
  get layoutName(): Layout {
    return this.layout;
  }
}

/** cni.log is written by the CNI plugin itself (lumberjack), never through svlogd. */
export function appendCniLog(logRoot: string, layout: Layout, pid: number, entries: Array<[Level, string, string, number, string]>): void {
  const dir = join(logRoot, 'cni');
  mkdirSync(dir, { recursive: true });
  const lines = entries.map(([level, comp, file, line, msg]) =>
    // CNI plugin component prefixes (`cni-plugin/`, `ipam/`) exist from v3.29 only.
    logrusLine(new Date(), level, pid, layout === 'v3.31' ? comp : undefined, file, line, msg),
  );
  appendFileSync(join(dir, 'cni.log'), lines.join('\n') + '\n');
}

export function writeEmpty(path: string): void {
  writeFileSync(path, '');
}
