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

/** Length of an svlogd stamp (a space follows it). */
export const STAMP_LEN = 25;

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

const DIGITS4 = 0x30303030;

/** Whether the 4 bytes of little-endian word `w` are all ASCII digits (one test, no branch per byte). */
export function fourDigits(w: number): boolean {
  return (w & 0xf0f0f0f0) === DIGITS4 && ((w + 0x06060606) & 0xf0f0f0f0) === DIGITS4;
}

/**
 * `YYYY-MM-DD?HH:MM:SS.` at `o` of `view` (the first 20 bytes shared by svlogd stamps and logrus
 * headers), `sep10` being the allowed separators at byte 10. Word-wise: five 4-byte reads.
 */
export function dateTimeAt(view: DataView, o: number, sep10a: number, sep10b: number): boolean {
  if (!fourDigits(view.getUint32(o, true))) return false;
  const w1 = view.getUint32(o + 4, true); // - M M -
  if ((w1 & 0xff0000ff) !== 0x2d00002d || !fourDigits((w1 & 0x00ffff00) | 0x30000030)) return false;
  const w2 = view.getUint32(o + 8, true); // D D sep H
  const sep = (w2 >>> 16) & 0xff;
  if ((sep !== sep10a && sep !== sep10b) || !fourDigits((w2 & 0xff00ffff) | 0x00300000)) return false;
  const w3 = view.getUint32(o + 12, true); // H : M M
  if ((w3 & 0x0000ff00) !== 0x00003a00 || !fourDigits((w3 & 0xffff00ff) | 0x00003000)) return false;
  const w4 = view.getUint32(o + 16, true); // : S S .
  return (w4 & 0xff0000ff) === 0x2e00003a && fourDigits((w4 & 0x00ffff00) | 0x30000030);
}

/**
 * Byte version of svlogdStyle for the chunk fast paths: whether the line `[s, e)` of the chunk seen
 * through `view` starts with a `-tt` or `-ttt` stamp and a space. Same checks, so both paths agree
 * on every line (a non-ASCII byte in the stamp fails a digit check here as its character does there).
 */
export function svlogdStampAt(view: DataView, s: number, e: number): boolean {
  if (e - s <= STAMP_LEN || view.getUint8(s + STAMP_LEN) !== 32) return false;
  if (!dateTimeAt(view, s, 95 /* _ */, 84 /* T */) || !fourDigits(view.getUint32(s + 20, true))) return false;
  const d = view.getUint8(s + 24);
  return d >= 48 && d <= 57;
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
