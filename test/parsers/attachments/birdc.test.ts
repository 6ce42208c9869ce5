import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { factsOf } from './helpers.js';

test('birdcl show protocols all (ddella): BGP rows only, neighbour and source address from the detail block', () => {
  const f = factsOf('birdcl-protocols-all-ddella.txt', 'birdc-show-protocols').birdProtocols;
  assert.is(f.birdRunning, true);
  assert.equal(
    f.peers.map((p) => [p.peerType, p.peerIP, p.state, p.info, p.sourceAddress, p.neighborAS]),
    [
      ['Mesh_10_250_12_180', '10.250.12.180', 'up', 'Established', '10.250.12.186', 65001],
      ['Mesh_10_250_12_185', '10.250.12.185', 'start', 'Connect', undefined, 65001],
    ],
  );
  assert.is(f.peers[0]!.line, 19);
});

test('birdcl show route: primary and alternative routes, blackhole, device routes', () => {
  const r = factsOf('birdcl-show-route.txt', 'birdc-show-route').birdRoutes;
  assert.is(r.length, 6);
  assert.equal([r[1]!.prefix, r[1]!.via, r[1]!.dev, r[1]!.protocol, r[1]!.primary], ['10.244.150.64/26', '10.77.0.12', 'eth0', 'Mesh_10_77_0_12', true]);
  assert.equal([r[2]!.type, r[2]!.protocol], ['blackhole', 'static1']);
  assert.equal([r[4]!.prefix, r[4]!.primary, r[4]!.protocol], ['10.244.201.128/26', false, 'kernel1']);
  assert.equal([r[5]!.dev, r[5]!.via], ['eth0', undefined]);
});

test.run();
