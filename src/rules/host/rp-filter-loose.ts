/**
 * Catalogue J3: Felix up to v3.11 refuses to start when `net.ipv4.conf.all.rp_filter = 2` (loose):
 * `[FATAL] ... Kernel's RPF check is set to 'loose'. ... Calico requires net.ipv4.conf.all.rp_filter to
 * be set to 0 or 1.` From v3.12 Felix does the RPF check in iptables and loose mode is no fault. So the
 * fault is that FATAL line (with the sysctl as support), never `rp_filter = 2` alone.
 */
import { restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { CollectHint, Evidence } from '../../model/finding.js';
import { attachedEvidence, sysctlNumber } from '../../combiners/attachment-evidence.js';
import { calicoLogLines, hasCalicoLog, list, onNodes, sysctlCollect } from '../../combiners/host-facts.js';

const FATAL = "RPF check is set to 'loose'";

const LOG_HINT: CollectHint = {
  command: 'kubectl -n calico-system logs <calico-node-pod> -c calico-node --previous | grep -iE "rpf|rp_filter"',
  why: "whether Felix refused to start because rp_filter is loose (`Kernel's RPF check is set to 'loose'`, Felix <= v3.11)",
};

export const rpFilterLoose: Rule = {
  meta: {
    id: 'rp-filter-loose',
    severity: 'critical',
    summary: "Felix refuses to run because the kernel's reverse-path filter is loose (`net.ipv4.conf.all.rp_filter = 2`; Felix v3.11 and older).",
    rationale:
      "Felix up to v3.11 checked `net.ipv4.conf.all.rp_filter` at start and exited with `[FATAL] ... Kernel's RPF check is set to 'loose'.  This would allow endpoints to spoof their IP address.  Calico requires net.ipv4.conf.all.rp_filter to be set to 0 or 1.` (Ubuntu 20.04-era hosts, kind/DIND set 2), so calico-node crashloops. From v3.12 the check is an iptables rule (libcalico-go PR #1181) and rp_filter = 2 is harmless: a loose value alone is not a fault (catalogue J3).",
    remediation: [
      'Set strict or no reverse-path filtering on the node: `sysctl -w net.ipv4.conf.all.rp_filter=1` (or 0) and persist it in /etc/sysctl.d/; then restart calico-node.',
      'Or, if loose RPF is required and spoofing is not a concern, set `FELIX_IGNORELOOSERPF=true` on calico-node; better, upgrade Calico (v3.12+ no longer needs the sysctl).',
    ],
    // Felix exits on that node: calico-node restarts (not ready), no MASQUERADE rule there, and DNS through it fails.
    explains: ['calico-node-not-running', 'nat-outgoing-disabled', 'dns-resolution-failure'],
    collect: [LOG_HINT, sysctlCollect()],
  },
  check({ cluster }) {
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const findings: FindingDraft[] = [];
    const unchecked: string[] = [];
    const looseButRunning: string[] = [];
    let checked = 0;
    for (const n of cluster.nodes) {
      const fatal = calicoLogLines(n, [FATAL]);
      const rp = sysctlNumber(n.attachments?.sysctl?.values, 'net.ipv4.conf.all.rp_filter');
      if (fatal.length > 0) {
        checked++;
        const evidence: Evidence[] = [...fatal, ...(rp !== undefined ? [attachedEvidence(n.name, rp.line)] : [])];
        findings.push({
          key: n.name,
          title: `Felix on ${n.name} exits: rp_filter is loose${rp !== undefined ? ` (net.ipv4.conf.all.rp_filter = ${rp.n})` : ''}`,
          message: `Felix on ${n.name} logged \`Kernel's RPF check is set to 'loose'\` ${fatal.length} time${fatal.length === 1 ? '' : 's'} and exits: calico-node restarts, so no policy, routes or NAT are programmed on ${n.name}. This Felix (v3.11 or older) requires rp_filter 0 or 1.`,
          nodes: [n.name],
          evidence,
          fix: [
            `On ${n.name}: \`sysctl -w net.ipv4.conf.all.rp_filter=1\` (or 0), persist it (\`echo net.ipv4.conf.all.rp_filter=1 > /etc/sysctl.d/99-calico.conf\`), then restart calico-node there: ${restartCalicoNode([n.name])}.`,
            'Or, if loose RPF is required and spoofing is not a concern, set `FELIX_IGNORELOOSERPF=true` on calico-node; better, upgrade Calico (v3.12+ no longer needs the sysctl).',
          ],
        });
        continue;
      }
      if (hasCalicoLog(n)) {
        checked++;
        if (rp?.n === 2) looseButRunning.push(n.name);
        continue;
      }
      unchecked.push(n.name);
    }
    const collect = onNodes([LOG_HINT], unchecked);
    if (findings.length > 0) return { status: 'found', findings, collect };
    if (checked === 0) return { status: 'skipped', reason: `no Felix or calico-node log on any of ${cluster.nodes.length} nodes: whether Felix refused a loose rp_filter is unknown`, collect };
    return {
      status: 'passed',
      reason:
        `no Felix on ${checked} node${checked === 1 ? '' : 's'} logged the loose-RPF FATAL` +
        (looseButRunning.length > 0 ? `; rp_filter = 2 on ${list(looseButRunning)} is harmless there (Felix v3.12+ checks RPF in iptables)` : '') +
        (unchecked.length > 0 ? `; not checked (no Calico log): ${list(unchecked)}` : ''),
      collect,
      unchecked,
    };
  },
};
