/**
 * Shared shapes of the attachment parsers (one file per kind beside this one): a pasted file is cut
 * into segments by `recognise.ts`, each segment is handed to its kind's parser as lines that keep
 * the file's own 1-based line numbers.
 */
import type {
  AttachedLine,
  AttachmentKind,
  AttachmentSource,
  ConntrackStats,
  DnsFacts,
  EthtoolFacts,
  KernelLogFacts,
  KubeNodeRow,
  KubePodRow,
  LinkDetail,
  NodeAttachments,
  NodeStatusFacts,
  PodDescription,
  SysctlFacts,
} from '../../model/attachments.js';
import type { KubectlLogsFacts } from './kubectl-logs.js';

/** One line of a pasted file: its 1-based number and its text (CR and a shell prompt removed). */
export interface SegLine {
  line: number;
  text: string;
}

/** Where a segment came from, for the facts' `input`/`file`. */
export interface PartContext {
  input: string;
  file: string;
}

/** What one recognised segment yielded (plain data: crosses worker threads). */
export type PartFacts =
  | { kind: 'calicoctl-node-status'; nodeStatus: NodeStatusFacts }
  | { kind: 'birdc-show-protocols'; birdProtocols: NodeStatusFacts }
  | { kind: 'birdc-show-route'; birdRoutes: NonNullable<NodeAttachments['birdRoutes']> }
  | ({ kind: 'kubectl-logs-calico-node' } & KubectlLogsFacts)
  | { kind: 'kubectl-describe-pod'; podDescription: PodDescription }
  | { kind: 'kubectl-get-nodes'; kubeNodes: KubeNodeRow[] }
  | { kind: 'kubectl-get-pods'; kubePods: KubePodRow[] }
  | { kind: 'sysctl'; sysctl: SysctlFacts }
  | { kind: 'ethtool-k'; ethtool: EthtoolFacts[] }
  | { kind: 'ip-d-link'; links: LinkDetail[] }
  | { kind: 'bridge-fdb'; fdb: NonNullable<NodeAttachments['fdb']> }
  | { kind: 'ip-neigh'; neigh: NonNullable<NodeAttachments['neigh']> }
  | { kind: 'conntrack-s'; conntrack: ConntrackStats }
  | { kind: 'dmesg'; dmesg: KernelLogFacts }
  | { kind: 'resolv-conf'; dns: DnsFacts }
  | { kind: 'dns-lookup'; dns: DnsFacts }
  | { kind: 'iptables-version'; iptablesVersion: NonNullable<NodeAttachments['iptablesVersion']> }
  | { kind: 'uname'; uname: NonNullable<NodeAttachments['uname']> };

/** One recognised segment of a pasted file. */
export interface AttachmentPart {
  kind: AttachmentKind;
  firstLine: number;
  lastLine: number;
  /** What it holds, one short phrase for `inspect` (`3 peers: 1 up, 2 start`). */
  summary: string;
  facts: PartFacts;
  /** Host named by the shell prompt this segment followed (`[root@node-b ~]# …`). */
  promptHost?: string;
}

/** A kind's line shapes, used to cut a file into segments. */
export interface KindShape {
  kind: AttachmentKind;
  /** A line that can only come from this kind's output (a header, a typical row). */
  starts(text: string): boolean;
  /** While inside a segment of this kind: whether the line still belongs to it. Default: starts(). */
  continues?(text: string): boolean;
}

export function attached(ctx: PartContext, l: SegLine): AttachedLine {
  return { input: ctx.input, file: ctx.file, line: l.line, text: l.text };
}

export function sourceOf(ctx: PartContext, kind: AttachmentKind): AttachmentSource {
  return { kind, input: ctx.input, file: ctx.file };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The address when it is a real IPv4/IPv6 address; undefined when redacted (`x.x.x.12`, `<node-ip>`, `10.x.x.5`). */
export function realIP(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (IPV4.test(t)) return t;
  // IPv6: compressed (`fe80::1`) or all eight groups; never a clock time (`17:19:38`).
  if (/^[0-9a-fA-F:]+$/.test(t) && /[0-9a-fA-F]/.test(t) && (t.includes('::') || (t.match(/:/g) ?? []).length === 7)) return t.toLowerCase();
  return undefined;
}

/** Table borders of any style (`+---+`, em-dashes, box drawing, `===`) and nothing else. */
export function isBorder(text: string): boolean {
  return /^[\s+\-=|─━│┃┌┐└┘├┤┬┴┼╋═║╔╗╚╝╠╣╦╩╬—–_¦]+$/.test(text) && /[-=─━—–_]{3}/.test(text);
}

/** A table row with its borders (`|`, `│`, `┃`, `║`, `¦`) turned into spaces and whitespace collapsed. */
export function flattenRow(text: string): string {
  return text.replace(/[|│┃║¦]/g, ' ').replace(/\s+/g, ' ').trim();
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
