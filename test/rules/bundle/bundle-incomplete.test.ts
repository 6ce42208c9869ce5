import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { bundleIncomplete } from '../../../src/rules/bundle/bundle-incomplete.js';

test('silent on the healthy cluster', () => {
  expectRule(bundleIncomplete, contextFrom(healthyCluster(), POOL_YAML), { status: 'passed' });
});

test('missing, empty, failed and disabled logging are each named with what they hide', () => {
  const c = healthyCluster();
  const b = c['node-b']!;
  delete b.netstat;
  b.ipsets = '';
  b.ipv4_tables = 'iptables-save v1.8.7 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n';
  for (const k of Object.keys(b)) if (k.startsWith('logs/') && !k.startsWith('logs/cni/')) delete b[k];
  const [f] = expectRule(bundleIncomplete, contextFrom(c, POOL_YAML), { status: 'found', keys: ['node-b'] });
  assert.match(f!.message, 'netstat missing');
  assert.match(f!.message, 'ipsets empty');
  assert.match(f!.message, 'ipv4_tables holds an error');
  assert.match(f!.message, 'file logging disabled');
  assert.match(f!.message, 'hides TCP 179 socket states');
});

test('an empty ipv6_route (no IPv6) is not a gap', () => {
  const c = healthyCluster();
  c['node-a']!.ipv6_route = '';
  expectRule(bundleIncomplete, contextFrom(c, POOL_YAML), { status: 'passed' });
});

test('a VXLAN-only cluster runs no BIRD or confd: their logs are not a gap; with an IPIP pool needing BIRD they are', () => {
  const vxlanOnly = () => {
    const c = healthyCluster();
    for (const n of Object.values(c)) {
      for (const k of Object.keys(n)) if (k.startsWith('logs/bird') || k.startsWith('logs/confd')) delete n[k];
      n.netstat = (n.netstat ?? '').split('\n').filter((l) => !l.includes(':179 ')).join('\n');
      // Felix programs the routes (proto 80), not BIRD.
      n.ipv4_route = (n.ipv4_route ?? '').replace(/proto bird/g, 'proto 80');
    }
    return c;
  };
  const vxlanPool = POOL_YAML.replace('vxlanMode: Never', 'vxlanMode: Always');
  expectRule(bundleIncomplete, contextFrom(vxlanOnly(), vxlanPool), { status: 'passed' });
  const [f] = expectRule(bundleIncomplete, contextFrom(vxlanOnly(), POOL_YAML.replace('ipipMode: Never', 'ipipMode: Always')), { status: 'found', count: 3 });
  assert.match(f!.message, 'bird_log missing');
});

test.run();
