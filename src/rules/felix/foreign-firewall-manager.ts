/**
 * Catalogue H2: firewalld, ufw, Docker, kube-proxy or a script put rules ahead of Calico's jumps in
 * the built-in INPUT/FORWARD chains (a blanket REJECT/DROP that Calico's rules never get to see), or
 * a firewall reload removed Calico's jumps (`-A INPUT … -j cali-INPUT`, `-A FORWARD … -j cali-FORWARD`).
 *
 * A DROP/REJECT of one destination port in INPUT (e.g. `--dport 179`) is left to the port's own rule
 * (bgp-port179-blocked, typha-unreachable, …), which names the flow it breaks.
 */
import { restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { IptablesChain, IptablesRule } from '../../model/facts.js';
import { mainDumpFile, managerOf, type FirewallManager } from '../../combiners/iptables-backends.js';
import { lineEvidence } from '../../combiners/evidence.js';

const CALICO_JUMP: Record<string, string> = { INPUT: 'cali-INPUT', FORWARD: 'cali-FORWARD' };

/** A foreign DROP/REJECT that hits more than one port: no destination port, source or protocol-port match (IPIP counts). */
function broad(chain: string, r: IptablesRule): boolean {
  if (chain === 'FORWARD') return true;
  if (/-p (4|ipencap|ipip)\b/.test(r.spec)) return true;
  return !/--dports?\s|--sports?\s|(^|\s)-s\s|--src-range|(^|\s)-d\s/.test(r.spec);
}

interface ChainCheck {
  chain: string;
  jump?: IptablesRule;
  jumpIndex: number;
  /** Foreign DROP/REJECT rules before Calico's jump (or anywhere when the jump is missing). */
  blockers: IptablesRule[];
  /** Jumps into another firewall manager's chains before Calico's jump. */
  managerJumps: { rule: IptablesRule; manager: FirewallManager }[];
  policy?: IptablesChain;
}

function checkChain(chains: Record<string, IptablesChain>, chain: string): ChainCheck | undefined {
  const c = chains[chain];
  if (c === undefined) return undefined;
  const jumpIndex = c.rules.findIndex((r) => r.target === CALICO_JUMP[chain]);
  const before = jumpIndex === -1 ? c.rules : c.rules.slice(0, jumpIndex);
  const blockers = before.filter((r) => (r.target === 'DROP' || r.target === 'REJECT') && r.calicoId === undefined && broad(chain, r));
  const managerJumps = before
    .map((rule) => ({ rule, manager: managerOf(rule.target) }))
    .filter((x): x is { rule: IptablesRule; manager: FirewallManager } => x.manager === 'firewalld' || x.manager === 'ufw');
  return { chain, jump: jumpIndex === -1 ? undefined : c.rules[jumpIndex], jumpIndex, blockers, managerJumps, policy: c };
}

export const foreignFirewallManager: Rule = {
  meta: {
    id: 'foreign-firewall-manager',
    severity: 'critical',
    summary: 'Another firewall manager (firewalld, ufw, Docker, kube-proxy or a script) rejects traffic ahead of Calico\'s rules, or removed Calico\'s jumps from INPUT/FORWARD.',
    rationale:
      'Felix hooks its rules into the built-in chains with one jump each (`-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT`, `-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD`) and, by default, inserts them first. firewalld and ufw build their own chains (INPUT_direct/INPUT_ZONES/IN_public, ufw-before-input, …) ending in a blanket `REJECT --reject-with icmp-host-prohibited` or a DROP policy, and a reload flushes INPUT/FORWARD and rebuilds them, removing Calico\'s jumps until Felix\'s next refresh; with `ChainInsertMode: Append` Calico\'s jumps end up after the REJECT for good. Then BGP, IPIP/VXLAN and pod traffic forwarded through the node hit the foreign REJECT/DROP before Calico can accept them. Calico\'s requirements say: "If your Linux distribution comes with installed Firewalld or another iptables manager it should be disabled" (catalogue H2).',
    remediation: [
      'Disable the foreign firewall manager on Calico nodes (`systemctl disable --now firewalld` / `ufw disable`), or express the host rules as Calico HostEndpoint policy instead.',
      'If the rules come from a script or configuration management, make it stop inserting blanket DROP/REJECT rules into INPUT/FORWARD ahead of `cali-INPUT`/`cali-FORWARD`; keep Felix\'s default `ChainInsertMode: Insert`.',
      'After the change, check the order with `iptables -S INPUT | head; iptables -S FORWARD | head` (Calico\'s jump first) and watch the REJECT/DROP counters stop growing (`iptables -L INPUT -v -n`).',
    ],
    explains: ['bgp-peer-refused-or-unreachable', 'bgp-port179-blocked', 'block-route-missing', 'ipip-protocol-blocked', 'vxlan-udp-port-blocked-or-conflict'],
    collect: [{ command: 'iptables-save -c -t filter', why: 'the order of Calico\'s jumps and other rules in INPUT/FORWARD, with counters' }],
  },
  check({ cluster }) {
    const nodes = cluster.nodes.filter((n) => n.iptables4?.tables['filter'] !== undefined);
    if (nodes.length === 0) return { status: 'skipped', reason: `no filter table in any ipv4_tables of ${cluster.nodes.length} bundles` };
    const findings: FindingDraft[] = [];
    let withCalico = 0;
    for (const n of nodes) {
      const filter = n.iptables4!.tables['filter']!;
      // No Calico chain at all in this dump: Felix is down or programs another backend (other rules).
      if (filter.chains['cali-INPUT'] === undefined && filter.chains['cali-FORWARD'] === undefined) continue;
      withCalico++;
      const file = mainDumpFile(n);
      const reasons: string[] = [];
      const evidence: Evidence[] = [];
      const managers = new Set<FirewallManager>();
      let critical = false;
      for (const name of ['INPUT', 'FORWARD']) {
        const cc = checkChain(filter.chains, name);
        if (cc === undefined) continue;
        for (const m of cc.managerJumps) managers.add(m.manager);
        if (filter.chains[CALICO_JUMP[name]!] !== undefined && cc.jump === undefined && (cc.policy?.rules.length ?? 0) === (cc.policy?.ruleCount ?? 0)) {
          critical = true;
          const pol = cc.policy?.policy;
          reasons.push(
            `${name} has no jump to ${CALICO_JUMP[name]} although the chain exists (${cc.policy?.ruleCount ?? 0} rules in ${name}${pol !== undefined ? `, policy ${pol}${cc.policy?.packets !== undefined ? ` [${cc.policy.packets} packets]` : ''}` : ''}): something flushed or rebuilt ${name} after Felix programmed it`,
          );
          if (cc.policy !== undefined) evidence.push(lineEvidence(n, file, cc.policy));
        }
        if (cc.blockers.length > 0) {
          const hit = cc.blockers.filter((r) => r.packets === undefined || r.packets > 0);
          if (hit.length > 0) critical = true;
          const b = cc.blockers[0]!;
          reasons.push(
            `${cc.blockers.length} foreign ${cc.blockers.length === 1 ? 'rule' : 'rules'} in ${name} ${cc.jump !== undefined ? `come${cc.blockers.length === 1 ? 's' : ''} before Calico's jump (rule ${cc.jumpIndex + 1})` : 'and no Calico jump'}: \`${b.text.trim()}\`${b.packets !== undefined ? ` (${b.packets} packets)` : ''}`,
          );
          for (const r of cc.blockers.slice(0, 3)) evidence.push(lineEvidence(n, file, r));
        }
        if (cc.managerJumps.length > 0 && cc.jump !== undefined) {
          reasons.push(`${name} sends packets to ${[...new Set(cc.managerJumps.map((m) => m.rule.target))].join(', ')} (${[...new Set(cc.managerJumps.map((m) => m.manager))].join(', ')}) before Calico's jump`);
          for (const m of cc.managerJumps.slice(0, 2)) evidence.push(lineEvidence(n, file, m.rule));
        }
        if (cc.jump !== undefined && (cc.blockers.length > 0 || cc.managerJumps.length > 0)) evidence.push(lineEvidence(n, file, cc.jump));
      }
      if (reasons.length === 0) continue;
      const fwd = filter.chains['FORWARD'];
      if (fwd?.policy === 'DROP' && (fwd.packets ?? 0) > 0 && reasons.some((r) => r.startsWith('FORWARD'))) {
        reasons.push(`FORWARD's policy DROP has dropped ${fwd.packets} packets`);
        evidence.push(lineEvidence(n, file, fwd));
      }
      const who = managers.size > 0 ? [...managers].join(' and ') : 'a script or manual rules';
      findings.push({
        key: n.name,
        title: `${who === 'a script or manual rules' ? 'Foreign iptables rules' : who} ${managers.size === 1 ? (critical ? 'blocks traffic ahead of Calico' : 'runs ahead of Calico') : critical ? 'block traffic ahead of Calico' : 'run ahead of Calico'} on ${n.name}`,
        message: `On ${n.name}, ${reasons.join('; ')}. These rules are not Calico's (${who}); packets they reject never reach Calico's allow rules, so BGP, tunnel and pod traffic through ${n.name} can fail even though Calico's own chains are correct.`,
        nodes: [n.name],
        evidence,
        severity: critical ? undefined : 'warning',
        fix: [
          managers.has('firewalld') || managers.has('ufw')
            ? `On ${n.name}: ${[managers.has('firewalld') ? '`systemctl disable --now firewalld`' : '', managers.has('ufw') ? '`ufw disable`' : ''].filter((x) => x !== '').join(' and ')}, then let Felix reprogram or restart calico-node there (${restartCalicoNode([n.name])}); or express the host rules as Calico HostEndpoint policy instead.`
            : `On ${n.name}, find the script or configuration management that inserts these rules and make it stop putting blanket DROP/REJECT rules into INPUT/FORWARD ahead of \`cali-INPUT\`/\`cali-FORWARD\`; keep Felix's default \`ChainInsertMode: Insert\`.`,
          `After the change, on ${n.name}: \`iptables -S INPUT | head; iptables -S FORWARD | head\` shows Calico's jump first, and \`iptables -L INPUT -v -n\` shows the REJECT/DROP counters no longer growing.`,
        ],
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (withCalico === 0) return { status: 'skipped', reason: `no Calico chains in the filter table of ${nodes.length} nodes (Felix down or on another backend)`, collect: [{ command: 'iptables-legacy-save -c -t filter; iptables-nft-save -c -t filter', why: 'where Calico\'s chains and jumps are' }] };
    return { status: 'passed', reason: `Calico's INPUT/FORWARD jumps are in place with no foreign blanket REJECT/DROP ahead of them on ${withCalico} nodes` };
  },
};
