import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextFrom } from '../../helpers/cluster.js';
import { healthyCluster, FELIX } from '../../helpers/healthy-cluster.js';
import { expectRule } from '../../helpers/rule-tester.js';
import { attach, lines, source } from '../../helpers/host-attachments.js';
import { networkmanagerInterference } from '../../../src/rules/host/networkmanager-interference.js';

// NetworkManager journal lines as `journalctl -u NetworkManager` prints them (device state change format of NM 1.x).
const NM = `Nov 27 10:13:02 node-a NetworkManager[812]: <info>  [1795774382.1234] device (cali1a2b3c4d5e6): state change: unmanaged -> unavailable (reason 'managed', sys-iface-state: 'external')
Nov 27 10:13:02 node-a NetworkManager[812]: <info>  [1795774382.1301] device (cali1a2b3c4d5e6): state change: unavailable -> disconnected (reason 'none', sys-iface-state: 'managed')
`;
// Felix's route table warning (`logCxt.WithError(err).Warn("Failed to add route")`, felix route_table.go); Felix INFO lines are not read from file logs.
const MISSING = '2026-11-27T10:14:03.00001 2026-11-27 10:14:03.000 [WARNING][68] felix/route_table.go 1035: Failed to add route error=no such device ifaceName="cali1a2b3c4d5e6" ipVersion=0x4 tableIndex=254\n';

test('passes when no Calico device went away and no NetworkManager line names one', () => {
  expectRule(networkmanagerInterference, contextFrom(healthyCluster()), { status: 'passed' });
});

test('fires on a NetworkManager line naming a Calico device, with Felix\'s symptom beside it', () => {
  const c = healthyCluster();
  c['node-a']!['logs/felix/current'] = FELIX + MISSING;
  const ctx = contextFrom(c);
  attach(ctx, 'node-a', { dmesg: { source: source('dmesg', 'node-a-journal.txt'), notable: lines('node-a-journal.txt', NM), lines: 2 } });
  const [f] = expectRule(networkmanagerInterference, ctx, { status: 'found', keys: ['node-a'] });
  assert.match(f!.title, 'cali1a2b3c4d5e6');
  assert.match(f!.evidence[0]!.text, 'NetworkManager[812]');
  assert.ok(f!.evidence.some((e) => e.text.includes('Failed to add route')));
});

test('Felix symptoms without NetworkManager output: skipped, asking for nmcli on that node', () => {
  const c = healthyCluster();
  c['node-b']!['logs/felix/current'] = FELIX + MISSING;
  const r = networkmanagerInterference.check(contextFrom(c));
  assert.is(r.status, 'skipped');
  assert.match(r.status === 'skipped' ? r.reason : '', 'node-b');
  assert.equal(r.collect?.[0], { command: 'nmcli device status', why: 'whether NetworkManager manages cali*/tunl0/vxlan.calico (they must show `unmanaged`)', nodes: ['node-b'] });
});

test.run();
