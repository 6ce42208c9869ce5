/**
 * `analyze --timings`: wall time and heap of each phase of the pipeline, one line each on stderr.
 * Parts (a combiner inside derive, one rule) are listed under their phase when they take at least
 * `PART_MIN_MS`. Without `--timings` nothing is measured: callers pass `undefined` and pay nothing.
 */
import { getHeapStatistics } from 'node:v8';

/** A part of a phase (one combiner, one rule) is listed when it takes at least this long. */
export const PART_MIN_MS = 5;

export interface TimingEntry {
  name: string;
  ms: number;
  /** V8 heap in use after the phase, bytes. */
  heapUsed: number;
  /** Resident set size after the phase, and the process's peak so far, bytes. */
  rss: number;
  peakRss: number;
  /** 0 for a phase, 1 for a part of one. */
  depth: number;
}

export class Timings {
  readonly entries: TimingEntry[] = [];
  /** Parts measured while their phase still runs. */
  private pending: TimingEntry[] = [];
  private prefix = '';

  /** Names the cluster the next phases belong to (several clusters: one pipeline each). */
  setPrefix(prefix: string): void {
    this.prefix = prefix;
  }

  /** Runs one phase and records it. */
  phase<T>(name: string, run: () => T): T {
    const start = performance.now();
    const out = run();
    this.record(name, performance.now() - start, 0);
    return out;
  }

  async phaseAsync<T>(name: string, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const out = await run();
    this.record(name, performance.now() - start, 0);
    return out;
  }

  /** Runs one part of the phase that follows it; recorded only at `PART_MIN_MS` or more. */
  part<T>(name: string, run: () => T): T {
    const start = performance.now();
    try {
      return run();
    } finally {
      const ms = performance.now() - start;
      if (ms >= PART_MIN_MS) this.record(name, ms, 1);
    }
  }

  private record(name: string, ms: number, depth: number): void {
    const entry = { name: this.prefix + name, ms, heapUsed: getHeapStatistics().used_heap_size, rss: process.memoryUsage.rss(), peakRss: process.resourceUsage().maxRSS * 1024, depth };
    if (depth === 1) {
      this.pending.push(entry);
      return;
    }
    // Parts are measured before the phase that holds them ends: list them under it.
    this.entries.push(entry, ...this.pending);
    this.pending = [];
  }

  /** The lines for stderr. */
  lines(): string[] {
    const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
    const width = Math.max(0, ...this.entries.map((e) => e.name.length + 2 * e.depth));
    const out = this.entries.map(
      (e) => `timings: ${('  '.repeat(e.depth) + e.name).padEnd(width)}  ${e.ms.toFixed(0).padStart(6)} ms  heap ${mib(e.heapUsed).padStart(10)}  rss ${mib(e.rss).padStart(10)}  peak ${mib(e.peakRss).padStart(10)}`,
    );
    return out;
  }
}

/** `run` as a phase of `t`, or just `run` without `--timings`. */
export function timed<T>(t: Timings | undefined, name: string, run: () => T): T {
  return t === undefined ? run() : t.phase(name, run);
}

export function timedAsync<T>(t: Timings | undefined, name: string, run: () => Promise<T>): Promise<T> {
  return t === undefined ? run() : t.phaseAsync(name, run);
}
