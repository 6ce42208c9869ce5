import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectGarbage } from '../src/collect-garbage.js';

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

test('CALICO_DIAGS_GC=0 turns it off', () => {
  assert.is(collectGarbage({ CALICO_DIAGS_GC: '0' }), false);
});

test.run();
