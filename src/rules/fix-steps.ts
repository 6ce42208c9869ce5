/**
 * Building blocks of finding-specific fix steps: commands an engineer can paste, filled with the node
 * names the finding is about. Rules use them so the same action reads the same everywhere.
 */

/** `a`, `a and b`, `a, b and c`. */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Restart calico-node on the nodes by deleting their pods (the DaemonSet recreates them), any namespace. */
export function restartCalicoNode(nodes: readonly string[]): string {
  return nodes.map((n) => `\`kubectl delete pod -A -l k8s-app=calico-node --field-selector spec.nodeName=${n}\``).join(', ');
}

/** The calico-node pod of a node, by label and node name (operator installs; kube-system for manifest installs). */
export function calicoNodePod(node: string): string {
  return `$(kubectl get pod -n calico-system -l k8s-app=calico-node --field-selector spec.nodeName=${node} -o name)`;
}

/** `kubectl logs` of the calico-node container on a node (the pod found by node name). */
export function calicoNodeLogs(node: string, opts: { previous?: boolean; grep?: string } = {}): string {
  return `\`kubectl logs -n calico-system ${calicoNodePod(node)} -c calico-node${opts.previous === true ? ' --previous' : ''}${opts.grep !== undefined ? ` | grep -iE '${opts.grep}'` : ''}\``;
}

/** A command run inside the calico-node container of a node. */
export function calicoNodeExec(node: string, command: string): string {
  return `\`kubectl exec -n calico-system ${calicoNodePod(node)} -c calico-node -- ${command}\``;
}

/** Said once after a step that uses the calico-system namespace. */
export const NAMESPACE_NOTE = '(namespace `kube-system` instead of `calico-system` for manifest installs)';
