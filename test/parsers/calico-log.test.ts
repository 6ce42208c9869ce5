import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  CALICO_LOG_SIGNATURES,
  MAX_CALICO_NOTABLE,
  createCalicoLogParser,
  parseCalicoLog,
  parseCalicoLogLine,
} from '../../src/parsers/calico-log.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/parsers/${name}`, import.meta.url), 'utf8');
const felix = { daemon: 'felix', file: 'logs/felix/current' };

test('doc-comment sample (calico#8831): PANIC records, panic/goroutine lines are continuations', () => {
  const s = parseCalicoLog(fixture('log-felix-panic-calico-8831.txt'), felix);
  assert.is(s.lines, 8);
  assert.equal(s.byLevel, { PANIC: 2, WARNING: 1 });
  assert.is(s.continuationLines, 5);
  assert.equal(s.pids, [61396, 61470]);
  assert.ok(s.componentPrefix);
  assert.is(s.firstTime, '2024-05-15 17:52:10.964');
  assert.is(s.lastTime, '2024-05-15 17:52:12.949');
  assert.equal(s.notable.map((r) => [r.line, r.level]), [
    [1, 'PANIC'],
    [3, 'WARNING'],
    [4, 'PANIC'],
  ]);
  const first = s.notable[0]!;
  assert.is(first.component, 'felix');
  assert.is(first.source, 'table.go');
  assert.is(first.sourceLine, 784);
  assert.is(first.pid, 61396);
  assert.is(first.file, 'logs/felix/current');
  assert.is(first.message, 'iptables-legacy-save command failed after retries ipVersion=0x4 table="raw"');
  assert.is(s.signatures['iptables-failed']!.count, 3);
  assert.is(s.signatures['iptables-failed']!.refs[1]!.line, 3);
});

test('parseCalicoLogLine: pre-3.14 (no component), svlogd -ttt, <nil> source', () => {
  const r = parseCalicoLogLine('2018-07-16 17:22:16.231 [INFO][99] int_dataplane.go 733: Applying dataplane updates', 7)!;
  assert.equal(
    { ...r },
    {
      line: 7,
      text: '2018-07-16 17:22:16.231 [INFO][99] int_dataplane.go 733: Applying dataplane updates',
      time: '2018-07-16 17:22:16.231',
      level: 'INFO',
      pid: 99,
      source: 'int_dataplane.go',
      sourceLine: 733,
      message: 'Applying dataplane updates',
    },
  );
  const t = parseCalicoLogLine('2024-03-15T00:46:55.75312 2024-03-15 00:46:55.752 [INFO][68] felix/int_dataplane.go 1689: Applying')!;
  assert.is(t.svTime, '2024-03-15T00:46:55.753Z');
  assert.is(t.time, '2024-03-15 00:46:55.752');
  assert.is(t.component, 'felix');
  const n = parseCalicoLogLine('2024-03-15 00:46:55.752 [WARNING][68] <nil> <nil>: no caller')!;
  assert.is(n.source, '<nil>');
  assert.is(n.sourceLine, undefined);
  assert.is(n.component, undefined);
  assert.is(n.message, 'no caller');
  for (const bad of ['', 'panic: (*logrus.Entry) 0xc0005ed420', 'goroutine 172 [running]:', '2024-03-15 00:46:55.752 [info][68] x.go 1: m', '2024-03-15 00:46:55.752 [INFO][6x] x.go 1: m', '2016-06-09T06:51:34Z node05 confd[56]: INFO Backend set to etcd']) {
    assert.is(parseCalicoLogLine(bad), undefined, bad);
  }
});

test('pre-3.14 felix (calicoctl#1883): no component prefix, INFO only, nothing notable', () => {
  const s = parseCalicoLog(fixture('log-felix-pre314-calicoctl-1883.txt'), felix);
  assert.not.ok(s.componentPrefix);
  assert.equal(s.byLevel, { INFO: 3 });
  assert.equal(s.notable, []);
  assert.equal(s.pids, [99]);
});

test('DEBUG lines are counted, WARNING kept (calico#2992)', () => {
  const s = parseCalicoLog(fixture('log-felix-debug-warning-calico-2992.txt'), felix);
  assert.equal(s.byLevel, { DEBUG: 3, WARNING: 1 });
  assert.is(s.notable.length, 1);
  assert.is(s.notable[0]!.line, 4);
  assert.is(s.notable[0]!.message, 'Report timed out name="int_dataplane"');
});

test('DEBUG lines are not checked for signatures (confd calico#9631)', () => {
  const s = parseCalicoLog(fixture('log-confd-debug-calico-9631.txt'), { daemon: 'confd', file: 'logs/confd/current' });
  assert.equal(s.byLevel, { DEBUG: 5 });
  for (const sig of Object.values(s.signatures)) assert.is(sig.count, 0);
});

test('startup (node#242): PIDs in order, bare "Calico node started successfully" counted', () => {
  const s = parseCalicoLog(fixture('log-startup-node-242.txt'), { daemon: 'calico-node', file: 'logs/calico-node.log' });
  assert.equal(s.pids, [8, 17]);
  assert.is(s.continuationLines, 1);
  const started = s.signatures['node-started']!;
  assert.is(started.count, 1);
  assert.is(started.refs[0]!.line, 5);
  assert.is(started.refs[0]!.text, 'Calico node started successfully');
  assert.equal(s.notable, []);
});

test('catalogue signatures: each named one is found, with level rules', () => {
  const lines = [
    '2018-01-22 07:16:35.052 [INFO][9] startup.go 483: Using autodetected IPv4 address on interface br-d710e33f6c1a: 172.18.0.1/16',
    "2018-01-22 07:16:35.054 [WARNING][9] startup.go 757: Calico node 'devops-master03' is already using the IPv4 address 172.18.0.1.",
    '2018-01-22 07:16:35.054 [INFO][9] startup.go 943: Terminating',
    'Calico node failed to start',
    '2021-06-02 13:11:35.873 [ERROR][55] client.go 95: Failed to query current BGP settings: Get https://10.233.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations/default: net/http: TLS handshake timeout',
    '2021-06-02 13:11:36.000 [ERROR][55] resource.go 1: Error from checkcmd "bird6 -p -c /etc/calico/confd/config/.bird6.cfg964169467": ""',
    '2023-06-22 11:25:26.414 [INFO][81] confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated due to change in key: /calico/bgp/v1/host',
    '2018-10-30 10:00:24.694 [INFO][10] startup.go 317: Hit error connecting to datastore - retry error=Get https://10.43.0.1:443/api/v1/nodes/foo: dial tcp 10.43.0.1:443: getsockopt: connection refused',
    '2022-08-12 19:18:19.000 [FATAL][29] tunnel-ip-allocator/allocateip.go 202: failed to fetch node resource error=x509: certificate has expired or is not yet valid',
    '2020-01-01 00:00:00.000 [WARNING][1] startup.go 1: IPv4 address has changed. This could happen if there are multiple nodes with the same name.',
    '2020-01-01 00:00:00.000 [INFO][1] health.go 1: calico/node is not ready: BIRD is not ready: BGP not established with 10.0.0.1',
    '2020-01-01 00:00:00.000 [INFO][1] felix/int_dataplane.go 1: Received *proto.IPAMPoolUpdate update from calculation graph msg=id:"10.0.0.0-16" pool:<cidr:"10.0.0.0/16" masquerade:true >',
    '2020-01-01 00:00:00.000 [DEBUG][1] felix/x.go 1: Terminating',
  ];
  const s = parseCalicoLog(lines.join('\n'), { daemon: 'calico-node', file: 'c.log' });
  const count = (n: string): number => s.signatures[n]!.count;
  assert.is(count('autodetected-ipv4'), 1);
  assert.is(count('ip-in-use'), 1);
  assert.is(count('terminating'), 1, 'DEBUG Terminating not counted');
  assert.is(count('node-failed'), 1);
  assert.is(count('bgp-query-failed'), 1);
  assert.is(count('checkcmd-error'), 1);
  assert.is(count('bird-cfg-updated'), 1);
  assert.is(count('datastore-error'), 2);
  assert.is(count('tls-error'), 2);
  assert.is(count('ip-changed'), 1);
  assert.is(count('bird-not-ready'), 1);
  assert.is(count('nat-outgoing'), 1);
  assert.is(s.signatures['ip-in-use']!.refs[0]!.line, 2);
  assert.is(s.signatures['datastore-error']!.last!.line, 9);
  // every signature in the table has an entry, zero or not
  assert.equal(Object.keys(s.signatures).sort(), CALICO_LOG_SIGNATURES.map((x) => x.name).sort());
  // routine INFO signatures (autodetected, bird.cfg updated) are not notable; INFO with a notable signature is
  const notableLines = s.notable.map((r) => r.line);
  assert.not.ok(notableLines.includes(1));
  assert.not.ok(notableLines.includes(7));
  assert.ok(notableLines.includes(3));
  assert.ok(notableLines.includes(4));
  assert.ok(notableLines.includes(8));
});

test('catalogue signatures of Felix, CNI and IPAM (also those beyond the first 30 of the table)', () => {
  const lines = [
    '2023-06-07 00:21:53.517 [ERROR][1541825] felix/route_table.go 1040: Failed to get link attributes error=interface not present ifaceRegex="^vxlan.calico$" ipVersion=0x4 tableIndex=0',
    '2021-07-13 09:49:37.513 [ERROR][4532] felix/ipsets.go 570: Bad return code from \'ipset list\'. error=exit status 1 family="inet6" stderr="ipset v7.1: Kernel and userspace incompatible: settype hash:ip with revision 5 not supported by userspace.\\n"',
    '2024-01-02 10:00:00.000 [WARNING][61] felix/route_table.go 880: Failed to add route error=file exists ifaceName="ens29f1" ipVersion=0x4 tableIndex=0',
    '2022-07-01 09:31:06.551 [ERROR][4035329] plugin.go 121: Final result of CNI ADD was an error. error=error adding host side routes for interface: calicfa03c2c5b1, error: route (Ifindex: 436, Dst: 100.80.1.62/32, Scope: 253) already exists for an interface other than \'calicfa03c2c5b1\'',
    '2024-01-02 10:00:01.000 [WARNING][61] felix/int_dataplane.go 400: Configured MTU is larger than detected host interface MTU hostMTU=1400 mtu=1450',
    '2024-01-02 10:00:02.000 [WARNING][61] felix/feature_detect_linux.go 300: Iptables backend specified does not match the detected backend, using specified backend detected="nft" specified="legacy"',
    '2024-01-02 10:00:03.000 [ERROR][77] ipam/ipam.go 1200: Assigned 0 out of 1 requested IPv4 addresses; No more free affine blocks and strict affinity enabled',
    '2024-01-02 10:00:04.000 [WARNING][61] felix/daemon.go 800: Felix is shutting down reason="Connection to Typha failed"',
    '2024-01-02 10:00:05.000 [WARNING][90] node/health.go 200: calico/node is not ready: Felix is not live: Get "http://localhost:9099/liveness": dial tcp 127.0.0.1:9099: connect: connection refused',
  ];
  const s = parseCalicoLog(lines.join('\n'), { daemon: 'felix', file: 'f.log' });
  const count = (n: string): number => s.signatures[n]!.count;
  assert.ok(CALICO_LOG_SIGNATURES.length > 30, 'the table has outgrown one 30-bit word');
  assert.is(count('vtep-missing'), 1);
  assert.is(count('ipset-error'), 1);
  assert.is(count('route-add-failed'), 2);
  assert.is(count('mtu-config'), 1);
  assert.is(count('iptables-backend-mismatch'), 1);
  assert.is(count('ipam-exhausted'), 1);
  assert.is(count('felix-shutdown'), 1);
  assert.is(count('typha-error'), 1, 'the shutdown reason names Typha');
  assert.is(s.signatures['felix-shutdown']!.refs[0]!.line, 8);
  assert.is(count('not-live'), 1);
  const rbac = parseCalicoLog('2024-01-02 10:00:06.000 [ERROR][7] felix/sync.go 1: list failed error=ippools.crd.projectcalico.org is forbidden: User "system:serviceaccount:kube-system:calico-node" cannot list resource', { daemon: 'felix', file: 'f' });
  assert.is(rbac.signatures['rbac-forbidden']!.count, 1, 'a signature in the high word');
});

test('every needle of the table, alone in an ERROR line, counts every signature that lists it (same-length needles told apart)', () => {
  const needles = [...new Set(CALICO_LOG_SIGNATURES.flatMap((sig) => (sig.raw === true ? [] : sig.needles)))];
  const byLength = new Map<number, number>();
  for (const n of needles) byLength.set(n.length, (byLength.get(n.length) ?? 0) + 1);
  assert.ok([...byLength.values()].some((k) => k > 1), 'the table has needles of the same length');
  for (const n of needles) {
    const s = parseCalicoLog(`2024-01-02 10:00:00.000 [ERROR][7] felix/x.go 1: before ${n} after`, { daemon: 'felix', file: 'f' });
    const found = Object.entries(s.signatures).filter(([, h]) => h.count > 0).map(([name]) => name).sort();
    const expected = CALICO_LOG_SIGNATURES.filter((sig) => sig.needles.some((m) => n.includes(m))).map((sig) => sig.name).sort();
    assert.equal(found, expected, n);
  }
});

test('levels are counted by their exact name, known or not, and PIDs read as numbers', () => {
  const levels = ['INFO', 'DEBUG', 'WARNING', 'ERROR', 'FATAL', 'PANIC', 'TRACE', 'WARN', 'INFOS', 'I', 'ERR', 'PANICS', 'TRACER', 'DEBUGGIN', 'NOTICE', 'X'];
  const text = levels.map((l, i) => `2024-01-02 10:00:00.000 [${l}][${i === 0 ? '0042' : 7 + i}] felix/x.go 1: m`).join('\n');
  const s = parseCalicoLog(text, felix);
  assert.equal(s.byLevel, Object.fromEntries(levels.map((l) => [l, 1])));
  assert.equal(s.pids.slice(0, 3), [42, 8, 9]);
});

test('notable cap and signature refs cap', () => {
  const lines: string[] = [];
  for (let i = 0; i < MAX_CALICO_NOTABLE + 7; i++) lines.push(`2020-01-01 00:00:00.000 [ERROR][1] x.go 1: Error from checkcmd ${i}`);
  const s = parseCalicoLog(lines.join('\n'), felix);
  assert.is(s.notable.length, MAX_CALICO_NOTABLE);
  assert.is(s.notableDropped, 7);
  assert.is(s.signatures['checkcmd-error']!.count, MAX_CALICO_NOTABLE + 7);
  assert.is(s.signatures['checkcmd-error']!.refs.length, 5);
  assert.is(s.byLevel.ERROR, MAX_CALICO_NOTABLE + 7);
});

test('startFile: rotated files continue one summary; svlogd style per file', () => {
  const p = createCalicoLogParser({ daemon: 'felix', file: 'logs/felix/@400000006600000000000000.u' });
  p.push('2019-05-30 03:02:20.427 [WARNING][8] health.go 66: Report timed out', 1);
  p.startFile('logs/felix/current');
  p.push('2024-03-15T00:46:55.75312 2024-03-15 00:46:55.752 [ERROR][68] felix/x.go 1: boom', 1);
  const s = p.finish();
  assert.equal(s.files.map((f) => [f.file, f.lines, f.svlogd]), [
    ['logs/felix/@400000006600000000000000.u', 1, undefined],
    ['logs/felix/current', 1, 'ttt'],
  ]);
  assert.equal(s.pids, [8, 68]);
  assert.equal(s.notable.map((r) => [r.file, r.line]), [
    ['logs/felix/@400000006600000000000000.u', 1],
    ['logs/felix/current', 1],
  ]);
  assert.is(s.notable[1]!.svTime, '2024-03-15T00:46:55.753Z');
  assert.is(s.firstTime, '2019-05-30 03:02:20.427');
  assert.is(s.lastTime, '2024-03-15 00:46:55.752');
});

test('CRLF, missing trailing newline, unicode and garbage', () => {
  const s = parseCalicoLog(
    '2020-01-01 00:00:00.000 [ERROR][1] x.go 1: é ü 日本\r\n\u0000\u0001garbage\r\n2020-01-01 00:00:00.000 [WARNING][2] y.go 2: last',
    felix,
  );
  assert.is(s.lines, 3);
  assert.is(s.notable[0]!.message, 'é ü 日本');
  assert.is(s.notable[1]!.message, 'last');
  assert.is(s.continuationLines, 1);
  // header that passes the fast check but has no `LINE:` still yields a usable notable record
  const h = parseCalicoLog('2020-01-01 00:00:00.000 [ERROR][1] weird', felix);
  assert.is(h.notable[0]!.level, 'ERROR');
  assert.is(h.notable[0]!.pid, 1);
});

test('property: arbitrary lines never throw', () => {
  const header = fc.constantFrom('2020-01-01 00:00:00.000 [INFO][1] ', '2020-01-01 00:00:00.000 [ERROR][12] felix/', '2024-03-15T00:46:55.75312 2024-03-15 00:46:55.752 [WARNING][');
  const line = fc.oneof(fc.string(), fc.tuple(header, fc.string()).map(([h, s]) => h + s));
  fc.assert(
    fc.property(fc.array(line), (lines) => {
      const p = createCalicoLogParser(felix);
      lines.forEach((l, i) => p.push(l, i + 1));
      const s = p.finish();
      for (const l of lines) parseCalicoLogLine(l);
      return s.lines === lines.length;
    }),
  );
});

test.run();
