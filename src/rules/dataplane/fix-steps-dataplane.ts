/**
 * Building blocks of the data-plane rules' fix steps: the underlay NIC a capture runs on, IPPool and
 * FelixConfiguration patches, the pool migration, the MTU setting and the counter check, filled with
 * what the bundles show. A value the bundles do not hold is named in words, never as a placeholder.
 */
import type { NodeModel } from '../../model/node.js';
import type { IPPoolResource } from '../../model/facts.js';

/** The node's underlay interface: the one holding its node IP, else the one of its default route. */
/** Interfaces that are never the underlay (bridges, tunnels, veths). */
export const NOT_UNDERLAY = /^(docker|cbr|dummy|podman|virbr|lxcbr|veth|lo$|br-|cali|tunl|flannel|kube-ipvs|cni|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali|wg-v6\.cali|nodelocaldns|kube-bridge)/;

export function underlayNic(n: NodeModel | undefined): string | undefined {
  if (n === undefined) return undefined;
  if (n.nodeIPInterface !== undefined) return n.nodeIPInterface;
  const def = n.routes4.find((r) => r.dst === 'default' && (r.table === undefined || r.table === 'main'));
  return def?.dev ?? def?.nexthops?.[0]?.dev;
}

/** `tcpdump -ni <nic> <filter>` on the node's underlay NIC, or on `any` when the bundle does not show it. */
export function tcpdump(n: NodeModel | undefined, filter: string): string {
  return `\`tcpdump -ni ${underlayNic(n) ?? 'any'} ${filter}\``;
}

/** `calicoctl patch ippool <name> -p '{"spec":{…}}'`. */
export function patchPool(name: string, spec: Record<string, unknown>): string {
  return `\`calicoctl patch ippool ${name} -p '${JSON.stringify({ spec })}'\``;
}

/** `calicoctl patch felixconfiguration <name> -p '{"spec":{…}}'`. */
export function patchFelix(spec: Record<string, unknown>, name = 'default'): string {
  return `\`calicoctl patch felixconfiguration ${name} -p '${JSON.stringify({ spec })}'\``;
}

/** The VXLAN modes that replace a pool's IP-in-IP modes (CrossSubnet stays CrossSubnet). */
export function vxlanInsteadOfIpip(pool: { ipipMode: string }): Record<string, string> {
  return { ipipMode: 'Never', vxlanMode: pool.ipipMode === 'CrossSubnet' ? 'CrossSubnet' : 'Always' };
}

/** The mode patch that makes a pool encapsulate between every pair of nodes. */
export function encapsulateAlways(pool: { ipipMode: string; vxlanMode: string }): Record<string, string> {
  if (pool.vxlanMode !== 'Never' && pool.vxlanMode !== '') return { vxlanMode: 'Always' };
  if (pool.ipipMode !== 'Never' && pool.ipipMode !== '') return { ipipMode: 'Always' };
  return { vxlanMode: 'Always' };
}

/** Felix's IPIP/VXLAN counter of one rule on a node, read twice: it must move during cross-node traffic. */
export function counterCheck(node: string, ruleComment: string): string {
  return `\`iptables-save -c | grep '${ruleComment}'\` on ${node}, run twice a few seconds apart,`;
}

/**
 * Pin calico-node's IPv4 autodetection to the given CIDRs (a cluster-wide setting): the manifest and
 * the operator form.
 */
export function autodetectCidrs(cidrs: readonly string[]): string {
  return `manifest installs \`kubectl set env daemonset/calico-node -n kube-system IP=autodetect IP_AUTODETECTION_METHOD=cidr=${cidrs.join(',')}\`; operator installs \`kubectl patch installation default --type merge -p '{"spec":{"calicoNetwork":{"nodeAddressAutodetectionV4":{"cidrs":${JSON.stringify(cidrs)}}}}}'\``;
}

/** Set the pod/tunnel MTU cluster-wide: the operator and the manifest form, with the rolling restart. */
export function setPodMtu(mtu: number): string {
  return `operator installs \`kubectl patch installation default --type merge -p '{"spec":{"calicoNetwork":{"mtu":${mtu}}}}'\` (the operator restarts calico-node); manifest installs \`kubectl patch configmap calico-config -n kube-system --type merge -p '{"data":{"veth_mtu":"${mtu}"}}'\` then \`kubectl rollout restart daemonset/calico-node -n kube-system\``;
}

/** Restart calico-node everywhere (after a cluster-wide change). */
export const RESTART_ALL = '`kubectl rollout restart daemonset/calico-node -n calico-system`';

/**
 * Steps to move pods off a pool (docs "Migrate from one IP pool to another"): create a pool in a free
 * range, disable the old one, recreate its pods, delete it. `avoid` says in words what the new range
 * must stay clear of.
 */
export function migratePoolSteps(pool: { name: string; cidr: string; res?: IPPoolResource }, avoid: string): string[] {
  const p = pool.res;
  const like = p !== undefined ? ` with the same settings as ${p.name} (ipipMode ${p.ipipMode}, vxlanMode ${p.vxlanMode}, natOutgoing ${p.natOutgoing}${p.blockSize !== undefined ? `, blockSize ${p.blockSize}` : ''})` : '';
  const named = p !== undefined ? p.name : `the pool with CIDR ${pool.cidr} (its name is not in the bundle: \`calicoctl get ippool -o wide\` lists it)`;
  return [
    `Create a new IPPool${like} in a range that is free in your network: ${avoid}. The bundles do not show which range is free; take it from your network plan, write its manifest and apply it with \`calicoctl create -f\`.`,
    p !== undefined
      ? `Disable ${p.name} so IPAM stops allocating from it: ${patchPool(p.name, { disabled: true })}.`
      : `Disable ${named} so IPAM stops allocating from it, with \`calicoctl patch ippool\` and \`-p '{"spec":{"disabled":true}}'\`.`,
    `Recreate the pods that still have addresses in ${pool.cidr} (\`calicoctl get workloadendpoints -A -o wide\` lists them; \`kubectl rollout restart\` their Deployments, DaemonSets and StatefulSets), until \`calicoctl ipam show --show-blocks\` shows no allocation left in ${pool.cidr}.`,
    p !== undefined ? `Then delete the old pool: \`calicoctl delete ippool ${p.name}\`.` : `Then delete the pool with CIDR ${pool.cidr} with \`calicoctl delete ippool\` and its name.`,
  ];
}
