import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fieldLines } from '../../src/parsers/yaml-field-lines.js';
import { parseCalicoResources } from '../../src/parsers/calico-resources.js';

const NODE_LIST = `apiVersion: projectcalico.org/v3
items:
- apiVersion: projectcalico.org/v3
  kind: Node
  metadata:
    # autodetected
    labels:
      kubernetes.io/hostname: node-c
    name: node-c
  spec:
    addresses:
    - address: 10.0.2.15/24
      type: CalicoNodeIP
    bgp:
      ipv4Address: 10.0.2.15/24
    description: |
      name: not-a-field
    "quoted.key": 'v'
kind: NodeList
`;

test('list item, comments, nested maps, sequences numbered, block scalars skipped, quoted keys', () => {
  const f = fieldLines(NODE_LIST.split('\n').slice(2).join('\n'), 3);
  assert.equal(f['kind'], { line: 4, text: 'kind: Node' });
  assert.equal(f['metadata.name'], { line: 9, text: 'name: node-c' });
  assert.equal(f['metadata.labels.kubernetes.io/hostname'], { line: 8, text: 'kubernetes.io/hostname: node-c' });
  assert.equal(f['spec.addresses.0.address'], { line: 12, text: 'address: 10.0.2.15/24' });
  assert.equal(f['spec.addresses.0.type'], { line: 13, text: 'type: CalicoNodeIP' });
  assert.equal(f['spec.bgp.ipv4Address'], { line: 15, text: 'ipv4Address: 10.0.2.15/24' });
  assert.is(f['spec.name'], undefined, 'a block scalar\'s text is no field');
  assert.equal(f['spec.quoted.key'], { line: 18, text: `"quoted.key": 'v'` });
});

test('CRLF lines and sequences at their key\'s indentation or deeper', () => {
  const text = 'spec:\r\n  serviceClusterIPs:\r\n  - cidr: 10.96.0.0/12\r\n  - cidr: 10.244.128.0/20\r\n  communities:\r\n    - name: a\r\n  asNumber: 64512\r\n';
  const f = fieldLines(text, 1);
  assert.equal(f['spec.serviceClusterIPs.1.cidr'], { line: 4, text: 'cidr: 10.244.128.0/20' });
  assert.equal(f['spec.communities.0.name'], { line: 6, text: 'name: a' });
  assert.equal(f['spec.asNumber'], { line: 7, text: 'asNumber: 64512' });
});

test('the parser gives every non-policy resource its field lines, in lists and in documents, on both parse paths', () => {
  for (const itemwiseBytes of [1, 1 << 30]) {
    const r = parseCalicoResources(NODE_LIST, { input: 'i', file: 'node.yaml' }, { itemwiseBytes });
    assert.equal(r.problems, []);
    const n = r.resources[0]!;
    assert.equal(n.ref.fields?.['spec.bgp.ipv4Address'], { line: 15, text: 'ipv4Address: 10.0.2.15/24' }, `itemwise ${itemwiseBytes}`);
    assert.is(NODE_LIST.split('\n')[15 - 1]!.trim(), 'ipv4Address: 10.0.2.15/24');
  }
  const two = `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: p\nspec:\n  order: 10\n`;
  const r = parseCalicoResources(two, { input: 'i', file: 'x.yaml' });
  assert.equal(r.resources[0]!.ref.fields?.['spec.cidr'], { line: 6, text: 'cidr: 10.0.0.0/16' });
  assert.is(r.resources[1]!.ref.fields, undefined, 'policies (the bulk of an export) are cited by their start');
});

test.run();
