/**
 * Merges per-file log summaries of one daemon into one, in rotation order
 * (svlogd `@…s/.u` files by name, then `current`). Archives list files in readdir
 * order, so each file is parsed on its own and merged here once all are read.
 */
import type { BirdLogSummary, BirdProtocolSummary, CalicoLogSummary } from '../model/facts.js';
import { MAX_CALICO_NOTABLE } from './calico-log.js';

/** As many as one file keeps: the reader sizes a rotated file's room from it (node-bundle-builder's notableRoom). */
const MAX_NOTABLE = MAX_CALICO_NOTABLE;
const MAX_EVENTS = 200;
const MAX_PROTOCOL_ERRORS = 20;
const MAX_SIGNATURE_REFS = 5;

/** `parts` must already be in rotation order (oldest first). */
export function mergeBirdSummaries(parts: BirdLogSummary[]): BirdLogSummary | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  const out: BirdLogSummary = {
    daemon: parts[0]!.daemon,
    files: [],
    lines: 0,
    protocols: {},
    events: [],
    eventsDropped: 0,
  };
  for (const p of parts) {
    out.files.push(...p.files);
    out.lines += p.lines;
    out.firstTime ??= p.firstTime;
    if (p.lastTime !== undefined) out.lastTime = p.lastTime;
    for (const e of p.events) {
      if (out.events.length < MAX_EVENTS) out.events.push(e);
      else out.eventsDropped++;
    }
    out.eventsDropped += p.eventsDropped;
    for (const [name, proto] of Object.entries(p.protocols)) {
      const prev = out.protocols[name];
      out.protocols[name] = prev === undefined ? { ...proto, errors: [...proto.errors] } : mergeProtocol(prev, proto);
    }
  }
  return out;
}

function mergeProtocol(older: BirdProtocolSummary, newer: BirdProtocolSummary): BirdProtocolSummary {
  const errors = [...older.errors, ...newer.errors];
  return {
    ...older,
    lastState: newer.lastState ?? older.lastState,
    lastStateRef: newer.lastStateRef ?? older.lastStateRef,
    everUp: older.everUp || newer.everUp,
    stateChanges: older.stateChanges + newer.stateChanges,
    downsAfterUp: older.downsAfterUp + newer.downsAfterUp,
    errors: errors.slice(Math.max(0, errors.length - MAX_PROTOCOL_ERRORS)),
    errorCount: older.errorCount + newer.errorCount,
    ...(newer.configChange ?? older.configChange ? { configChange: newer.configChange ?? older.configChange } : {}),
  };
}

/** `parts` must already be in rotation order (oldest first). */
export function mergeCalicoSummaries(parts: CalicoLogSummary[], daemon?: string): CalicoLogSummary | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1 && daemon === undefined) return parts[0];
  const out: CalicoLogSummary = {
    daemon: daemon ?? parts[0]!.daemon,
    files: [],
    lines: 0,
    byLevel: {},
    pids: [],
    componentPrefix: false,
    notable: [],
    notableDropped: 0,
    signatures: {},
  };
  for (const p of parts) {
    out.files.push(...p.files);
    out.lines += p.lines;
    for (const [lvl, n] of Object.entries(p.byLevel)) out.byLevel[lvl] = (out.byLevel[lvl] ?? 0) + n;
    for (const pid of p.pids) if (!out.pids.includes(pid)) out.pids.push(pid);
    out.componentPrefix ||= p.componentPrefix;
    out.firstTime ??= p.firstTime;
    if (p.lastTime !== undefined) out.lastTime = p.lastTime;
    for (const r of p.notable) {
      if (out.notable.length < MAX_NOTABLE) out.notable.push(r);
      else out.notableDropped++;
    }
    out.notableDropped += p.notableDropped;
    for (const [name, sig] of Object.entries(p.signatures)) {
      const prev = out.signatures[name] ?? { count: 0, refs: [] };
      prev.count += sig.count;
      for (const r of sig.refs) if (prev.refs.length < MAX_SIGNATURE_REFS) prev.refs.push(r);
      if (sig.last !== undefined) prev.last = sig.last;
      else if (sig.refs.length > 0) prev.last = sig.refs[sig.refs.length - 1];
      out.signatures[name] = prev;
    }
  }
  return out;
}
