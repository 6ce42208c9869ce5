import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeModel } from '../../../src/model/node.js';
import { encapsulateAlways, migratePoolSteps, tcpdump, underlayNic, vxlanInsteadOfIpip } from '../../../src/rules/dataplane/fix-steps-dataplane.js';

const node = (over: Partial<NodeModel>): NodeModel => ({ name: 'node-a', routes4: [], ...over }) as NodeModel;

test('the capture runs on the interface of the node IP, else of the default route, else on any', () => {
  assert.is(tcpdump(node({ nodeIPInterface: 'ens5' }), 'ip proto 4'), '`tcpdump -ni ens5 ip proto 4`');
  const viaDefault = node({ routes4: [{ dst: 'default', via: '10.77.0.1', dev: 'bond0', type: 'unicast', line: 1, text: 'default via 10.77.0.1 dev bond0' } as NodeModel['routes4'][number]] });
  assert.is(underlayNic(viaDefault), 'bond0');
  assert.is(tcpdump(node({}), 'udp port 4789'), '`tcpdump -ni any udp port 4789`');
  assert.is(tcpdump(undefined, 'udp port 4789'), '`tcpdump -ni any udp port 4789`');
});

test('mode patches keep CrossSubnet and the encapsulation already chosen', () => {
  assert.equal(vxlanInsteadOfIpip({ ipipMode: 'CrossSubnet' }), { ipipMode: 'Never', vxlanMode: 'CrossSubnet' });
  assert.equal(vxlanInsteadOfIpip({ ipipMode: 'Always' }), { ipipMode: 'Never', vxlanMode: 'Always' });
  assert.equal(encapsulateAlways({ ipipMode: 'CrossSubnet', vxlanMode: 'Never' }), { ipipMode: 'Always' });
  assert.equal(encapsulateAlways({ ipipMode: 'Never', vxlanMode: 'CrossSubnet' }), { vxlanMode: 'Always' });
  assert.equal(encapsulateAlways({ ipipMode: 'Never', vxlanMode: 'Never' }), { vxlanMode: 'Always' });
});

test('pool migration: named pool gets commands with its name; a pool known only by CIDR is named in words', () => {
  const named = migratePoolSteps({ name: 'p1', cidr: '192.168.0.0/16', res: { name: 'p1', cidr: '192.168.0.0/16', ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, disabled: false } as never }, 'outside 192.168.1.0/24').join('\n');
  assert.match(named, 'ipipMode Always, vxlanMode Never, natOutgoing true');
  assert.match(named, `calicoctl patch ippool p1 -p '{"spec":{"disabled":true}}'`);
  assert.match(named, 'calicoctl delete ippool p1');
  const bare = migratePoolSteps({ name: '192.168.0.0/16', cidr: '192.168.0.0/16' }, 'outside 192.168.1.0/24').join('\n');
  assert.not.match(bare, 'calicoctl patch ippool 192.168');
  assert.match(bare, 'its name is not in the bundle');
});

test.run();
