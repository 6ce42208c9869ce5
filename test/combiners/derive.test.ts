import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster } from '../helpers/healthy-cluster.js';
import { derive } from '../../src/combiners/derive.js';

test('every table is built on a healthy cluster, with no problems', () => {
  const { derived } = contextFrom(healthyCluster());
  assert.equal(derived.problems, []);
  assert.is(derived.routeMatrix.nodes.length, 3);
});

test('a table that throws on unforeseen data is replaced by an empty one and named, the rest still built', () => {
  const { cluster } = contextFrom(healthyCluster());
  // Corrupt one node's routes the way no parser would produce them.
  (cluster.nodes[1] as unknown as { routes4: unknown }).routes4 = null;
  const d = derive(cluster);
  assert.ok(d.problems.some((p) => p.startsWith('could not build the block ownership table')), d.problems.join('; '));
  assert.is(d.bgp.pairs.length, 3, 'the BGP pair matrix is still built');
});

test.run();
