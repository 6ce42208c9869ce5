import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../helpers/cluster.js';
import { healthyCluster, POOL_YAML } from '../helpers/healthy-cluster.js';

const V6 = '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000\n    inet6 ::1/128 scope host \n4: cali1a2b3c4d5e6@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1440 state UP qlen 1000\n    inet6 fe80::ecee:eeff:feee:eeee/64 scope link \n5: calib0b0b0b0b0b@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1480 state UP qlen 1000\n    inet6 fe80::ecee:eeff:feee:eeee/64 scope link \n';
const V4 = '7: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default\n    link/ether 66:ae:fe:7c:7a:02 brd ff:ff:ff:ff:ff:ff\n    inet 10.244.17.0/32 scope global vxlan.calico\n';

test('NIC from the node IP, tunnels from ipv4_addr, cali* from ipv6_addr, encapsulation from pools', () => {
  const c = healthyCluster();
  c['node-a']!.ipv6_addr = V6;
  c['node-a']!.ipv4_addr += V4;
  const { derived } = contextFrom(c, POOL_YAML.replace('vxlanMode: Never', 'vxlanMode: Always'));
  const row = derived.mtu.rows.find((r) => r.node === 'node-a')!;
  assert.equal([row.nic?.name, row.nic?.mtu], ['eth0', 1500]);
  assert.equal(row.tunnels.map((t) => [t.name, t.mtu, t.encap]), [['vxlan.calico', 1450, 'vxlan']]);
  assert.equal([row.caliMin?.mtu, row.caliMax?.mtu, row.cali.length], [1440, 1480, 2]);
  assert.equal([row.encaps, row.overhead], [['vxlan'], 50]);
  assert.ok(row.caliMax!.evidence.file.endsWith('ipv6_addr'));
  assert.equal([derived.mtu.pathMtu, derived.mtu.pathNodes], [1500, ['node-a', 'node-b', 'node-c']]);
});

test.run();
