/**
 * Parser for the `date` file (coreutils `date` with the host's locale and time zone).
 *
 * Real sample, C locale (diags-format.md §3.14; the bundle of
 * https://github.com/projectcalico/calicoctl/issues/1349 was taken at this time):
 *
 * ```
 * Mon Nov 28 11:28:38 UTC 2016
 * ```
 *
 * Also read: en_US/en_GB locale forms (`Fri 27 Nov 2026 10:15:00 AM UTC`,
 * `Mon 28 Nov 2016 11:28:38 UTC`), numeric zones (`+0530`, `-07`, `+05:30`). The fields are
 * found by shape (month name, day, `HH:MM:SS`, 4-digit year, AM/PM, zone), not by position.
 * `iso` is set only when the zone is UTC/GMT/UCT/Z or numeric; a zone abbreviation such as
 * `CEST` is kept in `zone` and `iso` stays undefined (abbreviations are ambiguous).
 * The result describes the first non-empty line; with no such line it is `{ line: 0, text: '' }`.
 */
import type { DateFact } from '../model/facts.js';
import { runParser, type LineParser } from './line-parser.js';

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const WEEKDAYS = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const UTC_ZONES = new Set(['UTC', 'GMT', 'UCT', 'Z', 'ZULU']);

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `+0530`, `-07`, `+05:30` → offset in minutes east of UTC. */
function numericOffset(s: string): number | undefined {
  const sign = s.charCodeAt(0) === 43 ? 1 : s.charCodeAt(0) === 45 ? -1 : 0;
  if (sign === 0) return undefined;
  const body = s.slice(1).replace(':', '');
  if (!isDigits(body) || (body.length !== 2 && body.length !== 4)) return undefined;
  const h = Number(body.slice(0, 2));
  const m = body.length === 4 ? Number(body.slice(2)) : 0;
  if (h > 14 || m > 59) return undefined;
  return sign * (h * 60 + m);
}

/** Reads one `date` line; exported for reuse on other `date`-style stamps. */
export function parseDateLine(text: string, line: number): DateFact {
  const fact: DateFact = { line, text };
  const tok = text.trim().split(' ').filter((t) => t.length > 0);
  if (tok.length > 12) return fact;
  let month: number | undefined;
  let day: number | undefined;
  let year: number | undefined;
  let hms: number[] | undefined;
  let pm: boolean | undefined;
  let zone: string | undefined;
  for (const raw of tok) {
    const t = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    const lower = t.toLowerCase();
    const m3 = lower.slice(0, 3);
    if (month === undefined && t.length >= 3 && Object.hasOwn(MONTHS, m3) && /^[a-z]+\.?$/.test(lower)) {
      month = MONTHS[m3];
    } else if (WEEKDAYS.has(m3) && /^[a-z]+\.?$/.test(lower)) {
      continue;
    } else if (hms === undefined && t.indexOf(':') !== -1 && /^\d{1,2}:\d{2}(:\d{2})?$/.test(t)) {
      hms = t.split(':').map(Number);
    } else if (lower === 'am' || lower === 'pm') {
      pm = lower === 'pm';
    } else if (isDigits(t) && t.length === 4 && year === undefined) {
      year = Number(t);
    } else if (isDigits(t) && t.length <= 2 && day === undefined) {
      day = Number(t);
    } else if (zone === undefined && (/^[A-Za-z]{1,6}$/.test(t) || numericOffset(t) !== undefined)) {
      zone = t;
    } else {
      return fact; // not a date line
    }
  }
  if (zone !== undefined) fact.zone = zone;
  if (month === undefined || day === undefined || year === undefined || hms === undefined) return fact;
  let hour = hms[0]!;
  if (pm !== undefined) {
    if (hour < 1 || hour > 12) return fact;
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  const minute = hms[1]!;
  const second = hms[2] ?? 0;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return fact;
  let offset: number | undefined;
  if (zone !== undefined) offset = UTC_ZONES.has(zone.toUpperCase()) ? 0 : numericOffset(zone);
  if (offset === undefined) return fact;
  // Reject impossible days (`Feb 30`), which Date.UTC would roll over silently.
  if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return fact;
  fact.iso = new Date(Date.UTC(year, month, day, hour, minute, second) - offset * 60_000).toISOString();
  return fact;
}

export function createDateParser(): LineParser<DateFact> {
  let found: DateFact | undefined;
  return {
    push(line: string, lineNo: number): void {
      if (found !== undefined || line.trim().length === 0) return;
      found = parseDateLine(line, lineNo);
    },
    finish(): DateFact {
      return found ?? { line: 0, text: '' };
    },
  };
}

export function parseDate(text: string): DateFact {
  return runParser(createDateParser(), text);
}
