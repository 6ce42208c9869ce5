/**
 * Catalogue D8: unencapsulated pod traffic (pools with no encapsulation, or CrossSubnet peers in
 * the same subnet) on a public cloud whose fabric drops packets not addressed to/from the instance
 * (AWS source/destination check, GCE without IP forwarding, Azure). The bundle shows which pairs
 * route via the NIC; the cloud side (src/dst check, security groups) is in no bundle. Fires when
 * FelixConfiguration `awsSrcDstCheck: Enable` keeps the check on while pairs route unencapsulated.
 */
import type { Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { EncapPool } from '../../model/derived.js';
import type { ClusterModel } from '../../model/node.js';
import { encapsulateAlways, patchFelix, patchPool } from './fix-steps-dataplane.js';

/** Steps against an enabled AWS source/destination check: see it per instance, turn it off through Felix, or encapsulate; check again. */
function awsSteps(cluster: ClusterModel, nodes: string[], felixName: string, pools: EncapPool[]): string[] {
  const ips = nodes.map((n) => cluster.nodes.find((x) => x.name === n)?.nodeIP).filter((ip): ip is string => ip !== undefined);
  const query = ips.length > 0
    ? `\`aws ec2 describe-instances --filters Name=private-ip-address,Values=${ips.join(',')} --query 'Reservations[].Instances[].[InstanceId,PrivateIpAddress,SourceDestCheck]' --output table\``
    : `\`aws ec2 describe-instances\` filtered on the nodes' private addresses (not in the bundles: \`kubectl get nodes -o wide\` lists them), with \`--query 'Reservations[].Instances[].[InstanceId,PrivateIpAddress,SourceDestCheck]'\``;
  const unencapsulated = pools.filter((p) => p.vxlanMode !== 'Always' && p.ipipMode !== 'Always' && !p.cidr.includes(':'));
  return [
    `See the check on the instances of ${nodes.join(', ')}: ${query} shows SourceDestCheck True for each.`,
    `Let Felix turn it off on every instance: ${patchFelix({ awsSrcDstCheck: 'Disable' }, felixName)} (calico-node needs AWS credentials allowed to change the instance attribute, usually through the instance role; without them, set it to DoNothing and run \`aws ec2 modify-instance-attribute --no-source-dest-check --instance-id\` once for each InstanceId the query above printed).`,
    unencapsulated.length > 0
      ? `Or encapsulate between all nodes, so pod addresses never reach the fabric: ${unencapsulated.map((p) => patchPool(p.name, encapsulateAlways(p))).join(', ')}.`
      : 'Or encapsulate between all nodes, so pod addresses never reach the fabric: set `vxlanMode: Always` on the pools that route via the NIC (`calicoctl get ippool -o wide` lists their modes).',
    'Verify: the same query shows SourceDestCheck False on every instance, and a ping between pods on two nodes gets answers.',
  ];
}

const CLOUD_HOSTNAME = /^ip-\d+-\d+-\d+-\d+(\.|$)|\.compute\.internal$|\.ec2\.internal$|\.c\.[a-z0-9-]+\.internal$/;

export const cloudFabricDropsUnencapsulated: Rule = {
  meta: {
    id: 'cloud-fabric-drops-unencapsulated',
    severity: 'critical',
    summary: 'Pod traffic between nodes leaves unencapsulated on a cloud network that drops packets not addressed to the instance itself (AWS source/destination check, GCE, Azure).',
    rationale:
      'Without encapsulation (pool ipipMode/vxlanMode Never, or CrossSubnet between nodes of one subnet) pod packets cross the wire with pod addresses. Public clouds drop them unless told otherwise: AWS checks source/destination per instance ("you must disable AWS src/dst checks on each EC2 instance in your cluster", or FelixConfiguration `awsSrcDstCheck: Disable`), GCE needs IP forwarding or IP-in-IP with natOutgoing, Azure routes no unknown addresses (use VXLAN). BGP and the routes look perfect; only the traffic fails. The routes show which pairs are unencapsulated; the cloud settings are in no bundle.',
    remediation: [
      'On AWS: disable the source/destination check on every instance (`aws ec2 modify-instance-attribute --instance-id <id> --no-source-dest-check`) or set FelixConfiguration `awsSrcDstCheck: Disable`; on GCE enable IP forwarding; on Azure use VXLAN.',
      'Or encapsulate between all nodes: `calicoctl patch ippool <pool> -p \'{"spec":{"vxlanMode":"Always"}}\'` (or ipipMode Always where protocol 4 is allowed).',
    ],
    explains: ['block-route-missing'],
    collect: [
      { command: 'aws ec2 describe-instance-attribute --instance-id <id> --attribute sourceDestCheck', why: 'an enabled source/destination check drops unencapsulated pod traffic on AWS (not in any bundle)' },
      { command: 'gcloud compute instances describe <name> --format="value(canIpForward)"', why: 'GCE drops pod-addressed packets unless IP forwarding is on' },
    ],
  },
  check({ cluster, derived }) {
    const t = derived.encap;
    const direct: { from: string; to: string; evidence: Evidence }[] = [];
    for (const n of t.nodes) {
      for (const e of n.routes.direct) {
        const cell = derived.routeMatrix.rows[derived.routeMatrix.nodes.indexOf(n.node)]?.find((c) => c.blocks.some((b) => b.evidence === e));
        if (cell !== undefined) direct.push({ from: n.node, to: cell.to, evidence: e });
      }
    }
    if (direct.length === 0) return { status: 'passed', reason: `no node routes another node's pod block via the NIC: all cross-node pod traffic is encapsulated (${t.nodes.length} nodes)` };
    const pairs = [...new Map(direct.map((d) => [`${d.from}->${d.to}`, d])).values()];
    const check = t.felixConfig['awsSrcDstCheck'];
    if (check?.value === 'Disable') return { status: 'passed', reason: `${pairs.length} node pairs route pod traffic unencapsulated, and FelixConfiguration awsSrcDstCheck: Disable turns the AWS source/destination check off` };
    if (check?.value === 'Enable') {
      const nodes = [...new Set(pairs.flatMap((p) => [p.from, p.to]))].sort();
      return {
        status: 'found',
        findings: [{
          key: 'aws-src-dst-check',
          title: `FelixConfiguration awsSrcDstCheck: Enable keeps the AWS source/destination check on while ${pairs.length} node pairs route pod traffic unencapsulated`,
          message: `Felix sets the EC2 source/destination check on every node (awsSrcDstCheck: Enable), and ${pairs.slice(0, 4).map((p) => `${p.from} → ${p.to}`).join(', ')}${pairs.length > 4 ? ', …' : ''} route pod blocks via the NIC without encapsulation. AWS drops those packets: their pod source or destination is not the instance's own address.`,
          nodes,
          evidence: [check.evidence, ...pairs.slice(0, 6).map((p) => p.evidence)],
          pairs: pairs.map((p) => [p.from, p.to] as [string, string]),
          fix: awsSteps(cluster, nodes, check.evidence.node.startsWith('FelixConfiguration ') ? check.evidence.node.slice('FelixConfiguration '.length) : 'default', t.pools),
        }],
      };
    }
    const cloudHints = cluster.nodes.filter((n) => n.hostname !== undefined && CLOUD_HOSTNAME.test(n.hostname)).map((n) => n.hostname!);
    if (cloudHints.length === 0 && check === undefined) {
      return { status: 'passed', reason: `${pairs.length} node pairs route pod traffic unencapsulated via the NIC, and nothing points to a public cloud (no cloud-style hostnames, no FelixConfiguration awsSrcDstCheck); on a public cloud, check the source/destination check` };
    }
    return {
      status: 'skipped',
      reason: `${pairs.length} node pairs route pod traffic unencapsulated via the NIC (${pairs.slice(0, 3).map((p) => `${p.from} → ${p.to}`).join(', ')}) on what looks like a public cloud (${cloudHints.length > 0 ? `hostnames ${cloudHints.slice(0, 3).join(', ')}` : `awsSrcDstCheck: ${check!.value}`}); whether the fabric drops them (source/destination check, security groups) is in no bundle`,
    };
  },
};
