/**
 * Catalogue E1 / T5: a pod veth (`cali*`) or a Calico tunnel device has a larger MTU than the
 * smallest underlay MTU on the path minus the overhead of the encapsulation in use, so large
 * packets (TLS handshakes, big responses) are dropped while ping and small requests work.
 * Compared within a node (own NIC) and across nodes (the smallest NIC in the cluster).
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { EncapKind, MtuLink, MtuRow } from '../../model/derived.js';
import { ENCAP_LABEL, ENCAP_OVERHEAD } from '../../combiners/mtu-table.js';
import { lineEvidence } from '../../combiners/evidence.js';
import { andList, calicoNodeLogs, NAMESPACE_NOTE } from '../fix-steps.js';
import { patchFelix, setPodMtu } from './fix-steps-dataplane.js';

/** Recreate the pods of the nodes: a veth keeps the MTU it was created with. */
function recreatePods(names: string[]): string {
  return `After the pod MTU change, recreate the pods on ${andList(names)} that were created before it (a pod's veth keeps the MTU it was created with): \`kubectl get pods -A -o wide --field-selector spec.nodeName=${names[0]!}\` lists them${names.length > 1 ? ' (likewise for the other nodes)' : ''}; \`kubectl rollout restart\` their Deployments, DaemonSets and StatefulSets.`;
}

/** A pod on one node pinged from a pod on another, at the largest size the new MTU allows. */
function pingCheck(rows: MtuRow[], limitName: string, names: string[], mtu: number): string {
  const podOn = (node: string): string | undefined => rows.find((r) => r.node === node)?.cali.find((c) => c.podIP !== undefined && !c.podIP.includes(':'))?.podIP;
  const fromNode = names.find((n) => n !== limitName);
  const target = fromNode !== undefined ? podOn(limitName) : undefined;
  const other = fromNode === undefined ? rows.find((r) => r.node !== limitName && podOn(r.node) !== undefined)?.node : undefined;
  const size = mtu - 28;
  if (fromNode !== undefined && target !== undefined) return `from a pod on ${fromNode}, \`ping -M do -s ${size} ${target}\` (a pod on ${limitName}) gets answers`;
  if (other !== undefined) return `from a pod on ${limitName}, \`ping -M do -s ${size} ${podOn(other)!}\` (a pod on ${other}) gets answers`;
  return `\`ping -M do -s ${size}\` from a pod on ${limitName} to a pod on another node gets answers`;
}

const COLLECT = [
  { command: 'ip -d link show', why: 'MTU of every link incl. cali* veths when ipv6_addr does not list them (IPv6 off), and the tunnel device types' },
  { command: 'kubectl get installation default -o jsonpath={.spec.calicoNetwork.mtu}; kubectl get felixconfiguration default -o yaml', why: 'the configured MTU (operator calicoNetwork.mtu, manifest veth_mtu, FelixConfiguration mtuIfacePattern/ipipMTU/vxlanMTU)' },
  { command: 'ping -M do -s <MTU-28> <pod IP on another node>', why: 'proves the largest packet that crosses between two nodes' },
];

function encapText(row: MtuRow): string {
  if (row.encaps.length === 0) return 'no encapsulation';
  return row.encaps.map((k) => `${ENCAP_LABEL[k]} ${ENCAP_OVERHEAD[k]} B`).join(', ');
}

interface Offence {
  row: MtuRow;
  /** Node whose NIC limits this row. */
  limitNode: string;
  limitMtu: number;
  /** Pod veths above the limit. */
  veths: (MtuLink & { overhead: number })[];
  tunnels: (MtuLink & { limit: number; encap: EncapKind })[];
}

/** Steps for Felix's own MTU complaint: read it, set the MTU from the host MTU Felix detected (else the NIC's), fix the detection pattern. */
function felixSteps(rows: MtuRow[], nodes: string[], lines: Evidence[]): string[] {
  const steps = [`Read Felix's message on ${andList(nodes)}: ${nodes.map((n) => calicoNodeLogs(n, { grep: 'mtu' })).join(', ')} ${NAMESPACE_NOTE}.`];
  // Felix's own line: `Configured MTU is larger than detected host interface MTU configured=1500 detected=1450 ifaceName="eth0"`.
  const detected = lines
    .map((e) => ({ node: e.node, mtu: Number(/detected=(\d+)/.exec(e.text)?.[1]), iface: /ifaceName="([^"]+)"/.exec(e.text)?.[1] }))
    .filter((d) => Number.isFinite(d.mtu) && d.mtu > 0)
    .sort((a, b) => a.mtu - b.mtu)[0];
  const known = rows.filter((r) => nodes.includes(r.node) && r.nic !== undefined);
  const limit = detected !== undefined
    ? { node: detected.node, nic: detected.iface ?? 'host interface', mtu: detected.mtu, overhead: rows.find((r) => r.node === detected.node)?.overhead ?? 0, row: rows.find((r) => r.node === detected.node), from: 'the host MTU Felix detected on' }
    : known.length > 0
      ? (() => {
          const r = known.reduce((a, b) => (b.nic!.mtu - b.overhead < a.nic!.mtu - a.overhead ? b : a));
          return { node: r.node, nic: r.nic!.name, mtu: r.nic!.mtu, overhead: r.overhead, row: r, from: 'the MTU of' };
        })()
      : undefined;
  if (limit !== undefined) {
    const mtu = limit.mtu - limit.overhead;
    steps.push(`Set the configured MTU to ${mtu} (= ${limit.from} ${limit.node}'s ${limit.nic}, ${limit.mtu}${limit.overhead > 0 && limit.row !== undefined ? ` − ${limit.overhead} for ${encapText(limit.row)}` : ', no encapsulation'}): ${setPodMtu(mtu)}.`);
  } else {
    steps.push(`Compare the configured MTU (\`kubectl get installation default -o jsonpath='{.spec.calicoNetwork.mtu}'\`, or veth_mtu in the calico-config ConfigMap) with the NIC MTU on ${andList(nodes)} (\`ip -o link show\`; the bundle does not show which NIC is the underlay) minus the encapsulation overhead (IP-in-IP 20, VXLAN 50, WireGuard 60).`);
  }
  const names = [...new Set([...(detected?.iface !== undefined ? [detected.iface] : []), ...known.map((r) => r.nic!.name)])];
  if (names.length > 0) steps.push(`If Felix found no interface to detect the host MTU from, make its pattern match the NIC: ${patchFelix({ mtuIfacePattern: `^(${names.join('|')})$` })}.`);
  return steps;
}

/** Steps for one limiting NIC: the pod MTU from that NIC and the encapsulation overhead (or a larger NIC), new pods, the check. */
function mtuSteps(rows: MtuRow[], limitName: string, nic: MtuLink, list: Offence[], names: string[], smaller: boolean): string[] {
  const worst = list.reduce((a, b) => (b.row.overhead > a.row.overhead ? b : a));
  const ovh = worst.row.overhead;
  const mtu = nic.mtu - ovh;
  const how = ovh > 0 ? `${nic.mtu} − ${ovh} for ${encapText(worst.row)}` : `${limitName}'s ${nic.name} MTU, no encapsulation`;
  const steps = [`Set the pod MTU to ${mtu} (= ${how}) cluster-wide: ${setPodMtu(mtu)}.`];
  if (smaller) {
    const larger = Math.max(...rows.filter((r) => r.nic !== undefined && r.node !== limitName).map((r) => r.nic!.mtu));
    steps.push(`Or, if ${limitName}'s ${nic.name} at MTU ${nic.mtu} is smaller than the other nodes' ${larger} by mistake and its network carries ${larger}, raise it instead (\`ip link set dev ${nic.name} mtu ${larger}\` on ${limitName}, and in its network configuration so it survives a reboot) and keep the pod MTU.`);
  }
  steps.push(recreatePods(names));
  steps.push(`Verify: \`ip -o link show | grep -E ': (cali|tunl0|vxlan.calico)'\` on ${andList(names)} shows mtu ${mtu} or less, and ${pingCheck(rows, limitName, names, mtu)}.`);
  return steps;
}

export const mtuMismatch: Rule = {
  meta: {
    id: 'mtu-mismatch',
    severity: 'critical',
    summary: 'Pod or tunnel MTU is larger than the smallest underlay MTU minus the encapsulation overhead: large packets between nodes are dropped while ping and small requests work.',
    rationale:
      'Calico sets the pod veth (`cali*`) and tunnel MTU to the host MTU minus the overhead of the encapsulation in use: IP-in-IP 20 B, VXLAN 50 B (70 B over IPv6), WireGuard 60 B (80 B over IPv6), none 0 (docs "Configure MTU"). When a veth or tunl0/vxlan.calico is larger than the smallest NIC on the path minus that overhead (an underlay smaller than assumed: AKS 1400, OpenStack 1450, GCE 1460, a VPN; or an MTU changed while old pods kept theirs), full-size packets are dropped or need fragmentation: ping and small requests work, TLS handshakes, image pulls and large responses hang (calico#7651, #3895, #1709). The table compares every node\'s NIC, tunnel devices and cali* MTUs from `ip -4 addr` and `ip -6 addr` (cali* veths have no IPv4 address and appear only in the IPv6 file).',
    remediation: [
      'Set the MTU from the smallest underlay MTU in the cluster minus the overhead: operator `kubectl patch installation default --type merge -p \'{"spec":{"calicoNetwork":{"mtu":<value>}}}\'`, manifest `veth_mtu` in the calico-config ConfigMap, then a rolling restart of calico-node.',
      'Recreate the pods created before the change (the new MTU applies only to new workloads), and fix an underlay NIC that is smaller than the others if that was not intended.',
    ],
    explains: [],
    collect: COLLECT,
  },
  check({ cluster, derived }) {
    const { rows, pathMtu, pathNodes } = derived.mtu;
    const withNic = rows.filter((r) => r.nic !== undefined);
    const checkable = withNic.filter((r) => r.cali.length > 0 || r.tunnels.length > 0);
    const felix = cluster.nodes.flatMap((n) => [n.felix, n.containerLog].flatMap((l) => (l?.signatures['mtu-config']?.refs ?? []).map((r) => lineEvidence(n, r.file, r))));
    if (checkable.length === 0 && felix.length === 0) {
      const noCali = rows.filter((r) => r.cali.length === 0).map((r) => r.node);
      return {
        status: 'skipped',
        reason: withNic.length === 0
          ? 'no node\'s underlay NIC MTU is known (ipv4_addr missing or no node IP / default route)'
          : `no cali* or tunnel MTU in ipv4_addr/ipv6_addr on ${noCali.join(', ')} (IPv6 off on the host, or no workload yet)`,
        collect: [{ ...COLLECT[0]!, nodes: noCali }],
      };
    }
    const offences: Offence[] = [];
    for (const row of withNic) {
      const nic = row.nic!;
      // The node's own NIC, or a smaller one elsewhere in the cluster, limits what its pods can send.
      const limitMtu = Math.min(nic.mtu, pathMtu ?? nic.mtu);
      const limitNode = nic.mtu <= (pathMtu ?? nic.mtu) ? row.node : pathNodes.find((n) => n !== row.node) ?? pathNodes[0]!;
      const veths = row.cali.filter((c) => c.mtu > limitMtu - c.overhead);
      const tunnels = row.tunnels
        .filter((t) => row.encaps.includes(t.encap))
        .map((t) => ({ ...t, limit: limitMtu - ENCAP_OVERHEAD[t.encap] }))
        .filter((t) => t.mtu > t.limit);
      if (veths.length > 0 || tunnels.length > 0) offences.push({ row, limitNode, limitMtu, veths, tunnels });
    }
    const findings: FindingDraft[] = [];
    const byLimit = new Map<string, Offence[]>();
    for (const o of offences) byLimit.set(o.limitNode, [...(byLimit.get(o.limitNode) ?? []), o]);
    for (const [limitName, list] of [...byLimit].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const limitRow = rows.find((r) => r.node === limitName)!;
      const nic = limitRow.nic!;
      const names = list.map((o) => o.row.node).sort();
      const evidence: Evidence[] = [nic.evidence];
      const parts: string[] = [];
      for (const o of list) {
        const ovh = Math.max(...o.veths.map((v) => v.overhead), 0);
        const limit = o.limitMtu - ovh;
        if (o.veths.length > 0) {
          const sizes = [...new Set(o.veths.map((v) => v.mtu))].sort((a, b) => b - a);
          parts.push(`${o.row.node}: ${o.veths.length} of ${o.row.cali.length} pod veth${o.row.cali.length > 1 ? 's' : ''} at MTU ${sizes.join('/')} (max ${ovh > 0 ? `${limit} = ${o.limitMtu} − ${ovh} for ${encapText(o.row)}` : `${limit}, no encapsulation`})`);
          evidence.push(...o.veths.slice(0, 2).map((v) => v.evidence));
        }
        for (const t of o.tunnels) {
          parts.push(`${o.row.node}: ${t.name} MTU ${t.mtu} (max ${t.limit} = ${o.limitMtu} − ${ENCAP_OVERHEAD[t.encap]} for ${ENCAP_LABEL[t.encap]})`);
          evidence.push(t.evidence);
        }
        if (o.row.nic !== undefined && o.row.node !== limitName) evidence.push(o.row.nic.evidence);
      }
      const others = names.filter((n) => n !== limitName);
      const smaller = others.length > 0 && rows.some((r) => r.nic !== undefined && r.node !== limitName && r.nic.mtu > nic.mtu);
      evidence.push(...felix.filter((e) => names.includes(e.node)));
      findings.push({
        key: limitName,
        title: smaller
          ? `${limitName}'s ${nic.name} MTU ${nic.mtu} is smaller than the pod MTU on ${names.join(', ')}`
          : `Pod/tunnel MTU on ${names.join(', ')} exceeds ${limitName}'s ${nic.name} MTU ${nic.mtu} minus the encapsulation overhead`,
        message:
          `${limitName}'s underlay ${nic.name} has MTU ${nic.mtu}${smaller ? `, the smallest in the cluster (others ${[...new Set(rows.filter((r) => r.nic !== undefined && r.node !== limitName).map((r) => r.nic!.mtu))].join('/')})` : ''}. ` +
          `Too large for it: ${parts.join('; ')}. ` +
          `Full-size packets ${others.length > 0 ? `between pods on ${others.join(', ')} and ${limitName}` : `leaving pods on ${limitName}`} exceed the path MTU and are dropped or fragmented: ping and small requests work, large responses and TLS handshakes hang.`,
        nodes: [limitName, ...names],
        evidence,
        pairs: others.length > 0 ? others.map((n) => [n, limitName] as [string, string]) : undefined,
        fix: mtuSteps(rows, limitName, nic, list, names, smaller),
      });
    }
    // Felix's own complaint, without a table offence to attach it to.
    const unattached = felix.filter((e) => !findings.some((f) => f.nodes.includes(e.node)));
    if (unattached.length > 0) {
      const nodes = [...new Set(unattached.map((e) => e.node))].sort();
      findings.push({
        key: `felix:${nodes.join(',')}`,
        title: `Felix on ${nodes.join(', ')} reports an MTU configuration problem`,
        message: `Felix logged that the configured MTU is larger than the host interface MTU, or that it could not auto-detect the host MTU (no interface matched mtuIfacePattern), on ${nodes.join(', ')}. The MTU table from ip addr did not show an oversized veth${checkable.length === 0 ? ' (no cali* MTU was collected)' : ''}; check the configured MTU against the NIC.`,
        nodes,
        evidence: unattached,
        severity: 'warning',
        fix: felixSteps(rows, nodes, unattached),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    const caliCount = rows.reduce((s, r) => s + r.cali.length, 0);
    return {
      status: 'passed',
      reason: `${checkable.length} node${checkable.length === 1 ? '' : 's'} checked: ${caliCount} pod veths and ${rows.reduce((s, r) => s + r.tunnels.length, 0)} tunnel devices within the smallest NIC MTU ${pathMtu ?? '?'} minus the overhead (${[...new Set(rows.map(encapText))].join('; ')})`,
    };
  },
};
