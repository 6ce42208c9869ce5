import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { feedChunks } from '../helpers/feed-chunks.js';
import { MAX_LINE_BYTES, runParser, type LineParser } from '../../src/parsers/line-parser.js';
import { CALICO_LOG_SIGNATURES, createCalicoLogParser, MAX_CALICO_NOTABLE, MAX_SIGNATURE_REFS } from '../../src/parsers/calico-log.js';
import { createBirdLogParser } from '../../src/parsers/bird-log.js';
import { createIptablesSaveParser, MAX_POLICY_RULES } from '../../src/parsers/iptables-save.js';
import { createIpsetListParser } from '../../src/parsers/ipset-list.js';
import { createContainerLogParser } from '../../src/parsers/container-log.js';
import { setWasmEnabled, wasmLinesAvailable } from '../../src/parsers/wasm-lines.js';

/**
 * The chunk fast paths must give exactly what the string path gives, for any input: lines are
 * assembled from real fragments (svlogd stamps, logrus headers, BIRD messages, iptables and ipset
 * lines) and near misses (a digit where a dash belongs, odd levels, non-ASCII, `\r`), then fed
 * in random chunk sizes.
 */
const stamp = fc.constantFrom('2024-03-15T00:46:55.75312 ', '2016-03-30_19:50:39.34382 ', '2024-03-15T00:46:55,75312 ', '2024-03-1x_19:50:39.34382 ', '');
const header = fc.constantFrom(
  '2024-03-15 00:46:55.752 [DEBUG][68] ',
  '2024-03-15 00:46:55.752 [INFO][68] ',
  '2024-03-15 00:46:55.752 [INFO][71] ',
  '2024-03-15 00:46:55.752 [WARNING][68] ',
  '2024-03-15 00:46:55.752 [ERROR][1234567] ',
  '2024-03-15 00:46:55.752 [TRACE][9] ',
  '2024-03-15 00:46:55.752 [DEBUG][6x] ',
  '2024-03-15 00:46:55.752 [DEBUGX][68] ',
  '2024-03-15x00:46:55.752 [INFO][68] ',
  '2024-03-1x 00:46:55.752 [DEBUG][68] ',
  '2024-03-15 00:46:55.752 [DOING][68] ',
  '2024-03-15 00:46:55.752 [DEBUG]68] ',
  '2024-03-15 00:46:55.752 [DEBUG][68]x',
  '2024-03-15 00:46:55.752 [INFO][12345678901] ',
  '2024-03-15 00:46:55.752 [TRACE][1]',
  '2024-03-15 00:46:55.752 [DEBUG][0] ',
  '2024-03-15 00:46:55.752 [INFO]',
  '',
);
const message = fc.constantFrom(
  'felix/health.go 159: GET /liveness',
  'health.go 159: GET /liveness',
  'felix/health.go',
  'x/y',
  'confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated',
  'felix/route_table.go 623: Interface missing, will retry if it appears. ifaceName="vxlan.calico"',
  'felix/table.go 840: iptables save failed error=exit status 4',
  'startup/startup.go 376: Using autodetected IPv4 address on interface eth1: 10.0.0.5/20',
  'felix/daemon.go 1: Failed to connect to typha x509: certificate expired',
  'Calico node started successfully',
  'felix/feature_detect_linux.go 151: Updating detected iptables features features=environment.Features{ChecksumOffloadBroken:true}',
  'Updating detected iptables features',
  'felix/x.go 1: Updating detected iptables feature',
  'felix/x.go 1: pdating detected iptables features Updating detected iptables featureS',
  'felix/x.go 1: UUpdating detected iptables featuresUpdating detected iptables features',
  'felix/int_dataplane.go 9: natOutgoing=true NATOutgoing nat-outgoin masq-ipam-pool masq-ipam-pools',
  'startup/startup.go 9: IPv4 address has change; x509 x509: Failed to get config from datastor',
  'Terminatin Terminating Terminating',
  'panic: (*logrus.Entry) 0xc0005ed420',
  'bird: Mesh_10_0_0_11: State changed to up',
  'bird: Mesh_10_0_0_11: Reconfigured',
  'bird: Mesh_10_0_0_11 < rejected by protocol 192.168.1.0/26 via 10.0.0.11 on eth0',
  'bird: Reconfigured',
  'bird: Reconfiguring',
  'bird: Started',
  'bird: Netlink: File exists',
  'bird: Netlink: Network is down',
  'bird: Netlinks: File exists',
  'bird: Kernel dropped some netlink messages, will resync on next scan.',
  'bird: BGP: Unexpected connect from unknown address 10.0.0.99 (port 40000)',
  'bird: /etc/calico/confd/config/bird.cfg, line 12: syntax error',
  'bird: Mesh_10_0_0_11: Error: Hold timer expired',
  'bird: bad/name: State changed to up',
  'bird: x',
  '*filter',
  '*nat',
  'COMMIT',
  ':KUBE-SEP-ABC - [0:0]',
  ':cali-INPUT - [1:2]',
  ':INPUT ACCEPT [336:527937]',
  '[12:720] -A KUBE-SEP-ABC -s 10.244.1.5/32 -m comment --comment "ns/svc" -j KUBE-MARK-MASQ',
  '[0:0] -A KUBE-SERVICES -d 10.96.7.7/32 -p tcp -m comment --comment "ns/x has no endpoints" -m tcp --dport 8080 -j REJECT',
  '[9:540] -A cali-tw-cali5125b8e5d77 -m comment --comment "cali:zzz" -j DROP',
  '[0:0] -A cali-tw-cali5125b8e5d77 -m comment --comment "cali:zz0" -j DROP',
  '[00:0] -A cali-tw-cali5125b8e5d77 -j DROP',
  '-A cali-fw-cali5125b8e5d77 -m comment --comment "was -j DROP" -j ACCEPT',
  '[5:300] -A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT',
  '[3:180] -A cali-tw-cali5125b8e5d77 -m comment --comment "cali:a1" -m mark --mark 0x0/0x20000 -j cali-pi-_FJ9yUkNpzshVDh2n7mg',
  '-A cali-fw-cali5125b8e5d77 -m comment --comment "cali:a2" -j cali-pro-kns.default',
  '[0:0] -A cali-pi-_FJ9yUkNpzshVDh2n7mg -p tcp -m comment --comment "cali:b1" -m multiport --dports 80 -j MARK --set-xmark 0x10000/0x10000',
  '[7:420] -A cali-pi-default/default.deny -m comment --comment "cali:c1" -j DROP',
  '[0:0] -A cali-th-eth0 -g cali-po-default/default.x',
  '[0:0] -A cali-thfw-eth0 -j cali-po-',
  '-A cali-tw-cali5125b8e5d77 -m comment --comment "-j cali-pi-x" -j ACCEPT',
  '[2:120] -A cali-gi-abc -m mark --mark 0x0/0x30000 -j cali-pi-y',
  '[1:60] -A cali-fh-eth0 -m comment --comment "cali:d1" -m comment --comment "Drop if no policies passed packet" -j DROP',
  '[0:0] -A cali-pri-kns.default -m comment --comment "cali:e1" -j MARK --set-xmark 0x10000/0x10000',
  '-A cali-pi-é -j DROP',
  '[0:0] -A cali-pi-_FJ9yUkNpzshVDh2n7mg -m comment --comment "cali:r1" -m mark --mark 0x10000/0x10000 -j RETURN',
  '[3:180] -A cali-po-x -m comment --comment "-j RETURN" -j RETURNED',
  '-A cali-gi-abc -j RETURN --x',
  '-A cali-pro-kns.default -j RETURN',
  '[4:240] -A cali-tw-calié -j cali-pi-a',
  ':cali-pi-_FJ9yUkNpzshVDh2n7mg - [0:0]',
  '[5:300] -A IN_públic -p tcp --dport 179 -j DROP',
  // Chains named like the one before but for a byte, or one byte longer or shorter (the name cache).
  '[0:0] -A KUBE-SERVICESX -m comment --comment "ns/y" -j KUBE-MARK-MASQ',
  '[0:0] -A KUBE-SERVICE -j KUBE-MARK-MASQ',
  '[0:0] -A XUBE-SERVICES -j KUBE-MARK-MASQ',
  // A goto after a jump in a comment: the policy target is the last of either.
  '[3:180] -A cali-fw-cali5125b8e5d77 -m comment --comment "a -j cali-pi-x" -g cali-ACCEPT',
  '-A',
  '[1:2]',
  'Name: cali40s:LrVD8vMIGQDyv8Y7sPFB1Ge',
  'Name: cali40masq-ipam-pools',
  'Members:',
  'Number of entries: 2',
  '10.244.0.0/16',
  ' 10.0.0.1',
  'Nöt a line ✓',
  '',
);
const line = fc.tuple(stamp, header, message, fc.constantFrom('', '', '', '\r')).map(([a, b, c, d]) => a + b + c + d);
const text = fc.array(line, { maxLength: 60, size: 'medium' }).map((ls) => ls.join('\n') + (ls.length % 2 ? '\n' : ''));

/**
 * Feeding the texts of `gen` in random chunks (wasm on or off; with wasm on, copied into the module
 * or read in place in a slot between random bytes, as zlib's chunks are) gives what the string path gives.
 */
function same<T>(make: () => LineParser<T>, gen: fc.Arbitrary<string> = text, maxChunk = 400): void {
  fc.assert(
    fc.property(gen, fc.integer({ min: 1, max: maxChunk }), fc.boolean(), fc.option(fc.integer(), { freq: 2 }), (t, size, wasm, garbage) => {
      const want = runParser(make(), t);
      setWasmEnabled(wasm);
      try {
        assert.equal(feedChunks(make(), t, size, wasm && garbage !== null ? garbage : undefined).result, want);
      } finally {
        setWasmEnabled(true);
      }
    }),
    { numRuns: Number(process.env.FAST_PATH_RUNS ?? 300) },
  );
}

test('the WebAssembly scanner is there to be compared', () => assert.ok(wasmLinesAvailable()));

test('calico log (felix, confd): fast path (JS and WebAssembly) = string path', () => {
  same(() => createCalicoLogParser({ daemon: 'felix', file: 'f' }));
  same(() => createCalicoLogParser({ daemon: 'confd', file: 'f' }));
  // calico-node's container log: every INFO signature, found by the WebAssembly prefilter.
  same(() => createCalicoLogParser({ daemon: 'calico-node', file: 'f' }));
});

test('calico log INFO lines with and without the needles a daemon searches (Felix, confd, CNI): fast path (JS and WebAssembly) = string path', () => {
  // Denser than the generator above: most lines are INFO records of one PID, so the scanner's
  // in-line needle search decides them (needles at the line's start and end, twice, cut short).
  // Near misses: cut at either end, one byte changed next to the last, in the middle, next to the first.
  const nearMisses = (n: string) => [n.slice(0, -1), n.slice(1), ...[n.length - 2, n.length >> 1, 1].map((i) => `${n.slice(0, i)}#${n.slice(i + 1)}`)];
  const needles = ['Updating detected iptables features', 'Target config /etc/calico/confd/config/bird.cfg has been updated', 'Failed to get config from datastore'];
  const msg = fc.tuple(fc.constantFrom('', 'felix/x.go 1: ', 'U', 'a b '), fc.constantFrom(...needles, ...needles.flatMap(nearMisses), 'x'), fc.constantFrom('', ' ', 'S', ...needles));
  const lvl = fc.constantFrom('[INFO][68] ', '[INFO][68] ', '[INFO][68] ', '[DEBUG][68] ', '[INFO][71] ', '[WARNING][68] ');
  const l = fc.tuple(fc.constantFrom('', '2024-03-15T00:46:55.75312 '), lvl, msg, fc.constantFrom('', '', '\r')).map(([st, v, [a, b, c], r]) => `${st}2024-03-15 00:46:55.752 ${v}${a}${b}${c}${r}`);
  const t = fc.array(l, { maxLength: 60, size: 'medium' }).map((ls) => ls.join('\n') + '\n');
  for (const daemon of ['felix', 'confd', 'cni']) same(() => createCalicoLogParser({ daemon, file: 'f' }), t, 600);
});

test('svlogd stamps and logrus times with one byte wrong at any position (Felix, confd): fast path (JS and WebAssembly) = string path', () => {
  // Each byte of both stamps is checked by the scanner in 16-byte lanes: a wrong byte in any lane
  // (a letter for a digit, a digit for a separator, the other separator) must change nothing.
  const svlogd = '2024-03-15T00:46:55.75312 ';
  const logrus = '2024-03-15 00:46:55.752 [';
  const wrong = (text: string, i: number, alt: number) => {
    const c = text[i]!;
    const subs = /[0-9]/.test(c) ? ['x', ':', '/', ' '] : c === 'T' ? ['_', 'X', '0'] : ['0', 'x', '-', ' '];
    return text.slice(0, i) + subs[alt % subs.length] + text.slice(i + 1);
  };
  const st = fc.oneof(fc.constant(svlogd), fc.constant('2016-03-30_19:50:39.34382 '), fc.constant(''), fc.tuple(fc.nat(svlogd.length - 1), fc.nat(3)).map(([i, a]) => wrong(svlogd, i, a)));
  const lr = fc.oneof(fc.constant(logrus), fc.tuple(fc.nat(logrus.length - 1), fc.nat(3)).map(([i, a]) => wrong(logrus, i, a)));
  const l = fc.tuple(st, lr, fc.constantFrom('DEBUG][68] ', 'INFO][68] ', 'TRACE][68] '), fc.constantFrom('felix/x.go 1: m', 'x y'), fc.constantFrom('', '\r')).map(([a, b, c, d, r]) => a + b + c + d + r);
  const t = fc.array(l, { maxLength: 60, size: 'medium' }).map((ls) => ls.join('\n') + '\n');
  for (const daemon of ['felix', 'confd']) same(() => createCalicoLogParser({ daemon, file: 'f' }), t, 600);
});

test('calico log INFO hits of a signature whose refs are full are counted from bytes, and its last line stays the last one whichever path counted it', () => {
  const info = (i: number, pid = 68) => `2024-03-15 00:46:55.752 [INFO][${pid}] confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated ${i}`;
  const warn = '2024-03-15 00:46:56.000 [WARNING][68] confd/resource.go 280: Target config /etc/calico/confd/config/bird.cfg has been updated, reload failed';
  const two = '2024-03-15 00:46:57.000 [INFO][68] confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated; Failed to get config from datastore';
  const info6 = (i: number) => `2024-03-15 00:46:55.752 [INFO][68] confd/resource.go 277: Target config /etc/calico/confd/config/bird6.cfg has been updated ${i}`;
  const both = '2024-03-15 00:46:59.000 [INFO][68] confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated, Target config /etc/calico/confd/config/bird6.cfg has been updated';
  const first = Array.from({ length: 8 }, (_, i) => info(i));
  const cases: [string[], number][] = [
    // [lines, how many become strings]: the first 5 hits fill the refs; the hits after them are counted from bytes.
    [[...first, warn], 6],
    [[...first, warn, info(99)], 6],
    [[...first, info(98), warn], 6],
    [[...first, two, info(97, 71)], 6],
    // A line with two needles goes the string way (datastore-error is notable: its lines are strings too).
    [[...first, ...Array.from({ length: 6 }, (_, i) => `2024-03-15 00:46:58.000 [INFO][68] confd/x.go 1: Failed to get config from datastore ${i}`), two, two], 13],
    // Both signatures non-notable with their refs full: a line with both needles is still a string (the byte path takes one needle).
    [[...first, ...Array.from({ length: 6 }, (_, i) => info6(i)), both, info(96), both], 12],
  ];
  for (const daemon of ['confd', 'calico-node']) {
    const make = () => createCalicoLogParser({ daemon, file: 'f' });
    for (const [ls, strings] of cases) {
      const t = ls.join('\n') + '\n';
      for (const wasm of [true, false]) {
        setWasmEnabled(wasm);
        try {
          for (const size of [1 << 20, 97]) {
            const fed = feedChunks(make(), t, size);
            assert.equal(fed.result, runParser(make(), t));
            if (size === 1 << 20) assert.is(fed.strings, strings, `${daemon}: ${ls.length} lines`);
          }
        } finally {
          setWasmEnabled(true);
        }
      }
    }
  }
});

test('calico log once a file\'s notable lines are full (WARNING and worse counted from bytes): fast path = string path', () => {
  const full = Array.from({ length: MAX_CALICO_NOTABLE }, (_, i) => `2024-03-15 00:46:55.752 [WARNING][68] felix/table.go ${i}: iptables save failed`).join('\n') + '\n';
  const severe = fc.constantFrom('[WARNING][68] ', '[ERROR][68] ', '[FATAL][1] ', '[PANIC][2] ', '[WARN][68] ', '[ERRORS][68] ', '[DEBUG][68] ');
  const tail = fc.array(fc.tuple(stamp, severe, message, fc.constantFrom('', '\r')).map(([a, l, m, r]) => `${a}2024-03-15 00:46:56.000 ${l}${m}${r}`), { maxLength: 40 });
  fc.assert(
    fc.property(tail, fc.integer({ min: 1, max: 400 }), (ls, size) => {
      const t = full + ls.join('\n') + '\n';
      const make = () => createCalicoLogParser({ daemon: 'felix', file: 'f' });
      assert.equal(feedChunks(make(), t, size).result, runParser(make(), t));
    }),
    { numRuns: Number(process.env.FAST_PATH_RUNS ?? 300) },
  );
});

test('calico log around a full notable list, WARNING and ERROR lines holding no needle, one needle (refs full or not), two, or near misses of every needle: fast path (JS and WebAssembly) = string path', () => {
  const needles = [...new Set(CALICO_LOG_SIGNATURES.flatMap((sig) => sig.needles))];
  // The notable list is filled (or nearly) by ERROR lines only, so the first WARNING line after it makes its
  // level's key. Every other needle has its signatures' refs filled too.
  const fill = (n: number) => Array.from({ length: n }, (_, i) => `2024-03-15 00:46:55.752 [ERROR][68] felix/x.go ${i}: plain`);
  const refs = needles.filter((_, i) => i % 2 === 0).flatMap((n) => Array.from({ length: MAX_SIGNATURE_REFS }, (_, i) => `2024-03-15 00:46:55.800 [ERROR][68] felix/y.go ${i}: ${n}`));
  const nearMisses = (n: string) => [n.slice(0, -1), n.slice(1), `${n.slice(0, n.length >> 1)}#${n.slice((n.length >> 1) + 1)}`, `${n.slice(0, 3)}#${n.slice(4)}`];
  const piece = fc.oneof(fc.constantFrom(...needles), fc.constantFrom(...needles).chain((n) => fc.constantFrom(...nearMisses(n))), fc.constantFrom('', 'é ', 'x=1 ', '日本 '));
  const msg = fc.tuple(fc.constantFrom('felix/x.go 1: ', 'x.go 1: ', ''), piece, piece, fc.constantFrom('', ' tail')).map((p) => p.join(''));
  const lvl = fc.constantFrom('[WARNING][68] ', '[WARNING][68] ', '[ERROR][68] ', '[ERROR][69] ', '[WARN][68] ', '[INFO][68] ', '[DEBUG][68] ');
  const l = fc.tuple(fc.constantFrom('', '2024-03-15T00:46:55.75312 '), lvl, msg, fc.constantFrom('', '', '\r')).map(([st, v, m, r]) => `${st}2024-03-15 00:46:56.000 ${v}${m}${r}`);
  // The refs come before the fill when it leaves the list short (they are notable lines too).
  const t = fc.tuple(fc.constantFrom(0, 2, refs.length + 3), fc.array(l, { maxLength: 40 })).map(([short, ls]) => [...refs, ...fill(MAX_CALICO_NOTABLE - refs.length - short), ...ls].join('\n') + '\n');
  fc.assert(
    fc.property(t, fc.integer({ min: 1, max: 2000 }), fc.boolean(), fc.constantFrom('felix', 'confd', 'calico-node'), (text, size, wasm, daemon) => {
      const make = () => createCalicoLogParser({ daemon, file: 'f' });
      const want = runParser(make(), text);
      setWasmEnabled(wasm);
      try {
        const got = feedChunks(make(), text, size).result;
        assert.equal(got, want);
        // WARNING and ERROR keys in the same order (the byte path never makes one). DEBUG, INFO and TRACE
        // keys first made in one run of the fast path are made in that order, whatever order the lines had.
        const severeKeys = (r: typeof want) => Object.keys(r.byLevel).filter((k) => k === 'WARNING' || k === 'ERROR');
        assert.equal(severeKeys(got), severeKeys(want));
      } finally {
        setWasmEnabled(true);
      }
    }),
    { numRuns: Number(process.env.FAST_PATH_RUNS ?? 300) },
  );
});

test('calico log once the notable list is full, WARNING and ERROR lines without needles or with one whose refs are full become no strings (their last line stays the last)', () => {
  const fill = Array.from({ length: MAX_CALICO_NOTABLE }, (_, i) => `2024-03-15 00:46:55.752 [WARNING][68] felix/x.go ${i}: plain`);
  const refs = Array.from({ length: MAX_SIGNATURE_REFS }, (_, i) => `2024-03-15 00:46:55.800 [ERROR][68] felix/table.go ${i}: iptables save failed`);
  const counted = [
    '2024-03-15 00:46:57.000 [WARNING][68] felix/x.go 1: Report timed out',
    '2024-03-15 00:46:57.100 [ERROR][68] felix/table.go 2: iptables save failed error=exit status 4',
    '2024-03-15 00:46:57.200 [WARNING][68] felix/table.go 3: iptables save failed twice: iptables save failed',
    '2024-03-15 00:46:57.300 [ERROR][68] felix/x.go 4: Failed to access interface',
    '2024-03-15 00:46:57.400 [WARNING][70] felix/x.go 5: Report timed out (another PID)',
  ];
  // Not counted from bytes: a needle whose refs are not full, two different needles.
  const strings = [
    '2024-03-15 00:46:58.000 [WARNING][68] felix/x.go 6: Failed to add route error=file exists',
    '2024-03-15 00:46:58.100 [ERROR][68] felix/table.go 7: iptables save failed; connection refused',
  ];
  const t = [...fill, ...refs, ...counted, ...strings, ...counted].join('\n') + '\n';
  const make = () => createCalicoLogParser({ daemon: 'felix', file: 'f' });
  const fed = feedChunks(make(), t, 1 << 20);
  const want = runParser(make(), t);
  assert.equal(fed.result, want);
  assert.is(fed.strings, fill.length + refs.length + strings.length);
  assert.is(want.signatures['iptables-failed']?.count, refs.length + 2 + 1 + 2);
  assert.is(want.signatures['iptables-failed']?.last?.line, fill.length + refs.length + counted.length + strings.length + 3);
  assert.equal(want.pids, [68, 70]);
});

test('calico log records of interleaved processes, more of them than the scanner knows (calico-node\'s container log: Felix, confd, ... each with its PID): fast path (JS and WebAssembly) = string path, PIDs in order of first sight', () => {
  const pid = fc.oneof(fc.constantFrom(47, 90), fc.integer({ min: 1, max: 40 }), fc.constant(1234567890));
  const l = fc.tuple(fc.constantFrom('DEBUG', 'INFO', 'INFO', 'TRACE', 'WARNING'), pid, fc.constantFrom('felix/x.go 1: m', 'confd/y.go 2: Target config /etc/calico/confd/config/bird.cfg has been updated')).map(([lvl, p, m]) => `2024-03-15 00:46:55.752 [${lvl}][${p}] ${m}`);
  const t = fc.array(l, { minLength: 1, maxLength: 120 }).map((ls) => ls.join('\n') + '\n');
  same(() => createCalicoLogParser({ daemon: 'calico-node', file: 'f' }), t, 3000);
  same(() => createCalicoLogParser({ daemon: 'felix', file: 'f' }), t, 3000);
});

test('calico log chunks with more needle hits than the module lists (the JS prefilter and then indexOf take over): fast path = string path', () => {
  const target = (i: number) => `2024-03-15 00:46:55.752 [INFO][68] confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated ${i}`;
  // A hit in a DEBUG line (not searched) before an INFO line whose needle is notable: the scanner must stop there.
  const lines = [
    target(0),
    '2024-03-15 00:46:55.800 [DEBUG][68] confd/x.go 1: Target config /etc/calico/confd/config/bird.cfg has been updated',
    '2024-03-15 00:46:55.900 [INFO][68] confd/x.go 2: plain',
    '2024-03-15 00:46:56.000 [INFO][68] confd/x.go 3: Failed to get config from datastore',
    ...Array.from({ length: 2100 }, (_, i) => target(i + 1)),
    '2024-03-15 00:46:57.000 [INFO][68] confd/x.go 4: Failed to get config from datastore again',
  ];
  const t = lines.join('\n') + '\n';
  for (const daemon of ['confd', 'calico-node']) {
    const make = () => createCalicoLogParser({ daemon, file: 'f' });
    const want = runParser(make(), t);
    for (const size of [1 << 20, 4096]) assert.equal(feedChunks(make(), t, size).result, want);
    assert.is(want.signatures['datastore-error']?.count, 2);
  }
});

test('bird log: fast path = string path', () => same(() => createBirdLogParser({ daemon: 'bird', file: 'f' })));
test('bird log: dense runs of counted lines among tracked ones and near misses (stamps, CRLF, Reconfigured past the event cap): fast path (JS and WebAssembly) = string path', () => {
  const counted = ['bird: Mesh_10_0_0_11: Reconfigured', 'bird: Mesh_10_0_0_11 < rejected by protocol 192.168.1.0/26 via 10.0.0.11 on eth0', 'bird: kernel1 > added [best] 10.244.1.0/26 via 10.0.0.2 on eth0', 'bird: Reconfiguring', 'bird: Reconfiguration requested by SIGHUP', 'bird: device1: Reconfigured', 'bird: Next hop address 10.0.0.1 resolvable through recursive route for 10.0.0.0/8', 'bird: Mesh_1: Connected to table master'];
  const tracked = ['bird: Mesh_10_0_0_11: State changed to up', 'bird: Reconfigured', 'bird: Started', 'bird: Netlink: File exists', 'bird: BGP: Unexpected connect from unknown address 10.0.0.99 (port 40000)', 'bird: /etc/calico/confd/config/bird.cfg, line 12: syntax error', 'bird: Mesh_1: Error: Hold timer expired', 'bird: Mesh_1: Connection lost', 'bird: Shutting down', 'bird: Kernel dropped some netlink messages, will resync on next scan.'];
  const nearMisses = ['bird: Reconfigure', 'bird: Reconfigureds', 'bird: reconfigured', 'bird: Netlinks: x', 'bird: Netlink x', 'bird: BGPX: y', 'bird: BG: y', 'bird: Mesh_1: State changed t', 'bird: Mesh_1: Connection los', 'bird: Mesh_1: Error:x', 'bird:x', 'bird:  x', 'bird: : x', `bird: ${'M'.repeat(128)}: x`, `bird: ${'M'.repeat(129)}: x`, `bird: ${'M'.repeat(140)}: x`, 'bird: Mesh_1:', 'bird: Mesh_1: ', 'bird: Mesh_1:  State changed to up', 'xbird: y', 'bird', 'bird: a,b: c', 'bird: a, line 3: x', ''];
  const body = fc.constantFrom(...counted, ...counted, ...counted, ...tracked, ...nearMisses);
  const l = fc.tuple(fc.constantFrom('', '', '2024-03-15T00:46:55.75312 ', '2016-03-30_19:50:39.34382 ', '2024-03-1x_19:50:39.34382 '), body, fc.constantFrom('', '', '\r')).map(([st, b, r]) => st + b + r);
  // The event list full (200 tracked events) before the run: a bare Reconfigured is then only counted.
  const full = Array.from({ length: 205 }, () => 'bird: Started').join('\n') + '\n';
  const t = fc.tuple(fc.boolean(), fc.array(l, { maxLength: 80, size: 'medium' })).map(([f, ls]) => (f ? full : '') + ls.join('\n') + '\n');
  same(() => createBirdLogParser({ daemon: 'bird', file: 'f' }), t, 3000);
});
test('iptables-save: fast path = string path', () => same(() => createIptablesSaveParser()));
test('iptables-save once the policy rules are full (counted from bytes): fast path = string path', () => {
  const full = '*filter\n' + Array.from({ length: MAX_POLICY_RULES }, (_, i) => `[1:60] -A cali-pi-p${i % 7} -m comment --comment "cali:r${i}" -j MARK --set-xmark 0x10000/0x10000`).join('\n') + '\n';
  const tail = fc.array(fc.tuple(message, fc.constantFrom('', '\r')).map(([m, r]) => m + r), { maxLength: 40 });
  fc.assert(
    fc.property(tail, fc.integer({ min: 1, max: 400 }), (ls, size) => {
      const t = full + ls.join('\n') + '\n';
      const make = () => createIptablesSaveParser();
      assert.equal(feedChunks(make(), t, size).result, runParser(make(), t));
    }),
    { numRuns: Number(process.env.FAST_PATH_RUNS ?? 40) },
  );
});
test('iptables-save: runs of rules whose chain names differ by a byte, a length, or have an entry: fast path = string path', () => {
  // Dense: the name remembered from the rule before must never stand for a chain it only resembles.
  const rules = fc.constantFrom(
    '*filter',
    '[0:0] -A KUBE-SERVICES -d 10.96.7.7/32 -p tcp -m comment --comment "ns/x has no endpoints" -m tcp --dport 8080 -j REJECT',
    '[0:0] -A KUBE-SERVICES -m comment --comment "ns/z" -j KUBE-SVC-X',
    '[0:0] -A KUBE-SERVICESX -j KUBE-MARK-MASQ',
    '[0:0] -A KUBE-SERVICE -j KUBE-MARK-MASQ',
    '[0:0] -A XUBE-SERVICES -j KUBE-MARK-MASQ',
    '[0:0] -A KUBE-SERVICES',
    '[9:540] -A cali-tw-cali5125b8e5d77 -m comment --comment "cali:zzz" -j DROP',
    '[0:0] -A cali-tw-cali5125b8e5d77 -j MARK --set-xmark 0x0/0x10000',
    '[0:0] -A cali-tw-cali5125b8e5d7 -j MARK --set-xmark 0x0/0x10000',
    '[0:0] -A dali-tw-cali5125b8e5d77 -j MARK --set-xmark 0x0/0x10000',
  );
  same(() => createIptablesSaveParser(), fc.array(rules, { maxLength: 60, size: 'medium' }).map((ls) => ls.join('\n') + '\n'));
});

test('iptables-save: long runs of one chain\'s rules and of declarations (counters of every length, targets after comments, -g, RETURN, --dport), policy rules under and over the cap: fast path (JS and WebAssembly) = string path', () => {
  const counters = ['', '[0:0] ', '[12:720] ', '[1234567890123456:1] ', '[12345678901234567890:1] ', '[123456789012345678901:1] ', '[1:12345678901234567890] ', '[1:123456789012345678901] ', '[:1] ', '[1:] ', '[1:2]', '[1x:2] ', '[0:0]  '];
  const chains = ['KUBE-SEP-ABCDEFGHIJKLMNOP', 'KUBE-SEP-ABCDEFGHIJKLMNOQ', 'cali-po-_-MhJFXkhp-sWdWi4jqi', 'cali-tw-cali5125b8e5d77', 'cali-fhfw-eth0', 'DOCKER', 'IN_public_deny', 'KUBE-X', 'cali-FORWARD'];
  const specs = ['-d 10.0.0.1/32 -m comment --comment "cali:a" -j MARK --set-xmark 0x40000/0x40000', '-m comment --comment "x -j DROP" -j RETURN', '-j RETURN', '-j RETURNS', '-j DROP', '-p tcp -m tcp --dport 179 -j DROP', '-p tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable', '-g cali-pi-x', '-j cali-po-y', '-m comment --comment "-j cali-pi-z" -j ACCEPT', '-j DNAT --to-destination 10.244.1.5:8080', '-j MASQUERADE', '-j LOG --log-prefix "x "', '-j LOGX', '-j', '-g', ''];
  const rule = (ch: string) => fc.tuple(fc.constantFrom(...counters), fc.constantFrom(...specs)).map(([c, sp]) => `${c}-A ${ch}${sp === '' ? '' : ' ' + sp}`);
  const decl = fc.constantFrom(':KUBE-SEP-ABC - [0:0]', ':DOCKER - [0:0]', ':cali-INPUT - [0:0]', ':cali-pi-x - [0:0]', ':INPUT ACCEPT [1:2]', ':OUTPUT ACCEPT [0:0]', ':PREROUTING ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':Pxyz - [0:0]', ':KUBÉ - [0:0]', ': - [0:0]', ':', ':KUBE-NODEPORTS');
  // Runs: one chain's rules for a while, declarations in a block, a table line now and then.
  const run = fc.constantFrom(...chains).chain((ch) => fc.array(rule(ch), { minLength: 1, maxLength: 12 }));
  const l = fc.oneof({ weight: 6, arbitrary: run }, { weight: 2, arbitrary: fc.array(decl, { maxLength: 8 }) }, { weight: 1, arbitrary: fc.constantFrom(['*filter'], ['*nat'], ['COMMIT']) });
  const body = fc.array(l, { maxLength: 30 }).map((rs) => rs.flat());
  const full = Array.from({ length: MAX_POLICY_RULES }, (_, i) => `[1:60] -A cali-pi-p${i % 7} -j MARK --set-xmark 0x10000/0x10000`);
  const t = fc.tuple(fc.boolean(), body, fc.constantFrom('', '\r')).map(([f, ls, r]) => ['*filter', ...(f ? full : []), ...ls].map((x) => x + r).join('\n') + '\n');
  same(() => createIptablesSaveParser(), t, 5000);
});
test('ipset list: fast path = string path', () => same(() => createIpsetListParser()));
test('ipset list: dense member runs (blank, \\r-only, indented, Name: lines among them; over-long members): fast path (JS and WebAssembly) = string path', () => {
  // Set headers (one kept, one not), member lines, and lines that end a run of members.
  const headers = ['Name: cali40s:LrVD8vMIGQDyv8Y7sPFB1Ge', 'Name: cali40all-ipam-pools', 'Type: hash:net', 'Number of entries: 3', 'Members:', 'Members:'];
  const members = ['10.0.0.1', '10.0.0.2', '10.244.0.0/16\r', '10.0.0.3 timeout 30'];
  const enders = ['\r', '', ' 10.0.0.4', '\t10.0.0.5', 'N', 'Nope'];
  const lines = fc.constantFrom(...headers, ...members, ...enders);
  same(() => createIpsetListParser(), fc.array(lines, { maxLength: 80, size: 'medium' }).map((ls) => ls.join('\n') + '\n'), 3000);
  // A member line longer than MAX_LINE_BYTES goes the string way, cut short as the splitter cuts
  // every line (so it is compared with the splitter's string path, not with runParser's whole lines).
  const long = `1${'0'.repeat(MAX_LINE_BYTES)}`;
  const text = ['Name: x', 'Members:', '10.0.0.1', long, '10.0.0.2', long, ''].join('\n') + '\n';
  const stringsOnly = (): LineParser<unknown> => {
    const p = createIpsetListParser();
    return { push: (l, n) => p.push(l, n), finish: () => p.finish() };
  };
  for (const wasm of [true, false]) {
    setWasmEnabled(wasm);
    try {
      const fast = feedChunks(createIpsetListParser(), text, 1 << 20);
      assert.equal(fast.result, feedChunks(stringsOnly(), text, 1 << 20).result);
      assert.is(fast.strings, 5, 'the two long lines go the string way');
    } finally {
      setWasmEnabled(true);
    }
  }
});

test('container log: fast path = string path', () => same(() => createContainerLogParser({ file: 'f' })));
test('container log: dense runs of BIRD and Calico lines (each parser stops where the other kind starts): fast path = string path', () => {
  const birdLine = fc.constantFrom('bird: Mesh_10_0_0_11: State changed to up', 'bird: Reconfigured', 'bird: Reconfiguring', 'bird: Mesh_10_0_0_11: Reconfigured', 'bird: x', 'bird:', 'bird: Netlink: File exists');
  const calicoLine = fc.tuple(fc.constantFrom('[INFO][9] ', '[INFO][9] ', '[DEBUG][9] ', '[WARNING][9] ', '[INFO][10] '), fc.constantFrom('confd/resource.go 277: Target config /etc/calico/confd/config/bird.cfg has been updated', 'felix/health.go 159: GET /liveness', 'startup/startup.go 9: bird: x')).map(([l, m]) => `2024-03-15 00:46:55.752 ${l}${m}`);
  const l = fc.tuple(fc.oneof(birdLine, calicoLine, fc.constantFrom('', 'panic: x', ' bird: y', '2024-03-15T00:46:55.75312 bird: Mesh_1: Reconfigured')), fc.constantFrom('', '', '\r')).map(([a, r]) => a + r);
  same(() => createContainerLogParser({ file: 'f' }), fc.array(l, { maxLength: 80, size: 'medium' }).map((ls) => ls.join('\n') + '\n'), 600);
});

test.run();
