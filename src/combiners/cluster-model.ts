/**
 * Builds the ClusterModel from what the inputs yielded: names every node (hostname,
 * made unique), merges the resources, and lists the inputs with their status.
 */
import type { ClusterModel, InputInfo, NodeFacts, NodeModel } from '../model/node.js';
import type { CalicoResource, ResourceSet } from '../model/facts.js';
import type { SourceResult } from '../bundle/source-result.js';
import { identifyNodeIPs } from './node-identity.js';

export function emptyResources(): ResourceSet {
  return {
    ippools: [],
    nodes: [],
    bgpConfigurations: [],
    bgpPeers: [],
    felixConfigurations: [],
    globalNetworkPolicies: [],
    networkPolicies: [],
  };
}

export function addResources(set: ResourceSet, list: CalicoResource[]): void {
  for (const r of list) {
    switch (r.kind) {
      case 'IPPool':
        set.ippools.push(r);
        break;
      case 'Node':
        set.nodes.push(r);
        break;
      case 'BGPConfiguration':
        set.bgpConfigurations.push(r);
        break;
      case 'BGPPeer':
        set.bgpPeers.push(r);
        break;
      case 'FelixConfiguration':
        set.felixConfigurations.push(r);
        break;
      case 'GlobalNetworkPolicy':
        set.globalNetworkPolicies.push(r);
        break;
      case 'NetworkPolicy':
        set.networkPolicies.push(r);
        break;
    }
  }
}

/** Name for a bundle without a readable hostname file: from its archive or folder. */
function fallbackName(f: NodeFacts): string {
  const src = f.archiveName ?? f.input;
  const base = src.split('/').filter(Boolean).slice(-2).join('/');
  return `unknown(${base})`;
}

export function buildClusterModel(sources: SourceResult[]): ClusterModel {
  const resources = emptyResources();
  const inputs: InputInfo[] = [];
  const facts: NodeFacts[] = [];
  for (const s of sources) {
    addResources(resources, s.resources);
    facts.push(...s.nodes);
  }
  // Stable order: by hostname, then input path, then root.
  facts.sort((a, b) => {
    const ka = `${a.hostname ?? fallbackName(a)}\u0000${a.input}\u0000${a.root}`;
    const kb = `${b.hostname ?? fallbackName(b)}\u0000${b.input}\u0000${b.root}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const seen = new Map<string, number>();
  const nodes: NodeModel[] = facts.map((f) => {
    const base = f.hostname ?? fallbackName(f);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { ...f, name: n === 1 ? base : `${base}#${n}` };
  });
  for (const s of sources) {
    const names = nodes.filter((n) => s.nodes.includes(n as unknown as NodeFacts) || s.nodes.some((f) => f.input === n.input && f.root === n.root)).map((n) => n.name);
    const partial = s.problems.length > 0 || s.nodes.some((n) => n.problems.length > 0);
    inputs.push({
      path: s.path,
      kind: s.kind,
      nodes: [...new Set(names)].sort(),
      status: s.unreadable ? 'unreadable' : partial ? 'partial' : 'ok',
      problems: s.problems,
    });
  }
  const cluster: ClusterModel = { inputs, nodes, resources };
  identifyNodeIPs(cluster);
  return cluster;
}
