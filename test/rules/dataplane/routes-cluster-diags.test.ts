/**
 * The routes/IPAM/MTU rules on the `calicoctl cluster diags` shape: one `ip-addr.txt` with both
 * families (cali* veths by their inet6 link-local), `ip route show table all` with `table local`
 * rows, no netstat, pools from the CRD dump.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadInputs } from '../../../src/bundle/load-inputs.js';
import { buildClusterModel } from '../../../src/combiners/cluster-model.js';
import { derive } from '../../../src/combiners/derive.js';
import { makeTarball, tempDir } from '../../helpers/make-tarball.js';
import { mtuMismatch } from '../../../src/rules/dataplane/mtu-mismatch.js';
import { ippoolOverlap } from '../../../src/rules/dataplane/ippool-overlap.js';
import { ipamBlockRouteInconsistency } from '../../../src/rules/dataplane/ipam-block-route-inconsistency.js';

const top = 'calico-diagnostics-20261127_101500';
const addr = (ip: string, mtu: number) =>
  `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${mtu} qdisc mq state UP group default qlen 1000\n    inet ${ip}/24 brd 10.0.0.255 scope global eth0\n       valid_lft forever preferred_lft forever\n` +
  `5: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/ipip 0.0.0.0 brd 0.0.0.0\n    inet 10.244.1.0/32 scope global tunl0\n` +
  `9: cali3c73a6b29ba@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1480 qdisc noqueue state UP group default\n    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-8ef93e66\n    inet6 fe80::ecee:eeff:feee:eeee/64 scope link\n       valid_lft forever preferred_lft forever\n`;

async function context(mtu2: number) {
  const path = join(tempDir(), `${top}.tar.gz`);
  await makeTarball(path, {
    [`${top}/nodes/worker-1/ip-route.txt`]: 'blackhole 10.244.1.0/26 proto bird\n10.244.1.5 dev cali3c73a6b29ba scope link\n10.244.2.0/26 via 10.0.0.12 dev tunl0 proto bird onlink\nlocal 10.0.0.11 dev eth0 table local proto kernel scope host src 10.0.0.11\n',
    [`${top}/nodes/worker-1/ip-addr.txt`]: addr('10.0.0.11', 1500),
    [`${top}/nodes/worker-2/ip-route.txt`]: 'blackhole 10.244.2.0/26 proto bird\n10.244.2.7 dev cali3c73a6b29ba scope link\n10.244.1.0/26 via 10.0.0.11 dev tunl0 proto bird onlink\n',
    [`${top}/nodes/worker-2/ip-addr.txt`]: addr('10.0.0.12', mtu2),
    [`${top}/cluster/crd/ippools.crd.projectcalico.org.yaml`]: 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: crd.projectcalico.org/v1\n  kind: IPPool\n  metadata:\n    name: default-ipv4-ippool\n  spec:\n    cidr: 10.244.0.0/16\n    ipipMode: Always\n    natOutgoing: true\n',
  }, { root: '' });
  const cluster = buildClusterModel(await loadInputs([path]));
  return { cluster, derived: derive(cluster) };
}

test('cluster diags, healthy IP-in-IP: MTU, pools and blocks pass', async () => {
  const ctx = await context(1500);
  const row = ctx.derived.mtu.rows[0]!;
  assert.equal([row.nic?.mtu, row.cali.map((c) => c.mtu), row.tunnels.map((t) => t.name), row.overhead], [1500, [1480], ['tunl0'], 20]);
  assert.is(mtuMismatch.check(ctx).status, 'passed');
  assert.is(ippoolOverlap.check(ctx).status, 'passed');
  assert.is(ipamBlockRouteInconsistency.check(ctx).status, 'passed');
});

test('cluster diags, worker-2 NIC 1450: tunl0 and veth 1480 exceed 1450 − 20', async () => {
  const ctx = await context(1450);
  const r = mtuMismatch.check(ctx);
  assert.is(r.status, 'found');
  const f = (r as { findings: { key: string; message: string }[] }).findings[0]!;
  assert.is(f.key, 'worker-2');
  assert.match(f.message, 'max 1430 = 1450 − 20');
  assert.match(f.message, 'tunl0 MTU 1480');
});

test.run();
