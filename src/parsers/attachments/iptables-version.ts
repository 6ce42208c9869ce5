/**
 * `iptables --version`: `iptables v1.8.7 (nf_tables)` or `(legacy)`; before 1.8 no backend.
 *
 * Real shape:
 *
 * ```
 * iptables v1.8.7 (nf_tables)
 * ```
 */
import type { NodeAttachments } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached } from './types.js';

const LINE = /^(?:ip6?tables)(?:-legacy|-nft)? v(\d+\.\d+(?:\.\d+)?)(?: \((legacy|nf_tables)\))?\s*$/;

export const iptablesVersionShape: KindShape = { kind: 'iptables-version', starts: (t) => LINE.test(t.trim()) };

export function parseIptablesVersion(lines: SegLine[], ctx: PartContext): NodeAttachments['iptablesVersion'] {
  for (const l of lines) {
    const m = LINE.exec(l.text.trim());
    if (m !== null) return { ...attached(ctx, l), version: m[1]!, ...(m[2] !== undefined ? { backend: m[2] as 'legacy' | 'nf_tables' } : {}) };
  }
  return undefined;
}
