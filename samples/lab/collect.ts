/**
 * Collection as `calicoctl node diags` does it (diags-format.md §1.1–1.4), run inside a node's
 * namespace: each command's stdout and stderr go to the same file (Go's CombinedOutput), `hostname`
 * runs in a UTS namespace whose hostname is the simulated one, the log dir is copied, and GNU tar
 * packs `diagnostics/` (mode 0000) into `diags-YYYYMMDD_HHMMSS.tar.gz`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Layout } from './scenario.js';

export interface CollectInput {
  ns: string;
  hostname: string;
  layout: Layout;
  logRoot: string;
  /** Binaries that do not exist on the simulated node. */
  missing: string[];
  /** Docker present: `ipset_container` and container logs. */
  docker: boolean;
  outDir: string;
  /**
   * Names of namespaces as `ip` must show them (`link-netns <name>`): pod namespaces appear as
   * `cni-<uuid>` like on a real node; the lab's switch/NAT namespaces are hidden (`link-netnsid N`).
   */
  netnsAliases: Array<[lab: string, shown: string]>;
  /** An empty directory the collection may use as a mount point. */
  scratch: string;
  /** Text of the calico-node container log (docker nodes), built by the caller. */
  containerLog?: string;
  /** When the calico-node container was created (docker nodes). */
  containerCreated?: Date;
}

interface Cmd {
  file: string;
  cmd: string[];
}

function commands(layout: Layout): Cmd[] {
  const list: Cmd[] = [
    { file: 'date', cmd: ['date'] },
    { file: 'hostname', cmd: ['hostname'] },
    { file: 'netstat', cmd: ['netstat', '-a', '-n'] },
    { file: 'ipv4_route', cmd: ['ip', '-4', 'route'] },
    { file: 'ipv6_route', cmd: ['ip', '-6', 'route'] },
    { file: 'ipv4_addr', cmd: ['ip', '-4', 'addr'] },
    { file: 'ipv6_addr', cmd: ['ip', '-6', 'addr'] },
  ];
  if (layout === 'v3.31') list.push({ file: 'nft_ruleset', cmd: ['nft', '-n', '-a', 'list', 'ruleset'] });
  list.push(
    { file: 'ipv4_tables', cmd: ['iptables-save', '-c'] },
    { file: 'ipv6_tables', cmd: ['ip6tables-save', '-c'] },
    { file: 'ipsets', cmd: ['ipset', 'list'] },
    { file: 'ipset_container', cmd: ['docker', 'run', '--rm', '--privileged', '--net=host', 'calico/node', 'ipset', 'list'] },
    { file: 'journalctl_calico_node', cmd: ['journalctl', '-u', 'calico-node.service', '--no-pager'] },
  );
  return list;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Runs one command in the node namespace with stdout+stderr into `path`; returns the exit status. */
function runInto(inp: CollectInput, argv: string[], path: string): number {
  const fd = openSync(path, 'w', 0o644);
  try {
    // Private mount namespace: the saved /run/netns is bind-mounted on the scratch dir, /run/netns
    // becomes an empty tmpfs holding only the pod namespaces under their cni-<uuid> names.
    const sh = [
      'S="$1"; shift',
      'mount --rbind /run/netns "$S" && mount -t tmpfs tmpfs /run/netns || exit 97',
      'while [ "$1" != "--" ]; do touch "/run/netns/${1#*=}" && mount --bind "$S/${1%%=*}" "/run/netns/${1#*=}" || exit 98; shift; done',
      'shift; umount -l "$S"; hostname "$0" && exec "$@"',
    ].join('\n');
    const aliases = inp.netnsAliases.map(([lab, shown]) => `${lab}=${shown}`);
    const r = spawnSync('ip', ['netns', 'exec', inp.ns, 'unshare', '--uts', '--mount', '--propagation', 'private', 'sh', '-c', sh, inp.hostname, inp.scratch, ...aliases, '--', ...argv], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' },
    });
    if (r.status === 97 || r.status === 98) throw new Error(`collection wrapper failed in ${inp.ns}`);
    return r.status ?? 1;
  } finally {
    closeSync(fd);
  }
}

export function collectNode(inp: CollectInput): string {
  const tmp = mkdtempSync(join(tmpdir(), 'calico'));
  const diag = join(tmp, 'diagnostics');
  mkdirSync(diag);
  for (const c of commands(inp.layout)) {
    const path = join(diag, c.file);
    const bin = c.cmd[0]!;
    if (inp.missing.includes(bin) || (bin === 'docker' && !inp.docker)) {
      // exec fails before anything runs: CombinedOutput returns no bytes.
      if (inp.layout === 'v3.20') writeFileSync(path, '');
      continue;
    }
    if (bin === 'docker') {
      // No docker daemon in the lab: the container's `ipset list` sees the host's (namespace's) sets.
      const status = runInto(inp, ['ipset', 'list'], path);
      if (status !== 0 && inp.layout !== 'v3.20') unlinkSync(path);
      continue;
    }
    const status = runInto(inp, c.cmd, path);
    // v3.22+: a failed command leaves no file; ≤v3.21 keeps whatever it printed.
    if (status !== 0 && inp.layout !== 'v3.20') unlinkSync(path);
  }
  // Copy the log dir (shutil.CopyTree keeps modes), then container logs where docker exists (v3.27+).
  if (existsSync(inp.logRoot) && readdirSync(inp.logRoot).length > 0) {
    cpSync(inp.logRoot, join(diag, 'logs'), { recursive: true, preserveTimestamps: true });
  } else {
    mkdirSync(join(diag, 'logs'));
    chmodSync(join(diag, 'logs'), 0o000);
  }
  if (inp.docker && inp.layout === 'v3.31' && inp.containerLog !== undefined) {
    const name = `k8s_calico-node_calico-node-7kq2x_calico-system_3f6c2b1e-8d4a-4c1f-9b0e-5a7d2e9c4f10_0`;
    writeFileSync(join(diag, 'logs', 'container_creation_time'), `${name}: ${(inp.containerCreated ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC')}\n`);
    writeFileSync(join(diag, 'logs', `${name}.log`), inp.containerLog);
  }
  chmodSync(diag, 0o000);
  const d = new Date();
  const name = `diags-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}.tar.gz`;
  const r = spawnSync('tar', ['-zcvf', name, 'diagnostics'], { cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  mkdirSync(inp.outDir, { recursive: true });
  for (const old of readdirSync(inp.outDir)) if (old.startsWith('diags-')) rmSync(join(inp.outDir, old));
  const dest = join(inp.outDir, name);
  try {
    renameSync(join(tmp, name), dest);
  } catch {
    writeFileSync(dest, readFileSync(join(tmp, name)));
  }
  chmodSync(diag, 0o755);
  rmSync(tmp, { recursive: true, force: true });
  return dest;
}
