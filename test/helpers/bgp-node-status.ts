/**
 * `calicoctl node status` facts as the attachments intake produces them (src/model/attachments.ts),
 * for rule tests: rows as calicoctl prints them, tied to a node of a test context.
 */
import type { NodeStatusFacts, PeerStatusRow } from '../../src/model/attachments.js';
import type { RuleContext } from '../../src/rules/rule.js';

const FILE = 'node-status.txt';

/** One `| PEER ADDRESS | PEER TYPE | STATE | SINCE | INFO |` row. */
export function peerRow(line: number, ip: string, state: string, info: string, peerType = 'node-to-node mesh'): PeerStatusRow {
  return { line, text: `| ${ip} | ${peerType} | ${state}  | 10:14:02 | ${info} |`, input: FILE, file: FILE, peerIP: ip, peerType, state, since: '10:14:02', info };
}

export function nodeStatus(rows: PeerStatusRow[], noPeers = false): NodeStatusFacts {
  return {
    source: { kind: 'calicoctl-node-status', input: FILE, file: FILE, nodeFrom: 'file name' },
    calicoRunning: true,
    birdRunning: true,
    noPeers,
    peers: rows,
    lines: noPeers ? [{ line: 5, text: 'No IPv4 peers found.', input: FILE, file: FILE }] : [{ line: 1, text: 'Calico process is running.', input: FILE, file: FILE }],
  };
}

/** Attaches node status to a node of a built context (rules read `node.attachments`). */
export function attachStatus(ctx: RuleContext, node: string, facts: NodeStatusFacts): void {
  const n = ctx.cluster.nodes.find((x) => x.name === node);
  if (n === undefined) throw new Error(`no node ${node}`);
  n.attachments = { ...(n.attachments ?? { sources: [] }), nodeStatus: facts };
  n.attachments.sources.push(facts.source);
}
