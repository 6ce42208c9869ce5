import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { factsOf } from './helpers.js';

test('kubectl logs (calico#8619): BIRD and Calico lines go to the bundle parsers, file line numbers kept', () => {
  const f = factsOf('kubectl-logs-calico-8619.txt', 'kubectl-logs-calico-node');
  assert.is(f.bird!.lines, 7);
  assert.is(f.calico!.lines, 2);
  assert.is(f.bird!.protocols['Mesh_10_116_0_4']!.lastState, 'start');
  assert.is(f.bird!.protocols['Mesh_10_116_0_4']!.lastStateRef!.line, 7);
  assert.is(f.calico!.signatures['autodetected-ipv4']!.refs[0]!.line, 8);
  assert.equal(f.nodeIPs, ['10.116.0.5']);
});

test('docker JSON lines are unwrapped; node name and IP from startup', () => {
  const f = factsOf('kubectl-logs-docker-json.txt', 'kubectl-logs-calico-node');
  assert.is(f.lines, 8);
  assert.is(f.bird!.protocols['Mesh_10_77_0_11']!.lastState, 'start');
  assert.is(f.bird!.protocols['Mesh_10_77_0_13']!.lastState, 'up');
  assert.equal(f.nodeIPs, ['10.77.0.12']);
  assert.equal(f.nodeNames, ['node-b']);
  assert.is(f.calico!.byLevel['WARNING'], 1);
});

test.run();
