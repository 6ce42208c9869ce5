/**
 * `kubectl get nodes -o wide`: one row per Kubernetes node with its INTERNAL-IP, kernel and
 * runtime. Columns are cut at the header's column starts (OS-IMAGE holds spaces); when a paste lost
 * the alignment, at runs of two or more spaces.
 *
 * Real shape:
 *
 * ```
 * NAME     STATUS   ROLES           AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE             KERNEL-VERSION      CONTAINER-RUNTIME
 * node-a   Ready    control-plane   12d   v1.29.3   10.77.0.11    <none>        Ubuntu 22.04.4 LTS   5.15.0-105-generic  containerd://1.7.13
 * ```
 */
import type { KubeNodeRow } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, realIP } from './types.js';
import { cellValue, tableRows } from './kubectl-table.js';

const HEADER = /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\b/;

export const getNodesShape: KindShape = {
  kind: 'kubectl-get-nodes',
  starts: (t) => HEADER.test(t),
  continues: (t) => /^\S+\s+(Ready|NotReady|Unknown|SchedulingDisabled|Ready,SchedulingDisabled|NotReady,SchedulingDisabled)\s/.test(t),
};

export function parseGetNodes(lines: SegLine[], ctx: PartContext): KubeNodeRow[] {
  const out: KubeNodeRow[] = [];
  for (const { line, cells } of tableRows(lines, HEADER)) {
    const name = cells['NAME'];
    if (name === undefined || name === '') continue;
    const opt = (k: string) => cellValue(cells, k);
    out.push({
      ...attached(ctx, line),
      name,
      status: cells['STATUS'] ?? '',
      internalIP: realIP(opt('INTERNAL-IP')),
      externalIP: realIP(opt('EXTERNAL-IP')),
      os: opt('OS-IMAGE'),
      kernel: opt('KERNEL-VERSION'),
      containerRuntime: opt('CONTAINER-RUNTIME'),
    });
  }
  return out;
}
