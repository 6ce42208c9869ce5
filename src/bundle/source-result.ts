import type { NodeFacts } from '../model/node.js';
import type { CalicoResource } from '../model/facts.js';
import type { AttachmentFile } from './read-attachment.js';

/** What one input (archive, folder or YAML file) yielded. */
export interface SourceResult {
  /** The input path as given. */
  path: string;
  kind: 'archive' | 'directory' | 'yaml' | 'attachment';
  nodes: NodeFacts[];
  resources: CalicoResource[];
  /** One line each, naming the file (and entry) and what is wrong. */
  problems: string[];
  /** True when nothing at all could be read from it. */
  unreadable: boolean;
  /** Pasted command output: the file itself (kind `attachment`), or text files found in a folder. */
  attachments?: AttachmentFile[];
  /** The same bytes were already given under this path: not read again (status `ignored`). */
  duplicateOf?: string;
  /** Archives inside this one (any depth), with their fingerprints (see `fingerprintOf`): the same bytes are read once. */
  inner?: { path: string; fingerprint: string }[];
}
