import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recogniseAttachment } from '../../../src/parsers/attachments/recognise.js';
import { realIP } from '../../../src/parsers/attachments/types.js';
import { fixture, partsOf } from './helpers.js';

test('several commands in one paste: each recognised on its own, prompts name the next kind', () => {
  const parts = partsOf('multi-command-paste.txt');
  assert.equal(parts.map((p) => [p.kind, p.firstLine, p.lastLine]), [
    ['calicoctl-node-status', 4, 15],
    ['kubectl-logs-calico-node', 17, 18],
    ['kubectl-describe-pod', 20, 23],
    ['sysctl', 25, 26],
    ['iptables-version', 28, 28],
    ['uname', 30, 30],
  ]);
});

test('recognition is by content: the same text under any name gives the same kinds', () => {
  const a = recogniseAttachment(fixture('sysctl-node-b.txt'), { input: 'x', file: 'notes.log' }).parts.map((p) => p.kind);
  assert.equal(a, ['sysctl']);
});

test('text nothing recognises yields no part, counts its lines', () => {
  const r = recogniseAttachment('Hello, see attached.\nThanks\n', { input: 'x', file: 'x' });
  assert.equal(r.parts, []);
  assert.is(r.unrecognisedLines, 2);
  const v = recogniseAttachment('3.31.0\n', { input: 'x', file: 'x' });
  assert.equal(v.parts, [], 'a bare version is not a kernel');
});

test('e-mail quoting, markdown links and bare prompts: content kept, prompt hosts noted', () => {
  const text = [
    '> Calico process is running.',
    '>',
    '> IPv4 BGP status',
    '> | [10.0.0.1](http://10.0.0.1) | node-to-node mesh | start | 10:00:01 | Connect |',
    '$ sysctl -a',
    'net.ipv4.ip_forward = 0',
    'admin@node-x:~$ uname -r',
    '5.4.0',
  ].join('\n');
  const r = recogniseAttachment(text, { input: 'x', file: 'x' });
  assert.equal(r.parts.map((p) => p.kind), ['calicoctl-node-status', 'sysctl', 'uname']);
  const f = r.parts[0]!.facts;
  assert.ok(f.kind === 'calicoctl-node-status' && f.nodeStatus.peers[0]!.peerIP === '10.0.0.1');
  assert.equal(r.promptHosts, ['node-x']);
});

test('realIP: addresses kept, redactions and clock times are not addresses', () => {
  assert.equal(['10.0.0.1', 'fe80::1', '2001:db8:0:0:0:0:0:1'].map(realIP), ['10.0.0.1', 'fe80::1', '2001:db8:0:0:0:0:0:1']);
  assert.equal(['x.x.x.12', '10.x.x.5', '<node-ip>', 'xxx.xxx.xx.48', '17:19:38', '300.1.1.1'].map(realIP), [undefined, undefined, undefined, undefined, undefined, undefined]);
});

test.run();
