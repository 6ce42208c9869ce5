/**
 * Catalogue J4: `net.ipv4.ip_forward` (or the fabric NIC's `forwarding`) is 0 on a node. Nothing in
 * the bundle shows the value: it is decided by a `sysctl` attachment; FelixConfiguration
 * `ipForwarding: Disabled` and Felix's own sysctl errors only make it a suspect.
 */
import { restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import { attachedEvidence, sysctlNumber } from '../../combiners/attachment-evidence.js';
import { calicoLogLines, list, resourceEvidence, sysctlCollect } from '../../combiners/host-facts.js';

const FELIX_LINES = ['Failed to set IPv4 forwarding sysctl', 'IPv4 forwarding disabled by config'];

export const ipForwardingDisabled: Rule = {
  meta: {
    id: 'ip-forwarding-disabled',
    severity: 'critical',
    summary: 'IPv4 forwarding is off on a node (`net.ipv4.ip_forward = 0`): traffic to and from its pods is not routed.',
    rationale:
      'Felix writes `net.ipv4.ip_forward=1` at start-up ("Making sure IPv4 forwarding is enabled.") unless FelixConfiguration `ipForwarding: Disabled`, and sets forwarding per `cali*` interface; "for packets to be forwarded in both directions we need this flag to be set on the fabric-facing interface too (or for the global default to be set)" (felix int_dataplane.go, catalogue J4). A hardening script or a sysctl reload after Felix started sets it back to 0: pods on the node can send, but nothing from other nodes reaches them. The bundle holds no sysctl, so the value comes from an attached `sysctl` output.',
    remediation: [
      'On the node: `sysctl -w net.ipv4.ip_forward=1` and persist it (`echo net.ipv4.ip_forward=1 > /etc/sysctl.d/99-calico.conf`); find the hardening script or sysctl file that sets it to 0 (`grep -r ip_forward /etc/sysctl.d /etc/sysctl.conf /usr/lib/sysctl.d`).',
      'If FelixConfiguration says `ipForwarding: Disabled`, set it to `Enabled` (`calicoctl patch felixconfiguration default -p \'{"spec":{"ipForwarding":"Enabled"}}\'`) and restart calico-node.',
    ],
    explains: ['dns-resolution-failure'],
    collect: [sysctlCollect()],
  },
  check({ cluster }) {
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const fcDisabled = cluster.resources.felixConfigurations.filter((f) => String(f.spec['ipForwarding'] ?? '') === 'Disabled');
    const fcEvidence = fcDisabled.map((f) => resourceEvidence(f, `FelixConfiguration ${f.name}: ipForwarding: Disabled`, 'spec.ipForwarding'));
    const findings: FindingDraft[] = [];
    const unchecked: string[] = [];
    let checked = 0;
    for (const n of cluster.nodes) {
      const values = n.attachments?.sysctl?.values;
      const keys = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding', ...(n.nodeIPInterface !== undefined ? [`net.ipv4.conf.${n.nodeIPInterface}.forwarding`] : [])];
      const seen = keys.map((k) => ({ k, v: sysctlNumber(values, k) })).filter((x) => x.v !== undefined);
      if (seen.length === 0) {
        unchecked.push(n.name);
        continue;
      }
      checked++;
      const off = seen.filter((x) => x.v!.n === 0);
      if (off.length === 0) continue;
      const evidence: Evidence[] = [...off.map((x) => attachedEvidence(n.name, x.v!.line)), ...calicoLogLines(n, FELIX_LINES), ...fcEvidence];
      const what = off.map((x) => `${x.k} = 0`).join(', ');
      findings.push({
        key: n.name,
        title: `IPv4 forwarding is off on ${n.name} (${what})`,
        message:
          `${n.name}'s sysctl output shows ${what}: the kernel does not route packets between the node's interfaces, so pods on other nodes cannot reach pods on ${n.name} and its pods cannot reach beyond it (Felix enables forwarding only on the cali* interfaces).` +
          (fcDisabled.length > 0 ? ` FelixConfiguration ${fcDisabled.map((f) => f.name).join(', ')} has ipForwarding: Disabled, so Felix does not turn it back on.` : ' Felix turns it on at start-up, so something reset it after calico-node started (a hardening script, `sysctl --system`).'),
        nodes: [n.name],
        evidence,
        fix: [
          `On ${n.name}: \`sysctl -w net.ipv4.ip_forward=1\`${off.some((x) => x.k.includes('conf.all.forwarding')) ? ' and `sysctl -w net.ipv4.conf.all.forwarding=1`' : ''}, persist it (\`echo net.ipv4.ip_forward=1 > /etc/sysctl.d/99-calico.conf\`), and find what set it to 0 (\`grep -r ip_forward /etc/sysctl.d /etc/sysctl.conf /usr/lib/sysctl.d\`, a hardening script).`,
          ...(fcDisabled.length > 0 ? [`FelixConfiguration ${fcDisabled.map((f) => f.name).join(', ')} says \`ipForwarding: Disabled\`: ${fcDisabled.map((f) => `\`calicoctl patch felixconfiguration ${f.name} -p '{"spec":{"ipForwarding":"Enabled"}}'\``).join(', ')}, then restart calico-node on ${n.name} (${restartCalicoNode([n.name])}).`] : []),
        ],
      });
    }
    const collect = unchecked.length > 0 ? [sysctlCollect(unchecked)] : undefined;
    if (findings.length > 0) return { status: 'found', findings, collect };
    if (checked === 0 && fcDisabled.length > 0) {
      return {
        status: 'found',
        findings: [{
          key: 'felixconfiguration',
          severity: 'info',
          title: `FelixConfiguration ${fcDisabled.map((f) => f.name).join(', ')} leaves IPv4 forwarding to the host (ipForwarding: Disabled)`,
          message: `Felix does not enable net.ipv4.ip_forward on any node; whether it is on is unknown (no sysctl output attached). If a node has it at 0, pods there are unreachable from other nodes.`,
          nodes: unchecked,
          evidence: fcEvidence,
        }],
        collect,
      };
    }
    if (checked === 0) return { status: 'skipped', reason: `no sysctl output attached for any of ${cluster.nodes.length} nodes: net.ipv4.ip_forward is not in the bundle`, collect };
    return { status: 'passed', reason: `IPv4 forwarding is on for ${checked} node${checked === 1 ? '' : 's'} with sysctl output${unchecked.length > 0 ? `; not checked (no sysctl): ${list(unchecked)}` : ''}`, collect, unchecked };
  },
};
