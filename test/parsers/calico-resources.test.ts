import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BGPConfigurationResource, IPPoolResource, NodeResource } from '../../src/model/facts.js';
import {
  addToResourceSet,
  emptyResourceSet,
  isCalicoResourceYaml,
  parseAsNumber,
  parseCalicoResources,
  splitListItems,
  splitPeerIP,
  type BGPPeerResourceWithPort,
} from '../../src/parsers/calico-resources.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/parsers/${name}`, import.meta.url), 'utf8');
const src = (file: string) => ({ input: 'bundle.tar.gz', file });

test('doc-comment sample: runbook `calicoctl get ipp newben-pool -oyaml`', () => {
  const r = parseCalicoResources(fixture('yaml-ippool-newben-runbook.yaml'), src('ipp.yaml'));
  assert.equal(r.problems, []);
  assert.is(r.resources.length, 1);
  const p = r.resources[0] as IPPoolResource;
  assert.is(p.kind, 'IPPool');
  assert.is(p.name, 'newben-pool');
  assert.is(p.cidr, '172.16.0.0/16');
  assert.is(p.blockSize, 26);
  assert.is(p.ipipMode, 'Never');
  assert.is(p.vxlanMode, 'Never');
  assert.is(p.natOutgoing, true);
  assert.is(p.disabled, false);
  assert.is(p.nodeSelector, 'all()');
  assert.equal({ ...p.ref, fields: undefined }, { input: 'bundle.tar.gz', file: 'ipp.yaml', line: 1, fields: undefined });
  // Where each field is written, quoted as written (evidence cites these lines).
  assert.equal(p.ref.fields?.['spec.cidr'], { line: 12, text: 'cidr: 172.16.0.0/16' });
  assert.equal(p.ref.fields?.['spec.natOutgoing'], { line: 14, text: 'natOutgoing: true' });
  assert.equal(p.ref.fields?.['metadata.name'], { line: 7, text: 'name: newben-pool' });
  assert.equal(p.labels, {});
});

test('runbook `calicoctl get globalNetworkPolicy -oyaml` (GlobalNetworkPolicyList)', () => {
  const r = parseCalicoResources(fixture('yaml-gnp-allow-all-runbook.yaml'), src('gnp.yaml'));
  assert.equal(r.problems, []);
  assert.is(r.resources.length, 1);
  const g = r.resources[0]!;
  assert.is(g.kind, 'GlobalNetworkPolicy');
  assert.is(g.name, 'allow-all');
  assert.is(g.ref.line, 3);
  assert.is(g.spec.selector, 'all()');
  assert.equal(g.spec.types, ['Ingress', 'Egress']);
});

test('cluster-diags CRD List (crd.projectcalico.org/v1): pools, legacy fields, peers with ports, ignored kinds', () => {
  const r = parseCalicoResources(fixture('yaml-crd-list-constructed.yaml'), src('cluster/crd/mixed.yaml'));
  assert.equal(r.problems, []);
  assert.equal(r.ignored, { BlockAffinity: 1 });
  assert.equal(r.resources.map((x) => [x.kind, x.name, x.ref.line]), [
    ['IPPool', 'default-ipv4-ippool', 3],
    ['IPPool', 'legacy-pool', 13],
    ['BGPPeer', 'tor-a', 23],
    ['BGPPeer', 'tor-v6', 31],
  ]);
  const def = r.resources[0] as IPPoolResource;
  assert.is(def.ipipMode, 'Always');
  assert.is(def.vxlanMode, 'Never');
  const legacy = r.resources[1] as IPPoolResource;
  assert.is(legacy.ipipMode, 'CrossSubnet');
  assert.is(legacy.natOutgoing, true);
  assert.is(legacy.blockSize, undefined);
  const a = r.resources[2] as BGPPeerResourceWithPort;
  assert.equal([a.peerIP, a.peerPort, a.asNumber, a.node], ['10.0.0.1', 1790, 65546, 'node-a']);
  const v6 = r.resources[3] as BGPPeerResourceWithPort;
  assert.equal([v6.peerIP, v6.peerPort, v6.asNumber, v6.peerSelector], ['fd00::1', 179, 64513, "rr == 'true'"]);
});

test('multi-document stream: Node, BGPConfiguration, k8s NetworkPolicy ignored, defaults', () => {
  const r = parseCalicoResources(fixture('yaml-multidoc-constructed.yaml'), src('res.yaml'));
  assert.equal(r.problems, []);
  assert.equal(r.ignored, { NetworkPolicy: 1 });
  assert.equal(r.resources.map((x) => [x.kind, x.name, x.ref.line]), [
    ['Node', 'node-a', 1],
    ['BGPConfiguration', 'default', 16],
    ['NetworkPolicy', 'allow-dns', 33],
    ['FelixConfiguration', 'default', 41],
    ['IPPool', 'minimal', 48],
  ]);
  const n = r.resources[0] as NodeResource;
  assert.is(n.ipv4Address, '10.0.0.11/24');
  assert.is(n.asNumber, 64512);
  assert.is(n.ipv4IPIPTunnelAddr, '192.168.231.0');
  assert.is(n.ipv4VXLANTunnelAddr, '192.168.231.1');
  assert.is(n.routeReflectorClusterID, '224.0.0.1');
  assert.equal(n.labels, { rack: '1', rr: 'true' });
  const b = r.resources[1] as BGPConfigurationResource;
  assert.equal([b.asNumber, b.nodeToNodeMeshEnabled, b.logSeverityScreen], [65000, false, 'Info']);
  assert.is(r.resources[2]!.namespace, 'kube-system');
  const p = r.resources[4] as IPPoolResource;
  assert.equal([p.ipipMode, p.vxlanMode, p.natOutgoing, p.disabled], ['Never', 'Never', false, false]);
});

test('bad YAML gives a problem naming file and line, never a throw', () => {
  const r = parseCalicoResources('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: [unclosed\n', src('bad.yaml'));
  assert.is(r.resources.length, 0);
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0]!, /^bad\.yaml: line \d+: YAML error: /);
  const g = parseCalicoResources('\u0000\u0001 : : -\n\t- x', src('garbage.yaml'));
  assert.ok(g.problems.length >= 1);
  assert.ok(g.problems.every((p) => p.startsWith('garbage.yaml')));
  const scalar = parseCalicoResources('just a string\n', src('s.yaml'));
  assert.equal(scalar.problems, ['s.yaml: line 1: document is not a YAML mapping']);
  const noName = parseCalicoResources('apiVersion: projectcalico.org/v3\nkind: IPPool\nspec:\n  cidr: 10.0.0.0/8\n', src('n.yaml'));
  assert.equal(noName.problems, ['n.yaml: line 1: IPPool without metadata.name, skipped']);
  // alias bomb stays bounded
  const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
  const bb = parseCalicoResources(bomb, src('bomb.yaml'));
  assert.is(bb.resources.length, 0);
  assert.ok(bb.problems.length === 1 && bb.problems[0]!.startsWith('bomb.yaml: line 1:'));
});

test('CRLF and empty input', () => {
  const crlf = fixture('yaml-ippool-newben-runbook.yaml').replace(/\n/g, '\r\n');
  const r = parseCalicoResources(crlf, src('crlf.yaml'));
  assert.is((r.resources[0] as IPPoolResource).cidr, '172.16.0.0/16');
  assert.equal(parseCalicoResources('', src('e.yaml')), { resources: [], problems: [], ignored: {} });
});

test('AS numbers and peer IPs', () => {
  assert.is(parseAsNumber(64512), 64512);
  assert.is(parseAsNumber('64512'), 64512);
  assert.is(parseAsNumber('1.10'), 65546);
  assert.is(parseAsNumber('4294967295'), 4294967295);
  assert.is(parseAsNumber('4294967296'), undefined);
  assert.is(parseAsNumber('abc'), undefined);
  assert.is(parseAsNumber(1.5), undefined);
  assert.equal(splitPeerIP('10.0.0.1'), { ip: '10.0.0.1' });
  assert.equal(splitPeerIP('10.0.0.1:1790'), { ip: '10.0.0.1', port: 1790 });
  assert.equal(splitPeerIP('[fd00::1]:179'), { ip: 'fd00::1', port: 179 });
  assert.equal(splitPeerIP('fd00::1'), { ip: 'fd00::1' });
});

test('big Lists are parsed item by item with the same resources, lines and problems as a whole parse', () => {
  for (const name of ['yaml-crd-list-constructed.yaml', 'yaml-gnp-allow-all-runbook.yaml']) {
    const text = fixture(name);
    assert.ok(splitListItems(text) !== undefined, `${name} splits into items`);
    const whole = parseCalicoResources(text, src(name));
    assert.equal(parseCalicoResources(text, src(name), { itemwiseBytes: 0 }), whole, name);
    const crlf = text.replace(/\n/g, '\r\n');
    assert.equal(parseCalicoResources(crlf, src(name), { itemwiseBytes: 0 }), parseCalicoResources(crlf, src(name)), name + ' CRLF');
  }
  // calicoctl order (kind and metadata after items), comments, a blank line, a non-object item, an ignored kind.
  const list = [
    '---',
    'apiVersion: projectcalico.org/v3',
    'items:',
    '# exported by calicoctl',
    '- apiVersion: projectcalico.org/v3',
    '  kind: IPPool',
    '  metadata:',
    '    name: p1',
    '  spec:',
    '    cidr: 10.1.0.0/16',
    '',
    '- just a string',
    '-',
    '  apiVersion: projectcalico.org/v3',
    '  kind: GlobalNetworkPolicy',
    '  metadata:',
    '    name: deny-179',
    '  spec:',
    '    ingress:',
    '    - action: Deny',
    '      protocol: TCP',
    '      destination:',
    '        ports: [179]',
    '- apiVersion: v1',
    '  kind: ConfigMap',
    '  metadata: {name: x}',
    'kind: IPPoolList',
    'metadata:',
    '  resourceVersion: "1234"',
    '',
  ].join('\n');
  const whole = parseCalicoResources(list, src('l.yaml'));
  assert.equal(whole.resources.map((r) => [r.kind, r.name, r.ref.line]), [['IPPool', 'p1', 5], ['GlobalNetworkPolicy', 'deny-179', 14]]);
  assert.equal(parseCalicoResources(list, src('l.yaml'), { itemwiseBytes: 0 }), whole);
  // The same items again, in another file and lower down (a second cluster diags): loaded once, each
  // copy with its own file and lines, and the same content.
  const again = parseCalicoResources('# exported again\n\n' + list, src('crd/again.yaml'), { itemwiseBytes: 0 });
  assert.equal(again.resources.map((r) => [r.kind, r.name, r.ref.file, r.ref.line]), [['IPPool', 'p1', 'crd/again.yaml', 7], ['GlobalNetworkPolicy', 'deny-179', 'crd/again.yaml', 16]]);
  assert.equal(again.resources.map((r) => r.spec), whole.resources.map((r) => r.spec));
});

test('item by item, an unquoted AS-dot still reads from its source text (1.10 is AS 65546, not 1.1)', () => {
  const list = [
    'apiVersion: projectcalico.org/v3',
    'items:',
    '- apiVersion: projectcalico.org/v3',
    '  kind: Node',
    '  metadata: {name: n1}',
    '  spec:',
    '    bgp: {ipv4Address: 10.0.0.1/24, asNumber: 1.10}',
    '- apiVersion: projectcalico.org/v3',
    '  kind: BGPPeer',
    '  metadata: {name: p1}',
    '  spec: {peerIP: 10.0.0.9, asNumber: 1.10}',
    '- apiVersion: projectcalico.org/v3',
    '  kind: BGPConfiguration',
    '  metadata: {name: default}',
    '  spec: {asNumber: 64512}',
    'kind: List',
    '',
  ].join('\n');
  const whole = parseCalicoResources(list, src('as.yaml'));
  assert.equal(whole.resources.map((r) => (r as NodeResource).asNumber), [65546, 65546, 64512]);
  assert.equal(parseCalicoResources(list, src('as.yaml'), { itemwiseBytes: 0 }), whole);
});

test('property: item by item (js-yaml first) equals the whole-file parse (yaml) for any scalar in any field of well-formed YAML', () => {
  const tricky = ['0755', '0o17', '0x1F', '1_000', '1.10', '.inf', '-.Inf', '.NaN', '~', 'null', 'Null', 'true', 'True', 'FALSE', 'yes', 'no', 'on',
    '2024-01-01', '2020-04-09T12:22:10Z', '+5', '-0', '1e3', '12:30:00', "'quoted'", '"esc\\tq"', '[a, b]', '{x: 1}', '!!str 5', '!!binary aGk=',
    '&a x', '*a', '|', '>-', '"unclosed', "it's", 'a: b', 'a #c', '#c', '- x', '? x', '@x', '`x', '%x', '', ' ', 'all()', "has(x) && y == 'z'", '179'];
  // Known and harmless: a float that overflows (`1e310`) is Infinity in `yaml` and a string in js-yaml.
  const overflow = /^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d{3,}$/;
  const scalar = fc.oneof(fc.constantFrom(...tricky), fc.string({ maxLength: 12 }).filter((s) => !overflow.test(s.trim())));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('IPPool', 'Node', 'BGPPeer', 'BGPConfiguration', 'GlobalNetworkPolicy'), scalar, scalar), { minLength: 1, maxLength: 4 }), (items) => {
      const lines = ['apiVersion: projectcalico.org/v3', 'items:'];
      items.forEach(([kind, a, b], i) => {
        lines.push('- apiVersion: projectcalico.org/v3', `  kind: ${kind}`, '  metadata:', `    name: r${i}`, `    labels: {l: ${a}}`, '  spec:');
        lines.push(`    cidr: ${a}`, `    asNumber: ${b}`, `    natOutgoing: ${b}`, `    selector: ${a}`, '    bgp:', `      asNumber: ${a}`, `      ipv4Address: ${b}`);
      });
      lines.push('kind: List', '');
      const text = lines.join('\n');
      if (splitListItems(text) === undefined) return; // anchors and the like are parsed whole either way
      const whole = parseCalicoResources(text, src('p.yaml'));
      const itemwise = parseCalicoResources(text, src('p.yaml'), { itemwiseBytes: 0 });
      if (whole.problems.length === 0) assert.equal(itemwise, whole);
      // Malformed YAML (never what calicoctl or kubectl print): a YAML error ends the whole parse but
      // only its item when split (an unclosed quote), and js-yaml reads a few flow-style slips the
      // `yaml` library rejects (`{l: (}#}`). Either way the items read are the ones written.
      else for (const r of itemwise.resources) assert.ok(/^r\d$/.test(r.name), r.name);
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
  );
});

test('what is not a plain block List is parsed whole', () => {
  assert.is(splitListItems('apiVersion: v1\nitems: []\nkind: List\n'), undefined, 'flow items');
  assert.is(splitListItems('apiVersion: v1\nitems:\n  - a: 1\nkind: List\n'), undefined, 'indented sequence');
  assert.is(splitListItems('kind: List\nitems:\n- &a {x: 1}\n- *a\n'), undefined, 'anchors');
  assert.is(splitListItems('kind: List\nitems:\n- a: 1\n---\nkind: List\nitems:\n- b: 2\n'), undefined, 'several documents');
  assert.is(splitListItems('kind: IPPool\nmetadata:\n  name: x\n'), undefined, 'not a List');
  // An item with a YAML error: the other items are still read, the error names the file line.
  const r = parseCalicoResources('kind: IPPoolList\nitems:\n- apiVersion: projectcalico.org/v3\n  kind: IPPool\n  metadata: {name: a}\n  spec: {cidr: 10.0.0.0/8}\n- apiVersion: projectcalico.org/v3\n  kind: IPPool\n  spec: [unclosed\n', src('e.yaml'), { itemwiseBytes: 0 });
  assert.equal(r.resources.map((x) => x.name), ['a']);
  assert.is(r.problems.length, 1);
  assert.ok(/^e\.yaml: line (7|8|9|10): YAML error/.test(r.problems[0]!), r.problems[0]);
});

test('isCalicoResourceYaml is a cheap head check', () => {
  assert.ok(isCalicoResourceYaml('apiVersion: projectcalico.org/v3\nkind: IPPool\n'));
  assert.ok(isCalicoResourceYaml('apiVersion: v1\nitems:\n- apiVersion: crd.projectcalico.org/v1\n  kind: IPPool\n'));
  assert.not.ok(isCalicoResourceYaml('apiVersion: v1\nkind: Pod\n'));
  assert.not.ok(isCalicoResourceYaml('apiVersion: projectcalico.org/v3\n'));
});

test('addToResourceSet sorts by kind and keeps the first of duplicates', () => {
  const set = emptyResourceSet();
  const a = parseCalicoResources(fixture('yaml-multidoc-constructed.yaml'), src('res.yaml')).resources;
  const pool = parseCalicoResources(fixture('yaml-ippool-newben-runbook.yaml'), src('ipp.yaml')).resources;
  assert.is(addToResourceSet(set, a), 0);
  assert.is(addToResourceSet(set, pool), 0);
  assert.is(addToResourceSet(set, pool), 1);
  assert.equal(set.ippools.map((p) => p.name), ['minimal', 'newben-pool']);
  assert.is(set.nodes.length, 1);
  assert.is(set.bgpConfigurations.length, 1);
  assert.is(set.networkPolicies.length, 1);
  assert.is(set.felixConfigurations.length, 1);
  assert.is(set.globalNetworkPolicies.length, 0);
  assert.is(set.bgpPeers.length, 0);
});

test.run();
