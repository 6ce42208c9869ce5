import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createContainerLogParser, parseContainerLog } from '../../src/parsers/container-log.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/parsers/${name}`, import.meta.url), 'utf8');
const file = 'logs/k8s_calico-node_calico-node-6p0xp_kube-system_603c4dd8_0.log';

test('doc-comment sample (calico#8619): bird lines to BIRD, logrus lines to Calico, line numbers kept', () => {
  const s = parseContainerLog(fixture('log-container-calico-8619.txt'), { file });
  assert.is(s.lines, 9);
  assert.is(s.bird.lines, 7);
  assert.is(s.calico.lines, 2);
  assert.is(s.bird.protocols['Mesh_10_116_0_3']!.lastState, 'up');
  const m4 = s.bird.protocols['Mesh_10_116_0_4']!;
  assert.is(m4.lastState, 'start');
  assert.is(m4.downsAfterUp, 1);
  assert.is(m4.lastStateRef!.line, 7);
  assert.is(m4.lastStateRef!.file, file);
  assert.is(m4.lastStateRef!.time, undefined);
  assert.equal(s.calico.pids, [66, 68]);
  assert.ok(s.calico.componentPrefix);
  const auto = s.calico.signatures['autodetected-ipv4']!;
  assert.is(auto.count, 1);
  assert.is(auto.refs[0]!.line, 8);
  assert.is(auto.refs[0]!.component, 'monitor-addresses');
  assert.is(s.calico.continuationLines, 0);
});

test('confd + bird mix (ddella): unknown connect, Reconfigured, bird.cfg updated', () => {
  const s = parseContainerLog(fixture('log-container-confd-bird-ddella.txt'), { file });
  assert.equal(s.bird.events.map((e) => [e.kind, e.line]), [
    ['reconfigured', 4],
    ['unknown-connect', 7],
  ]);
  assert.is(s.bird.events[1]!.detail, '10.250.12.180');
  assert.is(s.bird.protocols['Mesh_10_250_12_180']!.lastState, 'down');
  assert.is(s.calico.signatures['bird-cfg-updated']!.refs[0]!.line, 2);
});

test('bare startup lines stay on the Calico side', () => {
  const p = createContainerLogParser({ file });
  p.push('2019-05-30 03:02:20.511 [INFO][17] k8s.go 228: Using Calico IPAM', 1);
  p.push('Calico node started successfully', 2);
  p.push('bird: Started', 3);
  p.push('birdie: not bird', 4);
  const s = p.finish();
  assert.is(s.calico.signatures['node-started']!.count, 1);
  assert.is(s.calico.continuationLines, 2);
  assert.equal(s.bird.events.map((e) => e.kind), ['started']);
  assert.is(s.lines, 4);
});

test.run();
