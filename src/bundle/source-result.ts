import type { NodeFacts } from '../model/node.js';
import type { CalicoResource } from '../model/facts.js';

/** What one input (archive, folder or YAML file) yielded. */
export interface SourceResult {
  /** The input path as given. */
  path: string;
  kind: 'archive' | 'directory' | 'yaml';
  nodes: NodeFacts[];
  resources: CalicoResource[];
  /** One line each, naming the file (and entry) and what is wrong. */
  problems: string[];
  /** True when nothing at all could be read from it. */
  unreadable: boolean;
}
