import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { main } from '../../src/cli.js';
import { RULES } from '../../src/rules/index.js';
import { captureIO } from '../helpers/io.js';
import { makeTarball, tempDir } from '../helpers/make-tarball.js';
import { healthyNodeFiles, ipRoute, NODES, POOL_YAML } from '../helpers/healthy-cluster.js';

const dir = tempDir();
const argv = (...a: string[]) => ['node', 'calico-diags', ...a];
let tarA = '';
let tarB = '';
let tarC = '';

test.before(async () => {
  tarA = join(dir, 'a.tar.gz');
  tarB = join(dir, 'b.tar.gz');
  tarC = join(dir, 'c.tar.gz');
  const a = healthyNodeFiles(NODES[0]!);
  a.ipv4_route = ipRoute(NODES[0]!, [NODES[1]!]); // node-a lacks node-c's block
  await makeTarball(tarA, a);
  await makeTarball(tarB, healthyNodeFiles(NODES[1]!));
  await makeTarball(tarC, healthyNodeFiles(NODES[2]!));
  writeFileSync(join(dir, 'pools.yaml'), POOL_YAML);
});

test('analyze writes the HTML report and a summary on stdout; exit 0', async () => {
  const out = join(dir, 'r1.html');
  const c = captureIO();
  const code = await main(argv('analyze', tarA, tarB, tarC, join(dir, 'pools.yaml'), '-o', out), c.io);
  assert.is(code, 0);
  assert.ok(existsSync(out));
  assert.match(c.out(), /3 nodes/);
  assert.match(c.out(), 'node-a has no route to node-c');
  assert.not.match(c.out(), '\u001b[', 'no colour when not a TTY');
});

test('--json - writes only JSON to stdout, summary to stderr; same input, same bytes', async () => {
  const c1 = captureIO();
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '--json', '-', '-o', join(dir, 'r2.html')), c1.io), 0);
  const j = JSON.parse(c1.out());
  assert.is(j.schemaVersion, 1);
  assert.is(j.tool.name, 'calico-diags');
  assert.ok(j.findings.some((f: { id: string }) => f.id === 'block-route-missing:node-a->node-c'));
  assert.equal(j.rules.map((r: { id: string }) => r.id), RULES.map((r) => r.meta.id));
  assert.match(c1.err(), 'node-a has no route');
  const c2 = captureIO();
  await main(argv('analyze', tarA, tarB, tarC, '--json', '-', '-o', join(dir, 'r3.html')), c2.io);
  assert.is(c2.out(), c1.out());
  assert.is(readFileSync(join(dir, 'r2.html'), 'utf8'), readFileSync(join(dir, 'r3.html'), 'utf8'));
});

test('--fail-on: 1 when a finding at or above the level exists, 0 otherwise', async () => {
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r4.html'), '--fail-on', 'critical'), captureIO().io), 1);
  assert.is(await main(argv('analyze', tarB, tarC, '-o', join(dir, 'r5.html'), '--fail-on', 'critical'), captureIO().io), 0);
});

test('a corrupt tarball among good ones: one-line error naming it, exit 0, input unreadable', async () => {
  const bad = join(dir, 'corrupt.tar.gz');
  writeFileSync(bad, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const c = captureIO();
  const json = join(dir, 'r6.json');
  const code = await main(argv('analyze', tarB, bad, tarC, '-o', join(dir, 'r6.html'), '--json', json), c.io);
  assert.is(code, 0);
  const lines = c.err().trim().split('\n').filter((l) => l.includes('corrupt.tar.gz'));
  assert.is(lines.length, 1);
  assert.match(lines[0]!, `calico-diags: ${bad}: cannot read archive`);
  const j = JSON.parse(readFileSync(json, 'utf8'));
  const input = j.inputs.find((i: { path: string }) => i.path === bad);
  assert.is(input.status, 'unreadable');
  assert.is(j.nodes.length, 2);
});

test('exit 2 when no input could be read, and on usage errors', async () => {
  const c = captureIO();
  assert.is(await main(argv('analyze', join(dir, 'missing.tar.gz'), '-o', join(dir, 'r7.html')), c.io), 2);
  assert.match(c.err(), 'no input could be read');
  assert.is(await main(argv('analyze'), captureIO().io), 2);
  assert.is(await main(argv('analyze', tarA, '--fail-on', 'bogus'), captureIO().io), 2);
  assert.is(await main(argv('frobnicate'), captureIO().io), 2);
});

test('colour only on a TTY and never with NO_COLOR', async () => {
  const tty = captureIO({}, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r8.html'), '--no-progress'), tty.io);
  assert.match(tty.out(), '\u001b[');
  const noColor = captureIO({ NO_COLOR: '1' }, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r9.html'), '--no-progress'), noColor.io);
  assert.not.match(noColor.out(), '\u001b[');
});

test('rules and rules --json list every rule; explain shows one, unknown ids exit 2', async () => {
  const c = captureIO();
  assert.is(await main(argv('rules'), c.io), 0);
  for (const r of RULES) assert.match(c.out(), r.meta.id);
  const j = captureIO();
  await main(argv('rules', '--json'), j.io);
  assert.equal(JSON.parse(j.out()).map((r: { id: string }) => r.id), RULES.map((r) => r.meta.id));
  const e = captureIO();
  assert.is(await main(argv('explain', 'bgp-port179-blocked'), e.io), 0);
  assert.match(e.out(), 'bgp-port179-blocked [critical]');
  assert.match(e.out(), 'What to do:');
  assert.match(e.out(), 'Can be the root cause of: block-route-missing, dns-resolution-failure');
  assert.match(e.out(), 'When it cannot decide, collect:\n  calicoctl node status\n');
  assert.is(await main(argv('explain', 'nope'), captureIO().io), 2);
});

test('progress bars go to stderr only on a TTY, never to stdout, and not in CI', async () => {
  const tty = captureIO({}, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r10.html')), tty.io);
  assert.match(tty.err(), 'archives');
  assert.not.match(tty.out(), 'archives');
  const ci = captureIO({ CI: 'true' }, true);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r11.html')), ci.io);
  assert.not.match(ci.err(), 'archives');
  const pipe = captureIO({}, false);
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r12.html')), pipe.io);
  assert.not.match(pipe.err(), 'archives');
});

test('problem lines stay one line each, even for hostile member names', async () => {
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const { createGzip } = await import('node:zlib');
  const tar = await import('tar-stream');
  const outer = join(dir, 'hostile-names.tar.gz');
  const pack = tar.pack();
  pack.entry({ name: 'x\n\u001b[31mEVIL\u001b[0m.tar.gz' }, 'not an archive at all, just text');
  pack.entry({ name: 'diagnostics/hostname' }, 'node-h\n');
  pack.finalize();
  await pipeline(pack, createGzip(), createWriteStream(outer));
  const c = captureIO();
  assert.is(await main(argv('analyze', outer, '-o', join(dir, 'r13.html')), c.io), 0);
  const lines = c.err().split('\n').filter((l) => l.includes('EVIL'));
  assert.is(lines.length, 1, c.err());
  assert.not.match(c.err(), '\u001b[31m');
});

test('the terminal summary shows each root cause with its first fix step', async () => {
  const c = captureIO();
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r14.html')), c.io), 0);
  assert.match(c.out(), /: \d+ root causes? \(1 critical[,)]/);
  assert.match(c.out(), /node-a has no route to node-c[^\n]*\n(?: {10}[^\n]*\n)* {10}fix: \S/);
});

test('-o: a missing parent folder is created; a folder (existing, or ending in /) gets calico-diags-report.html', async () => {
  const nested = join(dir, 'out-new', 'deeper', 'r.html');
  assert.is(await main(argv('analyze', tarB, tarC, '-o', nested), captureIO().io), 0);
  assert.ok(statSync(nested).isFile());
  const folder = join(dir, 'out-folder');
  mkdirSync(folder);
  const c = captureIO();
  assert.is(await main(argv('analyze', tarB, tarC, '-o', folder), c.io), 0);
  assert.ok(statSync(join(folder, 'calico-diags-report.html')).isFile());
  assert.match(c.out(), `Report written to ${join(folder, 'calico-diags-report.html')}\n`);
  const slash = join(dir, 'out-slash') + '/';
  assert.is(await main(argv('analyze', tarB, tarC, '-o', slash, '--json', slash), captureIO().io), 0);
  assert.ok(statSync(join(slash, 'calico-diags-report.html')).isFile());
  assert.ok(statSync(join(slash, 'calico-diags-report.json')).isFile());
});

test('an unwritable output fails fast with one line and exit 2, before any input is read', async () => {
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  for (const args of [
    ['-o', join(file, 'r.html')],
    ['--json', join(file, 'r.json')],
    ['--summary', join(file, 'sub', 's.txt')],
    ['--junit', join(file, 'j.xml')],
    ['--sarif', join(file, 'r.sarif')],
  ]) {
    const c = captureIO();
    // the input does not exist: reading it first would say "no input could be read"
    assert.is(await main(argv('analyze', join(dir, 'missing.tar.gz'), ...args), c.io), 2, args.join(' '));
    const lines = c.err().trim().split('\n');
    assert.is(lines.length, 1, c.err());
    assert.is(lines[0], `calico-diags: cannot write ${args[0]} ${args[1]}: a part of the path is a file, not a folder`);
    assert.is(c.out(), '');
  }
  // a folder where the file should go
  const clash = join(dir, 'clash');
  mkdirSync(join(clash, 'calico-diags-report.html'), { recursive: true });
  const c = captureIO();
  assert.is(await main(argv('analyze', tarB, '-o', clash), c.io), 2);
  assert.is(c.err(), `calico-diags: cannot write -o ${join(clash, 'calico-diags-report.html')}: is a folder\n`);
});

test('two outputs to stdout, or two outputs to one file: exit 2 before reading', async () => {
  const c = captureIO();
  assert.is(await main(argv('analyze', tarB, '--json', '-', '--sarif', '-'), c.io), 2);
  assert.is(c.err(), "calico-diags: only one output can go to stdout ('-'), got --json, --sarif\n");
  const same = captureIO();
  assert.is(await main(argv('analyze', tarB, '-o', join(dir, 'same.out'), '--junit', join(dir, 'same.out')), same.io), 2);
  assert.is(same.err(), `calico-diags: -o and --junit would both write ${join(dir, 'same.out')}\n`);
  assert.not.ok(existsSync(join(dir, 'same.out')));
});

test('--json - (or --summary/--junit/--sarif -) alone writes no HTML report; with -o it does', async () => {
  const cwd = process.cwd();
  const work = join(dir, 'cwd-json');
  mkdirSync(work);
  process.chdir(work);
  try {
    const c = captureIO();
    assert.is(await main(argv('analyze', tarA, tarB, tarC, '--json', '-'), c.io), 0);
    assert.is(JSON.parse(c.out()).schemaVersion, 1);
    assert.not.ok(existsSync(join(work, 'calico-diags-report.html')));
    assert.not.match(c.err(), 'Report written');
    for (const opt of ['--summary', '--junit', '--sarif']) {
      const o = captureIO();
      assert.is(await main(argv('analyze', tarA, tarB, tarC, opt, '-'), o.io), 0, opt);
      assert.match(o.err(), 'calico-diags: 3 nodes', `${opt} -: the terminal summary goes to stderr`);
      assert.not.match(o.out(), '3 nodes, 3 inputs');
      assert.ok(o.out().length > 0);
      assert.not.ok(existsSync(join(work, 'calico-diags-report.html')), `${opt} - alone writes no HTML`);
    }
    // without '-' the default HTML report is written as before
    assert.is(await main(argv('analyze', tarA, tarB, tarC, '--json', 'r.json'), captureIO().io), 0);
    assert.ok(existsSync(join(work, 'calico-diags-report.html')));
    assert.ok(existsSync(join(work, 'r.json')));
  } finally {
    process.chdir(cwd);
  }
});

test('--summary: the ticket text to a file or to stdout (then the terminal summary goes to stderr)', async () => {
  const file = join(dir, 'summary.txt');
  const json = join(dir, 'r15.json');
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r15.html'), '--summary', file, '--json', json), captureIO().io), 0);
  const text = readFileSync(file, 'utf8');
  type F = { id: string; title: string; nodes: string[]; evidence: { text: string }[]; remediation: string[]; explains: string[] };
  const findings: F[] = JSON.parse(readFileSync(json, 'utf8')).findings;
  const finding = findings.find((f) => !findings.some((g) => g.explains.includes(f.id)))!; // the root cause
  assert.ok(finding.explains.includes('block-route-missing:node-a->node-c'));
  assert.match(text, finding.title, 'the cause');
  assert.match(text, finding.nodes.join(', '), 'its nodes');
  assert.match(text, finding.evidence[0].text.trim(), 'its first evidence line');
  assert.match(text, finding.remediation[0], 'its first fix step');
  const c = captureIO();
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r16.html'), '--summary', '-'), c.io), 0);
  assert.is(c.out(), text);
  assert.match(c.err(), 'Report written to');
});

test('--junit: one test case per rule and node, failures at or above --fail-on (critical by default)', async () => {
  const parser = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === 'testsuite' || n === 'testcase' });
  const junit = (file: string) => parser.parse(readFileSync(file, 'utf8')).testsuites;
  const j1 = join(dir, 'j1.xml');
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r17.html'), '--junit', j1), captureIO().io), 0);
  const doc = junit(j1);
  assert.equal(doc.testsuite.map((s: { '@_name': string }) => s['@_name']), ['node-a', 'node-b', 'node-c']);
  assert.is(Number(doc['@_tests']), 3 * RULES.length);
  const a = doc.testsuite[0].testcase.find((t: { '@_name': string }) => t['@_name'] === 'block-route-missing');
  assert.match(a.failure['@_message'], 'node-a has no route to node-c');
  const b = doc.testsuite[1].testcase.find((t: { '@_name': string }) => t['@_name'] === 'block-route-missing');
  assert.not.ok('failure' in b, 'node-b has every route: passes');
  const failures = Number(doc['@_failures']);
  assert.ok(failures >= 2, 'node-a and node-c fail block-route-missing');
  assert.ok(Number(doc['@_skipped']) > 0, 'rules without data are skipped');
  // info findings only fail with --fail-on info
  const j2 = join(dir, 'j2.xml');
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r18.html'), '--junit', j2, '--fail-on', 'info'), captureIO().io);
  const json = join(dir, 'r18.json');
  await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r18.html'), '--json', json), captureIO().io);
  const findings = JSON.parse(readFileSync(json, 'utf8')).findings as { severity: string }[];
  const expectMore = findings.some((f) => f.severity !== 'critical');
  const f2 = Number(junit(j2)['@_failures']);
  assert.ok(expectMore ? f2 > failures : f2 === failures, `${f2} vs ${failures}`);
});

test('--sarif: SARIF 2.1.0 with one result per finding of the JSON, evidence as input!/file locations', async () => {
  const sarif = join(dir, 'r.sarif');
  const json = join(dir, 'r19.json');
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '-o', join(dir, 'r19.html'), '--sarif', sarif, '--json', json), captureIO().io), 0);
  const log = JSON.parse(readFileSync(sarif, 'utf8'));
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.is(log.version, '2.1.0');
  assert.equal(log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id), RULES.map((r) => r.meta.id));
  assert.equal(log.runs[0].results.map((r: { ruleId: string }) => r.ruleId), report.findings.map((f: { rule: string }) => f.rule));
  const r = log.runs[0].results.find((x: { partialFingerprints: Record<string, string> }) => x.partialFingerprints['calicoDiagsFindingId/v1'] === 'block-route-missing:node-a->node-c');
  assert.ok(r);
  const uris = [...r.locations, ...(r.relatedLocations ?? [])].map((l: { physicalLocation?: { artifactLocation: { uri: string } } }) => l.physicalLocation?.artifactLocation.uri);
  assert.ok(uris.some((u: string | undefined) => u !== undefined && u.endsWith('a.tar.gz!/diagnostics/ipv4_route')), uris.join(' '));
});

test('--timestamp records the generation time in JSON, SARIF and JUnit; without it none is written', async () => {
  const [json, sarif, junit] = ['t.json', 't.sarif', 't.xml'].map((f) => join(dir, f));
  const run = (...extra: string[]) => main(argv('analyze', tarB, tarC, '-o', join(dir, 't.html'), '--json', json!, '--sarif', sarif!, '--junit', junit!, ...extra), captureIO().io);
  assert.is(await run('--timestamp'), 0);
  const at = JSON.parse(readFileSync(json!, 'utf8')).generatedAt as string;
  assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.is(JSON.parse(readFileSync(sarif!, 'utf8')).runs[0].invocations[0].endTimeUtc, at);
  assert.match(readFileSync(junit!, 'utf8'), `timestamp="${at.replace(/\.\d+Z$|Z$/, '')}"`);
  assert.is(await run(), 0);
  assert.is(JSON.parse(readFileSync(json!, 'utf8')).generatedAt, undefined);
  assert.is(JSON.parse(readFileSync(sarif!, 'utf8')).runs[0].invocations[0].endTimeUtc, undefined);
  assert.not.match(readFileSync(junit!, 'utf8'), 'timestamp=');
});

test('analyze --node: a malformed value is a usage error (exit 2)', async () => {
  const c = captureIO();
  assert.is(await main(argv('analyze', tarB, '--node', 'no-equals-sign', '-o', join(dir, 'n.html')), c.io), 2);
  assert.match(c.err(), "--node expects <name>=<file>, got 'no-equals-sign'");
});

test('a write that fails after the checks (disk full): one line, exit 2, the other outputs still written', async () => {
  if (!existsSync('/dev/full')) return; // Linux only
  const json = join(dir, 'full.json');
  const c = captureIO();
  assert.is(await main(argv('analyze', tarB, tarC, '-o', '/dev/full', '--json', json), c.io), 2);
  assert.is(c.err(), 'calico-diags: cannot write -o /dev/full: ENOSPC: no space left on device, write\n');
  assert.ok(existsSync(json));
  assert.match(c.out(), 'calico-diags: 2 nodes');
  assert.match(c.out(), `JSON written to ${json}`);
});

test('--timings: one line per phase on stderr (derive, rules, each output); the outputs are the same bytes', async () => {
  const plain = captureIO();
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '--json', join(dir, 't1.json'), '-o', join(dir, 't1.html')), plain.io), 0);
  const timed = captureIO();
  assert.is(await main(argv('analyze', tarA, tarB, tarC, '--json', join(dir, 't2.json'), '-o', join(dir, 't2.html'), '--timings'), timed.io), 0);
  const lines = timed.err().split('\n').filter((l) => l.startsWith('timings: '));
  const phases = lines.filter((l) => !l.startsWith('timings:   ')).map((l) => /^timings: (\S.*?)\s+\d+ ms {2}heap +[\d.]+ MiB {2}rss +[\d.]+ MiB {2}peak +[\d.]+ MiB$/.exec(l)?.[1]);
  assert.equal(phases, ['read+parse', 'collect garbage', 'cluster grouping+model', 'derive', 'rules', 'report build', 'mask secrets', 'render html', 'render json', 'render terminal summary']);
  assert.not.match(plain.err(), 'timings:');
  assert.not.match(plain.err(), 'threads:');
  // The helper threads (libuv's inflating pool, V8's) were lowered below the main thread (Linux only).
  const threads = /^threads: (\d+) helper threads at nice 19/m.exec(timed.err());
  assert.ok(threads !== null, timed.err());
  if (process.platform === 'linux') assert.ok(Number(threads[1]) >= 4, threads[0]);
  assert.is(timed.out(), plain.out().replaceAll('t1.', 't2.'));
  assert.is(readFileSync(join(dir, 't2.json'), 'utf8'), readFileSync(join(dir, 't1.json'), 'utf8'));
  assert.is(readFileSync(join(dir, 't2.html'), 'utf8'), readFileSync(join(dir, 't1.html'), 'utf8'));
});

test.run();
