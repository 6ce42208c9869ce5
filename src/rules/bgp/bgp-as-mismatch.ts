/**
 * Catalogue A4: `Bad peer AS` in BIRD's log on either side (the AS one side expects for the
 * peer differs from what the peer announces), or AS numbers that disagree in the resources
 * (a BGPPeer's asNumber vs the peer Node's own AS or the cluster default).
 */
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import type { BGPPeerResource, NodeResource } from '../../model/facts.js';
import { fieldEvidence, lineEvidence } from '../../combiners/evidence.js';
import { stripPrefix } from '../../combiners/node-identity.js';
import { restartCalicoNode } from '../fix-steps.js';
import { bgpNotInUse } from '../../combiners/bgp-in-use.js';

const DEFAULT_AS = 64512;

/** Evidence for a Node's or BGPPeer's AS number: its line, else the object with `text` (an unset AS number). */
function resourceEvidence(r: NodeResource | BGPPeerResource, text: string): Evidence {
  return fieldEvidence(r.kind === 'Node' ? r.name : `BGPPeer ${r.name}`, r, r.kind === 'Node' ? 'spec.bgp.asNumber' : 'spec.asNumber', text);
}

const EXTERNAL = 'For external peers, fix the BGPPeer `asNumber` (or the router\'s `neighbor ... remote-as`).';
const CHECK = 'Check with `calicoctl get node -o wide` (ASN column) and `calicoctl node status` on both ends afterwards.';

/** The AS a Node resource runs, and where that comes from. */
function asOf(r: NodeResource | undefined, global: number, globalSet: boolean): { as: number; from: string } | undefined {
  if (r === undefined) return undefined;
  if (r.asNumber !== undefined) return { as: r.asNumber, from: 'its spec.bgp.asNumber' };
  return { as: global, from: globalSet ? 'BGPConfiguration default asNumber' : 'the built-in default' };
}

/** Steps for a pair that logs Bad peer AS: each side's AS from the resources, and the patch that aligns the odd one. */
function pairSteps(pair: [string, string], announced: string | undefined, res: (name: string) => NodeResource | undefined, global: number, globalSet: boolean): string[] {
  const sides = pair.map((name) => ({ name, r: res(name), a: asOf(res(name), global, globalSet) }));
  if (sides.some((x) => x.a === undefined)) {
    return [
      `The Node resources of ${pair[0]} and ${pair[1]} are not in the bundle, so their configured AS is unknown${announced !== undefined ? ` (the peer announces AS ${announced})` : ''}: compare them with \`calicoctl get node ${pair[0]} ${pair[1]} -o wide\` (ASN column), then set the wrong one with \`calicoctl patch node <that node> -p '{"spec":{"bgp":{"asNumber":${global}}}}'\` (the cluster default ${global}) or the AS it should have.`,
      `Afterwards, \`calicoctl node status\` on ${pair[0]} and ${pair[1]} shows the session Established.`,
    ];
  }
  const odd = sides.find((x) => x.r?.asNumber !== undefined && x.r.asNumber !== global) ?? sides[1]!;
  const table = sides.map((x) => `${x.name} AS ${x.a!.as} (${x.a!.from})`).join(', ');
  return [
    `The resources give ${table}. If ${odd.name} belongs in the cluster AS, put it back: \`calicoctl patch node ${odd.r!.name} -p '{"spec":{"bgp":{"asNumber":${global}}}}'\`; if AS ${odd.a!.as} is intended, the BIRD config of the other side is stale: restart calico-node there (${restartCalicoNode(sides.filter((x) => x !== odd).map((x) => x.name))}).`,
    `Afterwards, \`calicoctl get node -o wide\` shows the ASN column and \`calicoctl node status\` on ${pair[0]} and ${pair[1]} shows the session Established.`,
  ];
}

export const bgpAsMismatch: Rule = {
  meta: {
    id: 'bgp-as-mismatch',
    severity: 'critical',
    summary: 'Two BGP speakers disagree on an AS number: `Bad peer AS` in BIRD\'s log, or resources that configure a different AS for a peer than the peer uses.',
    rationale:
      'BIRD checks the AS in the peer\'s OPEN against the `neighbor ... as <n>` it was configured with. On a mismatch the detecting side logs `<proto>: Error: Bad peer AS: <announced AS>` and sends a NOTIFICATION, the other side logs `Received: Bad peer AS`, and the session stays Idle (`error wait time 5,30`), so no routes flow between the two. The expected AS comes from the peer Node\'s `spec.bgp.asNumber`, the BGPPeer\'s `asNumber`, or BGPConfiguration `asNumber` (default 64512).',
    remediation: [
      'Decide which AS is right and align them: `calicoctl patch node <node> -p \'{"spec":{"bgp":{"asNumber":<as>}}}\'`, or set BGPConfiguration `asNumber` for the cluster default.',
      EXTERNAL,
      CHECK,
    ],
    explains: ['block-route-missing', 'dns-resolution-failure'],
    collect: [
      { command: 'calicoctl node status', why: 'BGP session state and last error per peer (Established, Connect, Active Socket: Connection refused), which the bundle does not hold' },
      { command: 'calicoctl get bgpconfiguration,bgppeer -o yaml', why: 'AS numbers, mesh setting and explicit peers' },
      { command: 'calicoctl get nodes -o yaml', why: 'each node\'s BGP address, AS number and tunnel addresses (Node resources)' },
    ],
  },
  check(ctx) {
    const off = bgpNotInUse(ctx.cluster, ctx.derived);
    if (off !== undefined) return { status: 'passed', reason: off };
    const { cluster } = ctx;
    const nodes = cluster.nodes;
    const byIP = new Map<string, NodeModel>();
    for (const n of nodes) if (n.nodeIP !== undefined) byIP.set(n.nodeIP, n);
    const findings = new Map<string, FindingDraft>();
    const globalSet = cluster.resources.bgpConfigurations.find((c) => c.name === 'default')?.asNumber !== undefined;
    const global = cluster.resources.bgpConfigurations.find((c) => c.name === 'default')?.asNumber ?? DEFAULT_AS;
    const resOf = (name: string) => cluster.resources.nodes.find((r) => r.name === name || r.name === nodes.find((n) => n.name === name)?.hostname);
    let logsSeen = 0;
    for (const n of nodes) {
      for (const s of [n.bird, n.containerBird]) {
        if (s === undefined) continue;
        logsSeen++;
        for (const p of Object.values(s.protocols)) {
          const bad = p.errors.filter((e) => (e.kind === 'error-sent' || e.kind === 'error-received') && /Bad peer AS/i.test(e.detail ?? e.text));
          if (bad.length === 0) continue;
          const peer = p.peerIP !== undefined ? byIP.get(p.peerIP) : undefined;
          const peerName = peer?.name ?? p.peerIP ?? p.name;
          const pair = [n.name, peerName].sort() as [string, string];
          const key = pair.join('<->');
          const f = findings.get(key) ?? {
            key,
            title: `BGP AS mismatch between ${pair[0]} and ${pair[1]}`,
            message: '',
            nodes: pair.filter((x) => nodes.some((m) => m.name === x)),
            evidence: [],
            pairs: [pair],
          };
          const last = bad[bad.length - 1]!;
          const announced = /Bad peer AS:\s*(\d+)/.exec(last.detail ?? last.text)?.[1];
          const part =
            last.kind === 'error-sent'
              ? `${n.name} rejected ${peerName}'s OPEN for ${p.name}${announced ? `: ${peerName} announces AS ${announced}, which is not the AS ${n.name} is configured to expect` : ''}`
              : `${n.name} was told by ${peerName} (${p.name}) that its AS is not the one ${peerName} expects${announced ? ` (${announced})` : ''}`;
          f.message = f.message.length > 0 ? `${f.message}; ${part}` : part;
          f.fix = pairSteps(pair, announced, resOf, global, globalSet);
          for (const e of bad.slice(-2)) f.evidence.push(lineEvidence(n, e.file, e));
          findings.set(key, f);
        }
      }
    }
    // Resources: a BGPPeer that names a node's IP with another AS than that node uses.
    const resNodes = cluster.resources.nodes;
    for (const peer of cluster.resources.bgpPeers) {
      if (peer.peerIP === undefined || peer.asNumber === undefined) continue;
      const ip = stripPrefix(peer.peerIP.replace(/^\[|\](:\d+)?$/g, '').replace(/:\d+$/, ''));
      const target = resNodes.find((r) => r.ipv4Address !== undefined && stripPrefix(r.ipv4Address) === ip);
      if (target === undefined) continue;
      const actual = target.asNumber ?? global;
      if (actual === peer.asNumber) continue;
      const key = `BGPPeer/${peer.name}`;
      findings.set(key, {
        key,
        title: `BGPPeer ${peer.name} expects AS ${peer.asNumber} for ${target.name}, which uses AS ${actual}`,
        message: `BGPPeer ${peer.name} peers with ${ip} (Node ${target.name}) as AS ${peer.asNumber}, but ${target.name} runs AS ${actual} (${target.asNumber !== undefined ? 'its spec.bgp.asNumber' : 'the cluster default'}); BIRD will reject the session with Bad peer AS.`,
        nodes: nodes.filter((n) => n.hostname === target.name).map((n) => n.name),
        evidence: [resourceEvidence(peer, `peerIP: ${peer.peerIP}, asNumber: ${peer.asNumber}`), resourceEvidence(target, `ipv4Address: ${target.ipv4Address}, asNumber: ${target.asNumber ?? `(unset: default ${global})`}`)],
        fix: [
          `If ${target.name} is right (AS ${actual}), fix the BGPPeer: \`calicoctl patch bgppeer ${peer.name} -p '{"spec":{"asNumber":${actual}}}'\`; if the peer's AS ${peer.asNumber} is right, set it on the Node: \`calicoctl patch node ${target.name} -p '{"spec":{"bgp":{"asNumber":${peer.asNumber}}}}'\`.`,
          CHECK,
        ],
      });
    }
    if (findings.size > 0) return { status: 'found', findings: [...findings.values()].sort((a, b) => (a.key < b.key ? -1 : 1)) };
    if (logsSeen === 0 && cluster.resources.bgpPeers.length === 0) return { status: 'skipped', reason: 'no BIRD log and no BGPPeer resource to check' };
    return { status: 'passed', reason: `no Bad peer AS in ${logsSeen} BIRD logs; ${cluster.resources.bgpPeers.length} BGPPeers agree with their nodes' AS` };
  },
};
