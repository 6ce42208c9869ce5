/**
 * Catalogue A8 / T1(e): nodes keep BGP protocols (mesh `Mesh_<ip>`, or the Node resources that
 * generate them) for a machine that no longer exists: no bundle has the address, and the session to
 * it never came up on any node that peers with it, while those nodes' other sessions work.
 *
 * Kept apart from `node-bundle-missing` (a peer without a bundle whose sessions may well be up):
 * a peer that some node has up is alive and left to that rule; this one fires only on peers that
 * are down from every side, and declares `node-bundle-missing` as its symptom so the two fold.
 */
import { andList } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { NodeResource } from '../../model/facts.js';
import { attachedEvidence, attachedPeers, bgpProtocols, birdEvidence, birdLogOf, humanSeconds, stampMs } from '../../combiners/bgp-peer-status.js';
import { fieldEvidence, lineEvidence } from '../../combiners/evidence.js';
import { nodeAddresses4, stripPrefix } from '../../combiners/node-identity.js';
import { bgpNotInUse } from '../../combiners/bgp-in-use.js';

/** A BIRD log must cover at least this long after the protocol started for "never up" to mean something. */
const MIN_WATCH_MS = 60_000;

interface Referrer {
  node: NodeModel;
  via: string;
  up: boolean;
  evidence: Evidence[];
  watchedMs?: number;
}

const RELEASE = 'Release its IPAM blocks if they stay allocated: `calicoctl ipam check` then `calicoctl ipam release` as the decommissioning guide describes.';

export const bgpStaleNodePeers: Rule = {
  meta: {
    id: 'bgp-stale-node-peers',
    severity: 'warning',
    summary: 'Nodes peer with a node IP that no machine has any more (a stale Node resource): the session never comes up and calico-node readiness waits for it.',
    rationale:
      'Every Node resource in the datastore becomes a `Mesh_<ip>` protocol on every other node (or a peer of a BGPPeer selector). When a machine is decommissioned or re-provisioned without `calicoctl delete node`, its Node stays: every node keeps trying (the node with the greater IP string connects, the other waits `passive on`), the session stays `start`/Connect/Active forever, and calico-node readiness can report `BGP not established with <ip>`. Calico docs: "This error can also occur if inactive Node resources are configured for node-to-node mesh. To fix this, decommission the stale nodes." calico-node starts BIRD with graceful restart (`-R`), so after every restart BIRD also holds back the kernel routes until all peers are up or the 240 s wait expires: a stale peer delays route programming each time. A peer whose sessions are up elsewhere is alive (then only its bundle is missing).',
    remediation: [
      'Confirm the machine is gone (`kubectl get nodes -o wide`, the cloud console), then decommission it: `calicoctl delete node <name>` (and `kubectl delete node <name>` if Kubernetes still lists it).',
      RELEASE,
    ],
    explains: ['node-bundle-missing'],
    collect: [
      { command: 'kubectl get nodes -o wide', why: 'lists the machines that exist, to tell a stale Node resource from a node whose bundle is missing' },
      { command: 'calicoctl get node -o yaml', why: 'lists the Node resources every node peers with (spec.bgp.ipv4Address)' },
      { command: 'calicoctl node status', why: 'shows the sessions to the stale IP as start/Connect/Active' },
    ],
  },
  check(ctx) {
    const off = bgpNotInUse(ctx.cluster, ctx.derived);
    if (off !== undefined) return { status: 'passed', reason: off };
    const { cluster } = ctx;
    const nodes = cluster.nodes;
    if (nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const known = new Set<string>();
    for (const n of nodes) {
      if (n.nodeIP !== undefined) known.add(n.nodeIP);
      for (const a of nodeAddresses4(n)) known.add(a.address);
    }
    const hosts = new Set(nodes.flatMap((n) => [n.hostname ?? n.name, (n.hostname ?? n.name).split('.')[0]!]));
    const resByIP = new Map<string, NodeResource>();
    for (const r of cluster.resources.nodes) if (r.ipv4Address !== undefined) resByIP.set(stripPrefix(r.ipv4Address), r);
    const kubeNodes = cluster.attachments?.kubeNodes;
    // Peers without a bundle, with what every node that peers with them sees.
    const peers = new Map<string, Referrer[]>();
    let logs = 0;
    let attached = 0;
    for (const n of nodes) {
      const rows = attachedPeers(n);
      if (rows.length > 0) attached++;
      const fromStatus = new Set<string>();
      for (const p of rows) {
        if (p.ip === undefined || known.has(p.ip)) continue;
        fromStatus.add(p.ip);
        peers.set(p.ip, [...(peers.get(p.ip) ?? []), { node: n, via: 'node status', up: p.row.state === 'up' || /Established/i.test(p.row.info ?? ''), evidence: [attachedEvidence(n, p.row)] }]);
      }
      const log = birdLogOf(n);
      if (log === undefined) continue;
      logs++;
      // BIRD is quiet while nothing changes: the watch ends when the bundle was taken (`date`), not at the last log line.
      const ends = [stampMs(log.summary.lastTime), stampMs(n.date?.iso)].filter((t): t is number => t !== undefined);
      const last = ends.length > 0 ? Math.max(...ends) : undefined;
      for (const p of bgpProtocols(log.summary)) {
        if (p.peerIP === undefined || known.has(p.peerIP) || fromStatus.has(p.peerIP)) continue;
        // Only mesh peers and peers named by a Node resource are Calico nodes; other Node_/Global_ peers are routers.
        if (p.peerType !== 'Mesh' && !resByIP.has(p.peerIP)) continue;
        const started = stampMs(p.lastStateRef?.time);
        const evidence: Evidence[] = [];
        if (p.lastStateRef !== undefined) evidence.push(birdEvidence(n, p.lastStateRef));
        for (const e of p.errors.slice(-1)) evidence.push(birdEvidence(n, e));
        peers.set(p.peerIP, [...(peers.get(p.peerIP) ?? []), { node: n, via: log.source, up: p.everUp || p.lastState === 'up', evidence, watchedMs: started !== undefined && last !== undefined ? last - started : undefined }]);
      }
    }
    if (logs === 0 && attached === 0) {
      return { status: 'skipped', reason: `no BIRD log and no node status attachment on any of ${nodes.length} nodes: whether sessions to peers without a bundle ever came up is unknown` };
    }
    const findings: FindingDraft[] = [];
    let alive = 0;
    for (const [ip, refs] of [...peers].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (refs.some((r) => r.up)) {
        alive++;
        continue;
      }
      const res = resByIP.get(ip);
      if (res !== undefined && (hosts.has(res.name) || hosts.has(res.name.split('.')[0]!))) continue; // its bundle is here under another IP
      // The referrers must have working BGP otherwise (else the fault is theirs), and have watched long enough.
      const healthyReferrers = refs.filter((r) => {
        const log = birdLogOf(r.node);
        const others = log !== undefined ? bgpProtocols(log.summary).filter((p) => p.peerIP !== ip && (p.lastState === 'up')) : [];
        const otherRows = attachedPeers(r.node).filter((p) => p.ip !== ip && p.row.state === 'up');
        return others.length + otherRows.length > 0 && (r.watchedMs === undefined || r.watchedMs >= MIN_WATCH_MS || r.via === 'node status');
      });
      if (healthyReferrers.length === 0) continue;
      const kube = kubeNodes?.find((k) => k.internalIP === ip || (res !== undefined && k.name === res.name));
      if (kube !== undefined && /^Ready/.test(kube.status)) continue; // Kubernetes says it is there and Ready: only the bundle is missing
      const evidence: Evidence[] = [];
      for (const r of healthyReferrers) evidence.push(...r.evidence.slice(0, 2));
      if (res !== undefined) evidence.push(fieldEvidence(res.name, res, 'spec.bgp.ipv4Address', `Node ${res.name}: spec.bgp.ipv4Address: ${res.ipv4Address}`));
      // Readiness lines that name the stale IP.
      for (const r of healthyReferrers) {
        for (const s of [r.node.containerLog, r.node.felix, r.node.agent]) {
          const ref = s?.signatures['bird-not-ready']?.refs.find((x) => x.text.includes(ip));
          if (ref !== undefined) {
            evidence.push(lineEvidence(r.node, ref.file, ref));
            break;
          }
        }
      }
      const names = healthyReferrers.map((r) => r.node.name).sort();
      const watched = Math.max(0, ...healthyReferrers.map((r) => r.watchedMs ?? 0));
      const who = res !== undefined ? `Node ${res.name} (${ip})` : ip;
      findings.push({
        key: ip,
        title: `Stale BGP peer ${who}: ${names.join(', ')} ${names.length > 1 ? 'keep' : 'keeps'} a session to it that never comes up`,
        message:
          `${names.join(', ')} ${names.length > 1 ? 'have' : 'has'} a BGP session to ${ip} (${new Set(healthyReferrers.map((r) => r.via)).size === 1 ? `seen in the ${healthyReferrers[0]!.via}${names.length > 1 ? ' of each' : ''}` : healthyReferrers.map((r) => `${r.node.name}: ${r.via}`).join(', ')}) that was never up${watched > 0 ? ` in the ${humanSeconds(watched / 1000)} between its start and the bundle` : ''}, while ${names.length > 1 ? 'their' : 'its'} other sessions are up. No bundle has ${ip} on any interface${res !== undefined ? `, yet Node resource ${res.name} still claims it` : ''}${kube === undefined && kubeNodes !== undefined ? ', and `kubectl get nodes` does not list it' : ''}: the machine is most likely gone and its Node resource stale. ` +
          `If it does exist, this is only a missing bundle plus a session that cannot come up.`,
        nodes: names,
        evidence,
        fix: [
          `Confirm the machine at ${ip} is gone (\`kubectl get nodes -o wide\`, the cloud console), then decommission it: ${res !== undefined ? `\`calicoctl delete node ${res.name}\` (and \`kubectl delete node ${res.name}\` if Kubernetes still lists it)` : `its Node resource is not in the bundle, so find its name with \`calicoctl get nodes -o wide | grep -w ${ip}\` and \`calicoctl delete node\` it`}; the Mesh protocols for ${ip} then disappear from ${andList(names)}.`,
          RELEASE,
        ],
      });
    }
    if (findings.length > 0) {
      // Whether the machine is really gone is decided outside the bundles.
      const collect = kubeNodes === undefined ? [{ command: 'kubectl get nodes -o wide', why: `tells a decommissioned machine (stale Node resource) from a live node whose bundle is missing: ${findings.map((f) => f.key).join(', ')}` }] : undefined;
      return { status: 'found', findings, collect };
    }
    if (peers.size === 0) return { status: 'passed', reason: `every BGP peer in ${logs} BIRD logs and ${attached} node status attachments is a node with a bundle` };
    return { status: 'passed', reason: `${peers.size} BGP peer${peers.size > 1 ? 's' : ''} without a bundle: ${alive} up on some node (alive), the others not watched long enough or their referrers have no working session` };
  },
};
