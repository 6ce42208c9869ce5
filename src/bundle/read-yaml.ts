/** Reads a YAML file exported with `calicoctl get <kind> -o yaml`. */
import { readFile, stat } from 'node:fs/promises';
import { parseResourcesOffThread } from './parse-resources-off-thread.js';
import { MAX_RESOURCE_YAML_BYTES } from './bundle-collector.js';
import { describeReadError } from './read-archive.js';
import type { SourceResult } from './source-result.js';

export async function readYaml(path: string): Promise<SourceResult> {
  const result: SourceResult = { path, kind: 'yaml', nodes: [], resources: [], problems: [], unreadable: false };
  try {
    const { size } = await stat(path);
    if (size > MAX_RESOURCE_YAML_BYTES) {
      result.problems.push(`${path}: YAML of ${size} bytes is too large to read as resources`);
      result.unreadable = true;
      return result;
    }
    const text = await readFile(path, 'utf8');
    const r = await parseResourcesOffThread(text, { input: path, file: path });
    result.resources = r.resources;
    result.problems.push(...r.problems);
    if (r.resources.length === 0 && r.problems.length > 0) result.unreadable = true;
  } catch (err) {
    result.problems.push(`${path}: cannot read: ${describeReadError(err)}`);
    result.unreadable = true;
  }
  return result;
}
