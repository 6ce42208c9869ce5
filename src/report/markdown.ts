/**
 * The small Markdown that rule texts use (inline code spans, line breaks, fenced code blocks such as the
 * YAML a policy rule gives), parsed into plain data for the templates: the text is never turned into
 * HTML here. The template prints each span through `{{ }}` (escaped) and wraps code spans in `<code>`,
 * so no markup from a bundle can pass: escape first, then the backticks become `<code>`.
 */

export interface MdSpan {
  text: string;
  code: boolean;
}

export interface MdBlock {
  /** A fenced code block: `text` holds its lines as written (shown in `<pre>`, no wrapping). */
  pre: boolean;
  text: string;
  /** A paragraph: its lines (joined by `<br>`), each a list of spans. */
  lines: MdSpan[][];
}

/** Inline code spans: a run of N backticks opens, the next run of exactly N closes; an unclosed run is text. */
export function inlineSpans(line: string): MdSpan[] {
  const out: MdSpan[] = [];
  let text = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '`') {
      text += line[i];
      i++;
      continue;
    }
    let n = 0;
    while (line[i + n] === '`') n++;
    const ticks = '`'.repeat(n);
    // find the closing run of exactly n backticks
    let j = line.indexOf(ticks, i + n);
    while (j !== -1 && (line[j + n] === '`' || line[j - 1] === '`')) {
      let k = j;
      while (line[k] === '`') k++;
      j = line.indexOf(ticks, k);
    }
    if (j === -1) {
      text += ticks;
      i += n;
      continue;
    }
    if (text !== '') out.push({ text, code: false });
    text = '';
    let inner = line.slice(i + n, j);
    if (inner.length > 2 && inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '') inner = inner.slice(1, -1);
    out.push({ text: inner, code: true });
    i = j + n;
  }
  if (text !== '') out.push({ text, code: false });
  return out;
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const YAML_START = /^\s*apiVersion:\s*\S/;

export function markdown(source: string): MdBlock[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: MdBlock[] = [];
  let para: MdSpan[][] = [];
  const flush = () => {
    if (para.length > 0) blocks.push({ pre: false, text: '', lines: para });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE.exec(line);
    if (open) {
      flush();
      const mark = open[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[i]!);
        if (close && close[1]![0] === mark[0] && close[1]!.length >= mark.length) break;
        body.push(lines[i]!);
        i++;
      }
      blocks.push({ pre: true, text: body.join('\n'), lines: [] });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    // An unfenced Kubernetes/Calico manifest (`apiVersion: …` to the end of the paragraph) is code too:
    // its indentation is its meaning.
    if (YAML_START.test(line)) {
      flush();
      const body: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '' && !FENCE.test(lines[i]!)) body.push(lines[i++]!);
      i--;
      blocks.push({ pre: true, text: body.join('\n'), lines: [] });
      continue;
    }
    para.push(inlineSpans(line));
  }
  flush();
  return blocks;
}

/** The text of a Markdown string without its backticks (for a `<title>` or a tooltip). */
export function plainMarkdown(source: string): string {
  return markdown(source)
    .map((b) => (b.pre ? b.text : b.lines.map((l) => l.map((s) => s.text).join('')).join('\n')))
    .join('\n');
}
