import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../src/thread-priority.js', import.meta.url));

/** Runs favourMainThread in a fresh node (the test runner's own threads stay as they are) and reads back every thread's nice value. */
function runChild(env: Record<string, string>): { lowered: number; main: number; before: number; others: number[] } {
  const script = `
    import { readdirSync } from 'node:fs';
    import { getPriority } from 'node:os';
    const { favourMainThread } = await import(${JSON.stringify(MODULE)});
    const before = getPriority(process.pid);
    const lowered = await favourMainThread();
    const others = readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid).map((t) => getPriority(t));
    console.log(JSON.stringify({ lowered, main: getPriority(process.pid), before, others }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as { lowered: number; main: number; before: number; others: number[] };
}

if (process.platform === 'linux') {
  test('favourMainThread: every thread but the main one goes to nice 19; the main thread keeps its priority', () => {
    const r = runChild({ CALICO_DIAGS_FAVOUR_MAIN: '1' });
    assert.ok(r.lowered >= 4, `libuv's pool and V8's helpers were lowered (${r.lowered})`);
    assert.is(r.others.length, r.lowered, 'no thread was missed');
    assert.ok(r.others.every((n) => n === 19), `helper threads at nice 19: ${r.others.join(',')}`);
    assert.is(r.main, r.before, 'the main thread is untouched');
  });

  test('favourMainThread: CALICO_DIAGS_FAVOUR_MAIN=0 changes nothing', () => {
    const r = runChild({ CALICO_DIAGS_FAVOUR_MAIN: '0' });
    assert.is(r.lowered, 0);
    assert.ok(r.others.every((n) => n === r.main), `helpers keep the main thread's priority: ${r.others.join(',')}`);
  });
}

test.run();
