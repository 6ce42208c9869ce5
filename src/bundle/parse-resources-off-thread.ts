/**
 * Parses large resource YAML (exported policies, a cluster diags CRD dump) in a worker thread while the main
 * thread goes on inflating and parsing the bundles: YAML parsing runs at ~2-3 MB/s, so the 2 MB of policy
 * YAML a big cluster exports would otherwise hold the main thread for most of a second. Small files are
 * parsed in place (a worker costs more than they do), and so is everything when this already runs in a
 * worker thread or `CALICO_DIAGS_YAML_WORKER=0` is set. One worker, made on first use, kept referenced only
 * while it has work, so it never keeps the process alive; if it fails, the YAML is parsed in place.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { parseCalicoResources, type CalicoResourcesResult } from '../parsers/calico-resources.js';

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
  return isMainThread && !broken && process.env.CALICO_DIAGS_YAML_WORKER !== '0';
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
  const w = new Worker(new URL('./resources-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
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
