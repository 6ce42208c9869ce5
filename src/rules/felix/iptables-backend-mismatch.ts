/**
 * Catalogue H1: Felix programs one iptables backend (legacy or nf_tables) while the host,
 * kube-proxy or the diags' own iptables-save use the other. Seen per node (the nft variant's
 * `# Warning: iptables-legacy tables present` line, Calico's chains missing from the dump while Felix
 * runs, Felix's own mismatch warning, both backends in cluster diags) and across nodes (which node
 * dumps which backend).
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence, Severity } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { dumpsOf, type DumpView } from '../../combiners/iptables-backends.js';
import { lineEvidence } from '../../combiners/evidence.js';

const OTHER: Record<string, string> = { legacy: 'nf_tables', nf_tables: 'legacy' };

function felixMismatch(n: NodeModel) {
  for (const s of [n.felix, n.containerLog]) {
    const sig = s?.signatures['iptables-backend-mismatch'];
    if (sig === undefined || sig.count === 0) continue;
    const rec = sig.last ?? sig.refs[sig.refs.length - 1]!;
    const detected = /detectedBackend="?([a-z_]+)"?/.exec(rec.message)?.[1];
    const specified = /specifiedBackend="?([a-z_]+)"?/.exec(rec.message)?.[1];
    return { rec, detected, specified, count: sig.count };
  }
  return undefined;
}

/** Felix wrote its log recently and did not end in a fatal error: it is running and programming. */
function felixAlive(n: NodeModel): boolean {
  const f = n.felix ?? n.containerLog;
  if (f === undefined || f.lines === 0) return false;
  const tail = f.notable[f.notable.length - 1];
  return !(tail !== undefined && (tail.level === 'FATAL' || tail.level === 'PANIC') && f.lastTime !== undefined && tail.time === f.lastTime);
}

function backendName(b: string | undefined): string {
  return b === 'nf_tables' ? 'nf_tables (iptables-nft)' : b === 'legacy' ? 'legacy (iptables-legacy)' : 'unknown backend';
}

export const iptablesBackendMismatch: Rule = {
  meta: {
    id: 'iptables-backend-mismatch',
    severity: 'critical',
    summary: 'Felix programs one iptables backend (legacy or nf_tables) while the host or kube-proxy use the other, so Calico\'s rules do not act together with theirs.',
    rationale:
      'iptables ≥ 1.8 has two kernel backends, iptables-legacy and iptables-nft, and both can be loaded at once; a packet then passes both rule sets, and an ACCEPT in one does not stop a DROP (or a missing DNAT) in the other. Felix picks its backend (`FelixConfiguration.iptablesBackend`, `Auto` by default: "If it sees more rules in iptables-nft then it\'ll choose that, otherwise it\'ll use iptables-legacy", #5760). After an OS upgrade to an nf_tables default (Debian 10+, RHEL 8+) or with a kube-proxy image of the other flavour, the two disagree (catalogue H1). Signs: the nft iptables-save prints `# Warning: iptables-legacy tables present, use iptables-legacy-save to see them`; Calico\'s `cali-` chains are missing from the dump while Felix is running; Felix warns `Iptables backend specified does not match the detected backend`; cluster diags show Calico\'s chains in one backend and kube-proxy\'s in the other.',
    remediation: [
      'Find which backend each party uses on the node: `iptables --version`, `iptables-legacy-save | grep -c cali-`, `iptables-nft-save | grep -c cali-`, and the kube-proxy image/flags.',
      'Set `FelixConfiguration.iptablesBackend` (`NFT` or `Legacy`) to the backend kube-proxy and the host use (`calicoctl patch felixconfiguration default -p \'{"spec":{"iptablesBackend":"NFT"}}\'`), or align kube-proxy.',
      'Reboot the node (or flush the other backend\'s tables) so that stale rules in the unused backend are gone; on old Calico, upgrade (backend detection improved in v3.26, #8243).',
    ],
    explains: ['nat-outgoing-disabled', 'foreign-firewall-manager', 'calico-node-not-running', 'ipip-protocol-blocked', 'vxlan-udp-port-blocked-or-conflict', 'encap-source-not-in-calico-hostset'],
    collect: [
      { command: 'iptables --version', why: 'the backend the host\'s iptables (and calicoctl node diags) use' },
      { command: 'iptables-legacy-save -c | grep -c cali-; iptables-nft-save -c | grep -c cali-', why: 'which backend holds Calico\'s rules' },
    ],
  },
  check({ cluster }) {
    const nodes = cluster.nodes.filter((n) => dumpsOf(n).length > 0 || felixMismatch(n) !== undefined);
    if (nodes.length === 0) return { status: 'skipped', reason: `no ipv4_tables dump and no Felix backend warning in any of ${cluster.nodes.length} bundles` };
    const nftMode = cluster.resources.felixConfigurations.some((f) => f.spec['nftablesMode'] === 'Enabled' || f.spec['bpfEnabled'] === true);
    const othersWithCali = (self: NodeModel) => cluster.nodes.filter((o) => o !== self && dumpsOf(o).some((d) => d.caliChains > 0)).map((o) => o.name);
    const findings: FindingDraft[] = [];
    const perNodeBackend: string[] = [];
    for (const n of nodes) {
      const dumps = dumpsOf(n);
      const fm = felixMismatch(n);
      const att = n.attachments?.iptablesVersion;
      const evidence: Evidence[] = [];
      const reasons: string[] = [];
      let severity: Severity | undefined;
      const main = dumps.find((d) => d.dump === n.iptables4) ?? dumps[0];
      if (main !== undefined) perNodeBackend.push(`${n.name}: ${main.backend ?? '?'}`);
      const withCali = dumps.filter((d) => d.caliChains > 0);
      const withKube = dumps.filter((d) => d.kubeJumps.length > 0);
      if (dumps.length > 1) {
        // Cluster diags: both backends side by side.
        const caliIn = withCali.map((d) => d.backend);
        const kubeIn = withKube.map((d) => d.backend);
        if (withCali.length === 1 && withKube.length > 0 && !kubeIn.includes(caliIn[0])) {
          severity = 'critical';
          reasons.push(`Calico's chains are in ${backendName(caliIn[0])} (${withCali[0]!.caliChains} chains) but kube-proxy's are in ${backendName(kubeIn[0])}`);
          evidence.push(lineEvidence(n, withCali[0]!.file, firstCali(withCali[0]!)));
          evidence.push(lineEvidence(n, withKube[0]!.file, withKube[0]!.kubeJumps[0]!));
        } else if (withCali.length > 1) {
          severity ??= 'warning';
          reasons.push(`Calico chains are in both backends (${withCali.map((d) => `${d.backend ?? d.file}: ${d.caliChains}`).join(', ')}): one set is stale and still filters packets`);
          for (const d of withCali) evidence.push(lineEvidence(n, d.file, firstCali(d)));
        }
      }
      if (main !== undefined && main.dump.legacyTablesWarning !== undefined) {
        const w = main.dump.legacyTablesWarning;
        if (main.caliChains === 0) {
          severity = felixAlive(n) || fm !== undefined ? 'critical' : (severity ?? 'warning');
          reasons.push(`the host's iptables-save is ${backendName(main.backend)} and prints \`${w.text.trim()}\`, yet it holds none of Calico's chains${felixAlive(n) ? ' while Felix is running' : ''}: Calico's rules are in the legacy tables`);
          evidence.unshift(lineEvidence(n, main.file, w));
          const fwd = main.dump.tables['filter']?.chains['FORWARD'];
          if (fwd?.policy === 'DROP' && (fwd.packets ?? 0) > 0) {
            reasons.push(`in the nf_tables rules the FORWARD policy DROP has dropped ${fwd.packets} packets (Calico's ACCEPTs, in the other backend, do not stop it)`);
            evidence.push(lineEvidence(n, main.file, fwd));
          }
        } else if (main.kubeJumps.length === 0 && main.caliChains > 0) {
          severity ??= 'warning';
          reasons.push(`the nf_tables dump holds Calico's chains but no kube-proxy chains and prints \`${w.text.trim()}\`: kube-proxy (or another tool) programs the legacy tables`);
          evidence.push(lineEvidence(n, main.file, w));
        } else {
          severity ??= 'info';
          reasons.push(`legacy tables are loaded beside the nf_tables rules (\`${w.text.trim()}\`): stale rules there still see every packet`);
          evidence.push(lineEvidence(n, main.file, w));
        }
      } else if (main !== undefined && main.caliChains === 0 && !nftMode && felixAlive(n) && withCali.length === 0 && othersWithCali(n).length > 0) {
        severity ??= 'warning';
        reasons.push(`its iptables-save (${backendName(main.backend)}) holds none of Calico's chains while Felix is running and ${othersWithCali(n).join(', ')} ${othersWithCali(n).length > 1 ? 'have' : 'has'} them: Felix probably programs ${main.backend !== undefined ? `the ${OTHER[main.backend]} backend` : 'the other backend'}`);
        evidence.push({ node: n.name, input: n.input, file: main.file, line: 0, text: `no cali- chain in ${main.backend ?? 'this'} dump` });
      }
      if (fm !== undefined) {
        severity = severity === undefined || severity === 'info' ? 'critical' : severity;
        reasons.unshift(`Felix warns ${fm.count} time${fm.count === 1 ? '' : 's'} that the backend it was told to use (${fm.specified ?? '?'}) does not match the one it detects on the host (${fm.detected ?? '?'}), and uses ${fm.specified ?? 'the specified one'}`);
        evidence.unshift(lineEvidence(n, fm.rec.file, fm.rec));
      }
      if (att?.backend !== undefined && main?.backend !== undefined && att.backend !== main.backend) {
        reasons.push(`\`iptables --version\` reports ${att.backend} while the dump is ${main.backend}`);
        evidence.push({ node: n.name, input: att.input, file: att.file, line: att.line, text: att.text });
      }
      if (reasons.length === 0) continue;
      findings.push({
        key: n.name,
        title: severity === 'info' ? `Legacy iptables tables are loaded beside nf_tables on ${n.name}` : `iptables backend mismatch on ${n.name}: Calico and the host program different backends`,
        message: `On ${n.name}, ${reasons.join('; ')}.`,
        nodes: [n.name],
        evidence,
        severity,
        remediation: fm?.detected !== undefined ? [`Set \`iptablesBackend\` to ${fm.detected === 'nft' ? 'NFT' : 'Legacy'} (what Felix detects on ${n.name}) or make the host and kube-proxy use ${fm.specified}.`] : undefined,
      });
    }
    if (findings.length === 0) {
      return { status: 'passed', reason: `Calico's chains and the host's rules share one backend on ${nodes.length} nodes (${perNodeBackend.join(', ') || 'no dump'})` };
    }
    const backends = new Set(perNodeBackend.map((b) => b.split(': ')[1]));
    if (backends.size > 1) {
      for (const f of findings) f.message += ` Across nodes the dumps differ: ${perNodeBackend.join(', ')}.`;
    }
    return { status: 'found', findings };
  },
};

function firstCali(d: DumpView) {
  for (const t of Object.values(d.dump.tables)) for (const [name, c] of Object.entries(t.chains)) if (name.startsWith('cali-')) return { line: c.line, text: c.text };
  return { line: 0, text: 'cali- chains present' };
}
