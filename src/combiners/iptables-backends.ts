/**
 * What a node's iptables dumps say about who programs which backend (legacy vs nf_tables) and in
 * which order the built-in chains hand packets to Calico and to other firewall managers
 * (catalogue H1, H2). Reads the parsed `iptables-save` dumps only.
 */
import type { IptablesDump, IptablesRule } from '../model/facts.js';
import type { NodeModel } from '../model/node.js';
import { artifactFile } from './evidence.js';

export interface DumpView {
  file: string;
  dump: IptablesDump;
  /** `legacy` or `nf_tables` (from the header, or the cluster-diags file name), else undefined. */
  backend?: string;
  /** Calico chains declared in the dump (all tables). */
  caliChains: number;
  /** Rules of built-in chains that jump to kube-proxy's chains (`KUBE-SERVICES`, `KUBE-FORWARD`, ...). */
  kubeJumps: IptablesRule[];
}

function view(file: string, dump: IptablesDump, variant?: string): DumpView {
  let caliChains = 0;
  const kubeJumps: IptablesRule[] = [];
  for (const t of Object.values(dump.tables)) {
    for (const [name, c] of Object.entries(t.chains)) {
      if (name.startsWith('cali-')) caliChains++;
      if (/^[A-Z]+$/.test(name)) for (const r of c.rules) if (r.target?.startsWith('KUBE-')) kubeJumps.push(r);
    }
  }
  const backend = dump.backend ?? (variant === 'legacy' ? 'legacy' : variant === 'nft' ? 'nf_tables' : undefined);
  return { file, dump, backend, caliChains, kubeJumps };
}

/** Every IPv4 iptables dump of the node (cluster diags has one per backend). */
export function dumpsOf(n: NodeModel): DumpView[] {
  if (n.iptables4Dumps !== undefined && n.iptables4Dumps.length > 0) return n.iptables4Dumps.map((d) => view(d.file, d.dump, d.variant));
  if (n.iptables4 === undefined) return [];
  return [view(artifactFile(n, 'ipv4_tables'), n.iptables4)];
}

/** The file inside the bundle that `iptables4` was read from. */
export function mainDumpFile(n: NodeModel): string {
  if (n.iptables4 !== undefined) for (const d of n.iptables4Dumps ?? []) if (d.dump === n.iptables4) return d.file;
  return artifactFile(n, 'ipv4_tables');
}

export type FirewallManager = 'firewalld' | 'ufw' | 'docker' | 'kube-proxy';

const FIREWALLD_CHAINS = new Set([
  'INPUT_direct',
  'INPUT_ZONES',
  'INPUT_ZONES_SOURCE',
  'FORWARD_direct',
  'FORWARD_IN_ZONES',
  'FORWARD_OUT_ZONES',
  'FORWARD_IN_ZONES_SOURCE',
  'FORWARD_OUT_ZONES_SOURCE',
  'OUTPUT_direct',
]);

/** The firewall manager a built-in chain's jump target belongs to, if recognised. */
export function managerOf(target: string | undefined): FirewallManager | undefined {
  if (target === undefined) return undefined;
  if (FIREWALLD_CHAINS.has(target) || /^(IN|FWDI|FWDO|FWD)_[A-Za-z0-9_-]+$/.test(target)) return 'firewalld';
  if (target.startsWith('ufw-') || target.startsWith('ufw6-')) return 'ufw';
  if (target.startsWith('DOCKER')) return 'docker';
  if (target.startsWith('KUBE-')) return 'kube-proxy';
  return undefined;
}
