import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { feedChunks } from '../helpers/feed-chunks.js';
import { runParser } from '../../src/parsers/line-parser.js';
import { createIptablesSaveParser, type IptablesSaveResult } from '../../src/parsers/iptables-save.js';
import { LineSplitter } from '../../src/bundle/line-splitter.js';
import { POOL_SLOT_BYTES, wasmLines, wasmLinesAvailable } from '../../src/parsers/wasm-lines.js';

/**
 * The iptables-save scanner judges the chains of rules from their names (assembly/lines.ts IPT_SET):
 * it must count exactly what the string path counts, for every Felix chain family and near misses,
 * for chains that get an entry while the dump is read, with two parsers taking turns on the one
 * module, and when more chains have entries than its set holds.
 */

const RUNS = Number(process.env.FAST_PATH_RUNS ?? 150);

// Felix's families (iptables-save.ts policyFamily), near misses of each, fixed and built-in chains,
// names the scanner leaves to JS (over 32 bytes, non-ASCII, starting with I, F, O or P).
const CHAINS = [
  'cali-tw-cali5125b8e5d77', 'cali-th-eth0', 'cali-thfw-eth0', 'cali-thf', 'cali-thfwx', 'cali-thfw',
  'cali-fw-cali5125b8e5d77', 'cali-fh-eth0', 'cali-fhfw-eth0', 'cali-fhfw', 'cali-fhf-x',
  'cali-pi-_FJ9yUkNpzshVDh2n7mg', 'cali-po-_-MhJFXkhp-sWdWi4jqi', 'cali-pri-kns.default', 'cali-pro-kns.default', 'cali-pri', 'cali-pr-x', 'cali-px-y',
  'cali-gi-g1', 'cali-go-g2', 'cali-gx-g3', 'cali-g-', 'cali-tx-1', 'cali-t', 'cali-tw', 'cali-', 'cali', 'calix-tw-a', 'Cali-tw-a',
  'cali-INPUT', 'cali-FORWARD', 'cali-wl-to-host', 'cali-cidr-block', 'cali-to-host-endpoint',
  'KUBE-SEP-ABCDEFGHIJKLMNOP', 'KUBE-SVC-X', 'DOCKER-USER', 'k', 'x'.repeat(32), 'y'.repeat(33), 'KUBÉ-X',
  'INPUT', 'FORWARD', 'POSTROUTING', 'Pxyz', 'IN_public', 'OUTPUT_direct',
];
const COUNTERS = ['', '[0:0] ', '[7:420] '];
const SPECS = [
  '-j MARK --set-xmark 0x10000/0x10000',
  '-m comment --comment "cali:r1" -j RETURN',
  '-j DROP',
  '-p tcp -m tcp --dport 179 -j REJECT',
  '-j cali-pi-x',
  '-g cali-po-y',
  '-m comment --comment "-j cali-pi-z" -j ACCEPT',
  '-j KUBE-MARK-MASQ',
  '',
];
const rule = (ch: string) => fc.tuple(fc.constantFrom(...COUNTERS), fc.constantFrom(...SPECS)).map(([c, sp]) => `${c}-A ${ch}${sp === '' ? '' : ' ' + sp}`);
const run = fc.constantFrom(...CHAINS).chain((ch) => fc.array(rule(ch), { minLength: 1, maxLength: 6 }));
const decl = fc.constantFrom(...CHAINS).map((ch) => `:${ch} - [0:0]`);
const section = fc.tuple(fc.constantFrom('*filter', '*nat', '*mangle'), fc.array(decl, { maxLength: 12 }), fc.array(run, { maxLength: 25 })).map(([t, ds, rs]) => [t, ...ds, ...rs.flat(), 'COMMIT']);
// Two sections of one table: the second finds entries the first made.
const dump = fc.array(section, { minLength: 1, maxLength: 3 }).map((ss) => ss.flat().join('\n') + '\n');

test('iptables-save: chains judged from their names (every Felix family, near misses, fixed and built-in chains, entries made as the dump goes): fast path = string path', () => {
  assert.ok(wasmLinesAvailable(), 'the WebAssembly module loads');
  fc.assert(
    fc.property(dump, fc.integer({ min: 64, max: 4000 }), fc.integer(), (t, size, garbage) => {
      assert.equal(feedChunks(createIptablesSaveParser(), t, size, garbage).result, runParser(createIptablesSaveParser(), t));
    }),
    { numRuns: RUNS },
  );
});

/** Feeds `texts` to one parser each, a chunk of each in turn, in slots of the module (as two archives read at once). */
function feedInTurns(texts: string[], size: number): IptablesSaveResult[] {
  const wasm = wasmLines()!;
  const parsers = texts.map(() => createIptablesSaveParser());
  const splitters = parsers.map((p) => new LineSplitter(p));
  const bufs = texts.map((t) => Buffer.from(t));
  for (let at = 0; bufs.some((b) => at < b.length); at += size) {
    bufs.forEach((b, i) => {
      if (at >= b.length) return;
      const slot = wasm.takeBuffer(POOL_SLOT_BYTES)!;
      try {
        const n = b.copy(slot, 0, at, Math.min(b.length, at + size));
        splitters[i]!.write(slot.subarray(0, n));
      } finally {
        wasm.giveBack(slot);
      }
    });
  }
  splitters.forEach((s) => s.end());
  return parsers.map((p) => p.finish());
}

test('iptables-save: two parsers taking turns on the module (the chain set follows its owner): fast path = string path', () => {
  fc.assert(
    fc.property(dump, dump, fc.integer({ min: 64, max: 2000 }), (a, b, size) => {
      assert.equal(feedInTurns([a, b], size), [runParser(createIptablesSaveParser(), a), runParser(createIptablesSaveParser(), b)]);
    }),
    { numRuns: RUNS },
  );
});

test('iptables-save: more chains with entries than the chain set holds: their later rules still count in their entries', () => {
  // 3,500 workload chains keep a DROP that matched packets (each gets an entry), then each gets a
  // rule that is only counted, after a KUBE chain's rule (so every one is a chain change).
  const n = 3500;
  const lines = ['*filter'];
  for (let i = 0; i < n; i++) lines.push(`[1:60] -A cali-tw-w${i} -m comment --comment "cali:d${i}" -j DROP`);
  for (let i = 0; i < n; i++) lines.push(`[0:0] -A KUBE-SEP-${i} -j KUBE-MARK-MASQ`, `[0:0] -A cali-tw-w${i} -j MARK --set-xmark 0x0/0x10000`);
  lines.push('COMMIT');
  const t = lines.join('\n') + '\n';
  const want = runParser(createIptablesSaveParser(), t);
  assert.is(want.tables['filter']!.chains['cali-tw-w3499']!.ruleCount, 2);
  assert.is(want.tables['filter']!.otherRules, n);
  assert.equal(feedChunks(createIptablesSaveParser(), t, 1 << 20).result, want);
  assert.equal(feedInTurns([t, t], 1 << 16), [want, want]);
});

test('iptables-save: the scanner counts the rules of the chains it judges, first rules included (countOnly sees none)', () => {
  const lines = ['*nat'];
  for (let i = 0; i < 200; i++) lines.push(`:KUBE-SEP-${i} - [0:0]`);
  for (let i = 0; i < 200; i++) lines.push(`[0:0] -A KUBE-SEP-${i} -s 10.244.1.${i}/32 -j KUBE-MARK-MASQ`, `[0:0] -A KUBE-SEP-${i} -p tcp -j DNAT --to-destination 10.244.1.${i}:80`);
  lines.push('COMMIT');
  const t = lines.join('\n') + '\n';
  const wasm = wasmLines()!;
  const scan = wasm.scanIptables;
  let counted = 0;
  wasm.scanIptables = function (...args: Parameters<typeof scan>) {
    const next = scan.apply(this, args);
    counted += this.result(0) + this.result(2) + this.result(3);
    return next;
  };
  try {
    const fed = feedChunks(createIptablesSaveParser(), t, 1 << 20);
    assert.equal(fed.result, runParser(createIptablesSaveParser(), t));
    assert.is(fed.result.tables['nat']!.otherRules, 400);
    assert.is(fed.strings, 2, '`*nat` and `COMMIT` go the string way');
  } finally {
    wasm.scanIptables = scan;
  }
  assert.is(counted, 600, 'the 200 declarations and 400 rules are counted by the scanner');
});

test('iptables-save: rules the scanner judges kept go to push directly (countOnly, which would say the same, is not asked)', () => {
  const lines = ['*filter'];
  for (let i = 0; i < 100; i++) lines.push(`[3:180] -A cali-tw-w${i} -m comment --comment "cali:d${i}" -j DROP`, `[0:0] -A KUBE-SEP-${i} -j KUBE-MARK-MASQ`);
  lines.push('COMMIT');
  const t = lines.join('\n') + '\n';
  const proto = Object.getPrototypeOf(createIptablesSaveParser()) as { countOnly: (...a: unknown[]) => boolean };
  const countOnly = proto.countOnly;
  let asked = 0;
  proto.countOnly = function (...a: unknown[]) {
    // (buf, view, s, e): rule lines only (the table line and COMMIT are asked, and say no at once).
    const [buf, , s] = a as [Buffer, DataView, number];
    if (buf[s] === 91) asked++;
    return countOnly.apply(this, a);
  };
  try {
    const fed = feedChunks(createIptablesSaveParser(), t, 1 << 20);
    assert.equal(fed.result, runParser(createIptablesSaveParser(), t));
    assert.is(fed.result.tables['filter']!.chains['cali-tw-w99']!.rules.length, 1);
    assert.is(fed.strings, 102, 'the table line, 100 kept rules and COMMIT');
  } finally {
    proto.countOnly = countOnly;
  }
  assert.is(asked, 0, 'countOnly asked about a kept rule');
});

test.run();
