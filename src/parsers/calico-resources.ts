/**
 * Calico resources from YAML: `calicoctl get <kind> -o yaml` output (`projectcalico.org/v3`,
 * single objects or `<Kind>List` with `items`), multi-document streams (`---`), and the
 * cluster-diags CRD dumps `cluster/crd/<plural>.crd.projectcalico.org.yaml` (a `kind: List`
 * of `crd.projectcalico.org/v1` objects, diags-format.md §2.5). Kinds read: IPPool, Node,
 * BGPConfiguration, BGPPeer, FelixConfiguration, GlobalNetworkPolicy, NetworkPolicy; other
 * kinds are counted in `ignored` and otherwise skipped.
 *
 * Real sample, `calicoctl get ipp newben-pool -oyaml` (the project's seed runbook,
 * /work/shared/reference/seed-runbook.md, section "pod 内部无法访问外网"):
 *
 * ```yaml
 * apiVersion: projectcalico.org/v3
 * kind: IPPool
 * metadata:
 *   annotations:
 *     org.projectcalico.label.network.ID: 70fa0e5b9eaf0c6a07b271b298109d76bf3308748c9e462e51802bdc99f34378
 *   creationTimestamp: "2020-04-09T12:22:10Z"
 *   name: newben-pool
 *   resourceVersion: "397110"
 *   uid: dcb3b145-09d7-45ec-b817-46796680d8cb
 * spec:
 *   blockSize: 26
 *   cidr: 172.16.0.0/16
 *   ipipMode: Never
 *   natOutgoing: true
 *   nodeSelector: all()
 *   vxlanMode: Never
 * ```
 *
 * Defaults follow the Calico IPPool reference: `ipipMode`/`vxlanMode` `Never`, `natOutgoing`
 * and `disabled` false. The deprecated v1 fields still found in CRD storage of upgraded clusters
 * (`ipip: {enabled, mode}`, `nat-outgoing`) are honoured when the v3 field is absent. AS numbers
 * may be numbers, strings or AS-dot (`1.10` = 65546). Each resource's line is where its object
 * starts in the file. Bad YAML gives a problem line (file and line), never a throw.
 */
import { isIP } from 'node:net';
import jsYaml from 'js-yaml';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, type Node as YamlNode, type YAMLMap } from 'yaml';
import type {
  BGPConfigurationResource,
  BGPPeerResource,
  CalicoResource,
  GenericResource,
  IPPoolResource,
  NodeResource,
  ResourceRef,
  ResourceSet,
} from '../model/facts.js';
import { fieldLines, type FieldLine } from './yaml-field-lines.js';

/** BGPPeer with the port split off `peerIP` (`10.0.0.1:1790`); local extension of the model type. */
export type BGPPeerResourceWithPort = BGPPeerResource & { peerPort?: number };

export interface CalicoResourcesResult {
  resources: CalicoResource[];
  /** One line per problem, naming the file (and line when known). */
  problems: string[];
  /** Objects skipped because their kind or apiVersion is not read, by kind. */
  ignored: Record<string, number>;
}

const KINDS = new Set(['IPPool', 'Node', 'BGPConfiguration', 'BGPPeer', 'FelixConfiguration', 'GlobalNetworkPolicy', 'NetworkPolicy']);
const MAX_PROBLEMS = 50;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  return undefined;
}

function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,10}$/.test(v)) return Number(v);
  return undefined;
}

/** `64512`, `"64512"`, AS-dot `"1.10"` → 65546; undefined when not a valid 32-bit AS. */
export function parseAsNumber(v: unknown): number | undefined {
  let n: number | undefined;
  if (typeof v === 'number') n = Number.isInteger(v) ? v : undefined;
  else if (typeof v === 'string') {
    const s = v.trim();
    if (/^\d{1,10}$/.test(s)) n = Number(s);
    else {
      const m = /^(\d{1,5})\.(\d{1,5})$/.exec(s);
      if (m !== null) {
        const hi = Number(m[1]);
        const lo = Number(m[2]);
        if (hi <= 0xffff && lo <= 0xffff) n = hi * 65536 + lo;
      }
    }
  }
  return n !== undefined && n >= 0 && n <= 0xffffffff ? n : undefined;
}

/** `10.0.0.1:1790` → ip + port; `[fd00::1]:179` → `fd00::1` + 179; anything else unchanged. */
export function splitPeerIP(v: string): { ip: string; port?: number } {
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close > 1) {
      const ip = v.slice(1, close);
      const rest = v.slice(close + 1);
      if (rest.startsWith(':') && /^\d{1,5}$/.test(rest.slice(1))) return { ip, port: Number(rest.slice(1)) };
      return { ip };
    }
    return { ip: v };
  }
  const colon = v.indexOf(':');
  if (colon > 0 && colon === v.lastIndexOf(':')) {
    const port = v.slice(colon + 1);
    if (/^\d{1,5}$/.test(port) && isIP(v.slice(0, colon)) === 4) return { ip: v.slice(0, colon), port: Number(port) };
  }
  return { ip: v };
}

/** Cheap check on the first bytes of a file: does it look like Calico resource YAML? */
export function isCalicoResourceYaml(head: string): boolean {
  return (head.includes('apiVersion: projectcalico.org/') || head.includes('crd.projectcalico.org/')) && head.includes('kind:');
}

/**
 * The AS number at `path` under `node`: a YAML float such as `1.10` (AS-dot written unquoted)
 * is read from its source text so that `1.10` is not taken as `1.1`. Without a document node
 * (the fast item path), the caller has already sent such items to the document path.
 */
function asNumberAt(node: YAMLMap | undefined, path: string[], value: unknown): number | undefined {
  if (fractional(value)) {
    if (node === undefined) return undefined;
    const scalar = node.getIn(path, true);
    if (isScalar(scalar) && typeof scalar.source === 'string') return parseAsNumber(scalar.source);
    return undefined;
  }
  return parseAsNumber(value);
}

function labelsOf(meta: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) {
      const s = str(v);
      if (s !== undefined) out[k] = s;
    }
  }
  return out;
}

function ipipModeOf(spec: Obj): string {
  const m = str(spec.ipipMode);
  if (m !== undefined && m !== '') return m;
  // Deprecated v1 form kept in CRD storage: ipip: { enabled: true, mode: always|cross-subnet }
  if (isObj(spec.ipip) && bool(spec.ipip.enabled) === true) {
    return str(spec.ipip.mode) === 'cross-subnet' ? 'CrossSubnet' : 'Always';
  }
  return 'Never';
}

function toResource(js: Obj, node: YAMLMap | undefined, ref: ResourceRef, problems: string[]): CalicoResource | undefined {
  const kind = js.kind as string;
  const meta = isObj(js.metadata) ? js.metadata : {};
  const name = str(meta.name);
  if (name === undefined || name === '') {
    problems.push(`${ref.file}: line ${ref.line}: ${kind} without metadata.name, skipped`);
    return undefined;
  }
  const spec: Obj = isObj(js.spec) ? js.spec : {};
  const base = { name, ref, spec, labels: labelsOf(meta) } as const;
  const namespace = str(meta.namespace);
  switch (kind) {
    case 'IPPool': {
      const r: IPPoolResource = {
        kind,
        ...base,
        cidr: str(spec.cidr) ?? '',
        ipipMode: ipipModeOf(spec),
        vxlanMode: str(spec.vxlanMode) || 'Never',
        natOutgoing: bool(spec.natOutgoing) ?? bool(spec['nat-outgoing']) ?? false,
        disabled: bool(spec.disabled) ?? false,
      };
      const blockSize = int(spec.blockSize);
      if (blockSize !== undefined) r.blockSize = blockSize;
      const sel = str(spec.nodeSelector);
      if (sel !== undefined) r.nodeSelector = sel;
      if (r.cidr === '') problems.push(`${ref.file}: line ${ref.line}: IPPool ${name} has no spec.cidr`);
      return r;
    }
    case 'Node': {
      const r: NodeResource = { kind, ...base };
      const bgp = isObj(spec.bgp) ? spec.bgp : {};
      const v4 = str(bgp.ipv4Address);
      if (v4 !== undefined && v4 !== '') r.ipv4Address = v4;
      const v6 = str(bgp.ipv6Address);
      if (v6 !== undefined && v6 !== '') r.ipv6Address = v6;
      const as = asNumberAt(node, ['spec', 'bgp', 'asNumber'], bgp.asNumber);
      if (as !== undefined) r.asNumber = as;
      const ipip = str(bgp.ipv4IPIPTunnelAddr);
      if (ipip !== undefined && ipip !== '') r.ipv4IPIPTunnelAddr = ipip;
      const vxlan = str(spec.ipv4VXLANTunnelAddr);
      if (vxlan !== undefined && vxlan !== '') r.ipv4VXLANTunnelAddr = vxlan;
      const rr = str(bgp.routeReflectorClusterID);
      if (rr !== undefined && rr !== '') r.routeReflectorClusterID = rr;
      return r;
    }
    case 'BGPConfiguration': {
      const r: BGPConfigurationResource = { kind, ...base };
      const as = asNumberAt(node, ['spec', 'asNumber'], spec.asNumber);
      if (as !== undefined) r.asNumber = as;
      const mesh = bool(spec.nodeToNodeMeshEnabled);
      if (mesh !== undefined) r.nodeToNodeMeshEnabled = mesh;
      const sev = str(spec.logSeverityScreen);
      if (sev !== undefined) r.logSeverityScreen = sev;
      return r;
    }
    case 'BGPPeer': {
      const r: BGPPeerResourceWithPort = { kind, ...base };
      const peer = str(spec.peerIP);
      if (peer !== undefined && peer !== '') {
        const { ip, port } = splitPeerIP(peer);
        r.peerIP = ip;
        if (port !== undefined) r.peerPort = port;
      }
      const as = asNumberAt(node, ['spec', 'asNumber'], spec.asNumber);
      if (as !== undefined) r.asNumber = as;
      const n = str(spec.node);
      if (n !== undefined && n !== '') r.node = n;
      const ns = str(spec.nodeSelector);
      if (ns !== undefined) r.nodeSelector = ns;
      const ps = str(spec.peerSelector);
      if (ps !== undefined) r.peerSelector = ps;
      return r;
    }
    case 'FelixConfiguration':
    case 'GlobalNetworkPolicy':
    case 'NetworkPolicy': {
      const r: GenericResource = { kind, ...base };
      if (namespace !== undefined) r.namespace = namespace;
      return r;
    }
  }
  return undefined;
}

/**
 * Files at least this long whose single document is a `*List` with block-style items are parsed one
 * item at a time: the YAML library's document model costs ~75x the text (a 20 MB IPPoolList took
 * 1.5 GB and 15 s whole), one item at a time it stays small. Smaller files are parsed whole. At 64 KiB:
 * a 626 KB policy list (a cluster diags CRD dump) peaked at 69 MiB of heap whole and 33 MiB item by
 * item, in the same time (~190 ms warm).
 */
export const ITEMWISE_BYTES = 64 * 1024;

/** One item of a split List: its text (dedented, `- ` removed) and the file line of its first line. */
interface ListItemText {
  text: string;
  firstLine: number;
}

/**
 * Cuts `kind: <X>List` + `items:` YAML as calicoctl and kubectl print it (`items:` at column 0, each
 * item a `- ` at column 0 and its lines indented by 2) into item texts. Returns undefined for
 * anything else (several documents, flow style, anchors, odd indentation): that is parsed whole.
 */
export function splitListItems(text: string): ListItemText[] | undefined {
  if (/^(---|\.\.\.)/m.test(text.slice(3)) || /(^|[\s:\-\[{,])&[^\s]/m.test(text)) return undefined;
  const lines = text.split('\n');
  let kind: string | undefined;
  let sawItems = false;
  let inItems = false;
  const items: { start: number; lines: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line === '---') continue;
    // (charCodeAt(0) of an empty line, NaN, would deoptimize this loop: V8 compiles it for in-bounds reads.)
    const c = line.length === 0 ? -1 : line.charCodeAt(0);
    if (c === -1 || c === 35 /* # */ || c === 32) {
      if (inItems && items.length > 0) items[items.length - 1]!.lines.push(line);
      else if (inItems && c === 32 && line.trim().length > 0 && !line.trimStart().startsWith('#')) return undefined; // `items:` then an indented sequence
      continue; // blank, comment, or a line of a header field (metadata)
    }
    if (c === 45 /* - */ && (line.length === 1 || line.charCodeAt(1) === 32)) {
      if (!inItems) return undefined;
      items.push({ start: i + 1, lines: [' ' + line.slice(1)] });
      continue;
    }
    inItems = false;
    const m = /^([A-Za-z]+):(.*)$/.exec(line);
    if (m === null) return undefined;
    const value = m[2]!.trim();
    if (m[1] === 'items') {
      if (sawItems || (value !== '' && !value.startsWith('#'))) return undefined;
      sawItems = true;
      inItems = true;
    } else if (m[1] === 'kind') kind = value.replace(/^["']|["']$/g, '');
  }
  if (!sawItems || kind === undefined || !kind.endsWith('List')) return undefined;
  const out: ListItemText[] = [];
  for (const it of items) {
    const body: string[] = [];
    for (const l of it.lines) {
      if (l.startsWith('  ')) body.push(l.slice(2));
      else if (l.trim().length === 0 || l.trimStart().startsWith('#')) body.push('');
      else return undefined;
    }
    out.push({ text: body.join('\n'), firstLine: it.start });
  }
  return out;
}

/** Parses Calico resources from one YAML file (possibly several documents, possibly lists). */
export function parseCalicoResources(text: string, source: { input: string; file: string }, opts: { itemwiseBytes?: number } = {}): CalicoResourcesResult {
  const result: CalicoResourcesResult = { resources: [], problems: [], ignored: {} };
  const problem = (msg: string): void => {
    if (result.problems.length < MAX_PROBLEMS) result.problems.push(msg);
  };
  const ignore = (kind: string): void => {
    result.ignored[kind] = (result.ignored[kind] ?? 0) + 1;
  };
  type LineOf = (node: YamlNode) => number;
  const lineOfIn = (lineCounter: LineCounter, offset: number): LineOf => (node) => (node.range ? lineCounter.linePos(node.range[0]).line + offset : 0);
  type FieldsOf = (node: YamlNode) => Record<string, FieldLine> | undefined;
  /** The field lines of a node of the document parsed from `src` (its lines start at `offset` + 1 in the file). */
  const fieldsIn = (src: string, lineCounter: LineCounter, offset: number): FieldsOf => (node) => {
    if (!node.range) return undefined;
    const start = src.lastIndexOf('\n', node.range[0] - 1) + 1;
    return fieldLines(src.slice(start, node.range[2]), lineCounter.linePos(start).line + offset);
  };

  /** One object as JS: a Calico resource of a kind read, or counted as ignored. */
  const take = (js: Obj, node: YAMLMap | undefined, line: number, fields: () => Record<string, FieldLine> | undefined): void => {
    const kind = typeof js.kind === 'string' ? js.kind : '';
    const apiVersion = typeof js.apiVersion === 'string' ? js.apiVersion : '';
    const calicoApi = apiVersion.startsWith('projectcalico.org/') || apiVersion.startsWith('crd.projectcalico.org/');
    if (!calicoApi || !KINDS.has(kind)) {
      ignore(kind === '' ? '(no kind)' : kind);
      return;
    }
    const ref: ResourceRef = { input: source.input, file: source.file, line };
    if (kind !== 'NetworkPolicy' && kind !== 'GlobalNetworkPolicy') {
      const f = fields();
      if (f !== undefined) ref.fields = f;
    }
    const r = toResource(js, node, ref, result.problems);
    if (r !== undefined) result.resources.push(r);
  };

  const visit = (doc: Document.Parsed, node: YAMLMap, depth: number, lineOf: LineOf, fieldsOf: FieldsOf): void => {
    // A List is walked item by item: turning the whole list into JS first would copy every item twice.
    const listKind = node.get('kind');
    if (depth === 0 && typeof listKind === 'string' && listKind.endsWith('List')) {
      const items = node.get('items', true);
      if (isSeq(items)) {
        for (const item of items.items) {
          if (isMap(item)) visit(doc, item, depth + 1, lineOf, fieldsOf);
          else if (item !== null) problem(`${source.file}: line ${lineOf(item as YamlNode)}: list item is not an object`);
        }
      } else if (items !== null && items !== undefined && !(isScalar(items) && (items.value === null || items.value === undefined))) {
        problem(`${source.file}: line ${lineOf(node)}: ${listKind} without an items list`);
      }
      return;
    }
    let js: unknown;
    try {
      js = node.toJS(doc, { maxAliasCount: 100 });
    } catch (err) {
      problem(`${source.file}: line ${lineOf(node)}: ${firstLine(err)}`);
      return;
    }
    if (isObj(js)) take(js, node, lineOf(node), () => fieldsOf(node));
  };

  const visitDoc = (doc: Document.Parsed, depth: number, lineOf: LineOf, lineOffset: number, fieldsOf: FieldsOf): void => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line;
      // The library's own ` at line N, column M` counts from the item's text when a list is split:
      // dropped, the file line leads the message.
      const msg = firstLine(e).replace(/ at line \d+, column \d+:?$/, '');
      problem(`${source.file}: ${line !== undefined ? `line ${line + lineOffset}: ` : ''}YAML error: ${msg}`);
      return;
    }
    const contents = doc.contents;
    if (contents === null || contents === undefined) return;
    if (isMap(contents)) visit(doc, contents, depth, lineOf, fieldsOf);
    else problem(`${source.file}: line ${lineOf(contents)}: ${depth === 0 ? 'document is not a YAML mapping' : 'list item is not an object'}`);
  };

  const items = text.length >= (opts.itemwiseBytes ?? ITEMWISE_BYTES) ? splitListItems(text) : undefined;
  if (items !== undefined) {
    for (const it of items) {
      const fast = loadItemFast(it.text);
      if (fast !== undefined) {
        take(fast, undefined, it.firstLine + firstContentLine(it.text), () => fieldLines(it.text, it.firstLine));
        continue;
      }
      const lineCounter = new LineCounter();
      let doc: Document.Parsed;
      try {
        doc = parseDocument(it.text, { lineCounter, prettyErrors: true }) as Document.Parsed;
      } catch (err) {
        problem(`${source.file}: line ${it.firstLine}: not readable as YAML: ${firstLine(err)}`);
        continue;
      }
      if (doc.contents === null && it.text.trim().length === 0) continue;
      visitDoc(doc, 1, lineOfIn(lineCounter, it.firstLine - 1), it.firstLine - 1, fieldsIn(it.text, lineCounter, it.firstLine - 1));
    }
  } else {
    const lineCounter = new LineCounter();
    let docs: Document.Parsed[];
    try {
      docs = parseAllDocuments(text, { lineCounter, prettyErrors: true }) as Document.Parsed[];
    } catch (err) {
      problem(`${source.file}: not readable as YAML: ${firstLine(err)}`);
      return result;
    }
    const lineOf = lineOfIn(lineCounter, 0);
    const fieldsOf = fieldsIn(text, lineCounter, 0);
    for (const doc of docs) visitDoc(doc, 0, lineOf, 0, fieldsOf);
  }
  if (result.problems.length > MAX_PROBLEMS) result.problems.length = MAX_PROBLEMS;
  return result;
}

/**
 * One list item through js-yaml (CORE_SCHEMA, the YAML 1.2 core types the `yaml` library resolves
 * too): ~14x faster than the `yaml` document model on policy lists (a 621 KB
 * GlobalNetworkPolicyList, 44 items: 12 ms against 170 ms) and a fraction of its garbage. Only a
 * plain mapping without a fractional AS number is taken; anything else (a YAML error, a scalar
 * item, an unquoted AS-dot `1.10` whose source text matters, an unknown tag) returns undefined
 * and goes through the document path, which gives the same resources, lines and problems as a
 * whole-file parse.
 */
function loadItemFast(text: string): Obj | undefined {
  const known = loadedItems.get(text);
  if (known !== undefined) return known;
  const js = loadItemFastOnce(text);
  if (js !== undefined && loadedItemBytes + text.length <= LOADED_ITEMS_MAX_BYTES) {
    loadedItems.set(text, js);
    loadedItemBytes += text.length;
  }
  return js;
}

/**
 * Items already loaded, by their text: the same policies come in the customer's export and again in
 * each `calicoctl cluster diags` of the ticket (the CRD files of two cluster diags taken an hour apart
 * are often byte for byte the same). Loaded objects are only read afterwards (resources keep their
 * `spec`, never written), so one object serves every copy. Bounded by the texts' total size, and
 * emptied after each read (`forgetLoadedItems`).
 */
const loadedItems = new Map<string, Obj>();
let loadedItemBytes = 0;
const LOADED_ITEMS_MAX_BYTES = 32 << 20;

/** Forgets the items loaded so far (the reader calls it when every input is read: their texts are not kept past the read). */
export function forgetLoadedItems(): void {
  loadedItems.clear();
  loadedItemBytes = 0;
}

/** How many loaded items are remembered (for tests). */
export function loadedItemsHeld(): number {
  return loadedItems.size;
}

function loadItemFastOnce(text: string): Obj | undefined {
  // A tag (`!`, `!!str`, `!foo`), anchor or alias where a node starts: the libraries differ on some
  // (`a: !` is '' in one, null in the other). A match inside a quoted string only costs time.
  if (TAG_AT_NODE.test(text)) return undefined;
  let js: unknown;
  try {
    js = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
  if (!isObj(js)) return undefined;
  const spec = js.spec;
  if (isObj(spec) && (fractional(spec.asNumber) || (isObj(spec.bgp) && fractional(spec.bgp.asNumber)))) return undefined;
  return js;
}

const TAG_AT_NODE = /(?:^[ \t]*(?:[-?][ \t]+)*|[:,[{][ \t]*)[!&*]/m;

function fractional(v: unknown): boolean {
  return typeof v === 'number' && !Number.isInteger(v);
}

/** Index of the first line of `text` that is not blank or a comment (where its mapping starts). */
function firstContentLine(text: string): number {
  let line = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const l = (nl === -1 ? text.slice(start) : text.slice(start, nl)).trimStart();
    if ((l.length > 0 && !l.startsWith('#')) || nl === -1) return line;
    line++;
    start = nl + 1;
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const nl = msg.indexOf('\n');
  return nl === -1 ? msg : msg.slice(0, nl);
}

export function emptyResourceSet(): ResourceSet {
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

function keyOf(r: CalicoResource): string {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/**
 * Adds resources to `set` by kind. An object already present (same kind, namespace and name,
 * e.g. the same pool from a CRD dump and a `calicoctl get` file) is kept once, first seen wins.
 * Returns the number of duplicates skipped.
 */
export function addToResourceSet(set: ResourceSet, resources: readonly CalicoResource[]): number {
  const seen = new Set<string>();
  for (const list of Object.values(set) as CalicoResource[][]) for (const r of list) seen.add(keyOf(r));
  let duplicates = 0;
  for (const r of resources) {
    const key = keyOf(r);
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
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
  return duplicates;
}
