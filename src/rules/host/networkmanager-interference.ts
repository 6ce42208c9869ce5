/**
 * Catalogue J5: NetworkManager manages Calico's devices (`cali*`, `tunl*`, `vxlan.calico`,
 * `wireguard.cali`) and removes their addresses/routes or takes them down. Proven by a NetworkManager
 * line naming a Calico device (attached dmesg/journal); Felix/BIRD lines about Calico devices that
 * vanish or routes the kernel refused are the symptoms it explains, never proof on their own.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { CollectHint, Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { attachedEvidence } from '../../combiners/attachment-evidence.js';
import { calicoLogLines, hasCalicoLog, list, onNodes } from '../../combiners/host-facts.js';
import { lineEvidence } from '../../combiners/evidence.js';

/** A Calico device name anywhere in a line. */
const CALICO_DEV = /\b(?:cali[0-9a-f]{11}|tunl0|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali|wg-v6\.cali)\b/;
const NM = /NetworkManager(?:\[\d+\])?:/;

const HINTS: CollectHint[] = [
  { command: 'nmcli device status', why: 'whether NetworkManager manages cali*/tunl0/vxlan.calico (they must show `unmanaged`)' },
  { command: 'journalctl -u NetworkManager --since "-2h" --no-pager | grep -E "cali|tunl|vxlan|wireguard"', why: 'NetworkManager touching Calico devices (device state changes, address/route removals)' },
  { command: 'cat /etc/NetworkManager/conf.d/*.conf', why: 'whether the Calico `unmanaged-devices` keyfile is in place' },
];

/** Felix/BIRD symptoms of Calico devices or routes being taken away under them. */
function symptoms(n: NodeModel): Evidence[] {
  const out = calicoLogLines(n, ['Interface missing, will retry', 'Failed to add route', 'Failed to get link attributes']).filter((e) => CALICO_DEV.test(e.text) || e.text.includes('Failed to add route'));
  for (const s of [n.bird, n.containerBird]) {
    for (const e of s?.events ?? []) if (e.kind === 'netlink-error') out.push(lineEvidence(n, e.file, e));
  }
  return out;
}

function nmLines(n: NodeModel): Evidence[] {
  const out: Evidence[] = [];
  for (const l of n.attachments?.dmesg?.notable ?? []) if (NM.test(l.text) && CALICO_DEV.test(l.text)) out.push(attachedEvidence(n.name, l));
  for (const l of n.journal?.notable ?? []) if (NM.test(l.text) && CALICO_DEV.test(l.text)) out.push(lineEvidence(n, n.artifacts.journalctl_calico_node.files[0] ?? 'journalctl_calico_node', l));
  return out;
}

export const networkmanagerInterference: Rule = {
  meta: {
    id: 'networkmanager-interference',
    severity: 'warning',
    summary: 'NetworkManager manages Calico\'s interfaces (cali*, tunl0, vxlan.calico) and removes their addresses or routes.',
    rationale:
      'NetworkManager treats every new link as its own unless told otherwise: on DHCP renewals or restarts it takes down or re-addresses `cali*`, `tunl*`, `vxlan.calico` and `wireguard.cali`, so routes Felix and BIRD programmed disappear (Felix logs `Interface missing, will retry`, route adds fail, BIRD sees netlink errors) and pods lose connectivity until Felix reprograms them. Calico\'s troubleshooting guide asks for an `unmanaged-devices` keyfile (catalogue J5). The proof is a NetworkManager line naming a Calico device; the bundle does not hold NetworkManager\'s journal.',
    remediation: [
      'Create /etc/NetworkManager/conf.d/calico.conf with `[keyfile]` and `unmanaged-devices=interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico;interface-name:vxlan-v6.calico;interface-name:wireguard.cali;interface-name:wg-v6.cali`, then `systemctl reload NetworkManager`.',
      'Restart calico-node on the node so Felix reprograms the devices and routes, and check `nmcli device status` shows them `unmanaged`.',
    ],
    explains: ['block-route-missing'],
    collect: HINTS,
  },
  check({ cluster }) {
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const findings: FindingDraft[] = [];
    const suspects: string[] = [];
    const noLog: string[] = [];
    let quiet = 0;
    for (const n of cluster.nodes) {
      const nm = nmLines(n);
      const sym = symptoms(n);
      if (nm.length > 0) {
        const devs = [...new Set(nm.map((e) => CALICO_DEV.exec(e.text)?.[0]).filter((d): d is string => d !== undefined))];
        findings.push({
          key: n.name,
          title: `NetworkManager manages Calico devices on ${n.name} (${list(devs, 4)})`,
          message: `NetworkManager on ${n.name} acted on ${list(devs, 4)}${sym.length > 0 ? `, and Calico saw devices or routes go away (${sym.length} line${sym.length === 1 ? '' : 's'} in its logs)` : ''}: routes Felix/BIRD programmed are removed until Felix notices and reprograms them.`,
          nodes: [n.name],
          evidence: [...nm, ...sym],
          remediation: [`On ${n.name}: add the Calico \`unmanaged-devices\` keyfile to /etc/NetworkManager/conf.d/ and reload NetworkManager.`],
        });
      } else if (sym.length > 0) suspects.push(n.name);
      else if (hasCalicoLog(n) || n.bird !== undefined) quiet++;
      else noLog.push(n.name);
    }
    const collect = onNodes(HINTS, [...suspects, ...noLog].sort());
    if (findings.length > 0) return { status: 'found', findings, collect };
    if (suspects.length > 0) {
      return { status: 'skipped', reason: `Calico devices or routes went away on ${list(suspects)} (Felix/BIRD lines) but no NetworkManager output is attached to tell whether it did it`, collect };
    }
    if (quiet === 0) return { status: 'skipped', reason: 'no Felix, calico-node or BIRD log on any node: device flaps are not visible', collect };
    return { status: 'passed', reason: `no Calico device or route went away in the Felix/BIRD logs of ${quiet} node${quiet === 1 ? '' : 's'} and no NetworkManager line names one${noLog.length > 0 ? `; not checked (no logs): ${list(noLog)}` : ''}`, collect, unchecked: noLog };
  },
};
