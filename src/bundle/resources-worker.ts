/** Worker thread body: parses the resource YAML it is sent and posts back the result (plain data). */
import { parentPort } from 'node:worker_threads';
import { parseCalicoResources } from '../parsers/calico-resources.js';

parentPort?.on('message', (msg: { id: number; text: string; source: { input: string; file: string } }) => {
  try {
    parentPort!.postMessage({ id: msg.id, result: parseCalicoResources(msg.text, msg.source) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error)?.message ?? String(err) });
  }
});
