/**
 * Validators for the CI outputs, shared by the renderer tests and the sample goldens:
 * SARIF against the official SARIF 2.1.0 JSON schema (draft-04, vendored in test/fixtures, see
 * README-sarif.md there), JUnit against the common JUnit XML structure that Jenkins, GitLab and
 * GitHub reporters read.
 */
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const require = createRequire(import.meta.url);
const AjvDraft04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const schema = JSON.parse(readFileSync(new URL('../../../test/fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
// unicodeRegExp off: the schema's `language` pattern (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) is not a valid /u regex.
const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
export const validateSarif = ajv.compile(schema);

/** Fails the test with the first schema errors when `text` is not a valid SARIF 2.1.0 log. */
export function assertValidSarif(text: string): void {
  const ok = validateSarif(JSON.parse(text));
  assert.ok(ok, JSON.stringify(validateSarif.errors?.slice(0, 5), null, 1));
}

export interface JunitCase {
  '@_name': string;
  '@_classname': string;
  failure?: { '@_message': string; '@_type': string; '#text'?: string };
  error?: { '@_message': string };
  skipped?: { '@_message': string } | '';
  'system-out'?: string;
}
export interface JunitSuite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  '@_skipped': string;
  testcase: JunitCase[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  isArray: (name) => name === 'testsuite' || name === 'testcase',
  parseTagValue: false,
  parseAttributeValue: false,
});

/**
 * Parses JUnit XML and checks its structure: well-formed, root <testsuites> with tests/failures/
 * errors/skipped, each <testsuite> with a name and the same counts matching its <testcase>s, each
 * <testcase> with name and classname and at most one of failure, error, skipped. Returns the suites.
 */
export function parseJunit(xml: string): JunitSuite[] {
  const wellFormed = XMLValidator.validate(xml);
  assert.ok(wellFormed === true, JSON.stringify(wellFormed));
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const doc = parser.parse(xml);
  const root = doc.testsuites;
  assert.ok(root, 'root element is <testsuites>');
  const suites: JunitSuite[] = root.testsuite ?? [];
  const sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of suites) {
    assert.type(s['@_name'], 'string');
    const cases = s.testcase ?? [];
    for (const c of cases) {
      assert.type(c['@_name'], 'string');
      assert.type(c['@_classname'], 'string');
      const outcomes = ['failure', 'error', 'skipped'].filter((k) => k in c);
      assert.ok(outcomes.length <= 1, `${c['@_name']}: ${outcomes.join(', ')}`);
    }
    const counts = {
      tests: cases.length,
      failures: cases.filter((c) => 'failure' in c).length,
      errors: cases.filter((c) => 'error' in c).length,
      skipped: cases.filter((c) => 'skipped' in c).length,
    };
    assert.equal(
      { tests: Number(s['@_tests']), failures: Number(s['@_failures']), errors: Number(s['@_errors']), skipped: Number(s['@_skipped']) },
      counts,
      `counts of suite ${s['@_name']}`,
    );
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += counts[k];
  }
  assert.equal(
    { tests: Number(root['@_tests']), failures: Number(root['@_failures']), errors: Number(root['@_errors']), skipped: Number(root['@_skipped']) },
    sum,
    'counts of testsuites',
  );
  return suites;
}
