/**
 * Every committed lab tarball (samples/scenarios/<id>/<host>/diags-*.tar.gz) has the layout of the
 * Calico version its scenario file declares (diags-format.md §1.1–1.7, §3.2), read straight from the
 * gzip+tar stream (no extraction: `diagnostics/` is mode 0000).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { parse } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RULES as ALL_RULES } from '../../src/rules/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCEN_OUT = join(ROOT, 'samples', 'scenarios');
const SCEN_DEF = join(ROOT, 'samples', 'lab', 'scenarios');

interface Entry {
  name: string;
  type: string;
  mode: number;
  body: Buffer;
}

async function readTarball(path: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      entries.push({ name: header.name, type: header.type ?? 'file', mode: header.mode ?? 0, body: Buffer.concat(chunks) });
      next();
    });
    stream.resume();
  });
  await new Promise<void>((res, rej) => {
    extract.on('finish', res);
    extract.on('error', rej);
    const src = Readable.from(readFileSync(path)).pipe(createGunzip());
    src.on('error', rej);
    src.pipe(extract);
  });
  return entries;
}

interface NodeDef {
  hostname: string;
  layout?: string;
  fileLoggingDisabled?: boolean;
  missingBinaries?: string[];
  docker?: boolean;
  keepBundle?: boolean;
  /** The machine is gone (only its Node resource remains): no bundle. */
  gone?: boolean;
}
interface ScenarioDef {
  id: string;
  layout: string;
  pool?: { ipipMode?: string; vxlanMode?: string };
  programClusterRoutes?: string;
  networkingBackend?: string;
  nodes: NodeDef[];
  expect: { fire: string[]; silent: string[] };
  /** The lab collected this node twice: the earlier bundle is in `<node>-earlier/`. */
  snapshot?: { node: string };
  /** Bundles derived from a collected one (samples/lab/derive-rotated-snapshot.ts), in `<node>-later/`. */
  derived?: { node: string; minutes: number }[];
  attachments?: { file: string; node: string }[];
}

const SVLOGD_TT = /^\d{4}-\d{2}-\d{2}_\d{2}:\d{2}:\d{2}\.\d{5} /;
const SVLOGD_TTT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{5} /;
const LOGRUS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} \[(INFO|WARNING|ERROR|DEBUG)\]\[\d+\] [a-z-]+\/\S+\.go \d+: /;
/** Felix v3.11 and older (rp-filter-loose's written FATAL exit): no component prefix, FATAL level. */
const LOGRUS_V311_FELIX = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} \[(INFO|FATAL)\]\[\d+\] [a-z_]+\.go \d+: /;
const RULES = new Set(ALL_RULES.map((r) => r.meta.id));

function expectedTopFiles(layout: string, node: NodeDef): string[] {
  const missing = new Set(node.missingBinaries ?? []);
  const files = ['date', 'hostname', 'netstat', 'ipv4_route', 'ipv6_route', 'ipv4_addr', 'ipv6_addr', 'ipv4_tables', 'ipv6_tables', 'journalctl_calico_node'];
  if (layout === 'v3.31') {
    files.push('nft_ruleset');
    if (!missing.has('ipset')) files.push('ipsets');
    if (node.docker) files.push('ipset_container');
  } else {
    // ≤ v3.21: every command leaves a file, empty when its binary is missing.
    files.push('ipsets', 'ipset_container');
  }
  return files.sort();
}

function lines(b: Buffer): string[] {
  const t = b.toString('utf8');
  return t.length === 0 ? [] : t.replace(/\n$/, '').split('\n');
}

const scenarioIds = existsSync(SCEN_OUT) ? readdirSync(SCEN_OUT).filter((d) => statSync(join(SCEN_OUT, d)).isDirectory()).sort() : [];

test('the lab produced the first-priority scenarios', () => {
  for (const id of ['healthy', 'bgp-port179-blocked', 'bird-confd-not-running', 'bgp-as-mismatch', 'bgp-peer-refused-or-unreachable']) {
    assert.ok(scenarioIds.includes(id), `samples/scenarios/${id} missing`);
  }
});

for (const id of scenarioIds) {
  test(`${id}: scenario file, resources and one tarball per kept node`, () => {
    const defPath = join(SCEN_DEF, `${id}.yaml`);
    assert.ok(existsSync(defPath), `${defPath} missing`);
    const def = parse(readFileSync(defPath, 'utf8')) as ScenarioDef;
    assert.is(def.id, id);
    for (const r of [...def.expect.fire, ...def.expect.silent]) assert.ok(RULES.has(r), `${id}: unknown rule id ${r}`);
    for (const kind of ['ippool', 'node', 'bgpconfiguration', 'bgppeer']) {
      const y = parse(readFileSync(join(SCEN_OUT, id, 'resources', `${kind}.yaml`), 'utf8')) as { apiVersion: string; kind: string; items: Array<{ metadata: Record<string, unknown> }> };
      assert.is(y.apiVersion, 'projectcalico.org/v3');
      assert.ok(y.kind.endsWith('List'), `${id}/${kind}: kind ${y.kind}`);
      for (const it of y.items) for (const k of ['name', 'uid', 'resourceVersion', 'creationTimestamp']) assert.ok(k in it.metadata, `${id}/${kind}: metadata.${k}`);
    }
    const nodes = (parse(readFileSync(join(SCEN_OUT, id, 'resources', 'node.yaml'), 'utf8')) as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name);
    assert.equal(nodes.sort(), def.nodes.map((n) => n.hostname).sort(), `${id}: NodeList lists every node`);
    // Pasted command output beside the bundles (scenario `attachments:`) is listed there, nothing else.
    const pasted = new Set((def.attachments ?? []).map((a) => a.file));
    const isDir = (p: string) => statSync(join(SCEN_OUT, id, p)).isDirectory();
    for (const f of readdirSync(join(SCEN_OUT, id)).filter((d) => !isDir(d))) assert.ok(pasted.has(f), `${id}/${f}: not a declared attachment`);
    const hosts = readdirSync(join(SCEN_OUT, id)).filter((d) => d !== 'resources' && isDir(d)).sort();
    const kept = def.nodes.filter((n) => n.keepBundle !== false && n.gone !== true).map((n) => n.hostname);
    if (def.snapshot !== undefined) kept.push(`${def.snapshot.node}-earlier`);
    for (const d of def.derived ?? []) kept.push(`${d.node}-later`);
    assert.equal(hosts, kept.sort(), `${id}: node folders`);
    for (const h of hosts) {
      const all = readdirSync(join(SCEN_OUT, id, h));
      for (const f of all.filter((x) => !x.startsWith('diags-'))) assert.ok(pasted.has(`${h}/${f}`), `${id}/${h}/${f}: not a declared attachment`);
      const tgz = all.filter((x) => x.startsWith('diags-'));
      assert.is(tgz.length, 1, `${id}/${h}: exactly one bundle`);
      assert.match(tgz[0]!, /^diags-\d{8}_\d{6}\.tar\.gz$/);
      const size = statSync(join(SCEN_OUT, id, h, tgz[0]!)).size;
      assert.ok(size > 2000 && size < 600_000, `${id}/${h}: ${size} bytes`);
    }
  });

  const def = existsSync(join(SCEN_DEF, `${id}.yaml`)) ? (parse(readFileSync(join(SCEN_DEF, `${id}.yaml`), 'utf8')) as ScenarioDef) : undefined;
  for (const node of def?.nodes ?? []) {
    if (node.keepBundle === false || node.gone === true) continue;
    const layout = node.layout ?? def!.layout;
    test(`${id}/${node.hostname}: ${layout} layout`, async () => {
      const dir = join(SCEN_OUT, id, node.hostname);
      const tgz = readdirSync(dir).find((f) => f.startsWith('diags-'))!;
      const entries = await readTarball(join(dir, tgz));
      const first = entries[0]!;
      assert.is(first.name, 'diagnostics/');
      assert.is(first.type, 'directory');
      assert.is(first.mode & 0o7777, 0, 'diagnostics/ is mode 0000');
      for (const e of entries) assert.ok(e.name.startsWith('diagnostics/'), e.name);
      const byName = new Map(entries.map((e) => [e.name.slice('diagnostics/'.length), e]));
      const top = [...byName.keys()].filter((n) => n.length > 0 && !n.includes('/') && byName.get(n)!.type === 'file').sort();
      assert.equal(top, expectedTopFiles(layout, node), `${id}/${node.hostname}: top-level files`);
      assert.is(byName.get('hostname')!.body.toString(), `${node.hostname}\n`);
      assert.match(byName.get('date')!.body.toString(), /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} UTC \d{4}\n$/);
      // iptables-nft-save writes the legacy-tables warning to stderr, unbuffered: in the combined output it comes first.
      assert.match(byName.get('ipv4_tables')!.body.toString(), /^(# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n)?# Generated by iptables-save v\d/);
      assert.match(byName.get('netstat')!.body.toString(), /^Active Internet connections \(servers and established\)\n/);
      if (layout === 'v3.31') assert.match(byName.get('nft_ruleset')!.body.toString(), /table ip filter \{ # handle \d+/);
      if (layout === 'v3.20') {
        assert.is(byName.get('ipset_container')!.body.length, node.docker ? byName.get('ipset_container')!.body.length : 0, 'no docker: empty ipset_container');
        if (node.missingBinaries?.includes('ipset')) assert.is(byName.get('ipsets')!.body.length, 0, 'missing ipset binary: empty ipsets');
      }
      if (!node.missingBinaries?.includes('ipset')) assert.match(byName.get('ipsets')!.body.toString(), /Name: cali40all-ipam-pools\n/);

      const logDirs = [...byName.keys()].filter((n) => /^logs\/[^/]+\/$/.test(n)).map((n) => n.slice(5, -1)).sort();
      if (node.fileLoggingDisabled) {
        assert.equal(logDirs, ['cni']);
        assert.equal([...byName.keys()].filter((n) => n.startsWith('logs/cni/') && n !== 'logs/cni/'), ['logs/cni/cni.log']);
        return;
      }
      // CALICO_NETWORKING_BACKEND=vxlan (or Felix-programmed IPIP routes): rc.local enables no bird, bird6, confd.
      const birdless = (def!.pool?.vxlanMode ?? 'Never') !== 'Never' || def!.programClusterRoutes === 'Enabled' || def!.networkingBackend === 'vxlan';
      const services = ['allocate-tunnel-addrs', ...(birdless ? [] : ['bird', 'bird6']), 'cni', ...(birdless ? [] : ['confd']), 'felix', 'monitor-addresses'];
      if (layout === 'v3.31') services.push('node-status-reporter');
      assert.equal(logDirs, services.sort(), `${id}/${node.hostname}: log dirs`);
      const containerLogs = [...byName.keys()].filter((n) => /^logs\/[^/]+$/.test(n));
      if (node.docker && layout === 'v3.31') {
        assert.ok(containerLogs.includes('logs/container_creation_time'));
        assert.ok(containerLogs.some((n) => /^logs\/k8s_calico-node_.*\.log$/.test(n)));
      } else {
        assert.equal(containerLogs, [], 'no container logs without docker');
      }
      for (const svc of services) {
        assert.ok(byName.has(`logs/${svc}/current`), `${svc}/current`);
        assert.is(byName.get(`logs/${svc}/lock`)?.mode ?? -1, 0o600, `${svc}/lock mode 0600`);
        if (svc !== 'monitor-addresses') assert.match(byName.get(`logs/${svc}/config`)!.body.toString(), /^(s10000000\nn5\n)+$/);
        const cur = lines(byName.get(`logs/${svc}/current`)!.body);
        assert.ok(cur.length > 0, `${svc}/current has lines`);
        for (const l of cur) {
          if (svc === 'monitor-addresses' || (layout === 'v3.20' && svc !== 'bird' && svc !== 'bird6')) {
            if (svc === 'felix' && LOGRUS_V311_FELIX.test(l)) continue;
            assert.match(l, LOGRUS, `${svc}: unprefixed logrus line`);
          } else if (layout === 'v3.20') {
            assert.match(l, SVLOGD_TT, `${svc}: -tt stamp`);
          } else {
            assert.match(l, SVLOGD_TTT, `${svc}: -ttt stamp`);
          }
          if (svc === 'bird' || svc === 'bird6') assert.match(l, /^\S+ bird: /, 'BIRD stderr lines start "bird: "');
        }
      }
      for (const l of lines(byName.get('logs/cni/cni.log')!.body)) {
        assert.not.match(l, SVLOGD_TTT);
        // CNI plugin lines carry `cni-plugin/` / `ipam/` from v3.29 only.
        if (layout === 'v3.31') assert.match(l, /^\S+ \S+ \[[A-Z]+\]\[\d+\] (cni-plugin|ipam)\/[a-z0-9_]+\.go \d+: /, 'cni.log v3.31');
        else assert.match(l, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} \[[A-Z]+\]\[\d+\] [a-z0-9_]+\.go \d+: /, 'cni.log v3.20: no component');
      }
    });
  }
}

test.run();
