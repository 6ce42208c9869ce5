/**
 * `kubectl get pods -A -o wide` (or `-n <ns> -o wide`, no NAMESPACE column): where each pod runs,
 * its IP, readiness and restarts (`3 (2m ago)`); rules read where CoreDNS and calico-node run.
 *
 * Real shape:
 *
 * ```
 * NAMESPACE     NAME                       READY   STATUS    RESTARTS      AGE   IP              NODE     NOMINATED NODE   READINESS GATES
 * kube-system   calico-node-7xk2p          0/1     Running   3 (2m ago)    12d   10.77.0.12      node-b   <none>           <none>
 * kube-system   coredns-76f75df574-8wq2d   1/1     Running   0             12d   10.244.97.3     node-a   <none>           <none>
 * ```
 */
import type { KubePodRow } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, realIP } from './types.js';
import { cellValue, tableRows } from './kubectl-table.js';

const HEADER = /^(NAMESPACE\s+)?NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\b/;

export const getPodsShape: KindShape = {
  kind: 'kubectl-get-pods',
  starts: (t) => HEADER.test(t),
  continues: (t) => /^(\S+\s+)?\S+\s+\d+\/\d+\s+\S+\s+\d+/.test(t),
};

export function parseGetPods(lines: SegLine[], ctx: PartContext): KubePodRow[] {
  const out: KubePodRow[] = [];
  for (const { line, cells } of tableRows(lines, HEADER)) {
    const name = cells['NAME'];
    if (name === undefined || name === '') continue;
    const opt = (k: string) => cellValue(cells, k);
    const restarts = /^(\d+)/.exec(cells['RESTARTS'] ?? '');
    out.push({
      ...attached(ctx, line),
      namespace: opt('NAMESPACE'),
      name,
      ready: opt('READY'),
      status: cells['STATUS'] ?? '',
      ...(restarts !== null ? { restarts: Number(restarts[1]) } : {}),
      ip: realIP(opt('IP')),
      node: opt('NODE'),
    });
  }
  return out;
}
