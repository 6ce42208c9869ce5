/**
 * Fix-step building blocks of the Felix, datastore, Typha and policy rules: the machine behind a
 * snapshot bundle, reachability tests of an endpoint the logs name, the calico-node pod's description,
 * and the pods stuck on a node. Strings only; the rules decide when to use them.
 */
import { calicoNodePod } from '../fix-steps.js';

/** `node-b#2` (the later snapshot of a host collected twice) → `node-b`, the machine to run commands on. */
export function machineOf(node: string): string {
  return node.replace(/#\d+$/, '');
}

/** `10.96.0.1:443` → host and port; `[fd00::1]:443` → `fd00::1` and 443; undefined when it is not host:port. */
export function hostPort(target: string): { host: string; port: string } | undefined {
  const m = /^\[?([^\]\s,]+?)\]?:(\d{1,5})$/.exec(target.split(',')[0]!.trim());
  return m === null ? undefined : { host: m[1]!, port: m[2]! };
}

/** `nc -zv 10.96.0.1 443` for a `host:port` target, in a code span; undefined when it is not host:port. */
export function ncTest(target: string): string | undefined {
  const hp = hostPort(target);
  return hp === undefined ? undefined : `\`nc -zv ${hp.host} ${hp.port}\``;
}

/** `kubectl describe pod` of the calico-node pod on a node (the pod found by node name). */
export function describeCalicoNode(node: string): string {
  return `\`kubectl describe pod -n calico-system ${calicoNodePod(machineOf(node))}\``;
}

/** Pods of a node that have not started (ContainerCreating shows as phase Pending). */
export function pendingPodsOn(node: string): string {
  return `\`kubectl get pods -A -o wide --field-selector spec.nodeName=${machineOf(node)},status.phase=Pending\``;
}

/** A Kubernetes object name as the bundle gives it, when it is one (it goes into a command). */
export function k8sName(s: string | undefined): string | undefined {
  return s !== undefined && /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/.test(s) ? s : undefined;
}
