/**
 * Rule texts are Markdown; in the terminal (`rules`, `explain`, the analyze summary's fix and collect lines)
 * code spans are cyan with colour and plain without, never raw backticks; code blocks are indented.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pc from 'picocolors';
import { main } from '../../src/cli.js';
import { findRule, RULES } from '../../src/rules/index.js';
import { mdLine, mdLines, renderText } from '../../src/report/render-text.js';
import { captureIO } from '../helpers/io.js';
import { sampleReport } from '../report/sample-report.js';

const argv = (...a: string[]) => ['node', 'calico-diags', ...a];
const ESC = '\u001b';
const CYAN = `${ESC}[36m`;
const plain = pc.createColors(false);
const colour = pc.createColors(true);
const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

test('mdLine: code spans cyan with colour, plain without; code blocks become a pointer; cut on visible text', () => {
  const src = 'Run `nc -zv 10.0.0.12 179` on node-c,\nthen `calicoctl node status`:\n```yaml\nkind: BGPPeer\nspec: {}\n```';
  assert.is(mdLine(src, plain), 'Run nc -zv 10.0.0.12 179 on node-c, then calicoctl node status: [2 lines code block: see the report]');
  const c = mdLine(src, colour);
  assert.ok(c.includes(`${CYAN}nc -zv 10.0.0.12 179${ESC}[39m`), c);
  assert.is(strip(c), mdLine(src, plain));
  assert.is(mdLine('a `bcdefgh` i', plain, 5), 'a bc…');
  assert.is(strip(mdLine('a `bcdefgh` i', colour, 5)), 'a bc…');
  // an unclosed backtick is text, and control characters are escaped as elsewhere in the terminal
  assert.is(mdLine('one ` tick\u001b[2J', plain), 'one ` tick\\x1b[2J');
});

test('mdLines: paragraphs keep their breaks, code blocks are indented by four, continuation lines by the indent', () => {
  const src = 'Apply `this`:\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n\nthen check.';
  assert.is(mdLines(src, plain, '   '), 'Apply this:\n       apiVersion: projectcalico.org/v3\n       kind: GlobalNetworkPolicy\n   then check.');
  assert.is(strip(mdLines(src, colour, '   ')), mdLines(src, plain, '   '));
});

test('rules and explain print no backtick, piped or coloured; code is cyan only with colour', async () => {
  const withTicks = RULES.filter((r) => r.meta.summary.includes('`'));
  const piped = captureIO();
  assert.is(await main(argv('rules'), piped.io), 0);
  assert.not.ok(piped.out().includes('`'), 'rules: no raw backtick');
  assert.not.ok(piped.out().includes(ESC), 'rules: no colour into a pipe');
  const id = 'bgp-as-mismatch';
  const meta = findRule(id)!.meta;
  assert.ok(meta.remediation.some((s) => s.includes('`')), 'the rule chosen has code spans in its steps');
  const e = captureIO();
  assert.is(await main(argv('explain', id), e.io), 0);
  assert.not.ok(e.out().includes('`'), 'explain: no raw backtick');
  assert.not.ok(e.out().includes(ESC));
  assert.match(e.out(), '1. Decide which AS is right and align them: calicoctl patch node');
  const tty = captureIO({ FORCE_COLOR: '1' });
  await main(argv('explain', id), tty.io);
  assert.ok(tty.out().includes(`${CYAN}calicoctl get node -o wide${ESC}[39m`), 'code spans cyan with colour');
  assert.is(strip(tty.out()).replace(/\s+/g, ' '), e.out().replace(/\s+/g, ' '));
  assert.ok(withTicks.length > 0, 'some rule summaries have code spans');
  const t = captureIO({ FORCE_COLOR: '1' });
  await main(argv('rules'), t.io);
  assert.ok(t.out().includes(CYAN), 'a summary code span is cyan');
});

test('analyze summary: fix steps and collect reasons show code without backticks', () => {
  const r = sampleReport();
  r.collectNext[0]!.why = 'the `Established` state per peer';
  const text = renderText(r, { colour: false });
  assert.not.ok(text.includes('`'), text);
  assert.ok(text.includes('fix: Re-run calicoctl node diags on node-d as root.\n'));
  assert.ok(text.includes('the Established state per peer'));
  const coloured = renderText(r, { colour: true });
  assert.ok(coloured.includes(`${CYAN}calicoctl node diags${ESC}[39m`));
});

test.run();
