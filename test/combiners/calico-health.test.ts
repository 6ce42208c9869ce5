import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classify, ERRORS, failureSummary, targetOf } from '../../src/combiners/calico-health.js';
import { NodeBundleBuilder } from '../../src/bundle/node-bundle-builder.js';
import { buildClusterModel } from '../../src/combiners/cluster-model.js';

test('targets from the Go error texts in the catalogue (G1, G2, L2)', () => {
  assert.is(targetOf('Hit error connecting to datastore - retry error=Get https://10.43.0.1:443/api/v1/nodes/foo: dial tcp 10.43.0.1:443: getsockopt: connection refused'), '10.43.0.1:443');
  assert.is(targetOf('Failed to connect to typha endpoint 10.0.0.166:5473.  Will try another if available... error=dial tcp 10.0.0.166:5473: i/o timeout myID=0x1 type="bgp"'), '10.0.0.166:5473');
  assert.is(targetOf('Failed to connect to Typha error=connection to typhas ([{node-3:5473 node-3 0xc0005ec640} {node-2:5473 node-2 0xc0005ec600}]) failed'), 'node-3:5473,node-2:5473');
  assert.is(targetOf('Failed to query current BGP settings: Get https://10.233.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations/default: net/http: TLS handshake timeout'), '10.233.0.1:443');
  assert.is(targetOf('failed to fetch node resource error=Get "https://10.233.0.1:443/api/v1/nodes/n1": x509: certificate has expired or is not yet valid'), '10.233.0.1:443');
});

test('classification: datastore, Typha, certificate, local, consequence', () => {
  assert.equal(classify('Hit error connecting to datastore - retry error=Get https://10.43.0.1:443/api/v1/nodes/foo: dial tcp 10.43.0.1:443: connect: no route to host'), { kind: 'datastore', target: '10.43.0.1:443', error: 'no route to host' });
  assert.is(classify('Failed to query current BGP settings: Get https://10.233.0.1:443/apis/crd.projectcalico.org/v1/bgpconfigurations/default: net/http: TLS handshake timeout').kind, 'datastore');
  assert.is(classify('Failed to connect to typha endpoint 10.0.0.166:5473.  Will try another if available... error=dial tcp 10.0.0.166:5473: i/o timeout').kind, 'typha');
  assert.is(classify('Felix is shutting down reason="Connection to Typha failed"').kind, 'typha');
  assert.equal(classify('Hit error connecting to datastore - retry error=Get https://10.96.0.1:443/api/v1/nodes/foo: x509: cannot validate certificate for 10.96.0.1 because it doesn\'t contain any IP SANs').error, "certificate doesn't contain any IP SANs");
  assert.is(classify('client: etcd cluster is unavailable or misconfigured; error #0: x509: failed to load system roots and no roots provided').kind, 'tls-cert');
  assert.is(classify('calico/node is not ready: BIRD is not ready: Error querying BIRD: unable to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: connection refused').kind, 'local');
  assert.is(classify('Get "http://localhost:9099/readiness": dial tcp 127.0.0.1:9099: connect: connection refused').kind, 'local');
  assert.is(classify('Source is not in sync, waiting for datastore sync to complete').kind, 'other');
});

test('every Go error text is named, the first of the table when a message holds several, none when it holds none', () => {
  assert.ok(ERRORS.length >= 18);
  for (const [text, name] of ERRORS) assert.is(classify(`Hit error connecting to datastore: ${text} (x)`).error, name, text);
  // Table order decides, not the place in the message.
  assert.is(classify('Hit error connecting to datastore: connection refused after x509: certificate signed by unknown authority').error, 'certificate signed by unknown authority');
  assert.is(classify('Hit error connecting to datastore: i/o timeou').error, undefined);
  assert.is(classify('Hit error connecting to datastore: io timeout, Connection Refused').error, undefined);
});

test('a cluster-diags calico-node pod log: startup datastore retries with first, last, count and target', () => {
  const b = new NodeBundleBuilder('calico-diagnostics-20261127_101500.tar.gz', { prefix: 'calico-diagnostics-20261127_101500/nodes/node-a/', format: 'cluster-diags', nodeName: 'node-a' });
  const sink = b.openFile('calico-system/calico-node-7kq2x.log')!;
  const retry = (s: string) => `2026-11-27 10:14:${s}.000 [INFO][9] startup/startup.go 574: Hit error connecting to datastore - retry error=Get "https://10.96.0.1:443/api/v1/nodes/foo": dial tcp 10.96.0.1:443: i/o timeout\n`;
  sink.write(Buffer.from('2026-11-27 10:14:00.000 [INFO][9] startup/startup.go 431: Early log level set to info\n' + retry('01') + retry('02') + retry('03') + 'bird: Mesh_10_77_0_12: State changed to start\n'));
  sink.end();
  const cluster = buildClusterModel([{ path: 'x.tar.gz', kind: 'archive', nodes: [b.finish()], resources: [], problems: [], unreadable: false }]);
  const f = failureSummary(cluster.nodes[0]!, 'datastore')!;
  assert.is(f.count, 3);
  assert.is(f.first.rec.time, '2026-11-27 10:14:01.000');
  assert.is(f.last.rec.time, '2026-11-27 10:14:03.000');
  assert.equal(f.targets, [{ target: '10.96.0.1:443', lines: 3 }]);
  assert.equal(f.sources, ['container']);
  assert.ok(f.ongoing);
});

test.run();
