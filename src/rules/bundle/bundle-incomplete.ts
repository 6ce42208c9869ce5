/**
 * "Not collected" is not "healthy": lists per node the artifacts that are missing, empty,
 * or hold an error instead of data, file logging that was disabled, and inputs that could
 * not be read, each with what it hides from the analysis.
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { ArtifactId } from '../../model/node.js';
import { ARTIFACT_IDS, MAY_BE_EMPTY } from '../../model/node.js';
import { fileEvidence } from '../../combiners/evidence.js';
import { noPoolNeedsBird } from '../../combiners/bgp-in-use.js';

/** What the analysis cannot check without each artifact. */
export const HIDES: Partial<Record<ArtifactId, string>> = {
  date: 'clock alignment across nodes',
  hostname: 'the node\'s identity (named from the archive instead)',
  netstat: 'TCP 179 socket states (port-179 and refused checks)',
  ss: 'TCP 179 socket states (port-179 and refused checks)',
  ipv4_route: 'block ownership and the route matrix',
  ipv6_route: 'IPv6 block routes',
  ipv4_addr: 'node addresses, interfaces and MTUs',
  ipv6_addr: 'IPv6 addresses',
  ipv4_tables: 'NAT, firewall and policy drop counters',
  ipv6_tables: 'IPv6 NAT and policy counters',
  nft_ruleset: 'nftables rules (nftables data plane, firewalls)',
  ipsets: 'pool and host ipset members (NAT, IPIP admission)',
  journalctl_calico_node: 'calico-node systemd journal',
  bird_log: 'BGP session states and errors',
  confd_log: 'confd datastore and config-render errors',
  felix_log: 'Felix data plane errors',
  cni_log: 'CNI plugin (pod network setup) errors',
};

/** `k8s_calico-node_<pod>_<namespace>_<uid>_<restart>.log` (kubelet's docker-era name) → pod and namespace. */
export function containerPod(file: string): { name: string; namespace: string } | undefined {
  const m = /(?:^|\/)k8s_calico-node_([a-z0-9.-]+)_([a-z0-9-]+)_[0-9a-f-]+_\d+\.log$/.exec(file);
  return m !== null ? { name: m[1]!, namespace: m[2]! } : undefined;
}

export const bundleIncomplete: Rule = {
  meta: {
    id: 'bundle-incomplete',
    severity: 'info',
    summary: 'Some artifacts are missing, empty, hold an error instead of data, or logs were disabled: the checks that need them could not run on that node.',
    rationale:
      'calicoctl writes what each command printed; on v3.22+ a failed command leaves no file, on older versions an empty one, and some files hold the command\'s error text. Manifest installs set CALICO_DISABLE_FILE_LOGGING=true, so `logs/` holds only cni/ and BIRD/Felix/confd lines must come from `kubectl logs`. A support engineer must know what was not looked at before calling a node healthy.',
    remediation: [
      'Ask for what is missing: `kubectl logs -n <calico-system|kube-system> <calico-node-pod> -c calico-node` when file logging is disabled; `calicoctl node status` and `ip route`, `ss -tanp | grep 179` from the node when commands failed.',
      'Re-run `calicoctl node diags` as root on the node, with ipset/iptables/netstat (or ss) installed in the host PATH.',
    ],
    collect: [
      { command: 'calicoctl node diags', why: 'the node bundle itself (routes, addresses, iptables, logs), on every node of the failing flows' },
    ],
  },
  check({ cluster, derived }) {
    const findings: FindingDraft[] = [];
    for (const input of cluster.inputs) {
      if (input.status !== 'unreadable') continue;
      findings.push({
        key: `input:${input.path}`,
        title: `Input ${input.path} could not be read`,
        message: `${input.problems[0] ?? 'unreadable'}. Nothing from it is in this analysis.`,
        nodes: [],
        evidence: input.problems.map((p) => ({ node: '', input: input.path, file: '', line: 0, text: p })),
      });
    }
    // VXLAN-only clusters (CALICO_NETWORKING_BACKEND=vxlan) run no BIRD and no confd: their logs are not a gap there.
    // From v3.31 Felix can program IPIP routes too (FelixConfiguration programClusterRoutes).
    const noBird = noPoolNeedsBird(derived);
    for (const n of cluster.nodes) {
      const gaps: string[] = [];
      const evidence: Evidence[] = [];
      const birdless = noBird && derived.encap.nodes.find((e) => e.node === n.name)?.birdRunning === false;
      for (const id of ARTIFACT_IDS) {
        const a = n.artifacts[id];
        if (a.status === 'ok') continue;
        if (birdless && (id === 'bird_log' || id === 'bird6_log' || id === 'confd_log')) continue;
        if (a.status === 'missing' && !a.expected) continue;
        if (a.status === 'empty' && MAY_BE_EMPTY.has(id)) continue;
        if (id === 'ss' && n.artifacts.netstat.status === 'ok') continue;
        if (id === 'netstat' && n.artifacts.ss.status === 'ok') continue;
        const what = a.status === 'missing' ? 'missing' : a.status === 'empty' ? 'empty (0 bytes)' : `holds an error: ${a.error ?? ''}`;
        const hides = HIDES[id];
        gaps.push(`${id} ${what}${hides ? ` — hides ${hides}` : ''}`);
        evidence.push(fileEvidence(n, id, `${id}: ${what}`));
      }
      let fix: string[] | undefined;
      if (n.layout.fileLoggingDisabled) {
        const container = n.containerLog?.files[0]?.file;
        if (container !== undefined) {
          // Manifest installs: the bundle carries calico-node's container log instead, and the rules read it.
          const pod = containerPod(container);
          gaps.push(`file logging disabled (logs/ has no bird, felix or confd folder: CALICO_DISABLE_FILE_LOGGING=true); BIRD, confd and Felix lines were read from calico-node's container log ${container.split('/').pop()}, which holds only what the container logged since it started — hides anything older`);
          evidence.push({ node: n.name, input: n.input, file: container, line: 0, text: `calico-node container log (${n.containerLog!.lines} lines) instead of logs/bird, logs/confd, logs/felix` });
          fix = [
            `Nothing else is needed for the rules. For lines from before the container started: \`kubectl logs --previous -n ${pod?.namespace ?? '<calico-system|kube-system>'} ${pod?.name ?? '<calico-node-pod>'} -c calico-node\`.`,
          ];
        } else {
          gaps.push('file logging disabled (logs/ has no bird, felix or confd folder: CALICO_DISABLE_FILE_LOGGING=true) — hides BGP state changes, confd and Felix errors');
          evidence.push({ node: n.name, input: n.input, file: `${n.root}/logs/`, line: 0, text: 'no bird/, felix/ or confd/ folder under logs/' });
        }
      }
      for (const p of n.problems) {
        gaps.push(p);
        evidence.push({ node: n.name, input: n.input, file: '', line: 0, text: p });
      }
      if (gaps.length === 0) continue;
      findings.push({
        key: n.name,
        title: `${n.name}: ${gaps.length === 1 ? gaps[0]!.split(' — ')[0]! : `${gaps.length} gaps in the bundle`}`,
        message: `In ${n.archiveName ?? n.input}: ${gaps.join('; ')}.`,
        nodes: [n.name],
        evidence,
        ...(fix !== undefined && gaps.length === 1 ? { fix } : {}),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    return { status: 'passed', reason: `every expected artifact is present and readable on ${cluster.nodes.length} nodes` };
  },
};
