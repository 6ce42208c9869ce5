/**
 * Parses large resource YAML (exported policies, a cluster diags CRD dump) in a worker thread while the main
 * thread goes on inflating and parsing the bundles. Opt-in (`CALICO_DIAGS_YAML_WORKER=1`): on 2 cores it
 * takes ~0.8 s of CPU off the main thread for the bench set's 2.3 MB of policy YAML, but the other core is
 * busy inflating, so the wall time gained was within noise (median of 7 pairs 6.56 -> 6.39 s) while peak RSS
 * grew by ~35 MiB (the worker's own heap). Small files are always parsed in place, and so is everything in a
 * worker thread. One worker, made on first use, kept referenced only while it has work, so it never keeps
 * the process alive; if it fails, the YAML is parsed in place.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { parseCalicoResources, type CalicoResourcesResult } from '../parsers/calico-resources.js';
import { builtFile } from '../paths.js';

/** Texts at least this long go to the worker. */
export const OFF_THREAD_BYTES = 256 * 1024;

interface Job {
  resolve: (r: CalicoResourcesResult) => void;
  text: string;
  source: { input: string; file: string };
}

/** How many texts went to the worker (for tests and `--timings`). */
export const offThreadStats = { jobs: 0 };

let worker: Worker | undefined;
let broken = false;
let nextId = 0;
const jobs = new Map<number, Job>();

function enabled(): boolean {
  return isMainThread && !broken && process.env.CALICO_DIAGS_YAML_WORKER === '1';
}

/** Every job still waiting is parsed in place (the worker died or reported an error). */
function failAll(): void {
  broken = true;
  worker = undefined;
  for (const [id, j] of jobs) {
    jobs.delete(id);
    j.resolve(parseCalicoResources(j.text, j.source));
  }
}

function theWorker(): Worker {
  if (worker !== undefined) return worker;
  const w = new Worker(builtFile('bundle/resources-worker.js'), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  w.on('message', (msg: { id: number; result?: CalicoResourcesResult; error?: string }) => {
    const j = jobs.get(msg.id);
    if (j === undefined) return;
    jobs.delete(msg.id);
    j.resolve(msg.result ?? parseCalicoResources(j.text, j.source));
    if (jobs.size === 0) w.unref();
  });
  w.on('error', failAll);
  w.on('exit', () => {
    if (jobs.size > 0) failAll();
    worker = undefined;
  });
  w.unref();
  worker = w;
  return w;
}

/** `parseCalicoResources`, in the worker thread for large texts. The result is the same either way. */
export function parseResourcesOffThread(text: string, source: { input: string; file: string }): Promise<CalicoResourcesResult> {
  if (text.length < OFF_THREAD_BYTES || !enabled()) return Promise.resolve(parseCalicoResources(text, source));
  return new Promise((resolve) => {
    const id = nextId++;
    offThreadStats.jobs++;
    jobs.set(id, { resolve, text, source });
    const w = theWorker();
    w.ref();
    w.postMessage({ id, text, source });
  });
}
