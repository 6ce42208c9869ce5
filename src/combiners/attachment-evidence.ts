/** Evidence from customer attachments (see model/attachments.ts): cited like any bundle line. */
import type { AttachedLine } from '../model/attachments.js';
import type { Evidence } from '../model/finding.js';

/** Evidence for a line of an attachment that belongs to `node` (or to the cluster: pass a label). */
export function attachedEvidence(node: string, a: AttachedLine): Evidence {
  return { node, input: a.input, file: a.file, line: a.line, text: a.text };
}

/** A sysctl value as a number (`net.ipv4.ip_forward = 0`), or undefined when absent or not numeric. */
export function sysctlNumber(values: Record<string, AttachedLine & { value: string }> | undefined, key: string): { n: number; line: AttachedLine } | undefined {
  const v = values?.[key] ?? values?.[key.replace(/\./g, '/')];
  if (v === undefined) return undefined;
  const n = Number(v.value.trim());
  return Number.isFinite(n) ? { n, line: v } : undefined;
}
