import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLLECT_ABOVE_BYTES, collectGarbage } from '../src/collect-garbage.js';

test('collectGarbage runs a full collection: an object nothing holds is gone after it', async () => {
  let ref: WeakRef<object> | undefined;
  (() => {
    ref = new WeakRef({ big: new Array(1000).fill('x') });
  })();
  await new Promise((r) => setImmediate(r)); // a WeakRef keeps its target until the job that made it ends
  assert.ok(collectGarbage({}, 0));
  assert.is(ref!.deref(), undefined);
});

test('below the threshold it does not run (a small heap: the collection would cost more than it frees)', async () => {
  let ref: WeakRef<object> | undefined;
  (() => {
    ref = new WeakRef({ big: new Array(1000).fill('x') });
  })();
  await new Promise((r) => setImmediate(r));
  assert.is(collectGarbage({}, Number.MAX_SAFE_INTEGER), false);
  assert.ok(ref!.deref() !== undefined, 'nothing was collected');
  assert.ok(collectGarbage({}, 0));
});

test('the threshold lies between what the read leaves at 2 GB and at 8 GB (measured: at most 67 MiB, at least 88 MiB)', () => {
  // Above 88 MiB the collection stops running at 8 GB and the peak RSS moves into the analysis, over
  // the 256 MiB goal; at or below 67 MiB it runs at 2 GB, where it costs ~50 ms and frees 8 MiB.
  const MiB = 1024 * 1024;
  assert.ok(COLLECT_ABOVE_BYTES > 67 * MiB && COLLECT_ABOVE_BYTES <= 88 * MiB, `${COLLECT_ABOVE_BYTES / MiB} MiB`);
});

test('CALICO_DIAGS_GC=0 turns it off', () => {
  assert.is(collectGarbage({ CALICO_DIAGS_GC: '0' }), false);
});

test.run();
