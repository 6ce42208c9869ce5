/**
 * With CALICO_DIAGS_YAML_WORKER=1, large resource YAML is parsed in a worker thread: the result equals the in-place parse (resources, lines,
 * problems), files keep their order in the collector whichever finishes first, and a process with work in
 * the worker does not exit before it is done.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BundleCollector } from '../../src/bundle/bundle-collector.js';
import { OFF_THREAD_BYTES, offThreadStats, parseResourcesOffThread } from '../../src/bundle/parse-resources-off-thread.js';
import { parseCalicoResources } from '../../src/parsers/calico-resources.js';

process.env.CALICO_DIAGS_YAML_WORKER = '1'; // opt-in: this file tests the worker path

function policies(n: number, prefix: string): string {
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    items.push(
      [
        '- apiVersion: projectcalico.org/v3',
        '  kind: GlobalNetworkPolicy',
        '  metadata:',
        `    name: ${prefix}-${i}`,
        '  spec:',
        `    order: ${i}`,
        `    selector: app == '${prefix}-${i}' && tier == 'web'`,
        '    types:',
        '    - Ingress',
        '    ingress:',
        '    - action: Allow',
        '      protocol: TCP',
        '      destination:',
        '        ports:',
        '        - 8080',
      ].join('\n'),
    );
  }
  return `apiVersion: projectcalico.org/v3\nitems:\n${items.join('\n')}\nkind: GlobalNetworkPolicyList\nmetadata:\n  resourceVersion: "1"\n`;
}

const BIG = policies(1200, 'big');
const SMALL = policies(3, 'small');
const BROKEN = BIG.replace('    name: big-7\n', '    name: big-7\n    bad: [\n');

test('a large file goes to the worker and comes back equal to the in-place parse, problems included', async () => {
  assert.ok(BIG.length >= OFF_THREAD_BYTES, `${BIG.length} bytes`);
  const before = offThreadStats.jobs;
  for (const text of [BIG, BROKEN]) {
    const source = { input: 'ticket.zip', file: 'case/policies.yaml' };
    const off = await parseResourcesOffThread(text, source);
    assert.equal(off, parseCalicoResources(text, source));
  }
  assert.is(offThreadStats.jobs - before, 2);
  const r = await parseResourcesOffThread(BROKEN, { input: 'a', file: 'b' });
  assert.match(r.problems.join('\n'), /^b: line 113: YAML error: /);
  assert.is((await parseResourcesOffThread(BIG, { input: 'a', file: 'b' })).resources.length, 1200);
});

test('small files are parsed in place', async () => {
  const before = offThreadStats.jobs;
  const r = await parseResourcesOffThread(SMALL, { input: 'a', file: 'b' });
  assert.is(r.resources.length, 3);
  assert.is(offThreadStats.jobs, before);
});

test('the collector keeps file order: a large file read first stays first though a small one parses sooner', async () => {
  const c = new BundleCollector('ticket.tar.gz');
  for (const [name, text] of [['exports/a-policies.yaml', BIG], ['exports/b-policies.yaml', SMALL]] as const) {
    const sink = c.openFile(name, text.length)!;
    sink.write(Buffer.from(text));
    sink.end();
  }
  assert.is(c.resources.length, 0, 'nothing before settle');
  await c.settle();
  assert.is(c.resources.length, 1203);
  assert.is(c.resources[0]!.name, 'big-0');
  assert.is(c.resources[1200]!.name, 'small-0');
  assert.equal([...new Set(c.resources.map((r) => r.ref.file))], ['exports/a-policies.yaml', 'exports/b-policies.yaml']);
});

test('off by default: parsed in place', async () => {
  process.env.CALICO_DIAGS_YAML_WORKER = '';
  const before = offThreadStats.jobs;
  assert.is((await parseResourcesOffThread(BIG, { input: 'a', file: 'b' })).resources.length, 1200);
  assert.is(offThreadStats.jobs, before);
  process.env.CALICO_DIAGS_YAML_WORKER = '1';
});

test.run();
