import * as assert from 'uvu/assert';

/** Every id on the page, and every in-page reference (href="#x", url(#x), aria-*by / for="x"). */
export function idsAndRefs(html: string): { ids: string[]; refs: string[] } {
  const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
  const refs = [
    ...[...html.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/url\(#([^)]*)\)/g)].map((m) => m[1]!),
    ...[...html.matchAll(/\s(?:for|aria-labelledby|aria-describedby|aria-controls)="([^"]*)"/g)].flatMap((m) => m[1]!.split(/\s+/)),
  ];
  return { ids, refs };
}

export function assertIdsResolve(html: string, what: string): void {
  const { ids, refs } = idsAndRefs(html);
  const seen = new Set<string>();
  for (const id of ids) {
    assert.not.ok(seen.has(id), `${what}: id "${id}" repeated`);
    seen.add(id);
  }
  for (const r of refs) assert.ok(seen.has(r), `${what}: "#${r}" points at no element`);
}
