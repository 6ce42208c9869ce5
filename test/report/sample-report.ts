/**
 * A realistic Report, built by hand, for the renderer tests.
 *
 * Scenario (catalogue A1, `bgp-port179-blocked`): four nodes from three inputs; node-b's host
 * firewall drops TCP 179, so the node-b ↔ node-c mesh session never comes up (node-c, the greater
 * IP, is the initiator and sits in SYN_SENT) and each of the two lacks a route to the other's block.
 * That root cause explains the two `block-route-missing` findings. node-d has a bigger tunl0 MTU
 * (warning) and its `ipv4_route` was not collected (info). A third input could not be read.
 *
 * Evidence texts follow the shapes in shared/reference/diags-format.md §5 (svlogd `-tt` BIRD lines,
 * `netstat -a -n`, `iptables-save -c`, `ip -4 addr`).
 */
import type { Report } from '../../src/report/report-types.js';
import type { ArtifactId, ArtifactStatus } from '../../src/model/node.js';
import { ARTIFACT_IDS } from '../../src/model/node.js';
import type { Evidence } from '../../src/model/finding.js';
import type { RouteCell } from '../../src/model/derived.js';

function artifacts(overrides: Partial<Record<ArtifactId, ArtifactStatus>>): Record<ArtifactId, ArtifactStatus> {
  const out = {} as Record<ArtifactId, ArtifactStatus>;
  for (const id of ARTIFACT_IDS) out[id] = overrides[id] ?? 'ok';
  return out;
}

const CLUSTER_INPUT = 'bundles/cluster-diags-20250301_101500.tar.gz';
const NODE_A_INPUT = 'bundles/diags-node-a-20250301_101212.tar.gz';
const BROKEN_INPUT = 'bundles/diags-node-e-20250301_101733.tar.gz';

const BIRD_C_START: Evidence = {
  node: 'node-c',
  input: CLUSTER_INPUT,
  file: 'diagnostics/logs/bird/current',
  line: 12,
  text: '2025-03-01_10:14:02.11873 bird: Mesh_10_0_0_12: State changed to start',
};
const NETSTAT_C_SYN: Evidence = {
  node: 'node-c',
  input: CLUSTER_INPUT,
  file: 'diagnostics/netstat',
  line: 14,
  text: 'tcp        0      1 10.0.0.13:43125         10.0.0.12:179           SYN_SENT',
};
const NETSTAT_B_LISTEN: Evidence = {
  node: 'node-b',
  input: CLUSTER_INPUT,
  file: 'diagnostics/netstat',
  line: 9,
  text: 'tcp        0      0 0.0.0.0:179             0.0.0.0:*               LISTEN',
};
const IPTABLES_B_DROP: Evidence = {
  node: 'node-b',
  input: CLUSTER_INPUT,
  file: 'diagnostics/ipv4_tables',
  line: 41,
  text: '[112:6720] -A INPUT -p tcp -m tcp --dport 179 -j DROP',
};
const BLACKHOLE_B: Evidence = {
  node: 'node-b',
  input: CLUSTER_INPUT,
  file: 'diagnostics/ipv4_route',
  line: 4,
  text: 'blackhole 192.168.20.64/26 proto bird',
};
const BLACKHOLE_C: Evidence = {
  node: 'node-c',
  input: CLUSTER_INPUT,
  file: 'diagnostics/ipv4_route',
  line: 5,
  text: 'blackhole 192.168.30.128/26 proto bird',
};
const ROUTE_A_TO_B: Evidence = {
  node: 'node-a',
  input: NODE_A_INPUT,
  file: 'diagnostics/ipv4_route',
  line: 3,
  text: '192.168.20.64/26 via 10.0.0.12 dev tunl0 proto bird onlink',
};
const ROUTE_A_TO_C: Evidence = {
  node: 'node-a',
  input: NODE_A_INPUT,
  file: 'diagnostics/ipv4_route',
  line: 4,
  text: '192.168.30.128/26 via 10.0.0.13 dev tunl0 proto bird onlink',
};
const ROUTE_B_TO_A: Evidence = {
  node: 'node-b',
  input: CLUSTER_INPUT,
  file: 'diagnostics/ipv4_route',
  line: 3,
  text: '192.168.10.0/26 via 10.0.0.11 dev tunl0 proto bird onlink',
};
const ROUTE_C_TO_A: Evidence = {
  node: 'node-c',
  input: CLUSTER_INPUT,
  file: 'diagnostics/ipv4_route',
  line: 3,
  text: '192.168.10.0/26 via 10.0.0.11 dev tunl0 proto bird onlink',
};
const MTU_D: Evidence = {
  node: 'node-d',
  input: CLUSTER_INPUT,
  file: 'diagnostics/ipv4_addr',
  line: 17,
  text: '5: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000',
};
const MTU_A: Evidence = {
  node: 'node-a',
  input: NODE_A_INPUT,
  file: 'diagnostics/ipv4_addr',
  line: 17,
  text: '5: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN group default qlen 1000',
};
const ROUTE_D_ABSENT: Evidence = {
  node: 'node-d',
  input: CLUSTER_INPUT,
  file: 'diagnostics/ipv4_route',
  line: 0,
  text: 'absent',
};

function cell(from: string, to: string, status: RouteCell['status'], blocks: RouteCell['blocks'] = []): RouteCell {
  return { from, to, status, blocks };
}

/** A fresh deep copy each call, so a test may mutate it (the evidence constants are shared). */
export function sampleReport(): Report {
  return structuredClone(buildSampleReport());
}

function buildSampleReport(): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'calico-diags', version: '0.1.0' },
    summary: {
      inputs: 3,
      unreadableInputs: 1,
      nodes: 4,
      findings: { critical: 3, warning: 1, info: 1 },
    },
    inputs: [
      { path: NODE_A_INPUT, kind: 'archive', nodes: ['node-a'], status: 'ok', problems: [] },
      {
        path: CLUSTER_INPUT,
        kind: 'archive',
        nodes: ['node-b', 'node-c', 'node-d'],
        status: 'partial',
        problems: ['node-d: diagnostics/ipv4_route: not in the bundle'],
      },
      {
        path: BROKEN_INPUT,
        kind: 'archive',
        nodes: [],
        status: 'unreadable',
        problems: ['gzip: unexpected end of file after 1048576 bytes'],
      },
    ],
    nodes: [
      {
        name: 'node-a',
        hostname: 'node-a',
        input: NODE_A_INPUT,
        nodeIP: '10.0.0.11',
        nodeIPSource: 'BIRD router id in diagnostics/logs/bird/current',
        addresses: ['10.0.0.11/24 (eth0)', '192.168.10.1/32 (tunl0)'],
        artifacts: artifacts({ nft_ruleset: 'missing' }),
        notExpected: [],
        versionHint: 'v3.22–v3.30',
        date: '2025-03-01T10:12:12Z',
        blocks: ['192.168.10.0/26'],
        interfaces: [
          { name: 'eth0', mtu: 1500, state: 'UP', addresses: ['10.0.0.11/24'] },
          { name: 'tunl0', mtu: 1440, state: 'UNKNOWN', addresses: ['192.168.10.1/32'] },
        ],
        bgpPeers: [
          { protocol: 'Mesh_10_0_0_12', peerIP: '10.0.0.12', lastState: 'up', everUp: true },
          { protocol: 'Mesh_10_0_0_13', peerIP: '10.0.0.13', lastState: 'up', everUp: true },
          { protocol: 'Mesh_10_0_0_14', peerIP: '10.0.0.14', lastState: 'up', everUp: true },
          { protocol: 'Mesh_10_0_0_99', peerIP: '10.0.0.99', lastState: 'start', everUp: false },
        ],
        problems: [],
      },
      {
        name: 'node-b',
        hostname: 'node-b',
        input: CLUSTER_INPUT,
        nodeIP: '10.0.0.12',
        nodeIPSource: 'BIRD router id in diagnostics/logs/bird/current',
        addresses: ['10.0.0.12/24 (eth0)', '192.168.20.65/32 (tunl0)'],
        artifacts: artifacts({}),
        notExpected: [],
        versionHint: '>=v3.31',
        blocks: ['192.168.20.64/26'],
        interfaces: [
          { name: 'eth0', mtu: 1500, state: 'UP', addresses: ['10.0.0.12/24'] },
          { name: 'tunl0', mtu: 1440, state: 'UNKNOWN', addresses: ['192.168.20.65/32'] },
        ],
        bgpPeers: [
          { protocol: 'Mesh_10_0_0_11', peerIP: '10.0.0.11', lastState: 'up', everUp: true },
          { protocol: 'Mesh_10_0_0_13', peerIP: '10.0.0.13', lastState: 'start', everUp: false },
        ],
        problems: [],
      },
      {
        name: 'node-c',
        hostname: 'node-c',
        input: CLUSTER_INPUT,
        nodeIP: '10.0.0.13',
        nodeIPSource: 'address of eth0 matching Mesh_ peers',
        addresses: ['10.0.0.13/24 (eth0)', '192.168.30.129/32 (tunl0)'],
        artifacts: artifacts({ ss: 'empty' }),
        notExpected: [],
        versionHint: '>=v3.31',
        blocks: ['192.168.30.128/26'],
        interfaces: [
          { name: 'eth0', mtu: 1500, state: 'UP', addresses: ['10.0.0.13/24'] },
          { name: 'tunl0', mtu: 1440, state: 'UNKNOWN', addresses: ['192.168.30.129/32'] },
        ],
        bgpPeers: [
          { protocol: 'Mesh_10_0_0_11', peerIP: '10.0.0.11', lastState: 'up', everUp: true },
          { protocol: 'Mesh_10_0_0_12', peerIP: '10.0.0.12', lastState: 'start', everUp: false },
        ],
        problems: [],
      },
      {
        name: 'node-d',
        hostname: 'node-d',
        input: CLUSTER_INPUT,
        nodeIP: '10.0.0.14',
        nodeIPSource: 'only global address on eth0',
        addresses: ['10.0.0.14/24 (eth0)'],
        artifacts: artifacts({ ipv4_route: 'missing', ipv4_tables: 'command-failed', bird_log: 'missing' }),
        notExpected: [],
        versionHint: '>=v3.31',
        blocks: [],
        interfaces: [
          { name: 'eth0', mtu: 1500, state: 'UP', addresses: ['10.0.0.14/24'] },
          { name: 'tunl0', mtu: 1480, state: 'UNKNOWN', addresses: [] },
        ],
        bgpPeers: [],
        problems: ['diagnostics/ipv4_tables: iptables-save: command not found'],
      },
    ],
    findings: [
      {
        id: 'bgp-port179-blocked:node-b<->node-c',
        rule: 'bgp-port179-blocked',
        severity: 'critical',
        title: 'BGP session node-b ↔ node-c never established: TCP 179 dropped',
        message:
          'node-c (10.0.0.13, the initiator) keeps a SYN_SENT socket to 10.0.0.12:179 while node-b listens on 179 and has a DROP rule for --dport 179; BIRD on both sides stays in "start".',
        nodes: ['node-b', 'node-c'],
        evidence: [BIRD_C_START, NETSTAT_C_SYN, NETSTAT_B_LISTEN, IPTABLES_B_DROP],
        evidenceDropped: 37,
        remediation: [
          'Allow TCP 179 in both directions between all BGP peers (host firewall, security groups, NACLs).',
          'From node-c run `nc -zv 10.0.0.12 179` to confirm the path is open.',
        ],
        explains: ['block-route-missing:node-b->node-c', 'block-route-missing:node-c->node-b'],
      },
      {
        id: 'block-route-missing:node-b->node-c',
        rule: 'block-route-missing',
        severity: 'critical',
        title: 'node-b has no route to block 192.168.30.128/26 of node-c',
        message: 'node-c owns 192.168.30.128/26 (blackhole route) but node-b’s ipv4_route has no route covering it.',
        nodes: ['node-b', 'node-c'],
        evidence: [BLACKHOLE_C],
        remediation: ['Fix the BGP session between node-b and node-c; routes travel over it.'],
        explains: [],
      },
      {
        id: 'block-route-missing:node-c->node-b',
        rule: 'block-route-missing',
        severity: 'critical',
        title: 'node-c has no route to block 192.168.20.64/26 of node-b',
        message: 'node-b owns 192.168.20.64/26 (blackhole route) but node-c’s ipv4_route has no route covering it.',
        nodes: ['node-c', 'node-b'],
        evidence: [BLACKHOLE_B],
        remediation: ['Fix the BGP session between node-b and node-c; routes travel over it.'],
        explains: [],
      },
      {
        id: 'mtu-mismatch:tunl0',
        rule: 'mtu-mismatch',
        severity: 'warning',
        title: 'tunl0 MTU differs between nodes (1440 on 3 nodes, 1480 on node-d)',
        message: 'Large packets between node-d and the other nodes will be dropped or fragmented.',
        nodes: ['node-d'],
        evidence: [MTU_D, MTU_A],
        remediation: ['Set the same veth/tunnel MTU on every node (FELIX_IPINIPMTU or the installation MTU).'],
        explains: [],
      },
      {
        id: 'artifact-not-collected:node-d/ipv4_route',
        rule: 'artifact-not-collected',
        severity: 'info',
        title: 'node-d: ipv4_route not collected',
        message: 'Route checks for node-d were skipped.',
        nodes: ['node-d'],
        evidence: [ROUTE_D_ABSENT],
        remediation: ['Re-run `calicoctl node diags` on node-d as root.'],
        explains: [],
      },
    ],
    rules: [
      { id: 'artifact-not-collected', severity: 'info', status: 'found', reason: '1 finding', summary: 'An expected artifact is missing, empty or failed.' },
      { id: 'bgp-as-mismatch', severity: 'critical', status: 'passed', reason: 'no "Bad peer AS" in 3 bird logs', summary: 'Peers disagree on the AS number.' },
      { id: 'bgp-port179-blocked', severity: 'critical', status: 'found', reason: '1 finding', summary: 'TCP 179 between two peers is dropped.' },
      { id: 'block-route-missing', severity: 'critical', status: 'found', reason: '2 findings', summary: 'A node lacks the route to another node’s block.' },
      { id: 'ipip-tunl0-missing-or-down', severity: 'critical', status: 'error', reason: 'TypeError: Cannot read properties of undefined (reading \'mtu\')', summary: 'tunl0 is absent or down on an IPIP node.' },
      { id: 'mtu-mismatch', severity: 'warning', status: 'found', reason: '1 finding', summary: 'Tunnel MTUs differ between nodes.' },
      { id: 'nat-outgoing-disabled', severity: 'warning', status: 'skipped', reason: 'IPPool resources not collected (node diags carry none)', summary: 'The IP pool has natOutgoing false.' },
    ],
    blocks: [
      { block: '192.168.10.0/26', owners: ['node-a'], proto: 'bird', evidence: [] },
      { block: '192.168.20.64/26', owners: ['node-b'], proto: 'bird', evidence: [BLACKHOLE_B] },
      { block: '192.168.30.128/26', owners: ['node-c'], proto: 'bird', evidence: [BLACKHOLE_C] },
    ],
    routeMatrix: {
      nodes: ['node-a', 'node-b', 'node-c', 'node-d'],
      rows: [
        [
          cell('node-a', 'node-a', 'self'),
          cell('node-a', 'node-b', 'ok', [
            { block: '192.168.20.64/26', kind: 'ipip', evidence: ROUTE_A_TO_B,
              route: { dst: '192.168.20.64/26', via: '10.0.0.12', dev: 'tunl0', proto: 'bird', onlink: true, type: 'unicast' } },
          ]),
          cell('node-a', 'node-c', 'ok', [
            { block: '192.168.30.128/26', kind: 'ipip', evidence: ROUTE_A_TO_C,
              route: { dst: '192.168.30.128/26', via: '10.0.0.13', dev: 'tunl0', proto: 'bird', onlink: true, type: 'unicast' } },
          ]),
          cell('node-a', 'node-d', 'no-block'),
        ],
        [
          cell('node-b', 'node-a', 'ok', [
            { block: '192.168.10.0/26', kind: 'ipip', evidence: ROUTE_B_TO_A,
              route: { dst: '192.168.10.0/26', via: '10.0.0.11', dev: 'tunl0', proto: 'bird', onlink: true, type: 'unicast' } },
          ]),
          cell('node-b', 'node-b', 'self'),
          cell('node-b', 'node-c', 'missing', [{ block: '192.168.30.128/26' }]),
          cell('node-b', 'node-d', 'no-block'),
        ],
        [
          cell('node-c', 'node-a', 'ok', [
            { block: '192.168.10.0/26', kind: 'ipip', evidence: ROUTE_C_TO_A,
              route: { dst: '192.168.10.0/26', via: '10.0.0.11', dev: 'tunl0', proto: 'bird', onlink: true, type: 'unicast' } },
          ]),
          cell('node-c', 'node-b', 'missing', [{ block: '192.168.20.64/26' }]),
          cell('node-c', 'node-c', 'self'),
          cell('node-c', 'node-d', 'no-block'),
        ],
        [
          cell('node-d', 'node-a', 'unknown'),
          cell('node-d', 'node-b', 'unknown'),
          cell('node-d', 'node-c', 'unknown'),
          cell('node-d', 'node-d', 'self'),
        ],
      ],
    },
    bgp: {
      pairs: [
        {
          a: { node: 'node-a', protocol: 'Mesh_10_0_0_12', lastState: 'up', everUp: true, errors: [], socket: 'ESTABLISHED', listens179: true, logCollected: true, evidence: [] },
          b: { node: 'node-b', protocol: 'Mesh_10_0_0_11', lastState: 'up', everUp: true, errors: [], socket: 'ESTABLISHED', listens179: true, logCollected: true, evidence: [] },
          aIP: '10.0.0.11', bIP: '10.0.0.12', initiator: 'node-b', status: 'up',
        },
        {
          a: { node: 'node-a', protocol: 'Mesh_10_0_0_13', lastState: 'up', everUp: true, errors: [], socket: 'ESTABLISHED', listens179: true, logCollected: true, evidence: [] },
          b: { node: 'node-c', protocol: 'Mesh_10_0_0_11', lastState: 'up', everUp: true, errors: [], socket: 'ESTABLISHED', listens179: true, logCollected: true, evidence: [] },
          aIP: '10.0.0.11', bIP: '10.0.0.13', initiator: 'node-c', status: 'up',
        },
        {
          a: { node: 'node-a', protocol: 'Mesh_10_0_0_14', lastState: 'up', everUp: true, errors: [], socket: 'ESTABLISHED', listens179: true, logCollected: true, evidence: [] },
          b: { node: 'node-d', everUp: false, errors: [], socket: 'ESTABLISHED', listens179: true, logCollected: false, evidence: [] },
          aIP: '10.0.0.11', bIP: '10.0.0.14', initiator: 'node-d', status: 'half',
        },
        {
          a: { node: 'node-b', protocol: 'Mesh_10_0_0_13', lastState: 'start', everUp: false, errors: [], socket: 'none', listens179: true, logCollected: true, evidence: [NETSTAT_B_LISTEN] },
          b: { node: 'node-c', protocol: 'Mesh_10_0_0_12', lastState: 'start', everUp: false,
            errors: ['2025-03-01_10:13:58.00211 bird: Mesh_10_0_0_12: Connect delayed by 5 seconds'],
            socket: 'SYN_SENT', listens179: true, logCollected: true, evidence: [BIRD_C_START, NETSTAT_C_SYN] },
          aIP: '10.0.0.12', bIP: '10.0.0.13', initiator: 'node-c', status: 'down',
        },
      ],
      unknownPeers: [
        {
          node: 'node-a', peerIP: '10.0.0.99', protocol: 'Mesh_10_0_0_99', up: false,
          evidence: { node: 'node-a', input: NODE_A_INPUT, file: 'diagnostics/logs/bird/current', line: 3, text: '2025-03-01_10:02:11.40021 bird: Mesh_10_0_0_99: Starting' },
        },
      ],
    },
    timeline: {
      events: [
        { time: '2025-03-01T10:02:11.400Z', node: 'node-a', source: 'bird_log', text: 'bird: Mesh_10_0_0_99: State changed to start', file: 'diagnostics/logs/bird/current', line: 4, level: 'warning' },
        { time: '2025-03-01T10:13:58.002Z', node: 'node-c', source: 'bird_log', text: 'bird: Mesh_10_0_0_12: Connect delayed by 5 seconds', file: 'diagnostics/logs/bird/current', line: 11, level: 'warning' },
        { time: '2025-03-01T10:14:02.118Z', node: 'node-c', source: 'bird_log', text: 'bird: Mesh_10_0_0_12: State changed to start', file: 'diagnostics/logs/bird/current', line: 12, level: 'error' },
        { time: '2025-03-01T10:14:30.551Z', node: 'node-b', source: 'felix_log', text: '[INFO][61] felix/health.go 336: Overall health status changed live=true ready=true', file: 'diagnostics/logs/felix/current', line: 2210, level: 'info' },
      ],
      dropped: 120,
    },
    problems: [],
    collectNext: [
      { command: 'calicoctl node status', why: 'BGP state of every peer as BIRD sees it now', rules: ['bgp-hold-timer-flapping'], nodes: ['node-a'] },
    ],
  };
}
