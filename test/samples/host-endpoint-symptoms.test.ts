/**
 * A symptom folded under a cause must not contradict it: in host-endpoint-lockout node-c's own host
 * endpoint policy (cali-th-eth0, egress) drops its BGP SYNs, so bgp-port179-blocked says that, not
 * "the drop is on the path (security group, NACL)".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';

const root = new URL('../../../', import.meta.url).pathname;

test('host-endpoint-lockout: the port-179 symptoms name the host endpoint policy that drops the SYN', async () => {
  const report = await analyze([join(root, 'samples/scenarios/host-endpoint-lockout')], { workers: false });
  const symptoms = report.findings.filter((f) => f.rule === 'bgp-port179-blocked');
  assert.ok(symptoms.length > 0);
  const cause = report.findings.find((f) => f.rule === 'host-endpoint-policy-lockout' && f.severity === 'critical')!;
  for (const s of symptoms) {
    assert.ok(cause.explains.includes(s.id), `${s.id} is folded under ${cause.id}`);
    assert.match(s.message, "Calico's host endpoint policy drops traffic there: cali-th-eth0 on node-c (egress");
    assert.not.match(s.message, 'on the path (security group');
    assert.match(s.remediation[0]!, /^Calico's host endpoint policy drops it \(cali-th-eth0 on node-c\)/);
    assert.ok(s.evidence.some((e) => e.node === 'node-c' && e.text.includes('cali-th-eth0')));
  }
});

test.run();
