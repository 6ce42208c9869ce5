import type { ArtifactId } from '../model/node.js';

/** What a file inside a bundle is, decided from its path alone. */
export type EntryKind =
  | { kind: 'command'; artifact: ArtifactId; variant?: string }
  | { kind: 'log'; artifact: ArtifactId | 'agent_log'; daemon: string; order: string }
  | { kind: 'container-log'; artifact: 'container_logs'; order: string }
  | { kind: 'ignored'; why: string };

/** Files calicoctl node diags writes at the top of `diagnostics/`. */
const NODE_DIAGS_COMMANDS: Record<string, ArtifactId> = {
  date: 'date',
  hostname: 'hostname',
  netstat: 'netstat',
  ss: 'ss',
  ipv4_route: 'ipv4_route',
  ipv6_route: 'ipv6_route',
  ipv4_addr: 'ipv4_addr',
  ipv6_addr: 'ipv6_addr',
  ipv4_tables: 'ipv4_tables',
  ipv6_tables: 'ipv6_tables',
  nft_ruleset: 'nft_ruleset',
  ipsets: 'ipsets',
  ipset_container: 'ipset_container',
  journalctl_calico_node: 'journalctl_calico_node',
};

/** svlogd service folders under `logs/` and the artifact their lines belong to. */
const LOG_DIRS: Record<string, ArtifactId | 'agent_log'> = {
  bird: 'bird_log',
  bird6: 'bird6_log',
  confd: 'confd_log',
  felix: 'felix_log',
  cni: 'cni_log',
  'allocate-tunnel-addrs': 'agent_log',
  'monitor-addresses': 'agent_log',
  'node-status-reporter': 'agent_log',
  'node-services': 'agent_log',
  'calico-bgp-daemon': 'agent_log',
  libnetwork: 'agent_log',
};

/**
 * Sort key for rotated log files: svlogd `@<tai64n>.s|.u` files by name, then `current`;
 * lumberjack `cni-<time>.log` backups by name, then `cni.log`.
 */
export function rotationOrder(fileName: string): string {
  if (fileName === 'current' || fileName === 'cni.log') return '1';
  return '0' + fileName;
}

/** Classifies a path relative to a node-diags root (`diagnostics/`). */
export function classifyNodeDiagsPath(rel: string): EntryKind {
  const parts = rel.split('/').filter((p) => p.length > 0);
  if (parts.length === 1) {
    const artifact = NODE_DIAGS_COMMANDS[parts[0]!];
    if (artifact !== undefined) return { kind: 'command', artifact };
    return { kind: 'ignored', why: 'not a file calicoctl writes' };
  }
  if (parts[0] !== 'logs') return { kind: 'ignored', why: 'not a file calicoctl writes' };
  if (parts.length === 2) {
    const name = parts[1]!;
    if (name.endsWith('.log')) return { kind: 'container-log', artifact: 'container_logs', order: name };
    return { kind: 'ignored', why: 'log-folder metadata' };
  }
  if (parts.length === 3) {
    const dir = parts[1]!;
    const name = parts[2]!;
    const artifact = LOG_DIRS[dir];
    if (artifact === undefined) return { kind: 'ignored', why: `unknown log folder ${dir}` };
    if (name === 'config' || name === 'lock' || name === 'state' || name === 'newstate') {
      return { kind: 'ignored', why: 'svlogd control file' };
    }
    const isSvlogd = name === 'current' || (name.startsWith('@') && (name.endsWith('.s') || name.endsWith('.u')));
    const isCni = dir === 'cni' && name.startsWith('cni') && name.endsWith('.log');
    if (!isSvlogd && !isCni) return { kind: 'ignored', why: 'not a log file' };
    return { kind: 'log', artifact, daemon: dir, order: rotationOrder(name) };
  }
  return { kind: 'ignored', why: 'nested too deep' };
}

/** Files `calicoctl cluster diags` writes under `nodes/<node>/` and the artifact each stands for. */
const CLUSTER_DIAGS_COMMANDS: Record<string, { artifact: ArtifactId; variant?: string }> = {
  'ip-route.txt': { artifact: 'ipv4_route' },
  'ip-route-v6.txt': { artifact: 'ipv6_route' },
  'ip-addr.txt': { artifact: 'ipv4_addr', variant: 'both-families' },
  'iptables-legacy-save.txt': { artifact: 'ipv4_tables', variant: 'legacy' },
  'iptables-nft-save.txt': { artifact: 'ipv4_tables', variant: 'nft' },
  'nft-ruleset.txt': { artifact: 'nft_ruleset' },
  'ipset-list.txt': { artifact: 'ipsets' },
};

/** Classifies a path relative to `calico-diagnostics-<ts>/nodes/<node>/`. */
export function classifyClusterDiagsNodePath(rel: string): EntryKind {
  const parts = rel.split('/').filter((p) => p.length > 0);
  if (parts.length === 1) {
    const name = parts[0]!;
    const c = CLUSTER_DIAGS_COMMANDS[name];
    if (c !== undefined) return { kind: 'command', artifact: c.artifact, variant: c.variant };
    if (name === 'cni.log.log' || /^cni-.*\.log\.log$/.test(name)) {
      return { kind: 'log', artifact: 'cni_log', daemon: 'cni', order: name === 'cni.log.log' ? '1' : '0' + name };
    }
    return { kind: 'ignored', why: 'not used' };
  }
  if (parts.length === 2 && parts[1]!.startsWith('calico-node-') && parts[1]!.endsWith('.log')) {
    return { kind: 'container-log', artifact: 'container_logs', order: parts[1]! };
  }
  return { kind: 'ignored', why: 'not used' };
}

/** Where a bundle starts inside an archive or folder, and what format it has. */
export interface BundleRoot {
  /** Prefix including the trailing slash (`diagnostics/`, `x/diagnostics/`, `calico-diagnostics-…/nodes/n1/`). */
  prefix: string;
  format: 'node-diags' | 'cluster-diags';
  /** For cluster diags: the node folder name. */
  nodeName?: string;
}

/**
 * Finds the bundle root of a path inside an archive or folder:
 * the last `diagnostics/` segment (node diags), or `calico-diagnostics-*​/nodes/<node>/` (cluster diags).
 * Returns undefined for paths outside any bundle.
 */
export function findBundleRoot(path: string): { root: BundleRoot; rel: string } | undefined {
  const parts = path.split('/').filter((p, i, a) => p.length > 0 || i === a.length - 1);
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] === 'diagnostics') {
      const prefix = parts.slice(0, i + 1).join('/') + '/';
      return { root: { prefix, format: 'node-diags' }, rel: parts.slice(i + 1).join('/') };
    }
  }
  for (let i = 0; i + 2 < parts.length; i++) {
    if (parts[i]!.startsWith('calico-diagnostics-') && parts[i + 1] === 'nodes' && i + 3 < parts.length && parts[i + 2]!.length > 0) {
      const prefix = parts.slice(0, i + 3).join('/') + '/';
      return {
        root: { prefix, format: 'cluster-diags', nodeName: parts[i + 2] },
        rel: parts.slice(i + 3).join('/'),
      };
    }
  }
  return undefined;
}

/** Files only `calicoctl node diags` writes under these exact names (no extension, calicoctl's spelling). */
const SIGNATURE_FILES = new Set(['ipv4_route', 'ipv6_route', 'ipv4_addr', 'ipv6_addr', 'ipv4_tables', 'ipv6_tables', 'journalctl_calico_node', 'nft_ruleset', 'ipset_container']);
const SIGNATURE_LOG_DIRS = new Set(['bird', 'bird6', 'felix', 'confd']);

/**
 * A node bundle under a folder not named `diagnostics/` (a customer extracted it and packed it again
 * under the node's name, say): the folder holding one of calicoctl's own file names, or holding
 * `logs/<bird|bird6|felix|confd>/current`. Its prefix (with the trailing slash), or undefined. Files at
 * the top level (a flat re-pack) and cluster diags trees are not taken.
 */
export function renamedBundlePrefix(path: string): string | undefined {
  const parts = path.split('/');
  if (parts.some((p) => p === 'diagnostics' || p.startsWith('calico-diagnostics-'))) return undefined;
  const n = parts.length;
  if (n >= 2 && SIGNATURE_FILES.has(parts[n - 1]!)) return parts.slice(0, -1).join('/') + '/';
  if (n >= 4 && parts[n - 3] === 'logs' && SIGNATURE_LOG_DIRS.has(parts[n - 2]!) && parts[n - 1] === 'current') return parts.slice(0, -3).join('/') + '/';
  return undefined;
}

/** Whether a file may be part of a re-packed bundle found later (`hostname`, `date`, `netstat`, ... or under `logs/`). */
export function mayJoinRenamedBundle(path: string): boolean {
  const parts = path.split('/');
  const base = parts[parts.length - 1]!;
  return parts.length >= 2 && (['hostname', 'date', 'netstat', 'ss', 'ipsets'].includes(base) || parts.includes('logs'));
}

/** Whether a path inside an archive or folder may hold exported Calico resources (cluster diags CRD dumps, YAML files). */
export function isResourceYamlPath(path: string): boolean {
  const lower = path.toLowerCase();
  if (!(lower.endsWith('.yaml') || lower.endsWith('.yml'))) return false;
  if (/calico-diagnostics-[^/]*\/cluster\/crd\//.test(path)) return true;
  return !path.includes('calico-diagnostics-') && findBundleRoot(path) === undefined;
}
