/** sysctl, ethtool -k, ip -d link, bridge fdb, ip neigh, conntrack -S, dmesg, iptables --version, uname -r. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { factsOf } from './helpers.js';

test('sysctl: key = value, per-interface rp_filter, errors skipped', () => {
  const s = factsOf('sysctl-node-b.txt', 'sysctl').sysctl;
  assert.is(s.values['net.ipv4.ip_forward']!.value, '1');
  assert.is(s.values['net.ipv4.conf.eth0.rp_filter']!.value, '2');
  assert.is(s.values['net.ipv4.conf.eth0.rp_filter']!.line, 4);
  assert.is(Object.keys(s.values).length, 7);
});

test('ethtool -k: features with on/off and [fixed], tab-indented sub-features', () => {
  const [e] = factsOf('ethtool-k-vxlan.txt', 'ethtool-k').ethtool;
  assert.is(e!.interface, 'vxlan.calico');
  assert.equal([e!.features['tx-checksum-ip-generic']!.on, e!.features['tx-checksum-ipv4']!.fixed], [true, true]);
  assert.is(e!.features['tx-udp_tnl-csum-segmentation']!.on, true);
  assert.is(Object.keys(e!.features).length, 17);
});

test('ip -d link: VXLAN VNI, local address, device and port; veth names without @ifN', () => {
  const l = factsOf('ip-d-link-vxlan.txt', 'ip-d-link').links;
  const vx = l.find((x) => x.name === 'vxlan.calico')!;
  assert.equal([vx.mtu, vx.state, vx.vxlan], [1450, 'UNKNOWN', { id: 4096, local: '10.77.0.12', dev: 'eth0', dstport: 4789 }]);
  assert.ok(vx.tunnelLine!.text.trim().startsWith('vxlan id 4096 local 10.77.0.12'), vx.tunnelLine?.text);
  assert.ok(vx.tunnelLine!.line > vx.line);
  assert.ok(l.some((x) => x.name === 'cali1a2b3c4d5e6'));
});

test('bridge fdb: VTEP MACs with their remote address', () => {
  const f = factsOf('bridge-fdb-vxlan.txt', 'bridge-fdb').fdb;
  assert.equal(f.filter((x) => x.dev === 'vxlan.calico').map((x) => x.dst), ['10.77.0.11', '10.77.0.13']);
});

test('ip neigh: states, FAILED without lladdr, router flag', () => {
  const n = factsOf('ip-neigh.txt', 'ip-neigh').neigh;
  assert.equal(n.map((x) => x.state), ['REACHABLE', 'STALE', 'FAILED', 'PERMANENT', 'STALE']);
  assert.equal([n[2]!.address, n[2]!.lladdr], ['10.77.0.13', undefined]);
});

test('conntrack -S: per-CPU counters summed', () => {
  const c = factsOf('conntrack-s.txt', 'conntrack-s').conntrack;
  assert.equal([c.totals['invalid'], c.totals['insert_failed'], c.totals['drop']], [2039, 3, 3]);
  assert.is(c.lines.length, 2);
});

test('dmesg: conntrack table full and martians are notable, boot lines are not', () => {
  const d = factsOf('dmesg.txt', 'dmesg').dmesg;
  assert.is(d.lines, 6);
  assert.equal(d.notable.map((x) => x.line), [3, 4, 5]);
});

test('journalctl -u NetworkManager: taken as the host log, device lines notable, state lines not', () => {
  const d = factsOf('journal-networkmanager.txt', 'dmesg').dmesg;
  assert.is(d.lines, 7);
  assert.equal(d.notable.map((x) => x.line), [1, 2, 3, 4, 5, 6]);
  assert.match(d.notable[2]!.text, 'cali5c1e8d2f0a3');
  assert.is(d.networkManagerLines, 7);
  assert.is(factsOf('dmesg.txt', 'dmesg').dmesg.networkManagerLines, undefined);
});

test('iptables --version and uname -r (after a prompt)', () => {
  assert.equal(factsOf('iptables-version.txt', 'iptables-version').iptablesVersion, { input: 'in/iptables-version.txt', file: 'in/iptables-version.txt', line: 1, text: 'iptables v1.8.7 (nf_tables)', version: '1.8.7', backend: 'nf_tables' });
  const u = factsOf('uname-r.txt', 'uname').uname;
  assert.equal([u.kernel, u.line], ['5.15.0-105-generic', 2]);
});

test.run();
