/**
 * Parser for `journalctl -u calico-node.service --no-pager` (node diags `journalctl_calico_node`).
 *
 * Real sample, the usual content on Kubernetes nodes where calico-node is not a systemd unit
 * (https://github.com/charmed-kubernetes/bundle/issues/398):
 *
 * ```
 * -- No entries --
 * ```
 *
 * Otherwise systemd's short format, `Mon DD HH:MM:SS <host> <ident>[<pid>]: <message>`,
 * possibly after a `-- Logs begin at <date>, end at <date>. --` or
 * `-- Journal begins at ... --` header and with `-- Reboot --` markers; these `-- ... --`
 * lines are not counted in `lines`. `notable` holds the first 50 lines containing
 * `[ERROR]`, `[FATAL]`, `[PANIC]`, `[WARNING]`, ` error` or `Failed`.
 */
import type { JournalSummary, LineRef } from '../model/facts.js';
import { runParser, type LineParser } from './line-parser.js';

export const MAX_NOTABLE = 50;

const MARKERS = ['[ERROR]', '[FATAL]', '[PANIC]', '[WARNING]'];

function isNotable(line: string): boolean {
  if (line.indexOf('[') !== -1) {
    for (const m of MARKERS) if (line.indexOf(m) !== -1) return true;
  }
  return line.indexOf(' error') !== -1 || line.indexOf('Failed') !== -1;
}

export function createJournalParser(): LineParser<JournalSummary> {
  let noEntries = false;
  let lines = 0;
  const notable: LineRef[] = [];
  return {
    push(line: string, lineNo: number): void {
      if (line.length === 0) return;
      if (line.charCodeAt(0) === 45 && line.startsWith('-- ') && line.endsWith(' --')) {
        if (line === '-- No entries --') noEntries = true;
        return; // header / reboot marker
      }
      if (line.trim().length === 0) return;
      lines++;
      if (notable.length < MAX_NOTABLE && isNotable(line)) notable.push({ line: lineNo, text: line });
    },
    finish(): JournalSummary {
      return { noEntries: noEntries && lines === 0, lines, notable };
    },
  };
}

export function parseJournal(text: string): JournalSummary {
  return runParser(createJournalParser(), text);
}
