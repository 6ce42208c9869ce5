/**
 * The cost of the cross-node tables and the rules as the cluster grows, without reading anything:
 * a synthetic cluster built in memory (through the real bundle builder and parsers) of N nodes,
 * each owning B IPAM blocks and P pods, fully meshed over BGP, every node routing to every other
 * node's blocks. Prints `--timings`-style lines for derive (each table), rules (each rule) and the
 * report build and renders, per run.
 *
 *   node dist/bench/derive-scale.js [--nodes 100] [--blocks 10] [--pods 100] [--runs 2]
 *
 * A figure printer, not a timed test: pairwise tables that grow faster than nodes × blocks show here.
 */
import { parseArgs } from 'node:util';
import { buildClusterModel } from '../src/combiners/cluster-model.js';
import { derive, withoutEarlierSnapshots } from '../src/combiners/derive.js';
import { RULES } from '../src/rules/index.js';
import { runRules } from '../src/rules/run-rules.js';
import { buildReport } from '../src/report/build-report.js';
import { renderHtml } from '../src/report/render-html.js';
import { renderJson } from '../src/report/render-json.js';
import { Timings } from '../src/timings.js';
import { TOOL } from '../src/version.js';
import { sourceFrom } from '../test/helpers/cluster.js';
import { healthyNodeFiles } from '../test/helpers/healthy-cluster.js';
import type { NodeSpec } from '../test/helpers/healthy-cluster.js';

interface ScaleNode extends NodeSpec {
  blocks: string[];
  pods: { ip: string; iface: string }[];
}

/** Node i's k-th /26 block inside 10.244.0.0/16 upwards (10.244.0.0/26, 10.244.0.64/26, …). */
function block(index: number): string {
  const net = 0x0af40000 + index * 64;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}`;
}

function scaleNodes(nodes: number, blocks: number, pods: number): ScaleNode[] {
  return Array.from({ length: nodes }, (_, i) => {
    const own = Array.from({ length: blocks }, (_, k) => block(i * blocks + k));
    const podList = Array.from({ length: pods }, (_, p) => {
      const base = own[p % blocks]!.split('.').map(Number);
      return { ip: `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 1 + Math.floor(p / blocks)}`, iface: `cali${(i * 100000 + p).toString(16).padStart(11, '0')}` };
    });
    return {
      name: `scale-node-${String(i + 1).padStart(3, '0')}`,
      ip: `10.77.${Math.floor(i / 250)}.${(i % 250) + 2}`,
      block: `${own[0]}/26`,
      pod: podList[0]?.ip ?? own[0]!,
      iface: podList[0]?.iface ?? 'cali00000000000',
      blocks: own.map((b) => `${b}/26`),
      pods: podList,
    };
  });
}

function routes(self: ScaleNode, all: ScaleNode[]): string {
  const rows = [`10.77.0.0/16 dev eth0 proto kernel scope link src ${self.ip} `];
  for (const b of self.blocks) rows.push(`blackhole ${b} proto bird `);
  for (const p of self.pods) rows.push(`${p.ip} dev ${p.iface} scope link `);
  for (const peer of all) if (peer !== self) for (const b of peer.blocks) rows.push(`${b} via ${peer.ip} dev eth0 proto bird `);
  return rows.join('\n') + '\n';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { nodes: { type: 'string', default: '100' }, blocks: { type: 'string', default: '10' }, pods: { type: 'string', default: '100' }, runs: { type: 'string', default: '2' } },
  });
  const [n, b, p, runs] = [values.nodes, values.blocks, values.pods, values.runs].map(Number) as [number, number, number, number];
  let start = performance.now();
  const nodes = scaleNodes(n, b, p);
  const sources = nodes.map((node) => {
    const files = healthyNodeFiles(node, nodes);
    files.ipv4_route = routes(node, nodes);
    return sourceFrom(node.name, files);
  });
  const cluster = buildClusterModel(sources);
  console.log(`# ${n} nodes x ${b} blocks x ${p} pods: model built in ${(performance.now() - start).toFixed(0)} ms`);
  for (let run = 1; run <= runs; run++) {
    const t = new Timings();
    start = performance.now();
    const derived = t.phase('derive', () => derive(cluster, t));
    const result = t.phase('rules', () => runRules(RULES, { cluster: withoutEarlierSnapshots(cluster, derived.snapshots), derived }, t));
    const report = t.phase('report build', () => buildReport(cluster, derived, result, RULES.map((r) => r.meta), { tool: TOOL }));
    const total = performance.now() - start;
    t.phase('render html', () => renderHtml(report));
    t.phase('render json', () => renderJson(report));
    console.log(`run ${run}: derive+rules+report ${total.toFixed(0)} ms, ${result.findings.length} findings`);
    for (const line of t.lines()) console.log(line);
  }
}

await main();
