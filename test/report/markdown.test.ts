import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inlineSpans, markdown, plainMarkdown } from '../../src/report/markdown.js';

test('inline code spans: matching backtick runs, unclosed runs stay text', () => {
  assert.equal(inlineSpans('run `calicoctl node status` now'), [
    { text: 'run ', code: false },
    { text: 'calicoctl node status', code: true },
    { text: ' now', code: false },
  ]);
  assert.equal(inlineSpans('``a `b` c`` and `x'), [
    { text: 'a `b` c', code: true },
    { text: ' and `x', code: false },
  ]);
  assert.equal(inlineSpans('<script>`</script>`'), [{ text: '<script>', code: false }, { text: '</script>', code: true }]);
});

test('paragraphs keep their line breaks; fences and unfenced manifests become code blocks', () => {
  const blocks = markdown('one\ntwo\n\n```yaml\nkind: X\n  spec: {}\n```\nafter:\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nspec:\n  order: 9\n\nlast');
  assert.is(blocks.length, 5);
  assert.equal(blocks[0]!.lines.map((l) => l.map((s) => s.text).join('')), ['one', 'two']);
  assert.equal(blocks[1], { pre: true, text: 'kind: X\n  spec: {}', lines: [] });
  assert.equal(blocks[2]!.lines.map((l) => l.map((s) => s.text).join('')), ['after:']);
  assert.equal(blocks[3], { pre: true, text: 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nspec:\n  order: 9', lines: [] });
  assert.is(blocks[4]!.lines[0]![0]!.text, 'last');
});

test('an unclosed fence runs to the end; plain text drops the backticks', () => {
  assert.equal(markdown('```\nA\nB'), [{ pre: true, text: 'A\nB', lines: [] }]);
  assert.is(plainMarkdown('use `x` here'), 'use x here');
});

test.run();
