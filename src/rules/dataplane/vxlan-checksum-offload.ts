/**
 * Catalogue D7: broken TX checksum offload for VXLAN (kernels <= 5.7 with SNATed packets, some
 * NIC drivers such as vmxnet3): ICMP works, TCP over VXLAN hangs. Not visible in the diags bundle:
 * it needs `ethtool -k vxlan.calico`. Decided when that output is attached: offload still on where
 * Felix itself says ChecksumOffloadBroken:true, or on a kernel <= 5.7, or on some nodes only.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeEncap } from '../../model/derived.js';
import { kernelAtMost, usesVxlan } from '../../combiners/encapsulation.js';

export const vxlanChecksumOffload: Rule = {
  meta: {
    id: 'vxlan-checksum-offload',
    severity: 'warning',
    summary: 'TX checksum offload is on for vxlan.calico where it is known to corrupt VXLAN checksums (kernel <= 5.7, or Felix detected it broken), so TCP over VXLAN can hang while ping works.',
    rationale:
      'Some kernels compute wrong outer UDP checksums for VXLAN packets whose inner source was SNATed (tcpdump: `[bad udp cksum 0xffff -> 0x76dc!] VXLAN, flags [I] (0x08), vni 4096`, calico #3145), and some NIC drivers (vmxnet3) mishandle the offload: ICMP passes, TCP over VXLAN and node-to-ClusterIP connections hang or take ~63 s. Felix assumes `ChecksumOffloadBroken` for kernels <= 5.7 (felix/environment/feature_detect_linux.go) and then turns offload off on vxlan.calico; v3.25–v3.28 turned it off everywhere, v3.29 reverted that. The bundle does not hold the offload state: it needs `ethtool -k vxlan.calico` (feature `tx-checksum-ip-generic`).',
    remediation: [
      'Turn the offload off on vxlan.calico: `ethtool -K vxlan.calico tx-checksum-ip-generic off` on each node (not persistent), or permanently with FelixConfiguration `featureDetectOverride: "ChecksumOffloadBroken=true"`.',
      'If only some NICs/hypervisors are affected (VMware vmxnet3), compare `ethtool -k <nic>` across nodes and upgrade the driver/kernel, or use IP-in-IP there.',
    ],
    collect: [{ command: 'ethtool -k vxlan.calico', why: 'tx-checksum-ip-generic on/off decides whether VXLAN checksum offload can corrupt packets (not in any diags bundle)' }],
  },
  check({ cluster, derived }) {
    const t = derived.encap;
    const vx = t.nodes.filter((n) => n.vxlan !== undefined || n.routes.vxlan.length > 0);
    if (!t.pools.some(usesVxlan) && vx.length === 0) return { status: 'passed', reason: `VXLAN is not in use on any of ${t.nodes.length} nodes, so VXLAN checksum offload does not apply` };
    const withEthtool = t.nodes.filter((n) => n.vxlanTxChecksum !== undefined);
    if (withEthtool.length === 0) {
      const kernels = t.nodes.filter((n) => n.kernelVersion !== undefined).map((n) => `${n.node} ${n.kernelVersion}${n.checksumOffloadBroken !== undefined ? ` (Felix: ChecksumOffloadBroken:${n.checksumOffloadBroken})` : ''}`);
      return {
        status: 'skipped',
        reason: `VXLAN is in use, but no bundle holds the checksum offload state of vxlan.calico (ethtool -k is not part of calicoctl node diags)${kernels.length > 0 ? `; kernels: ${kernels.join(', ')}` : ''}`,
        collect: [{ command: 'ethtool -k vxlan.calico', why: 'tx-checksum-ip-generic on/off decides whether VXLAN checksum offload can corrupt packets (not in any diags bundle)', nodes: (vx.length > 0 ? vx : t.nodes).map((n) => n.node) }],
      };
    }
    const override = (t.felixConfig['featureDetectOverride']?.value ?? '').includes('ChecksumOffloadBroken=true');
    const bad: { n: NodeEncap; why: string; evidence: Evidence[] }[] = [];
    for (const n of withEthtool) {
      if (!n.vxlanTxChecksum!.on) continue;
      const ev = [n.vxlanTxChecksum!.evidence, ...(n.kernelEvidence !== undefined ? [n.kernelEvidence] : [])];
      if (n.checksumOffloadBroken === true || override) bad.push({ n, why: `Felix ${override ? 'is told (featureDetectOverride ChecksumOffloadBroken=true)' : 'detected ChecksumOffloadBroken:true'} yet tx-checksum-ip-generic is still on`, evidence: override ? [...ev, t.felixConfig['featureDetectOverride']!.evidence] : ev });
      else if (n.kernelVersion !== undefined && kernelAtMost(n.kernelVersion, 5, 7) === true) bad.push({ n, why: `kernel ${n.kernelVersion} (<= 5.7, where the SNAT checksum bug exists) with tx-checksum-ip-generic on`, evidence: ev });
    }
    const on = withEthtool.filter((n) => n.vxlanTxChecksum!.on);
    const off = withEthtool.filter((n) => !n.vxlanTxChecksum!.on);
    if (bad.length === 0) {
      return { status: 'passed', reason: `vxlan.calico tx-checksum-ip-generic is ${on.length > 0 ? `on on ${on.map((n) => n.node).join(', ')}` : ''}${on.length > 0 && off.length > 0 ? ' and ' : ''}${off.length > 0 ? `off on ${off.map((n) => n.node).join(', ')}` : ''}; no node runs it on a kernel or with a Felix verdict known to break it (${withEthtool.length} nodes with ethtool output)` };
    }
    const nicOf = (name: string) => cluster.nodes.find((n) => n.name === name)?.nodeIPInterface;
    const findings: FindingDraft[] = bad.map((b) => ({
      key: b.n.node,
      title: `${b.n.node}: VXLAN TX checksum offload is on where it is known to break (${b.why.split(' (')[0]})`,
      message: `On ${b.n.node}, ${b.why}. VXLAN packets can leave with a bad outer UDP checksum and be dropped by the receiver: ping works, TCP across nodes hangs.${off.length > 0 ? ` On ${off.map((n) => n.node).join(', ')} the offload is off.` : ''}`,
      nodes: [b.n.node],
      evidence: b.evidence,
      fix: [
        `On ${b.n.node}: \`ethtool -K vxlan.calico tx-checksum-ip-generic off\` (not persistent), then retest a TCP connection across nodes; make it permanent for the cluster with \`calicoctl patch felixconfiguration default -p '{"spec":{"featureDetectOverride":"ChecksumOffloadBroken=true"}}'\`.`,
        `If only some NICs/hypervisors are affected (VMware vmxnet3), compare ${nicOf(b.n.node) !== undefined ? `\`ethtool -k ${nicOf(b.n.node)}\`` : '`ethtool -k` of the underlay NIC (its name is not in the bundle: `ip -4 route get` to another node shows it)'} on ${b.n.node} with the nodes that work and upgrade the driver/kernel, or use IP-in-IP there.`,
      ],
    }));
    return { status: 'found', findings };
  },
};
