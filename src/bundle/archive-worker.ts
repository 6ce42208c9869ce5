/** Worker thread body: reads archives it is sent and posts back their SourceResult (plain data). */
import { parentPort } from 'node:worker_threads';
import { readArchive } from './read-archive.js';

parentPort?.on('message', async (msg: { id: number; path: string }) => {
  try {
    const result = await readArchive(msg.path);
    parentPort!.postMessage({ id: msg.id, result });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error)?.message ?? String(err) });
  }
});
