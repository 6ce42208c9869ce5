/** Cuts kubectl's column tables (`get nodes -o wide`, `get pods -A -o wide`) into cells by header name. */
import type { SegLine } from './types.js';

/** Header names are split at runs of 2+ spaces (`NOMINATED NODE` stays one name). */
function headerColumns(text: string): { name: string; start: number }[] {
  const cols: { name: string; start: number }[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) cols.push({ name: m[0], start: m.index });
  return cols;
}

/** Rows under each header line matching `header`, as header name → cell text. */
export function tableRows(lines: SegLine[], header: RegExp): { line: SegLine; cells: Record<string, string> }[] {
  const out: { line: SegLine; cells: Record<string, string> }[] = [];
  let cols: { name: string; start: number }[] | undefined;
  for (const l of lines) {
    const t = l.text.replace(/\t/g, '    ').replace(/\s+$/, '');
    if (header.test(t)) {
      cols = headerColumns(t);
      continue;
    }
    if (cols === undefined || t.trim() === '') continue;
    const cells: Record<string, string> = {};
    const bySpaces = t.trim().split(/\s{2,}/);
    const aligned = cols.every((c, i) => i === 0 || (t[c.start - 1] === ' ' && t[c.start] !== ' ') || c.start >= t.length);
    if (bySpaces.length === cols.length || !aligned) {
      cols.forEach((c, i) => (cells[c.name] = bySpaces[i] ?? ''));
    } else {
      cols.forEach((c, i) => (cells[c.name] = t.slice(c.start, i + 1 < cols!.length ? cols![i + 1]!.start : undefined).trim()));
    }
    out.push({ line: l, cells });
  }
  return out;
}

/** A cell's value, or undefined when the column is absent, empty or `<none>`. */
export function cellValue(cells: Record<string, string>, column: string): string | undefined {
  const v = cells[column];
  return v === undefined || v === '' || v === '<none>' ? undefined : v;
}
