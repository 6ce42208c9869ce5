/**
 * `kubectl describe pod calico-node-…` (pastes.md): `Name:`, `Node: worker-1/10.0.0.12`,
 * `Restart Count:`, `Last State: Terminated` with its `Reason: OOMKilled`, and the Events table
 * `Type Reason Age From Message` whose messages hold the probe text. A paste may hold only the
 * Events table; long messages may wrap onto an indented next line.
 *
 * Real shape (calico-node readiness failing while BGP is not established):
 *
 * ```
 * Name:                 calico-node-7xk2p
 * Namespace:            kube-system
 * Node:                 node-b/10.77.0.12
 * …
 *     Last State:     Terminated
 *       Reason:       OOMKilled
 *     Restart Count:  3
 * Events:
 *   Type     Reason     Age                  From     Message
 *   ----     ------     ----                 ----     -------
 *   Warning  Unhealthy  2m (x31 over 7m)     kubelet  Readiness probe failed: calico/node is not ready: BIRD is not ready: BGP not established with 10.77.0.11
 * ```
 */
import type { PodDescription } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, sourceOf } from './types.js';

const NAME = /^Name:\s+(calico-node-\S+)\s*$/;
const EVENTS_HEADER = /^\s*Type\s+Reason\s+Age\s+From\s+Message\s*$/;
const EVENT = /^\s*(Normal|Warning)\s+([A-Za-z]+)\s+(<unknown>|<invalid>|\S+(?: \(x\d+ over \S+\))?)\s+(\S+(?:, \S+)?)\s+(\S.*)$/;

export const describePodShape: KindShape = {
  kind: 'kubectl-describe-pod',
  starts: (t) => NAME.test(t) || EVENTS_HEADER.test(t) || /^Events:\s*$/.test(t) || (EVENT.test(t) && /Unhealthy|BackOff|Killing|OOM|Readiness probe|Liveness probe/.test(t)),
  continues: (t) => /^\s/.test(t) || /^[A-Z][\w ]*:(\s|$)/.test(t) || describePodShape.starts(t),
};

export function parseDescribePod(lines: SegLine[], ctx: PartContext): PodDescription {
  const out: PodDescription = { source: sourceOf(ctx, 'kubectl-describe-pod'), pod: '', events: [] };
  let inEvents = false;
  let lastTerminated = false;
  let last: PodDescription['events'][number] | undefined;
  for (const l of lines) {
    const t = l.text;
    const name = NAME.exec(t);
    if (name !== null) {
      out.pod = name[1]!;
      continue;
    }
    const node = /^Node:\s+([^/\s]+)(?:\/(\S+))?\s*$/.exec(t);
    if (node !== null && node[1] !== '<none>') {
      out.node = node[1];
      continue;
    }
    const rc = /^\s+Restart Count:\s+(\d+)/.exec(t);
    if (rc !== null) {
      out.restartCount = Math.max(out.restartCount ?? 0, Number(rc[1]));
      continue;
    }
    if (/^\s+Last State:\s+Terminated/.test(t)) {
      lastTerminated = true;
      continue;
    }
    if (/^\s+(State|Ready|Restart Count|Last State):/.test(t)) lastTerminated = false;
    const reason = /^\s+Reason:\s+(\S+)/.exec(t);
    if (reason !== null && lastTerminated && !inEvents) {
      out.lastTerminationReason = reason[1];
      lastTerminated = false;
      continue;
    }
    if (/^Events:/.test(t) || EVENTS_HEADER.test(t)) {
      inEvents = true;
      continue;
    }
    const ev = EVENT.exec(t);
    if (ev !== null) {
      last = { ...attached(ctx, l), type: ev[1]!, reason: ev[2]!, message: ev[5]!.trim() };
      out.events.push(last);
      inEvents = true;
      continue;
    }
    if (inEvents && last !== undefined && /^\s{6,}\S/.test(t) && !/^\s*-{3,}/.test(t)) last.message = `${last.message} ${t.trim()}`;
  }
  return out;
}
