/** Always-on secret masking, on real-shaped keys, certificates and tokens (test/fixtures/secrets, made with openssl). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import { MASK, mapStrings, maskSecrets } from '../../src/report/secrets.js';
import { maskReportSecrets } from '../../src/report/redact.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderJson } from '../../src/report/render-json.js';
import { renderText } from '../../src/report/render-text.js';
import { sampleReport } from './sample-report.js';

const fixtures = join(new URL('../../../', import.meta.url).pathname, 'test', 'fixtures', 'secrets');
const KEY_PEM = readFileSync(join(fixtures, 'tls.key'), 'utf8');
const EC_PEM = readFileSync(join(fixtures, 'ec.key'), 'utf8');
const CERT_PEM = readFileSync(join(fixtures, 'tls.crt'), 'utf8');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
/** A service-account token shaped as the kubelet projects it (RS256 header, claims, signature). */
const JWT_HEAD = b64url(JSON.stringify({ alg: 'RS256', kid: 'Zq1x9-abcDEF' }));
const JWT_BODY = b64url(JSON.stringify({ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:calico-system:calico-node', exp: 1767225600 }));
const JWT = `${JWT_HEAD}.${JWT_BODY}.${createHmac('sha256', 'k').update('x').digest('base64url')}`;
const bodyLines = (pem: string) => pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

test('PEM private keys (PKCS#8, EC, generated RSA) keep their frame, lose their body', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  for (const pem of [KEY_PEM, EC_PEM, rsa]) {
    const out = maskSecrets(`key file content:\n${pem}\ntrailer`);
    for (const l of bodyLines(pem)) assert.not.ok(out.includes(l), `body line left: ${l}`);
    assert.ok(out.includes(MASK));
    assert.match(out, /-----BEGIN (RSA |EC )?PRIVATE KEY-----/);
    assert.match(out, 'trailer');
  }
});

test('certificate bodies, a lone BEGIN line, bare body lines and base64 PEM in YAML are masked', () => {
  const out = maskSecrets(CERT_PEM);
  for (const l of bodyLines(CERT_PEM)) assert.not.ok(out.includes(l));
  assert.match(out, '-----BEGIN CERTIFICATE-----');
  // evidence holds one line at a time
  for (const l of bodyLines(KEY_PEM).slice(0, -1)) assert.is(maskSecrets(l), MASK);
  assert.is(maskSecrets('-----BEGIN PRIVATE KEY-----'), `-----BEGIN PRIVATE KEY----- ${MASK}`);
  const b64 = Buffer.from(CERT_PEM).toString('base64');
  const yaml = maskSecrets(`  tls.crt: ${b64}\n  ca.crt: ${b64}`);
  assert.not.ok(yaml.includes(b64.slice(10, 40)));
  assert.match(yaml, 'tls.crt:');
});

test('service-account tokens and bearer credentials are masked wherever they sit', () => {
  for (const line of [
    `time="2025-03-01T10:00:00Z" level=info msg="using token" token=${JWT}`,
    `Authorization: Bearer ${JWT}`,
    `curl -H "Authorization: Bearer abcdef0123456789abcdef" https://10.96.0.1:443/api`,
    `{"kind":"TokenReview","spec":{"token":"${JWT}"}}`,
    `    token: ${JWT}`,
  ]) {
    const out = maskSecrets(line);
    assert.not.ok(out.includes(JWT_BODY), out);
    assert.not.ok(out.includes('abcdef0123456789abcdef'), out);
    assert.ok(out.includes(MASK), out);
  }
  assert.is(maskSecrets(`Authorization: Bearer ${JWT}`), `Authorization: Bearer ${MASK}`);
});

test('values of password/token/secret/key-named keys in YAML and logs are masked; names and places stay', () => {
  const cases: [string, string][] = [
    ['    password: s3cr3t-Passw0rd', `    password: ${MASK}`],
    ['  bgpPassword: "hunter2hunter2"', `  bgpPassword: "${MASK}"`],
    ['etcd_password=topsecret level=info', `etcd_password=${MASK} level=info`],
    ['client_secret: 8f4e2b1a', `client_secret: ${MASK}`],
    ['  apiKey: AKIAIOSFODNN7EXAMPLE', `  apiKey: ${MASK}`],
    ['  tls.key: c2VjcmV0LWtleS1tYXRlcmlhbA==', `  tls.key: ${MASK}`],
    ['"etcdKey":"abc123def"', `"etcdKey":"${MASK}"`],
    ['  key: c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3', `  key: ${MASK}`],
  ];
  for (const [input, want] of cases) assert.is(maskSecrets(input), want);
  // not secrets: places, references, structure, ordinary words
  for (const keep of [
    'etcdKeyFile: /calico-secrets/etcd-key',
    'tokenFile=/var/run/secrets/kubernetes.io/serviceaccount/token',
    '    password:',
    '      secretKeyRef:',
    '  - key: node-role.kubernetes.io/control-plane',
    'bypass=true monkey=1',
    '2025-03-01 10:00:00.000 [INFO][77] felix/int_dataplane.go 1234: Applying dataplane updates',
    'Syncing key=WorkloadEndpoint(node=node-a, orchestrator=k8s)',
  ]) assert.is(maskSecrets(keep), keep, keep);
});

test('masking is idempotent', () => {
  for (const s of [KEY_PEM, CERT_PEM, `Authorization: Bearer ${JWT}`, 'password: x1234567', `token=${JWT}`]) {
    const once = maskSecrets(s);
    assert.is(maskSecrets(once), once);
  }
});

test('maskReportSecrets: every renderer gets masked data; rule ids and the input report stay untouched', () => {
  const report = sampleReport();
  const f = report.findings[0]!;
  f.evidence[0] = { ...f.evidence[0]!, text: `token=${JWT}` };
  f.message += ` ${KEY_PEM}`;
  report.nodes[0]!.problems.push(`password: hunter2hunter2`);
  report.timeline.events.push({ time: '2025-03-01T10:00:00Z', node: 'node-a', source: 'felix', text: `Authorization: Bearer ${JWT}`, file: 'f', line: 1, level: 'info' });
  const masked = maskReportSecrets(report);
  assert.ok(renderJson(report).includes(JWT_BODY), 'the original report is not changed');
  for (const out of [renderJson(masked), renderHtml(masked), renderText(masked, { colour: false })]) {
    assert.not.ok(out.includes(JWT_BODY));
    assert.not.ok(out.includes(bodyLines(KEY_PEM)[3]!));
    assert.not.ok(out.includes('hunter2hunter2'));
  }
  assert.equal(masked.findings.map((x) => x.rule), report.findings.map((x) => x.rule));
  assert.equal(masked.rules, report.rules);
});

test('mapStrings copies only where a string changes: the rest is shared, the input never written, the top level always new', () => {
  const quiet = { a: ['x', 'y'], b: { c: 'z', n: 1 } };
  const loud = { d: ['x', 'token=abc'], e: { f: 'token=def', g: { h: 'q' } } };
  const value = { quiet, loud, rules: ['token=kept'] };
  const before = JSON.stringify(value);
  const out = mapStrings(value, (s) => s.replace(/token=\w+/, 'token=***'), new Set(['rules']));
  assert.is(JSON.stringify(value), before, 'input unchanged');
  assert.equal(out, { quiet, loud: { d: ['x', 'token=***'], e: { f: 'token=***', g: { h: 'q' } } }, rules: ['token=kept'] });
  assert.ok(out !== value, 'top level copied');
  assert.ok(out.quiet === quiet && out.rules === value.rules, 'unchanged and skipped subtrees shared');
  assert.ok(out.loud !== loud && out.loud.d !== loud.d && out.loud.e !== loud.e, 'changed paths copied');
  assert.ok(out.loud.e.g === loud.e.g, 'an unchanged object under a changed one shared');
  const same = mapStrings(quiet, (s) => s);
  assert.ok(same !== quiet && same.a === quiet.a, 'nothing changed: a new top level over shared children');
  assert.equal(same, quiet);
});

test.run();
