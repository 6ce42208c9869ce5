/**
 * Reads archives in worker threads, one archive per worker at a time, up to the core count:
 * decompression and parsing of different bundles then run in parallel.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SourceResult } from './source-result.js';
import type { ArchiveReader } from './load-inputs.js';
import { readArchive } from './read-archive.js';
import { builtFile } from '../paths.js';

interface Pending {
  resolve: (r: SourceResult) => void;
  path: string;
}

export interface ArchivePool {
  read: ArchiveReader;
  close(): Promise<void>;
}

export function createArchivePool(size = availableParallelism()): ArchivePool {
  const url = builtFile('bundle/archive-worker.js');
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const queue: { id: number; path: string }[] = [];
  const pending = new Map<number, Pending>();
  const busy = new Map<Worker, number>();
  let nextId = 0;

  const dispatch = () => {
    while (queue.length > 0) {
      let w = idle.pop();
      if (w === undefined && workers.length < size) w = spawn();
      if (w === undefined) return;
      const job = queue.shift()!;
      busy.set(w, job.id);
      w.postMessage(job);
    }
  };

  const finish = (w: Worker, id: number, result: SourceResult) => {
    busy.delete(w);
    const p = pending.get(id);
    pending.delete(id);
    idle.push(w);
    p?.resolve(result);
    dispatch();
  };

  function spawn(): Worker {
    const w = new Worker(url);
    workers.push(w);
    w.on('message', (msg: { id: number; result?: SourceResult; error?: string }) => {
      const p = pending.get(msg.id);
      if (msg.result !== undefined) finish(w, msg.id, msg.result);
      else if (p !== undefined) {
        // Fall back to the in-thread reader, which reports the problem as a one-line error.
        busy.delete(w);
        pending.delete(msg.id);
        idle.push(w);
        readArchive(p.path).then(p.resolve, () => p.resolve({ path: p.path, kind: 'archive', nodes: [], resources: [], problems: [`${p.path}: cannot read: ${msg.error}`], unreadable: true }));
        dispatch();
      }
    });
    w.on('error', (err) => {
      const id = busy.get(w);
      const i = workers.indexOf(w);
      if (i !== -1) workers.splice(i, 1);
      busy.delete(w);
      if (id !== undefined) {
        const p = pending.get(id);
        pending.delete(id);
        p?.resolve({ path: p.path, kind: 'archive', nodes: [], resources: [], problems: [`${p.path}: reader crashed: ${err.message.split('\n')[0]}`], unreadable: true });
      }
      dispatch();
    });
    return w;
  }

  return {
    read(path: string, _onRead?: (bytesRead: number) => void) {
      return new Promise<SourceResult>((resolve) => {
        const id = nextId++;
        pending.set(id, { resolve, path });
        queue.push({ id, path });
        dispatch();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
