/** Property tests (fast-check) of the redactor and the secret masker. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { Redactor } from '../../src/report/redact.js';
import { MASK, maskSecrets } from '../../src/report/secrets.js';

const RUNS = { numRuns: 300 };
/** Addresses the redactor rewrites (not 0/8, 127/8, 169.254/16, multicast and above). */
const octet = fc.integer({ min: 0, max: 255 });
const first = fc.oneof(fc.integer({ min: 1, max: 223 }).filter((x) => x !== 127 && x !== 169), fc.constantFrom(10, 172, 192, 100));
const v4 = fc.tuple(first, octet, octet, octet);
const dotted = (o: number[]) => o.join('.');
const bitsOf = (o: number[]) => o.map((x) => x.toString(2).padStart(8, '0')).join('');
const common = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};
const fresh = () => new Redactor({ key: 'fuzz' });

test('consistency: the same address, MAC, interface or name gets the same pseudonym in any text', () => {
  fc.assert(
    fc.property(v4, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (o, pre, post) => {
      const r = fresh();
      const ip = dotted(o);
      const alone = r.text(ip);
      const inText = r.text(`route ${ip} via ${ip} dev eth0`);
      assert.is(inText, `route ${alone} via ${alone} dev eth0`);
      assert.is(new Redactor({ key: 'fuzz' }).text(ip), alone, 'same key, same pseudonym');
      // BIRD protocol names use the same mapping
      assert.is(r.text(`Mesh_${o.join('_')}`), `Mesh_${alone.replace(/\./g, '_')}`);
      const p = pre.replace(/[0-9A-Za-z.:_/-]/g, ' ');
      const q = post.replace(/[0-9A-Za-z.:_/-]/g, ' ');
      assert.is(r.text(`${p}${ip}${q}`).includes(alone), true);
    }),
    RUNS,
  );
  const r = fresh();
  r.learn(['node-a', 'node-b#2', 'worker.corp.example'], ['ticket/node-a/diags.tar.gz']);
  const a = r.text('node-a');
  assert.is(r.text('BGP node-a ↔ node-b#2 (node-a)'), `BGP ${a} ↔ ${r.text('node-b')}#2 (${a})`);
  assert.is(r.text('worker.corp.example'), `${r.text('worker')}.${r.name('domain', 'corp.example')}`);
  assert.is(r.text('ticket/node-a/diags.tar.gz'), 'input-1.tar.gz');
  assert.is(r.text('block-route-missing:node-a->node-b'), `block-route-missing:${a}->${r.text('node-b')}`);
  assert.is(r.text('node-a-2 node-ab'), 'node-a-2 node-ab', 'other names are not parts of a known one');
  assert.is(r.text('aa:bb:cc:00:11:22'), r.text('AA:BB:CC:00:11:22'.toLowerCase()));
  assert.is(r.text('-A cali-tw-cali2eadde54d3c'), `-A cali-tw-${r.text('cali2eadde54d3c')}`);
  assert.match(r.text('cali2eadde54d3c'), /^cali[0-9a-f]{11}$/);
});

test('prefix preservation (IPv4): shared leading bits are kept exactly, so a /24 stays a /24; host byte kept', () => {
  fc.assert(
    fc.property(v4, v4, (a, b) => {
      const r = fresh();
      const pa = r.ipv4(a);
      const pb = r.ipv4(b);
      assert.is(common(bitsOf(pa), bitsOf(pb)), common(bitsOf(a), bitsOf(b)));
      assert.is(pa[3], a[3]);
      assert.is(pa[0], a[0]);
      if (a[0] === 192 && a[1] === 168) assert.is(pa[1], 168, '192.168/16 stays private');
      if (a[0] === 172 && (a[1]! & 0xf0) === 16) assert.is(pa[1]! & 0xf0, 16, '172.16/12 stays private');
    }),
    RUNS,
  );
  fc.assert(
    fc.property(v4, octet, octet, (o, x, y) => {
      const r = fresh();
      const pa = r.ipv4([o[0], o[1], o[2], x]);
      const pb = r.ipv4([o[0], o[1], o[2], y]);
      assert.equal(pa.slice(0, 3), pb.slice(0, 3), 'one /24 maps into one /24');
    }),
    RUNS,
  );
});

test('containment: a block inside a pool maps inside the pool\'s pseudonym; networks stay networks', () => {
  fc.assert(
    fc.property(v4, fc.integer({ min: 8, max: 26 }), fc.integer({ min: 0, max: 6 }), (o, poolLen, extra) => {
      const r = fresh();
      const blockLen = Math.min(32, poolLen + extra);
      const net = (len: number) => ipaddr.IPv4.networkAddressFromCIDR(`${dotted(o)}/${len}`).toString();
      const pool = `${net(poolLen)}/${poolLen}`;
      const block = `${net(blockLen)}/${blockLen}`;
      const mp = r.text(pool);
      const mb = r.text(block);
      const [pAddr, pLen] = ipaddr.parseCIDR(mp);
      const [bAddr] = ipaddr.parseCIDR(mb);
      assert.is(pLen, poolLen);
      assert.is((bAddr as ipaddr.IPv4).match([pAddr as ipaddr.IPv4, poolLen]), true, `${mb} in ${mp}`);
      assert.is(ipaddr.IPv4.networkAddressFromCIDR(mp).toString(), pAddr.toString(), 'pool is still a network');
      // an address of the block maps inside the block's pseudonym, and an address/prefix keeps its host bits
      const host = r.text(dotted(o));
      assert.is(ipaddr.IPv4.parse(host).match([bAddr as ipaddr.IPv4, blockLen]), true);
      assert.is(r.text(`${dotted(o)}/${poolLen}`).startsWith(poolLen < 32 && dotted(o) !== net(poolLen) ? `${host}/` : ''), true);
    }),
    RUNS,
  );
});

test('IPv6: prefix preserved, /122 blocks stay in their /64, injective', () => {
  const hextet = fc.integer({ min: 0, max: 0xffff });
  const v6 = fc.tuple(fc.constantFrom(0x2001, 0xfd00, 0xfd5a, 0xfe80), hextet, hextet, hextet, hextet, hextet, hextet, hextet);
  const bits6 = (a: ipaddr.IPv6) => a.parts.map((p) => p.toString(2).padStart(16, '0')).join('');
  fc.assert(
    fc.property(v6, v6, (a, b) => {
      const r = fresh();
      const A = new ipaddr.IPv6(a);
      const B = new ipaddr.IPv6(b);
      const pa = r.ipv6(A);
      const pb = r.ipv6(B);
      assert.is(common(bits6(pa), bits6(pb)), common(bits6(A), bits6(B)));
      assert.is(pa.toString() === pb.toString(), A.toString() === B.toString());
      const text = r.text(`${A.toString()}/122 and ${A.toString()}`);
      const [blk, addr] = text.split(' and ');
      assert.is(ipaddr.IPv6.parse(addr!).match(ipaddr.IPv6.parse(blk!.split('/')[0]!), 122), true);
    }),
    RUNS,
  );
});

test('injective: different addresses never share a pseudonym', () => {
  fc.assert(
    fc.property(fc.uniqueArray(v4, { minLength: 2, maxLength: 40, selector: dotted }), (list) => {
      const r = fresh();
      const out = new Set(list.map((o) => r.text(dotted(o))));
      assert.is(out.size, list.length);
    }),
    RUNS,
  );
});

test('no original left: names, addresses, MACs and cali interfaces are gone from any mixed text', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9]{2,8}(-[a-z0-9]{1,5})?$/);
  const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
  const cali = fc.stringMatching(/^[0-9a-f]{11}$/).map((h) => `cali${h}`);
  const filler = fc.constantFrom(' ', ', ', ' via ', ' dev ', ': ', ' (', ') ', '\n', ' -> ', '=');
  fc.assert(
    fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), fc.array(v4, { minLength: 1, maxLength: 6 }), fc.array(mac, { maxLength: 3 }), fc.array(cali, { maxLength: 3 }), fc.array(filler, { minLength: 20, maxLength: 20 }), (names, ips, macs, ifs, fill) => {
      const originals = [...names, ...ips.map(dotted), ...macs.filter((m) => !/^(ee:){5}ee$|^(ff:){5}ff$|^(00:){5}00$/.test(m)), ...ifs];
      const pieces = [...originals, ...names.map((n) => `${n}#2`), ...ips.map((o) => `${dotted(o)}/24`), ...ips.map((o) => `Mesh_${o.join('_')}`)];
      const text = pieces.map((p, i) => `${p}${fill[i % fill.length]}`).join('');
      const r = new Redactor({ key: 'fuzz', avoid: originals });
      r.learn(names, []);
      const out = r.text(text);
      const produced = new Set(r.pseudonyms());
      for (const o of originals) {
        if (produced.has(o)) continue; // a pseudonym equal to another original: redactReport redraws the key
        const re = new RegExp(`(?<![A-Za-z0-9_.:-])${o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_-]|\\.\\d)`);
        assert.not.ok(re.test(out), `${o} left in ${out}`);
      }
    }),
    RUNS,
  );
});

test('idempotence: masking already-masked text changes nothing; redacting keeps masks and name pseudonyms', () => {
  const secretish = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.stringMatching(/^[A-Za-z0-9_-]{10,40}$/).map((s) => `eyJ${s}.${s}.${s}`),
    fc.stringMatching(/^[A-Za-z0-9+/]{8,40}$/).map((s) => `password: ${s}`),
    fc.stringMatching(/^[A-Za-z0-9._~+/=-]{6,40}$/).map((s) => `Authorization: Bearer ${s}`),
    fc.stringMatching(/^[A-Za-z0-9+/]{64}$/).map((s) => `-----BEGIN PRIVATE KEY-----\n${s}\n-----END PRIVATE KEY-----`),
  );
  fc.assert(
    fc.property(fc.array(secretish, { minLength: 1, maxLength: 4 }), fc.constantFrom(' ', '\n', ' token=', ', '), (parts, sep) => {
      const once = maskSecrets(parts.join(sep));
      assert.is(maskSecrets(once), once);
      const r = fresh();
      r.learn(['node-a'], []);
      const red = r.text(once);
      assert.is(red.split(MASK).length, once.split(MASK).length, 'masks survive redaction');
      assert.is(r.text('node-1 pod=pod-1 namespace=ns-2'), 'node-1 pod=pod-1 namespace=ns-2');
    }),
    RUNS,
  );
});

test('namespace, pod, workload endpoint and cluster names in log, YAML, JSON and kubectl shapes; prose untouched', () => {
  const r = fresh();
  r.learn(['node-a'], []);
  const cni = r.text('cni-plugin/k8s.go 400: Added Mac ContainerID="0123abcd" Namespace="shop" Pod="web-5d8f-x2k9q" WorkloadEndpoint="node--a-k8s-web--5d8f--x2k9q-eth0"');
  for (const gone of ['shop', 'web-5d8f-x2k9q', 'node--a-k8s']) assert.not.ok(cni.includes(gone), cni);
  const ns = r.text('namespace=shop');
  assert.is(r.text('  namespace: shop'), `  namespace: ${ns.slice('namespace='.length)}`);
  assert.is(r.text('kubectl -n shop get pods'), `kubectl -n ${ns.slice('namespace='.length)} get pods`);
  assert.match(r.text('WorkloadEndpoint(node=node-a, orchestrator=k8s, workload=shop/web-1, name=eth0)'), /^WorkloadEndpoint\(node=node-1, orchestrator=k8s, workload=ns-1\/pod-\d+, name=eth0\)$/);
  assert.match(r.text('{"namespace":"shop","podName":"web-1"}'), /^\{"namespace":"ns-1","podName":"pod-\d+"\}$/);
  assert.match(r.text('k8s_calico-node_calico-node-7kq2x_calico-system_0a1b2c3d-1111-2222-3333-444455556666_0'), /^k8s_calico-node_pod-\d+_calico-system_uid-1_0$/);
  assert.match(r.text('clusterName: prod-eu-1 cluster=prod-eu-1'), /^clusterName: cluster-1 cluster=cluster-1$/);
  for (const prose of ['Pods cannot reach destinations outside the cluster: their IP pool', 'kubectl -n calico-system logs <calico-node-pod>', 'netstat -a -n', 'grep -n error felix.log'])
    assert.is(r.text(prose), prose);
});

test.run();
