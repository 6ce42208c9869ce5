import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createIpsetListParser, isWellKnownCalicoSet, MAX_UNPARSED, parseIpsetList } from '../../src/parsers/ipset-list.js';

const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(`test/fixtures/parsers/${name}`, ROOT), 'utf8');
const norm = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
const doc = norm(
  readFileSync(new URL('src/parsers/ipset-list.ts', ROOT), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n'),
);

test('doc comment quotes the fixture', () => {
  assert.ok(doc.includes(norm(fixture('ipset-list-dramasamy.txt'))));
});

test('dramasamy sample: a selector set, counted not kept', () => {
  const d = parseIpsetList(fixture('ipset-list-dramasamy.txt'));
  assert.equal(d.sets, {
    'cali40s:LrVD8vMIGQDyv8Y7sPFB1Ge': {
      line: 1,
      text: 'Name: cali40s:LrVD8vMIGQDyv8Y7sPFB1Ge',
      name: 'cali40s:LrVD8vMIGQDyv8Y7sPFB1Ge',
      type: 'hash:net',
      revision: 6,
      header: 'family inet hashsize 1024 maxelem 1048576',
      family: 'inet',
      references: 3,
      entries: 1,
      members: [],
      membersKept: false,
    },
  });
  assert.equal(d.unparsed, []);
});

test('well-known sets keep members (tails dropped); others counted; old ipset without Number of entries', () => {
  const text = [
    'Name: cali40all-ipam-pools',
    'Type: hash:net',
    'Revision: 7',
    'Header: family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x5c351cfe',
    'Size in memory: 504',
    'References: 1',
    'Number of entries: 2',
    'Members:',
    '10.244.0.0/16',
    '192.168.0.0/16 timeout 100',
    '',
    'Name: cali60this-host',
    'Type: hash:ip',
    'Header: family inet6 hashsize 1024 maxelem 1048576',
    'Members:',
    'fd00::1 comment "node"',
    '',
    'Name: KUBE-CLUSTER-IP',
    'Type: hash:ip,port',
    'Revision: 5',
    'Header: family inet hashsize 1024 maxelem 65536',
    'Members:',
    '10.96.0.1,tcp:443',
    '10.96.0.10,udp:53',
    '10.96.0.10,tcp:53',
    '',
  ].join('\n');
  const d = parseIpsetList(text);
  const pools = d.sets['cali40all-ipam-pools']!;
  assert.equal([pools.membersKept, pools.members, pools.entries, pools.revision], [true, ['10.244.0.0/16', '192.168.0.0/16'], 2, 7]);
  const th = d.sets['cali60this-host']!;
  assert.equal([th.family, th.members, th.entries], ['inet6', ['fd00::1'], 1]);
  const kube = d.sets['KUBE-CLUSTER-IP']!;
  assert.equal([kube.membersKept, kube.members, kube.entries], [false, [], 3]);
  assert.equal(d.unparsed, []);
});

test('which set names are well known', () => {
  for (const n of ['cali40all-ipam-pools', 'cali40masq-ipam-pools', 'cali40all-hosts-net', 'cali40all-vxlan-net', 'cali40this-host', 'cali60all-ipam-pools', 'cali4-all-ipam-pools', 'cali6-masq-ipam-pools', 'cali4-this-host']) {
    assert.ok(isWellKnownCalicoSet(n), n);
  }
  for (const n of ['cali40s:abc', 'cali40n:abc', 'cali4t0', 'KUBE-NODE-PORT', 'cali40svc:x']) assert.not.ok(isWellKnownCalicoSet(n), n);
});

test('docker pull chatter and errors go to unparsed', () => {
  const d = parseIpsetList(
    "Unable to find image 'calico/node:latest' locally\nlatest: Pulling from calico/node\nDigest: sha256:abc\n\nName: cali40this-host\nType: hash:ip\nMembers:\n127.0.0.1\n",
  );
  assert.equal(d.unparsed.map((u) => u.line), [1, 2, 3]);
  assert.equal(d.sets['cali40this-host']!.members, ['127.0.0.1']);
  const e = parseIpsetList('ipset v7.1: Kernel error received: Operation not permitted\n');
  assert.equal(d.sets['x'], undefined);
  assert.equal(e.sets, {});
  assert.is(e.unparsed[0]!.text, 'ipset v7.1: Kernel error received: Operation not permitted');
});

test('unparsed capped, many members streamed', () => {
  const p = createIpsetListParser();
  for (let i = 1; i <= 50; i++) p.push('junk', i);
  p.push('Name: KUBE-X', 51);
  p.push('Members:', 52);
  for (let i = 0; i < 100_000; i++) p.push('10.0.0.1', 53 + i);
  const d = p.finish();
  assert.is(d.unparsed.length, MAX_UNPARSED);
  assert.is(d.sets['KUBE-X']!.entries, 100_000);
  assert.is(d.sets['KUBE-X']!.members.length, 0);
});

test('property: arbitrary text never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      assert.ok(parseIpsetList(s).unparsed.length <= MAX_UNPARSED);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('Name: cali40all-x', 'Name: __proto__', 'Members:', 'Header: family', 'Number of entries: 9', '1.2.3.4', '', 'x'), { maxLength: 40 }), (a) => {
      parseIpsetList(a.join('\n'));
    }),
  );
});

test.run();
