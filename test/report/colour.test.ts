import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shouldColour } from '../../src/report/colour.js';

const cases: { env: NodeJS.ProcessEnv; tty: boolean | undefined; want: boolean; why: string }[] = [
  { env: {}, tty: true, want: true, why: 'plain TTY' },
  { env: {}, tty: false, want: false, why: 'plain pipe' },
  { env: {}, tty: undefined, want: false, why: 'stream without isTTY' },
  { env: { NO_COLOR: '1' }, tty: true, want: false, why: 'NO_COLOR beats the TTY' },
  { env: { NO_COLOR: 'false' }, tty: true, want: false, why: 'NO_COLOR: any non-empty value counts' },
  { env: { NO_COLOR: '' }, tty: true, want: true, why: 'empty NO_COLOR is ignored' },
  { env: { NO_COLOR: '1', FORCE_COLOR: '1' }, tty: true, want: false, why: 'NO_COLOR beats FORCE_COLOR' },
  { env: { FORCE_COLOR: '1' }, tty: false, want: true, why: 'FORCE_COLOR into a pipe' },
  { env: { FORCE_COLOR: '3' }, tty: false, want: true, why: 'FORCE_COLOR level 3' },
  { env: { FORCE_COLOR: '' }, tty: false, want: true, why: 'empty FORCE_COLOR forces, as in Node' },
  { env: { FORCE_COLOR: '0' }, tty: true, want: false, why: 'FORCE_COLOR=0 turns colour off on a TTY' },
  { env: { FORCE_COLOR: 'false' }, tty: true, want: false, why: 'FORCE_COLOR=false turns colour off' },
  { env: { NO_COLOR: '', FORCE_COLOR: '0' }, tty: true, want: false, why: 'empty NO_COLOR, FORCE_COLOR=0' },
];

for (const c of cases) {
  test(`shouldColour: ${c.why}`, () => {
    const stream = c.tty === undefined ? {} : { isTTY: c.tty };
    assert.is(shouldColour(stream, c.env), c.want);
  });
}

test.run();
