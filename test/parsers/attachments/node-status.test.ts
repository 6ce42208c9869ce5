import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { factsOf, partsOf } from './helpers.js';

test('calicoctl#1883: wrapped INFO joined, IPv6 section not a peer', () => {
  const f = factsOf('node-status-wrapped-calicoctl-1883.txt', 'calicoctl-node-status').nodeStatus;
  assert.is(f.calicoRunning, true);
  assert.is(f.peers.length, 1);
  const p = f.peers[0]!;
  assert.equal([p.peerIP, p.peerType, p.state, p.since, p.info, p.line], ['192.168.63.204', 'node-to-node mesh', 'start', '17:19:38', 'Active Socket: Connection refused', 7]);
  assert.is(p.file, 'in/node-status-wrapped-calicoctl-1883.txt');
});

test('mangled paste (box drawing, blank rows, prompt, redacted address): every row kept', () => {
  const parts = partsOf('node-status-mangled-kops-10546.txt');
  assert.equal(parts.map((p) => p.kind), ['calicoctl-node-status']);
  const f = factsOf('node-status-mangled-kops-10546.txt', 'calicoctl-node-status').nodeStatus;
  assert.equal(f.peers.map((p) => [p.peerIP, p.info]), [
    ['10.2.151.33', 'Active Socket: Connection refused'],
    ['10.2.167.162', 'Passive'],
    [undefined, 'Passive'],
  ]);
  assert.is(f.peers[2]!.redactedPeer, 'x.x.x.248');
});

test('calicoctl v1 `calicoctl status` form', () => {
  const f = factsOf('node-status-v1-status.txt', 'calicoctl-node-status').nodeStatus;
  assert.is(f.calicoRunning, true);
  assert.equal(f.peers.map((p) => [p.peerIP, p.state, p.info]), [['172.17.8.102', 'up', 'Established']]);
});

test('calico#2961: global peers with redacted addresses, no process line', () => {
  const f = factsOf('node-status-redacted-calico-2961.txt', 'calicoctl-node-status').nodeStatus;
  assert.equal(f.peers.map((p) => [p.peerIP, p.redactedPeer, p.peerType, p.info]), [
    [undefined, 'xxx.xxx.xx.48', 'global', 'Idle Received: Bad peer AS'],
    [undefined, 'xxx.xxx.xx.50', 'global', 'Idle Received: Bad peer AS'],
  ]);
  assert.is(f.calicoRunning, undefined);
});

test.run();
