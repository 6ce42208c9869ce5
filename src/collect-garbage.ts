/**
 * One full garbage collection between the read and the analysis.
 *
 * Reading leaves the old generation full of what parsing promoted and no longer needs (per-file parser
 * state, lines kept a while): at 8 GB ~100 MiB of it against ~20 MiB live. V8 collects it only when the
 * heap next reaches its limit, so the combiners and rules allocate on top of it and the process's peak
 * RSS is the sum. One collection at that point costs a few tens of milliseconds and lets the analysis
 * reuse those pages; it runs only when the heap is large enough for that to matter.
 *
 * Node exposes no collector call without `--expose-gc` on its command line, and bin/ cannot pass one.
 * Setting the flag at run time (`v8.setFlagsFromString`) gives every context made afterwards a global
 * `gc`; one new context is made to fetch it. If that ever stops working, nothing is collected early
 * and the run is otherwise the same. `CALICO_DIAGS_GC=0` turns it off.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | undefined | null;

function getCollector(): (() => void) | undefined {
  if (collector === undefined) {
    collector = null;
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as unknown;
      if (typeof gc === 'function') collector = gc as () => void;
    } catch {
      collector = null;
    }
  }
  return collector ?? undefined;
}

/**
 * Below this much heap the collection is not run: it would cost more than it gives back. 2 GB of
 * bundles leave 64-66 MiB, of which it freed 8 MiB in 49 ms. 8 GB leave 88-102 MiB: it frees 16-28 MiB
 * in ~50 ms, and the peak RSS, reached in the analysis when it does not run, falls from 252-258 to
 * 233-239 MiB. (At 96 MiB, the threshold until the read kept less, it ran at 8 GB only some of the time.)
 */
export const COLLECT_ABOVE_BYTES = 80 * 1024 * 1024;

/** Runs a full collection when the heap holds at least `above` bytes; false when it did not (below, turned off, not available). */
export function collectGarbage(env: NodeJS.ProcessEnv = process.env, above = COLLECT_ABOVE_BYTES): boolean {
  if (env['CALICO_DIAGS_GC'] === '0') return false;
  if (getHeapStatistics().used_heap_size < above) return false;
  const gc = getCollector();
  if (gc === undefined) return false;
  gc();
  return true;
}
