/**
 * Parser for the `hostname` file (one line, the output of `hostname`).
 *
 * Real sample, an AKS node name as it appears in a cluster diags run
 * (https://github.com/projectcalico/calico/pull/10213):
 *
 * ```
 * aks-nodepool1-17730618-vmss000001
 * ```
 *
 * The first non-empty line, trimmed, is the hostname; a value with whitespace or `/`
 * (an error message such as `hostname: command not found`, a path) or longer than 253
 * characters is not a hostname and gives `hostname: undefined` with the line kept.
 */
import { runParser, type LineParser } from './line-parser.js';

export interface HostnameFact {
  hostname?: string;
  /** 1-based line of the value (0 when the file had no non-empty line). */
  line: number;
  text: string;
}

function validHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 47 || c === 127) return false; // whitespace, control, '/'
  }
  return true;
}

export function createHostnameParser(): LineParser<HostnameFact> {
  let found: HostnameFact | undefined;
  return {
    push(line: string, lineNo: number): void {
      if (found !== undefined) return;
      const t = line.trim();
      if (t.length === 0) return;
      found = { line: lineNo, text: line };
      if (validHostname(t)) found.hostname = t;
    },
    finish(): HostnameFact {
      return found ?? { line: 0, text: '' };
    },
  };
}

export function parseHostname(text: string): HostnameFact {
  return runParser(createHostnameParser(), text);
}
