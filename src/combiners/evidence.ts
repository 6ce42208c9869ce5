import type { Evidence } from '../model/finding.js';
import type { ArtifactId, NodeModel } from '../model/node.js';
import type { LineRef } from '../model/facts.js';

/** Path inside the bundle of a node's artifact (first file), or the path calicoctl would have used. */
export function artifactFile(node: NodeModel, id: ArtifactId): string {
  const f = node.artifacts[id]?.files[0];
  if (f !== undefined) return f;
  const root = node.root.length > 0 ? node.root + '/' : '';
  switch (id) {
    case 'bird_log':
      return `${root}logs/bird/current`;
    case 'bird6_log':
      return `${root}logs/bird6/current`;
    case 'felix_log':
      return `${root}logs/felix/current`;
    case 'confd_log':
      return `${root}logs/confd/current`;
    case 'cni_log':
      return `${root}logs/cni/cni.log`;
    case 'container_logs':
      return `${root}logs/`;
    default:
      return root + id;
  }
}

/** Evidence for a line of one of the node's artifacts. */
export function lineEvidence(node: NodeModel, file: string, ref: LineRef): Evidence {
  return { node: node.name, input: node.input, file, line: ref.line, text: ref.text };
}

/** Evidence for an artifact as a whole (absent, empty, failed). */
export function fileEvidence(node: NodeModel, id: ArtifactId, text: string): Evidence {
  return { node: node.name, input: node.input, file: artifactFile(node, id), line: 0, text };
}

export function compareEvidence(a: Evidence, b: Evidence): number {
  const ka = `${a.node}\u0000${a.file}\u0000${String(a.line).padStart(9, '0')}`;
  const kb = `${b.node}\u0000${b.file}\u0000${String(b.line).padStart(9, '0')}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
