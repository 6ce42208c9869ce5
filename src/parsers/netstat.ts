/**
 * Parser for `netstat -a -n` (node diags `netstat`; `netstat --all --numeric` up to v3.10).
 *
 * Real sample, `netstat -anpt | grep 179` on a node whose BGP session is up
 * (https://github.com/projectcalico/calico/issues/2905):
 *
 * ```
 * tcp        0      0 0.0.0.0:179             0.0.0.0:*               LISTEN      6746/bird
 * tcp        0      0 10.3.67.92:179          10.3.67.93:37147        ESTABLISHED 6746/bird
 * ```
 *
 * The full output starts with `Active Internet connections (servers and established)` and
 * `Proto Recv-Q Send-Q Local Address Foreign Address State`, and ends with a long
 * `Active UNIX domain sockets` section, which is skipped. `tcp`/`tcp6` rows are counted;
 * those where either port is 179 (BGP), 5473 (Typha), 2379 (etcd), 6443 or 443 (API server)
 * are kept. The port follows the last colon (`:::179`, `::ffff:10.0.0.1:179`); `*` is 0.
 * A trailing `PID/Program name` column (`-p`) is ignored.
 */
import type { Endpoint, SocketTable, TcpSocket } from '../model/facts.js';
import { runParser, type LineParser } from './line-parser.js';
import { fields } from './fields.js';

/** Ports whose sockets are kept: BGP, Typha, etcd, Kubernetes API. */
export const INTERESTING_PORTS: ReadonlySet<number> = new Set([179, 5473, 2379, 6443, 443]);

/** Service names netstat prints without `-n`. */
const SERVICE_PORTS: Record<string, number> = { bgp: 179, https: 443 };


/**
 * Splits `addr:port` at the last colon. Handles `[::]:179`, `[::ffff:10.0.0.1]:179`,
 * `10.0.0.1%eth0:179`, `[fe80::1]%eth0:179`, `*:179`, `:::*`. Undefined when the port is
 * neither a number, `*` nor a known service name.
 */
export function splitEndpoint(s: string): Endpoint | undefined {
  const colon = s.lastIndexOf(':');
  if (colon === -1) return undefined;
  const portText = s.slice(colon + 1);
  let port: number | undefined;
  if (portText === '*') port = 0;
  else if (portText.length > 0 && portText.length <= 5) {
    let ok = true;
    for (let i = 0; i < portText.length; i++) {
      const c = portText.charCodeAt(i);
      if (c < 48 || c > 57) ok = false;
    }
    port = ok ? Number(portText) : SERVICE_PORTS[portText];
  }
  if (port === undefined || port > 65535) return undefined;
  let host = s.slice(0, colon);
  const pct = host.indexOf('%');
  if (pct !== -1) {
    const close = host.indexOf(']', pct);
    host = host.slice(0, pct) + (close === -1 ? '' : host.slice(close));
  }
  if (host.length >= 2 && host.charCodeAt(0) === 91 && host.charCodeAt(host.length - 1) === 93) {
    host = host.slice(1, -1);
  }
  if (host.length === 0) return undefined;
  return { address: host, port };
}

export function createNetstatParser(): LineParser<SocketTable> {
  const tcp: TcpSocket[] = [];
  let tcpRows = 0;
  let done = false;
  let header: { line: number; text: string } | undefined;
  return {
    push(line: string, lineNo: number): void {
      if (done) return;
      // Cheap reject: rows of interest start with `tcp`.
      if (line.charCodeAt(0) !== 116 || line.charCodeAt(1) !== 99 || line.charCodeAt(2) !== 112) {
        if (line.charCodeAt(0) === 65 && line.startsWith('Active UNIX domain sockets')) done = true;
        else if (header === undefined && line.charCodeAt(0) === 80 && line.startsWith('Proto ')) header = { line: lineNo, text: line };
        return;
      }
      const tok = fields(line);
      const proto = tok[0]!;
      if ((proto !== 'tcp' && proto !== 'tcp6') || tok.length < 6) return;
      tcpRows++;
      const local = splitEndpoint(tok[3]!);
      const remote = splitEndpoint(tok[4]!);
      if (local === undefined || remote === undefined) return;
      if (!INTERESTING_PORTS.has(local.port) && !INTERESTING_PORTS.has(remote.port)) return;
      tcp.push({ line: lineNo, text: line, proto, local, remote, state: tok[5]! });
    },
    finish(): SocketTable {
      return { source: 'netstat', tcp, tcpRows, ...(header !== undefined ? { header } : {}) };
    },
  };
}

export function parseNetstat(text: string): SocketTable {
  return runParser(createNetstatParser(), text);
}
