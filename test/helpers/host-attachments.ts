/**
 * Attachment facts written inline for rule tests (plain data, as the attachment parsers produce
 * them: see src/model/attachments.ts). Each line keeps its file and 1-based line like a real paste.
 */
import type { AttachedLine, AttachmentKind, AttachmentSource, NodeAttachments } from '../../src/model/attachments.js';
import type { RuleContext } from '../../src/rules/rule.js';

export function source(kind: AttachmentKind, file: string): AttachmentSource {
  return { kind, input: file, file, nodeFrom: 'file name' };
}

/** Lines of a paste, as AttachedLine (1-based). */
export function lines(file: string, text: string): AttachedLine[] {
  return text.split('\n').filter((t) => t.length > 0).map((t, i) => ({ input: file, file, line: i + 1, text: t }));
}

/** `sysctl a b c` output → SysctlFacts. */
export function sysctl(file: string, text: string): NodeAttachments['sysctl'] {
  const values: Record<string, AttachedLine & { value: string }> = {};
  for (const l of lines(file, text)) {
    const m = /^([\w./-]+)\s*=\s*(.*)$/.exec(l.text);
    if (m) values[m[1]!.replace(/\//g, '.')] = { ...l, value: m[2]!.trim() };
  }
  return { source: source('sysctl', file), values };
}

/** Adds attachments to a node of a built context (attachments do not change the cross-node tables). */
export function attach(ctx: RuleContext, node: string, a: Omit<NodeAttachments, 'sources'>): RuleContext {
  const n = ctx.cluster.nodes.find((x) => x.name === node);
  if (n === undefined) throw new Error(`no node ${node}`);
  n.attachments = { sources: [...(n.attachments?.sources ?? [])], ...(n.attachments ?? {}), ...a };
  return ctx;
}

export const HEALTHY_SYSCTL = `net.ipv4.ip_forward = 1
net.ipv4.conf.all.forwarding = 1
net.ipv4.conf.all.rp_filter = 1
net.netfilter.nf_conntrack_count = 1843
net.netfilter.nf_conntrack_max = 262144
`;
