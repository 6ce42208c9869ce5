/**
 * The BGP peerings the exported resources configure for each Node (catalogue A9): the
 * node-to-node mesh (BGPConfiguration `nodeToNodeMeshEnabled`, default true) among nodes that are
 * not route reflectors (confd: "# This node (<name>) is configured as a route reflector ...; ignore
 * node-to-node mesh setting"), plus every BGPPeer that selects the node (`node`, `nodeSelector`, or
 * neither: a global peer) and names a peer (`peerIP`, or `peerSelector` matching other Nodes).
 * Selectors are Calico's label selector syntax; one this evaluator cannot read leaves the node undecided.
 */
import type { BGPPeerResource, NodeResource, ResourceSet } from '../model/facts.js';

type Labels = Record<string, string>;
type Pred = (l: Labels) => boolean;

/**
 * Calico selector subset: `all()`, `has(k)`, `!has(k)`, `k == 'v'`, `k != "v"`, `k in {'a','b'}`,
 * `k not in {...}`, `!`, `&&`, `||`, parentheses. Undefined when the text is outside it.
 */
export function parseSelector(text: string): Pred | undefined {
  const toks = text.match(/\s*(all\(\)|has\(\s*[\w./-]+\s*\)|&&|\|\||==|!=|!|\(|\)|\{|\}|,|'[^']*'|"[^"]*"|not\s+in\b|in\b|[\w./-]+)\s*/g);
  if (toks === null || toks.join('') !== text) return text.trim() === '' ? () => true : undefined;
  const t = toks.map((s) => s.trim());
  let i = 0;
  const unq = (s: string) => s.slice(1, -1);
  const isStr = (s: string | undefined) => s !== undefined && (s.startsWith("'") || s.startsWith('"'));
  const or = (): Pred | undefined => {
    let l = and();
    while (l !== undefined && t[i] === '||') {
      i++;
      const r = and();
      if (r === undefined) return undefined;
      const a = l;
      l = (x) => a(x) || r(x);
    }
    return l;
  };
  const and = (): Pred | undefined => {
    let l = unary();
    while (l !== undefined && t[i] === '&&') {
      i++;
      const r = unary();
      if (r === undefined) return undefined;
      const a = l;
      l = (x) => a(x) && r(x);
    }
    return l;
  };
  const unary = (): Pred | undefined => {
    const tok = t[i];
    if (tok === '!') {
      i++;
      const p = unary();
      return p === undefined ? undefined : (x) => !p(x);
    }
    if (tok === '(') {
      i++;
      const p = or();
      if (t[i] !== ')') return undefined;
      i++;
      return p;
    }
    if (tok === 'all()') {
      i++;
      return () => true;
    }
    if (tok !== undefined && tok.startsWith('has(')) {
      i++;
      const k = tok.slice(4, -1).trim();
      return (x) => k in x;
    }
    if (tok === undefined || /^[!=(){},&|]/.test(tok) || isStr(tok)) return undefined;
    const key = tok;
    i++;
    const op = t[i++];
    if (op === '==' || op === '!=') {
      const v = t[i++];
      if (!isStr(v)) return undefined;
      const val = unq(v!);
      return op === '==' ? (x) => x[key] === val : (x) => x[key] !== val;
    }
    if (op === 'in' || (op !== undefined && /^not\s+in$/.test(op))) {
      if (t[i++] !== '{') return undefined;
      const vals: string[] = [];
      while (t[i] !== '}') {
        const v = t[i++];
        if (!isStr(v)) return undefined;
        vals.push(unq(v!));
        if (t[i] === ',') i++;
      }
      i++;
      return op === 'in' ? (x) => key in x && vals.includes(x[key]!) : (x) => !(key in x) || !vals.includes(x[key]!);
    }
    return undefined;
  };
  const p = or();
  return p !== undefined && i === t.length ? p : undefined;
}

export interface ExpectedPeers {
  node: string;
  resource: NodeResource;
  routeReflector: boolean;
  /** Whether this node takes part in the node-to-node mesh (mesh on and not a route reflector). */
  inMesh: boolean;
  /** Other Nodes it meshes with. */
  meshPeers: string[];
  /** BGPPeers that select this node and name at least one peer other than itself. */
  bgpPeers: { peer: BGPPeerResource; peers: string[] }[];
  /** A selector could not be evaluated: the peer set is not known. */
  undecided?: string;
}

export interface ExpectedPeerings {
  meshEnabled: boolean;
  /** Where the mesh setting came from. */
  meshSource: string;
  nodes: ExpectedPeers[];
}

const stripPrefix = (ip: string) => ip.split('/')[0]!;

/** Per Node resource, the peerings the resources configure; undefined when no Node resource was exported. */
export function expectedPeerings(res: ResourceSet): ExpectedPeerings | undefined {
  if (res.nodes.length === 0) return undefined;
  const cfg = res.bgpConfigurations.find((c) => c.name === 'default');
  const meshEnabled = cfg?.nodeToNodeMeshEnabled ?? true;
  const meshSource = cfg === undefined ? 'no BGPConfiguration default exported: mesh on by default' : `BGPConfiguration default nodeToNodeMeshEnabled: ${cfg.nodeToNodeMeshEnabled ?? '(unset: true)'}`;
  const out: ExpectedPeers[] = [];
  const nonRR = res.nodes.filter((n) => n.routeReflectorClusterID === undefined);
  for (const n of res.nodes) {
    const rr = n.routeReflectorClusterID !== undefined;
    const inMesh = meshEnabled && !rr;
    const e: ExpectedPeers = {
      node: n.name,
      resource: n,
      routeReflector: rr,
      inMesh,
      meshPeers: inMesh ? nonRR.filter((o) => o !== n && (o.ipv4Address === undefined || n.ipv4Address === undefined || stripPrefix(o.ipv4Address) !== stripPrefix(n.ipv4Address))).map((o) => o.name) : [],
      bgpPeers: [],
    };
    const myIP = n.ipv4Address !== undefined ? stripPrefix(n.ipv4Address) : undefined;
    for (const p of res.bgpPeers) {
      let selects: boolean;
      if (p.node !== undefined && p.node !== '') selects = p.node === n.name;
      else if (p.nodeSelector !== undefined && p.nodeSelector.trim() !== '') {
        const sel = parseSelector(p.nodeSelector);
        if (sel === undefined) {
          e.undecided = `BGPPeer ${p.name} nodeSelector \`${p.nodeSelector}\` could not be evaluated`;
          continue;
        }
        selects = sel(n.labels);
      } else selects = true; // global peer: every node
      if (!selects) continue;
      let peers: string[] = [];
      if (p.peerIP !== undefined && p.peerIP !== '') {
        const ip = stripPrefix(p.peerIP.replace(/^\[|\](:\d+)?$/g, '').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1'));
        if (ip !== myIP) peers = [ip];
      } else if (p.peerSelector !== undefined && p.peerSelector.trim() !== '') {
        const sel = parseSelector(p.peerSelector);
        if (sel === undefined) {
          e.undecided = `BGPPeer ${p.name} peerSelector \`${p.peerSelector}\` could not be evaluated`;
          continue;
        }
        peers = res.nodes.filter((o) => o !== n && sel(o.labels)).map((o) => o.name);
      }
      if (peers.length > 0) e.bgpPeers.push({ peer: p, peers });
    }
    // confd also renders the reverse of every BGPPeer (client.go updatePeersV1, "missing reverse
    // peerings"): a node its peerSelector (or peerIP) names peers back with the nodes it selects.
    for (const p of res.bgpPeers) {
      if (e.bgpPeers.some((b) => b.peer === p)) continue;
      let named: boolean;
      if (p.peerSelector !== undefined && p.peerSelector.trim() !== '') {
        const sel = parseSelector(p.peerSelector);
        if (sel === undefined) continue;
        named = sel(n.labels);
      } else named = p.peerIP !== undefined && myIP !== undefined && stripPrefix(p.peerIP.replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1')) === myIP;
      if (!named) continue;
      let locals: NodeResource[];
      if (p.node !== undefined && p.node !== '') locals = res.nodes.filter((o) => o.name === p.node);
      else if (p.nodeSelector !== undefined && p.nodeSelector.trim() !== '') {
        const sel = parseSelector(p.nodeSelector);
        if (sel === undefined) continue;
        locals = res.nodes.filter((o) => sel(o.labels));
      } else locals = res.nodes;
      const peers = locals.filter((o) => o !== n).map((o) => o.name);
      if (peers.length > 0) e.bgpPeers.push({ peer: p, peers });
    }
    out.push(e);
  }
  return { meshEnabled, meshSource, nodes: out };
}
