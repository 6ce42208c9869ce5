/**
 * Gives the main thread first claim on the CPU. The analyzer's critical path is its one JavaScript
 * thread (tar walking, line splitting, every parser); the libuv threads that inflate and read, and
 * V8's helper threads, only feed it. On 2 cores, two inflating threads plus the main thread are three
 * runnable threads for two cores, so the scheduler takes the main thread off a core a third of the
 * time while it has work. Lowering the helpers' priority (nice 19) lets them run on the core the main
 * thread leaves, and on the main thread's core only while it waits for them.
 *
 * Only lowers (any user may raise a nice value; nothing is raised), only on Linux, where
 * `setpriority(PRIO_PROCESS, tid)` applies to the one thread `tid` (see setpriority(2), NOTES).
 * With cores to spare it changes nothing: nice matters only when threads wait for a core.
 * `CALICO_DIAGS_FAVOUR_MAIN=0` turns it off (the bench compares both).
 */
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** The nice value given to every thread but the main one: the lowest priority. */
export const HELPER_NICE = 19;

const TASKS = '/proc/self/task';

/**
 * Lowers every thread of this process but the main one to HELPER_NICE; returns how many were
 * lowered (0 off Linux, when turned off, or when `/proc` cannot be read). Threads started later
 * (worker_threads) keep the main thread's priority, which they inherit.
 */
export async function favourMainThread(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (process.platform !== 'linux' || env.CALICO_DIAGS_FAVOUR_MAIN === '0') return 0;
  // An async fs call starts libuv's thread pool (all of its threads at once) if nothing has yet.
  await stat(TASKS).catch(() => undefined);
  let tids: string[];
  try {
    tids = readdirSync(TASKS);
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const t of tids) {
    const tid = Number(t);
    if (!Number.isInteger(tid) || tid === process.pid) continue;
    try {
      setPriority(tid, HELPER_NICE);
      lowered++;
    } catch {
      // The thread ended meanwhile, or a sandbox forbids it: the analysis is the same, only slower.
    }
  }
  return lowered;
}
