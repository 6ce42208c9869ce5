/**
 * `nslookup` and `dig` output: which server answered (or did not) and for which name.
 * nslookup: `Server:`/`Address:` then `Name:` (answer) or `** server can't find x: NXDOMAIN`;
 * `;; connection timed out; no servers could be reached` when nothing answers. dig:
 * `; <<>> DiG 9.18 <<>> name`, `;; ->>HEADER<<- … status: SERVFAIL`, `;; SERVER: 10.96.0.10#53(…)`.
 *
 * Real shape (`kubectl exec -it dnsutils -- nslookup kubernetes.default`, failing):
 *
 * ```
 * ;; connection timed out; no servers could be reached
 * ```
 *
 * and answering:
 *
 * ```
 * Server:		10.96.0.10
 * Address:	10.96.0.10#53
 *
 * Name:	kubernetes.default.svc.cluster.local
 * Address: 10.96.0.1
 * ```
 */
import type { DnsFacts } from '../../model/attachments.js';
import type { KindShape, PartContext, SegLine } from './types.js';
import { attached, sourceOf } from './types.js';

const TIMEOUT = /^;; connection timed out; (no servers could be reached|.*)$|^;; communications error to (\S+)/;
const CANT_FIND = /^\*\* server can't find (\S+?):? (\S+)\s*$/;
const DIG = /^; <<>> DiG \S+ <<>> (.*)$/;

export const dnsLookupShape: KindShape = {
  kind: 'dns-lookup',
  starts: (t) => /^Server:\s+\S+\s*$/.test(t) || TIMEOUT.test(t) || CANT_FIND.test(t) || DIG.test(t) || /^nslookup: /.test(t),
  continues: (t) => /^(Server|Address(?: \d+)?|Name|Aliases|Non-authoritative answer|Authoritative answers can be found from):/.test(t) || /^;/.test(t) || /^\S+\.\s+\d+\s+IN\s+\S+/.test(t) || /^Non-authoritative answer:|^\*\*|^command terminated/.test(t) || dnsLookupShape.starts(t),
};

export function parseDnsLookup(lines: SegLine[], ctx: PartContext): DnsFacts {
  const out: DnsFacts = { source: sourceOf(ctx, 'dns-lookup'), nameservers: [], other: [], lookups: [] };
  let server: string | undefined;
  let digName: string | undefined;
  for (const l of lines) {
    const t = l.text.trim();
    const s = /^Server:\s+(\S+)/.exec(t) ?? /^;; SERVER: ([^#\s]+)/.exec(t);
    if (s !== null) {
      server = s[1];
      continue;
    }
    const dig = DIG.exec(t);
    if (dig !== null) {
      digName = dig[1]!.split(/\s+/).filter((a) => !a.startsWith('@') && !a.startsWith('+') && !a.startsWith('-')).pop();
      const at = /@(\S+)/.exec(dig[1]!);
      if (at !== null) server = at[1];
      continue;
    }
    const q = /^;(\S+)\.\s+IN\s+\S+/.exec(t);
    if (q !== null) {
      digName = q[1];
      continue;
    }
    const to = TIMEOUT.exec(t);
    if (to !== null) {
      out.lookups.push({ ...attached(ctx, l), ...(digName !== undefined ? { name: digName } : {}), ...(server !== undefined ? { server } : {}), ok: false, error: t.replace(/^;; /, '') });
      continue;
    }
    const cf = CANT_FIND.exec(t);
    if (cf !== null) {
      out.lookups.push({ ...attached(ctx, l), name: cf[1], ...(server !== undefined ? { server } : {}), ok: false, error: cf[2] });
      continue;
    }
    const st = /^;; ->>HEADER<<- opcode: \w+, status: (\w+)/.exec(t);
    if (st !== null) {
      const ok = st[1] === 'NOERROR';
      out.lookups.push({ ...attached(ctx, l), ...(digName !== undefined ? { name: digName } : {}), ...(server !== undefined ? { server } : {}), ok, ...(ok ? {} : { error: st[1] }) });
      continue;
    }
    const name = /^Name:\s+(\S+)/.exec(t);
    if (name !== null) out.lookups.push({ ...attached(ctx, l), name: name[1], ...(server !== undefined ? { server } : {}), ok: true });
  }
  return out;
}
