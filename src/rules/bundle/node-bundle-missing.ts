/**
 * A peer named by a BIRD protocol, or a Node resource, for which no bundle was given:
 * half of every pair involving it cannot be checked.
 */
import { andList } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import { stripPrefix, nodeAddresses4 } from '../../combiners/node-identity.js';
import { fieldEvidence } from '../../combiners/evidence.js';

/** Up to this many peers without bundle get a finding each; more make one grouped finding. */
const GROUP_ABOVE = 3;

interface Missing {
  name: string;
  ip?: string;
  /** Nodes whose session with it is up (BIRD `up` or an ESTABLISHED 179 socket): the machine is alive. */
  upFrom?: Set<string>;
}

/** The Node's name when the Node resource gave it (an unknown BGP peer is named by its IP only). */
function nodeName(e: Missing): string | undefined {
  return e.name !== e.ip && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.name) ? e.name : undefined;
}

/**
 * Collect the missing bundles. Decommissioning is offered only for machines not proven alive (no
 * session up with them), and only after confirming they are gone: deleting the Node of a live
 * machine tears down its BGP sessions and IPAM affinities.
 */
function fixSteps(missing: Missing[], referrers: string[]): string[] {
  const who = (e: Missing) => (nodeName(e) !== undefined && e.ip !== undefined ? `${e.name} (${e.ip})` : e.name);
  const shown = missing.slice(0, 10);
  const more = missing.length > shown.length ? ` and the ${missing.length - shown.length} others the finding lists` : '';
  const steps = [
    `Collect \`calicoctl node diags\` on ${andList(shown.map(who))}${more} and analyze ${missing.length > 1 ? 'them' : 'it'} together with the bundles${referrers.length > 0 ? ` of ${andList(referrers)}` : ' already given'}.`,
  ];
  const alive = shown.filter((e) => (e.upFrom?.size ?? 0) > 0);
  if (alive.length > 0) {
    steps.push(
      `Do not delete ${alive.length > 1 ? 'the Nodes of' : 'the Node of'} ${andList(alive.map(who))}: ${alive.length > 1 ? 'their' : 'its'} BGP session${alive.length > 1 ? 's are' : ' is'} up with ${andList([...new Set(alive.flatMap((e) => [...(e.upFrom ?? [])]))].sort())}, so the machine${alive.length > 1 ? 's are' : ' is'} alive; only the bundle is missing.`,
    );
  }
  const del = shown
    .filter((e) => (e.upFrom?.size ?? 0) === 0)
    .map((e) => {
      const n = nodeName(e);
      if (n !== undefined) return `\`calicoctl delete node ${n}\` (and \`kubectl delete node ${n}\` if Kubernetes still lists it)`;
      return `for ${e.ip ?? e.name}, its Node's name from \`calicoctl get nodes -o wide | grep -w ${e.ip ?? e.name}\`, then \`calicoctl delete node\` with it`;
    });
  if (del.length > 0) {
    steps.push(
      `Only if a machine no longer exists (confirm with \`kubectl get nodes -o wide\` and the cloud or hypervisor console first: deleting a live node's Node resource tears down its BGP sessions and IP address affinities), decommission its stale Node so the mesh stops peering with it: ${del.join('; ')}.`,
    );
  }
  return steps;
}

export const nodeBundleMissing: Rule = {
  meta: {
    id: 'node-bundle-missing',
    severity: 'warning',
    summary: 'A BGP peer or Node resource is referenced for which no bundle was given: its side of every pair is unknown.',
    rationale:
      'Cross-node faults (TCP 179 dropped, AS mismatch, missing routes) are proven by comparing both ends. When a node that others peer with, or that the Node resources list, sent no bundle, the analysis sees only one side of its sessions. It may also be a stale Node resource for a machine that no longer exists, which keeps a mesh session to a dead IP on every node.',
    remediation: [
      'Collect `calicoctl node diags` on the missing node(s) and analyze all bundles together.',
      'Only if the machine no longer exists (check first: a peer whose session is up elsewhere is alive), decommission the stale Node: `calicoctl delete node <name>` (and remove it from Kubernetes), so the mesh stops peering with it.',
    ],
    collect: [
      { command: 'calicoctl node diags', why: 'the node bundle itself (routes, addresses, iptables, logs), on every node of the failing flows' },
      { command: 'calicoctl get nodes -o yaml', why: 'each node\'s BGP address, AS number and tunnel addresses (Node resources)' },
    ],
  },
  check({ cluster, derived }) {
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const byKey = new Map<string, { name: string; ip?: string; evidence: Evidence[]; referrers: Set<string>; upFrom: Set<string> }>();
    const bundleHosts = new Set(cluster.nodes.flatMap((n) => {
      const h = n.hostname ?? n.name;
      return [h, h.split('.')[0]!];
    }));
    const bundleIPs = new Set<string>();
    for (const n of cluster.nodes) {
      if (n.nodeIP !== undefined) bundleIPs.add(n.nodeIP);
      for (const a of nodeAddresses4(n)) bundleIPs.add(a.address);
    }
    for (const r of cluster.resources.nodes) {
      const ip = r.ipv4Address !== undefined ? stripPrefix(r.ipv4Address) : undefined;
      if (bundleHosts.has(r.name) || bundleHosts.has(r.name.split('.')[0]!) || (ip !== undefined && bundleIPs.has(ip) && cluster.nodes.some((n) => n.nodeIP === ip))) continue;
      const key = ip ?? r.name;
      const e = byKey.get(key) ?? { name: r.name, ip, evidence: [], referrers: new Set<string>(), upFrom: new Set<string>() };
      e.evidence.push(fieldEvidence(r.name, r, 'spec.bgp.ipv4Address', `Node ${r.name}: spec.bgp.ipv4Address: ${r.ipv4Address ?? '(unset)'}`));
      byKey.set(key, e);
    }
    for (const u of derived.bgp.unknownPeers) {
      const existing = [...byKey.values()].find((e) => e.ip === u.peerIP);
      const e = existing ?? { name: u.peerIP, ip: u.peerIP, evidence: [], referrers: new Set<string>(), upFrom: new Set<string>() };
      e.evidence.push(u.evidence);
      if (u.up) {
        e.upFrom.add(u.node);
        if (u.socketEvidence !== undefined) e.evidence.push(u.socketEvidence);
      }
      e.referrers.add(u.node);
      if (existing === undefined) byKey.set(u.peerIP, e);
    }
    if (byKey.size === 0) {
      return { status: 'passed', reason: `every BGP peer and Node resource has a bundle (${cluster.nodes.length} bundles)` };
    }
    const entries = [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const who = (e: { name: string; ip?: string }) => (e.name !== e.ip && e.ip !== undefined ? `${e.name} (${e.ip})` : e.name);
    // A customer often sends only the nodes involved: many missing peers make one finding, not one each.
    if (entries.length > GROUP_ABOVE) {
      const refs = [...new Set(entries.flatMap(([, e]) => [...e.referrers]))].sort();
      const names = entries.map(([, e]) => who(e));
      return {
        status: 'found',
        findings: [
          {
            key: 'peers',
            title: `No bundle for ${entries.length} peers or Nodes`,
            message: `${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''} are BGP peers or Node resources without a bundle: their side of every session with ${refs.length > 0 ? refs.join(', ') : 'the analyzed nodes'} cannot be checked.`,
            nodes: refs,
            evidence: entries.flatMap(([, e]) => e.evidence.slice(0, 1)),
            fix: fixSteps(entries.map(([, e]) => e), refs),
          },
        ],
      };
    }
    const findings: FindingDraft[] = entries.map(([key, e]) => {
      const refs = [...e.referrers].sort();
      return {
        key,
        title: `No bundle for ${who(e)}`,
        message: `${refs.length > 0 ? `${refs.join(', ')} ${refs.length > 1 ? 'peer' : 'peers'} with ${e.ip}` : `Node resource ${e.name} exists`} but no bundle from ${who(e)} was given, so its side of ${refs.length > 1 ? 'these sessions' : 'its sessions'} cannot be checked.${e.upFrom.size > 0 ? ` The session is up on ${[...e.upFrom].sort().join(', ')}: the machine is alive.` : ''}`,
        nodes: refs,
        evidence: e.evidence,
        fix: fixSteps([e], refs),
      };
    });
    return { status: 'found', findings };
  },
};
