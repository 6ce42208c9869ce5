/**
 * Routes the files of one input (archive or folder) to per-bundle builders, found by
 * path (`diagnostics/`, `calico-diagnostics-*​/nodes/<node>/`), and collects resource
 * YAML found alongside. Shared by the archive reader and the folder reader.
 */
import { posix } from 'node:path';
import type { CalicoResource } from '../model/facts.js';
import type { NodeFacts } from '../model/node.js';
import type { CalicoResourcesResult } from '../parsers/calico-resources.js';
import { parseResourcesOffThread } from './parse-resources-off-thread.js';
import { findBundleRoot, isResourceYamlPath, renamedBundlePrefix } from './artifact-path.js';
import type { EntrySink } from './node-bundle-builder.js';
import { NodeBundleBuilder } from './node-bundle-builder.js';

/** Resource YAML larger than this is reported, not parsed (it is parsed whole). */
export const MAX_RESOURCE_YAML_BYTES = 64 * 1024 * 1024;

/** Diags bundles read from one input at most (a cluster has tens to hundreds of nodes); the rest are reported. */
export const MAX_BUNDLES_PER_INPUT = 1000;

export class BundleCollector {
  private readonly builders = new Map<string, NodeBundleBuilder>();
  /** Filled by `settle()`, in the order the files were read. */
  readonly resources: CalicoResource[] = [];
  readonly problems: string[] = [];
  /** Parsed resource files, some still parsing in the worker thread, in file order. */
  private readonly parsed: Promise<CalicoResourcesResult>[] = [];
  filesSeen = 0;
  private bundlesSkipped = false;
  /** Prefixes of node bundles found under folders not named `diagnostics/` (see renamedBundlePrefix). */
  private readonly renamed: string[] = [];

  constructor(
    private readonly input: string,
    private readonly archiveName?: string,
  ) {}

  noteDirectory(path: string): void {
    const found = findBundleRoot(normalise(path) + '/x');
    if (found === undefined) return;
    const b = this.builder(found.root);
    if (b === undefined) return;
    const rel = found.rel.slice(0, -2);
    if (rel.length > 0) b.noteDirectory(rel);
  }

  /** A sink for the file at `path` (relative to the input), or undefined when it is not used. */
  openFile(path: string, size: number): EntrySink | undefined {
    this.filesSeen++;
    const p = normalise(path);
    const found = findBundleRoot(p);
    if (found !== undefined) return this.builder(found.root)?.openFile(found.rel);
    const renamed = this.renamedRootOf(p, true);
    if (renamed !== undefined) return this.builder({ prefix: renamed, format: 'node-diags' })?.openFile(p.slice(renamed.length));
    if (isResourceYamlPath(p)) {
      if (size > MAX_RESOURCE_YAML_BYTES) {
        this.problems.push(`${this.input}: ${p}: YAML of ${size} bytes is too large to read as resources; skipped`);
        return undefined;
      }
      const parts: Buffer[] = [];
      return {
        write: (chunk) => parts.push(Buffer.from(chunk)),
        end: () => this.addResources(parseResourcesOffThread(Buffer.concat(parts).toString('utf8'), { input: this.input, file: p })),
      };
    }
    return undefined;
  }

  /** Whether `path` lies in a bundle this collector knows, found by name or by calicoctl's files in its folder. */
  inBundle(path: string): boolean {
    const p = normalise(path);
    return findBundleRoot(p) !== undefined || this.renamedRootOf(p, false) !== undefined;
  }

  /** A folder, before its files are read, that holds calicoctl's files under another name (the folder reader lists them first). */
  noteRenamedRoot(path: string): void {
    this.renamedRootOf(normalise(path), true);
  }

  /** The re-packed bundle `p` lies in (the longest known prefix), or the one its name reveals when `learn` is set. */
  private renamedRootOf(p: string, learn: boolean): string | undefined {
    let best: string | undefined;
    for (const r of this.renamed) if (p.startsWith(r) && (best === undefined || r.length > best.length)) best = r;
    if (best !== undefined || !learn) return best;
    const found = renamedBundlePrefix(p);
    if (found === undefined) return undefined;
    this.renamed.push(found);
    this.problems.push(`${this.input}: ${found} holds calicoctl node diags files in a folder not named diagnostics/ (extracted and packed again?): read as a node bundle`);
    return found;
  }

  /** Resources of one file (parsed, or parsing): they join `resources` in this order at `settle()`. */
  addResources(r: CalicoResourcesResult | Promise<CalicoResourcesResult>): void {
    this.parsed.push(Promise.resolve(r));
  }

  /** Waits for the resource files still parsing and adds them, in file order, to `resources` and `problems`. */
  async settle(): Promise<void> {
    const done = await Promise.all(this.parsed.splice(0));
    for (const r of done) {
      this.resources.push(...r.resources);
      this.problems.push(...r.problems);
    }
  }

  finish(): NodeFacts[] {
    const nodes: NodeFacts[] = [];
    for (const b of [...this.builders.values()].sort((x, y) => (x.root.prefix < y.root.prefix ? -1 : 1))) {
      const facts = b.finish();
      if (facts.hostname === undefined && b.root.nodeName !== undefined) facts.hostname = b.root.nodeName;
      nodes.push(facts);
      for (const p of b.problems) this.problems.push(`${this.input}: ${p}`);
    }
    return nodes;
  }

  /** The builder of a bundle root, made on first sight; undefined once MAX_BUNDLES_PER_INPUT are open (reported once). */
  private builder(root: { prefix: string; format: 'node-diags' | 'cluster-diags'; nodeName?: string }): NodeBundleBuilder | undefined {
    let b = this.builders.get(root.prefix);
    if (b === undefined) {
      if (this.builders.size >= MAX_BUNDLES_PER_INPUT) {
        if (!this.bundlesSkipped) this.problems.push(`${this.input}: holds more than ${MAX_BUNDLES_PER_INPUT} diags bundles; ${root.prefix} and the ones after it were skipped`);
        this.bundlesSkipped = true;
        return undefined;
      }
      b = new NodeBundleBuilder(this.input, root, this.archiveName);
      this.builders.set(root.prefix, b);
    }
    return b;
  }
}

function normalise(path: string): string {
  let p = path.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = posix.normalize(p);
  while (p.startsWith('../')) p = p.slice(3);
  while (p.startsWith('/')) p = p.slice(1);
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}
