/**
 * Catalogue A9 / T2: a node with no BGP peer at all. Decided, in order of strength, by node status
 * (`No IPv4 peers found.`), by the exported resources (mesh disabled or the node is a route
 * reflector, and no BGPPeer selects it), and by a BIRD log that covers BIRD's start and shows
 * device/direct protocols but no `Mesh_`/`Node_`/`Global_` one. A node that peers only with its
 * route reflectors has peers and is healthy. VXLAN pools need no BGP: then nothing is reported.
 */
import { andList } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { ClusterModel, NodeModel } from '../../model/node.js';
import { nodeResourceFor } from '../../combiners/node-identity.js';
import { attachedEvidence, attachedPeers, bgpProtocols, birdEvidence, birdLogOf, statusAttachments } from '../../combiners/bgp-peer-status.js';
import { expectedPeerings, type ExpectedPeers } from '../../combiners/bgp-expected-peers.js';
import { fieldEvidence, fileEvidence } from '../../combiners/evidence.js';

interface Lonely {
  node: NodeModel;
  reasons: string[];
  evidence: Evidence[];
  /** Decided by node status or resources (strong), or only by the log's absence of protocols. */
  strong: boolean;
}

function expectedFor(cluster: ClusterModel, n: NodeModel, list: ExpectedPeers[] | undefined): ExpectedPeers | undefined {
  if (list === undefined) return undefined;
  const h = n.hostname ?? n.name;
  const res = nodeResourceFor(cluster, n)?.name;
  return list.find((e) => e.node === h) ?? list.find((e) => e.node.split('.')[0] === h.split('.')[0]) ?? (res !== undefined ? list.find((e) => e.node === res) : undefined);
}

const MESH_ON = '`calicoctl patch bgpconfiguration default -p \'{"spec":{"nodeToNodeMeshEnabled":true}}\'`';

export const bgpNoPeersConfigured: Rule = {
  meta: {
    id: 'bgp-no-peers-configured',
    severity: 'critical',
    summary: 'A node has no BGP peer at all (mesh disabled without BGPPeers, or a route reflector no BGPPeer selects): it learns no routes and announces none.',
    rationale:
      'With `nodeToNodeMeshEnabled: false` in BGPConfiguration default, a node peers only through BGPPeer resources that select it (`node`, `nodeSelector`, or global); route-reflector nodes (`routeReflectorClusterID`) leave the mesh in any case ("ignore node-to-node mesh setting"). When no BGPPeer matches, BIRD has no BGP protocol, `calicoctl node status` prints `No IPv4 peers found.`, and `ipv4_route` holds only the node\'s own blackholes: pods on it cannot reach pods elsewhere. Calico docs: "Disabling the node-to-node mesh will break pod networking until/unless you configure replacement BGP peerings using BGPPeer resources." A client that peers only with its route reflectors is healthy.',
    remediation: [
      `Create the BGPPeers first (route reflectors: \`nodeSelector: all()\` with \`peerSelector: route-reflector == 'true'\`, and RRs with each other), then disable the mesh; or re-enable it: ${MESH_ON}.`,
      'Check that BGPPeer `nodeSelector`/`peerSelector` match the node labels (`calicoctl get node --show-labels` / `kubectl get nodes --show-labels`), then `calicoctl node status` on each node.',
    ],
    explains: ['block-route-missing'],
    collect: [
      { command: 'calicoctl node status', why: 'prints `No IPv4 peers found.` on a node without any BGP peer' },
      { command: 'calicoctl get bgpconfiguration,bgppeer,node -o yaml', why: 'mesh setting, BGPPeer selectors and node labels decide which peers each node should have' },
    ],
  },
  check({ cluster }) {
    const nodes = cluster.nodes;
    if (nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const pools = cluster.resources.ippools.filter((p) => !p.disabled);
    if (pools.length > 0 && pools.every((p) => p.vxlanMode !== 'Never' && p.vxlanMode !== '')) {
      return { status: 'passed', reason: `every enabled IPPool (${pools.length}) uses VXLAN, which needs no BGP peers` };
    }
    const exp = expectedPeerings(cluster.resources);
    const clusterSize = Math.max(nodes.length, cluster.resources.nodes.length);
    if (clusterSize < 2) return { status: 'passed', reason: 'a single node has nobody to peer with' };
    const lonely: Lonely[] = [];
    let decided = 0;
    for (const n of nodes) {
      const reasons: string[] = [];
      const evidence: Evidence[] = [];
      let strong = false;
      let hasPeers = false;
      // 1. Node status says it directly.
      for (const s of statusAttachments(n)) {
        decided++;
        if (s.noPeers === true) {
          strong = true;
          reasons.push(`node status prints \`No IPv4 peers found.\``);
          const l = s.lines.find((x) => /No IPv4 peers/i.test(x.text));
          if (l !== undefined) evidence.push(attachedEvidence(n, l));
        } else if (attachedPeers(n).some((p) => p.facts === s)) hasPeers = true; // BGP rows only (birdcl also lists kernel1, device1)
      }
      if (hasPeers) continue;
      // 2. Resources: mesh/RR and BGPPeer selectors.
      const e = expectedFor(cluster, n, exp?.nodes);
      if (e !== undefined && e.undecided === undefined) {
        decided++;
        if (e.meshPeers.length > 0 || e.bgpPeers.length > 0) {
          if (!strong) continue;
        } else {
          strong = true;
          const role = e.routeReflector ? `${e.node} is a route reflector (cluster ID ${e.resource.routeReflectorClusterID}), so it is out of the mesh,` : `the node-to-node mesh is disabled (${exp!.meshSource})`;
          reasons.push(`${role} and ${cluster.resources.bgpPeers.length === 0 ? 'no BGPPeer exists' : `none of the ${cluster.resources.bgpPeers.length} BGPPeers selects it`}`);
          const cfg = cluster.resources.bgpConfigurations.find((c) => c.name === 'default');
          if (cfg !== undefined && !e.routeReflector) evidence.push(fieldEvidence(n.name, cfg, 'spec.nodeToNodeMeshEnabled', `BGPConfiguration default: nodeToNodeMeshEnabled: ${cfg.nodeToNodeMeshEnabled}`));
          evidence.push({ node: n.name, input: e.resource.ref.input, file: e.resource.ref.file, line: e.resource.ref.line, text: `Node ${e.node}${e.routeReflector ? `: routeReflectorClusterID ${e.resource.routeReflectorClusterID}` : ''}; labels ${JSON.stringify(e.resource.labels)}` });
        }
      }
      // 3. BIRD's log from its start: device/direct protocols but no BGP protocol.
      const log = birdLogOf(n);
      if (log !== undefined) {
        const bgp = bgpProtocols(log.summary);
        const started = log.summary.events.find((x) => x.kind === 'started');
        const others = Object.values(log.summary.protocols).filter((p) => p.peerType === undefined && p.stateChanges > 0);
        if (bgp.length > 0) {
          if (!strong) continue; // BIRD has peers; resources may be older than the log
        } else if (started !== undefined && others.length > 0) {
          decided++;
          reasons.push(`its ${log.source} shows BIRD's start (\`Started\`) and ${others.map((p) => p.name).join(', ')}, but no Mesh_/Node_/Global_ protocol`);
          evidence.push(birdEvidence(n, started));
        }
      }
      // Supporting: routes hold only this node's own blocks.
      const remote = n.routes4.filter((r) => r.proto === 'bird' && r.type === 'unicast');
      if (reasons.length > 0 && n.artifacts.ipv4_route?.status === 'ok' && remote.length === 0) {
        evidence.push(fileEvidence(n, 'ipv4_route', `no route learned by BIRD (proto bird) among ${n.routes4.length} routes`));
        reasons.push('ipv4_route has no route learned from a peer');
      }
      if (reasons.length > 0) lonely.push({ node: n, reasons, evidence, strong });
    }
    if (lonely.length === 0) {
      if (decided === 0) return { status: 'skipped', reason: `no node status attachment, no Node/BGPConfiguration resources and no BIRD log from BIRD's start on ${nodes.length} nodes: the peer set is unknown` };
      return { status: 'passed', reason: `every node has a BGP peer (mesh, BGPPeer or route reflector) by its node status, resources or BIRD log (${nodes.length} nodes)` };
    }
    const findings: FindingDraft[] = [];
    const meshOff = exp !== undefined && !exp.meshEnabled;
    const peerNames = cluster.resources.bgpPeers.map((p) => p.name).sort();
    if (lonely.length === nodes.length && lonely.length > 1 && meshOff) {
      findings.push({
        key: 'cluster',
        title: `No BGP peers on any node: node-to-node mesh disabled and ${cluster.resources.bgpPeers.length === 0 ? 'no BGPPeer exists' : 'no BGPPeer selects them'} (${lonely.length} nodes)`,
        message: `${lonely.map((l) => `${l.node.name}: ${l.reasons.join('; ')}`).join('. ')}. Without peers no node learns another node's pod blocks: cross-node pod traffic fails everywhere.`,
        nodes: lonely.map((l) => l.node.name).sort(),
        evidence: lonely.flatMap((l) => l.evidence.slice(0, 3)),
        fix: [
          `Restore pod networking now by re-enabling the mesh: ${MESH_ON}.`,
          `Or, if the mesh stays off on purpose, create the BGPPeers that replace it (route reflectors: \`nodeSelector: all()\` with \`peerSelector: route-reflector == 'true'\`, and the reflectors with each other)${peerNames.length > 0 ? `; the existing ${peerNames.join(', ')} select${peerNames.length === 1 ? 's' : ''} none of the nodes: compare ${peerNames.length === 1 ? 'its' : 'their'} selectors (\`calicoctl get bgppeer -o yaml\`) with \`kubectl get nodes --show-labels\`` : ''}.`,
          `Check with \`calicoctl node status\` on ${andList(lonely.map((l) => l.node.name).sort())}: each lists its peers as Established.`,
        ],
      });
    } else {
      for (const l of lonely.sort((a, b) => (a.node.name < b.node.name ? -1 : 1))) {
        findings.push({
          key: l.node.name,
          title: `${l.node.name} has no BGP peer: it learns no routes and announces none`,
          message: `${l.reasons.join('; ')}. Pods on ${l.node.name} cannot reach pods on other nodes over BGP-routed pools.`,
          nodes: [l.node.name],
          evidence: l.evidence,
          severity: l.strong ? undefined : 'warning',
          fix: [
            `Give ${l.node.name} a peer: a BGPPeer with \`node: ${l.node.name}\` (or a \`nodeSelector\` matching its labels) and the \`peerSelector\` of its route reflectors${meshOff ? `, or re-enable the mesh: ${MESH_ON}` : ''}.`,
            `Compare the BGPPeers' selectors (\`calicoctl get bgppeer -o yaml\`${peerNames.length > 0 ? `: ${peerNames.join(', ')}` : ''}) with \`kubectl get node ${l.node.name} --show-labels\`, then check \`calicoctl node status\` on ${l.node.name}.`,
          ],
        });
      }
    }
    return { status: 'found', findings };
  },
};
