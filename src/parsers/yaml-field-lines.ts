/**
 * Where each field of one YAML object is written: `spec.bgp.ipv4Address` → its line number and the
 * line as written, so evidence quotes the line a reader finds at that number. A scan of the object's
 * block-style text by indentation (what `calicoctl get -o yaml` and `kubectl get -o yaml` write):
 * mapping keys, with sequence items numbered from 0 (`spec.serviceClusterIPs.0.cidr`); block scalars
 * (`|`, `>`) skipped; the first occurrence of a path wins. Flow-style values (`{a: 1}`, `[a, b]`) give
 * the line of the key that holds them.
 */

export interface FieldLine {
  /** 1-based line in the file. */
  line: number;
  /** The line as written, without its indentation or trailing spaces. */
  text: string;
}

/** Paths deeper than this are not recorded (Calico's fields of interest are at most 3 deep). */
const MAX_DEPTH = 4;

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]}:,][^:#]*?)\s*:(?:\s|$)/;

function unquote(k: string): string {
  if (k.startsWith('"') && k.endsWith('"')) return k.slice(1, -1);
  if (k.startsWith("'") && k.endsWith("'")) return k.slice(1, -1).replace(/''/g, "'");
  return k;
}

/**
 * The fields of the object whose text starts at 1-based line `firstLine` (the object may start with
 * a list item's `- `, which opens it rather than a sequence).
 */
export function fieldLines(text: string, firstLine: number): Record<string, FieldLine> {
  const out: Record<string, FieldLine> = {};
  const stack: { indent: number; key: string; item?: true }[] = [];
  /** Items seen so far in the sequence whose dashes stand at an indentation (under the current key). */
  const seqCount = new Map<number, number>();
  let blockScalarIndent = -1;
  let first = true;
  let at = 0;
  for (let i = 0; at <= text.length; i++) {
    const nl = text.indexOf('\n', at);
    const raw = nl === -1 ? text.slice(at) : text.slice(at, nl);
    at = nl === -1 ? text.length + 1 : nl + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let indent = 0;
    while (indent < line.length && line.charCodeAt(indent) === 32) indent++;
    if (indent === line.length || line[indent] === '#') continue;
    if (blockScalarIndent >= 0) {
      if (indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (line.startsWith('---', indent) || line.startsWith('...', indent)) continue;
    let content = line.slice(indent);
    // `- ` opens a sequence item; the object's own first dash only opens the object.
    while (content.startsWith('- ') || content === '-') {
      if (!first) {
        // Dashes may stand at their key's own indentation (`key:` then `- a` under it): the key stays.
        while (stack.length > 0 && (stack[stack.length - 1]!.indent > indent || (stack[stack.length - 1]!.indent === indent && stack[stack.length - 1]!.item === true))) stack.pop();
        for (const k of [...seqCount.keys()]) if (k > indent) seqCount.delete(k);
        const n = seqCount.get(indent) ?? 0;
        seqCount.set(indent, n + 1);
        stack.push({ indent, key: String(n), item: true });
      }
      const skip = content === '-' ? 1 : 2;
      indent += skip;
      content = content.slice(skip);
      while (content.startsWith(' ')) {
        indent++;
        content = content.slice(1);
      }
    }
    first = false;
    const m = KEY.exec(content);
    if (m === null) continue;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    // A key at or left of a sequence's dashes ends that sequence.
    for (const k of [...seqCount.keys()]) if (k >= indent) seqCount.delete(k);
    const key = unquote(m[1]!.trim());
    const value = content.slice(m[0].length).trim();
    if (stack.length < MAX_DEPTH) {
      const path = [...stack.map((s) => s.key), key].join('.');
      if (out[path] === undefined) out[path] = { line: firstLine + i, text: line.slice(line.length - content.length).trimEnd() };
    }
    if (value === '' || value.startsWith('#')) stack.push({ indent, key });
    else if (/^[|>][0-9+-]*\s*(#.*)?$/.test(value)) blockScalarIndent = indent;
  }
  return out;
}
