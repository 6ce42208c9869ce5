import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { factsOf } from './helpers.js';

test('resolv.conf: nameservers, search and options', () => {
  const d = factsOf('resolv-conf-pod.txt', 'resolv-conf').dns;
  assert.equal(d.nameservers.map((n) => n.text), ['nameserver 10.96.0.10']);
  assert.is(d.other.length, 2);
});

test('nslookup through kubectl exec: timeout is a failed lookup', () => {
  const d = factsOf('nslookup-timeout.txt', 'dns-lookup').dns;
  assert.equal(d.lookups.map((l) => [l.ok, l.error, l.line]), [[false, 'connection timed out; no servers could be reached', 2]]);
});

test('dig: SERVFAIL from the named server, name from the command', () => {
  const d = factsOf('dig-servfail.txt', 'dns-lookup').dns;
  assert.equal(d.lookups.map((l) => [l.name, l.server, l.ok, l.error]), [['example.com', '10.96.0.10', false, 'SERVFAIL']]);
});

test('nslookup answering (busybox prompt): the name resolved, the server that answered', () => {
  const d = factsOf('nslookup-ok.txt', 'dns-lookup').dns;
  assert.equal(d.lookups.map((l) => [l.name, l.server, l.ok]), [['kubernetes.default.svc.cluster.local', '10.96.0.10', true]]);
});

test.run();
