/**
 * Process and namespace bookkeeping for the lab: every process it starts and every namespace it
 * creates is recorded here, and `cleanup()` stops exactly those (by PID) and deletes exactly those
 * namespaces. Nothing is ever created in, or sent to, the root network namespace.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

const started: ChildProcess[] = [];
const namespaces: string[] = [];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command synchronously; throws on failure unless `allowFail`. */
export function run(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(cmd, args, { input: opts.input, encoding: 'utf8', env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  const res = { code: r.status ?? (r.error ? 127 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (res.code !== 0 && !opts.allowFail) {
    throw new Error(`command failed (${res.code}): ${cmd} ${args.join(' ')}\n${res.stderr}${r.error ? String(r.error) : ''}`);
  }
  return res;
}

/** Runs a command inside a network namespace. */
export function nsRun(ns: string, cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): RunResult {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Runs a command inside a namespace without blocking the event loop (pings). */
export function nsRunAsync(ns: string, cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Starts a long-running process and records its PID for cleanup. */
export function startTracked(cmd: string, args: string[], opts: SpawnOptions): ChildProcess {
  if (cleaned) throw new Error(`lab is shutting down; not starting ${cmd}`);
  const child = spawn(cmd, args, opts);
  started.push(child);
  child.on('error', (e) => process.stderr.write(`lab: ${cmd}: ${String(e)}\n`));
  return child;
}

export function addNamespace(name: string): void {
  run('ip', ['netns', 'add', name]);
  namespaces.push(name);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Stops one tracked process by PID: SIGTERM, then SIGKILL after a grace period. */
export async function stopProcess(child: ChildProcess, graceMs = 1500): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until && alive(pid) && child.exitCode === null && child.signalCode === null) await sleep(50);
  if (child.exitCode === null && child.signalCode === null && alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

let cleaned = false;
let cleaning: Promise<void> | undefined;

/** True once cleanup has begun: loops that restart processes must stop. */
export function shuttingDown(): boolean {
  return cleaned;
}

/** Lets the next scenario in the same run register processes and namespaces again. */
export function resetCleanup(): void {
  cleaned = false;
  cleaning = undefined;
  started.length = 0;
}

/** Stops every process this lab started (by PID) and deletes every namespace it created. */
export function cleanup(): Promise<void> {
  if (cleaning) return cleaning;
  cleaned = true;
  cleaning = (async () => {
    for (const c of [...started].reverse()) await stopProcess(c);
    cleanupNamespacesSync();
  })();
  return cleaning;
}

function cleanupNamespacesSync(): void {
  for (const ns of namespaces.reverse()) {
    // Any process still inside (e.g. a ping we started) was ours; `ip netns pids` lists them.
    const pids = run('ip', ['netns', 'pids', ns], { allowFail: true }).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
    const ours = new Set(started.map((c) => c.pid));
    for (const p of pids) {
      if (ours.has(Number(p))) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    run('ip', ['netns', 'del', ns], { allowFail: true });
  }
  namespaces.length = 0;
}

/** Installs SIGINT/SIGTERM/uncaught-exception handlers that clean up before exiting. */
export function installCleanupHandlers(): void {
  const onSignal = (sig: string) => {
    process.stderr.write(`lab: ${sig}, cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('uncaughtException', (e) => {
    process.stderr.write(`lab: uncaught ${String(e)}\n`);
    void cleanup().finally(() => process.exit(1));
  });
  process.on('exit', () => {
    // Last resort (process.exit while an async cleanup was still running): kill what is left, by PID.
    {
      for (const c of started) {
      if (c.pid === undefined || c.exitCode !== null) continue;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
      cleanupNamespacesSync();
    }
  });
}
