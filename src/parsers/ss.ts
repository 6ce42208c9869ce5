/**
 * Parser for `ss -a -n` (node diags `ss`, written when netstat failed or is absent).
 *
 * Real sample, `ss -ant` (no Netid column because only TCP was asked for)
 * (https://github.com/netdata/netdata/issues/2169):
 *
 * ```
 * State      Recv-Q Send-Q Local Address:Port               Peer Address:Port
 * SYN-SENT   0      1      172.27.233.198:46460              10.1.1.1:8080
 * SYN-SENT   0      1      172.27.233.198:46462              10.1.1.1:8080
 * SYN-SENT   0      1      172.27.233.198:46464              10.1.1.1:8080
 * SYN-SENT   0      1      172.27.233.198:46466              10.1.1.1:8080
 * ```
 *
 * `ss -a -n` as calicoctl runs it prints a Netid column first
 * (`Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process`) and lists every
 * socket family; only `tcp` rows are read. States are normalised to netstat's names
 * (ESTAB → ESTABLISHED, SYN-SENT → SYN_SENT, FIN-WAIT-1 → FIN_WAIT1, UNCONN → CLOSE, ...).
 * Addresses: `[::]:179`, `*:179`, `[::ffff:10.0.0.1]:179`, `10.0.0.1%eth0:179`.
 * Sockets on the ports in INTERESTING_PORTS are kept; all TCP rows are counted.
 */
import type { SocketTable, TcpSocket } from '../model/facts.js';
import { runParser, type LineParser } from './line-parser.js';
import { INTERESTING_PORTS, splitEndpoint } from './netstat.js';
import { fields } from './fields.js';

const STATES: Record<string, string> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'NEW-SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  UNCONN: 'CLOSE',
  CLOSED: 'CLOSE',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

/** ss state → netstat state name. */
export function normaliseSsState(s: string): string {
  return Object.hasOwn(STATES, s) ? STATES[s]! : s.replaceAll('-', '_');
}


export function createSsParser(): LineParser<SocketTable> {
  const tcp: TcpSocket[] = [];
  let tcpRows = 0;
  /** Header `State Recv-Q ...` (no Netid column): every row is TCP. */
  let stateFirst = false;
  let header: { line: number; text: string } | undefined;
  return {
    push(line: string, lineNo: number): void {
      const c0 = line.charCodeAt(0);
      if (c0 === 83 /* S */ && line.startsWith('State ')) {
        stateFirst = true;
        header ??= { line: lineNo, text: line };
        return;
      }
      if (c0 === 78 /* N */ && header === undefined && line.startsWith('Netid ')) {
        header = { line: lineNo, text: line };
        return;
      }
      let off: number;
      if (c0 === 116 && line.charCodeAt(1) === 99 && line.charCodeAt(2) === 112) off = 1; // tcp
      else if (stateFirst && c0 >= 65 && c0 <= 90 && line.charCodeAt(1) >= 65 && line.charCodeAt(1) <= 90) off = 0;
      else return;
      const tok = fields(line);
      if (off === 1 ? tok[0] !== 'tcp' : !Object.hasOwn(STATES, tok[0]!)) return;
      if (tok.length < off + 5) return;
      tcpRows++;
      const local = splitEndpoint(tok[off + 3]!);
      const remote = splitEndpoint(tok[off + 4]!);
      if (local === undefined || remote === undefined) return;
      if (!INTERESTING_PORTS.has(local.port) && !INTERESTING_PORTS.has(remote.port)) return;
      tcp.push({ line: lineNo, text: line, proto: 'tcp', local, remote, state: normaliseSsState(tok[off]!) });
    },
    finish(): SocketTable {
      return { source: 'ss', tcp, tcpRows, ...(header !== undefined ? { header } : {}) };
    },
  };
}

export function parseSs(text: string): SocketTable {
  return runParser(createSsParser(), text);
}
