import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PART_MIN_MS, Timings, timed } from '../src/timings.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('a part is listed under the phase that holds it, and only from PART_MIN_MS on', () => {
  const t = new Timings();
  t.phase('first', () => busy(1));
  const out = t.phase('derive', () => {
    t.part('slow table', () => busy(PART_MIN_MS + 2));
    t.part('quick table', () => 1);
    return 42;
  });
  assert.is(out, 42);
  assert.equal(t.entries.map((e) => [e.name, e.depth]), [['first', 0], ['derive', 0], ['slow table', 1]]);
  assert.ok(t.entries[1]!.ms >= t.entries[2]!.ms);
  const lines = t.lines();
  assert.is(lines.length, 3);
  assert.match(lines[2]!, /^timings: {3}slow table +\d+ ms {2}heap/);
});

test('a part that throws is still measured, and the error reaches the caller (derive guards each table)', () => {
  const t = new Timings();
  let caught: unknown;
  t.phase('derive', () => {
    try {
      t.part('bad', () => (busy(PART_MIN_MS + 1), JSON.parse('{')));
    } catch (err) {
      caught = err;
    }
  });
  assert.instance(caught, SyntaxError);
  assert.equal(t.entries.map((e) => e.name), ['derive', 'bad']);
});

test('timed without Timings just runs', () => {
  assert.is(timed(undefined, 'x', () => 7), 7);
});

test.run();
