/**
 * runit svlogd line stamps, as written in front of every line of `logs/<service>/current`
 * (and the rotated `@<tai64n>.s|.u` files) when the service's `log/run` uses `-tt` or `-ttt`.
 * The stamp is UTC, 25 characters, then one space (runit `src/svlogd.c`, `fmt_ptime.c`):
 *
 * ```
 * 2016-03-30_19:50:39.34382 bird: Mesh_10_121_42_75: State changed to up
 * ```
 * (`-tt`, bird/bird6 files up to v3.20; verbatim from
 * https://github.com/projectcalico/calicoctl/issues/900, diags-format.md §5.4)
 *
 * ```
 * 2024-03-15T00:46:55.75312 2024-03-15 00:46:55.752 [INFO][68] felix/int_dataplane.go 1689: ...
 * ```
 * (`-ttt`, every service from v3.21; shape from diags-format.md §3.2)
 *
 * Checked with char codes only: this runs on every line of every log.
 */

export interface SvlogdSplit {
  /** The 25-character stamp, as printed, when the line has one. */
  stamp?: string;
  /** `tt` (date and time joined by `_`) or `ttt` (joined by `T`). */
  style?: 'tt' | 'ttt';
  /** The line without the stamp and its space (the whole line when there is no stamp). */
  rest: string;
}

const STAMP_LEN = 25;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether `line` starts with an svlogd stamp and a space; returns its style, or undefined. */
export function svlogdStyle(line: string): 'tt' | 'ttt' | undefined {
  if (line.length <= STAMP_LEN || line.charCodeAt(STAMP_LEN) !== 32) return undefined;
  const sep = line.charCodeAt(10);
  if (sep !== 95 /* _ */ && sep !== 84 /* T */) return undefined;
  if (
    line.charCodeAt(4) !== 45 ||
    line.charCodeAt(7) !== 45 ||
    line.charCodeAt(13) !== 58 ||
    line.charCodeAt(16) !== 58 ||
    line.charCodeAt(19) !== 46
  ) {
    return undefined;
  }
  for (let i = 0; i < STAMP_LEN; i++) {
    if (i === 4 || i === 7 || i === 10 || i === 13 || i === 16 || i === 19) continue;
    if (!isDigit(line.charCodeAt(i))) return undefined;
  }
  return sep === 95 ? 'tt' : 'ttt';
}

/** Strips a leading svlogd `-tt`/`-ttt` stamp (and its space) from `line`. */
export function splitSvlogd(line: string): SvlogdSplit {
  const style = svlogdStyle(line);
  if (style === undefined) return { rest: line };
  return { stamp: line.slice(0, STAMP_LEN), style, rest: line.slice(STAMP_LEN + 1) };
}

/**
 * `2016-03-30_19:50:39.34382` or `2024-03-15T00:46:55.75312` → `2016-03-30T19:50:39.343Z`
 * (svlogd stamps are UTC; 10 µs precision truncated to milliseconds).
 */
export function svlogdToIso(stamp: string): string {
  return `${stamp.slice(0, 10)}T${stamp.slice(11, 23)}Z`;
}
