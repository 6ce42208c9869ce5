/**
 * Encapsulation faults of the namespace lab that need more than vxlan.ts's devices and routes:
 *
 * - `ipipTraffic`: this kernel has no `ipip` module, so no tunl0 can encapsulate. Each node instead
 *   sends real IP protocol 4 packets to the other nodes from a python3 raw socket
 *   (`socket(AF_INET, SOCK_RAW, IPPROTO_IPIP)`: the kernel writes the outer header from the node's
 *   own address), each carrying the inner ICMP echo a pod's ping would carry (pod IP → pod IP). They
 *   cross the real underlay and move Felix's IPIP counters in cali-OUTPUT / cali-INPUT; the receiver
 *   has nothing to decapsulate them with.
 * - `underlayFirewall`: iptables rules in the switch namespace, which routes between the subnets
 *   (a router ACL or cloud fabric the node bundles cannot show).
 * - `srcDstCheck`: nft bridge rules in the switch namespace drop frames on a node's port whose IPv4
 *   source (from the node) or destination (to the node) is not the node's own address, as the EC2
 *   source/destination check does.
 * - `kernelVersion`: Felix's written features line (`Updating detected iptables features …`).
 * - `felixConfig`: extra keys of the exported FelixConfiguration `default`.
 */
import { createHash } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { nsRun, nsRunAsync } from './proc.js';
import type { NodeSpec, Scenario } from './scenario.js';

interface LabNode {
  spec: NodeSpec;
  ns: string;
  pods: Array<{ ns: string; ip: string }>;
}

/** Raw-socket IP-in-IP sender: argv outer-dst inner-src inner-dst count. */
const IPIP_SENDER = `
import socket, struct, sys, time
def csum(b):
    if len(b) % 2: b += b'\\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
dst, isrc, idst, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
ident = int.from_bytes(socket.inet_aton(isrc)[2:], 'big')
for seq in range(1, n + 1):
    icmp = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + bytes(range(16, 72))
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), (ident + seq) & 0xffff, 0x4000, 63, 1, 0, socket.inet_aton(isrc), socket.inet_aton(idst))
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    s.sendto(hdr + icmp, (dst, 0))
    time.sleep(0.2)
`;

function switchNs(s: Scenario): string {
  return `cdlab-${s.id}-sw`;
}

/** The switch port of the node at `idx` (run-lab.ts buildTopology names it `p<idx>-<sha1(id)[:6]>`). */
function switchPort(s: Scenario, idx: number): string {
  return `p${idx}-${createHash('sha1').update(s.id).digest('hex').slice(0, 6)}`;
}

/** Underlay firewall and EC2-like source/destination check in the switch namespace. */
export function applyUnderlayFabric(s: Scenario): void {
  const sw = switchNs(s);
  for (const rule of s.underlayFirewall ?? []) nsRun(sw, 'iptables', rule.split(' '));
  if (s.srcDstCheck) {
    const rules: string[] = [];
    s.nodes.forEach((n, idx) => {
      if (n.gone) return;
      const port = switchPort(s, idx);
      rules.push(`    iifname "${port}" ip saddr != ${n.ip} counter drop`, `    oifname "${port}" ip daddr != ${n.ip} counter drop`);
    });
    nsRun(sw, 'nft', ['-f', '-'], { input: `table bridge srcdstcheck {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n${rules.join('\n')}\n  }\n}\n` });
  }
}

/** Real IP-in-IP packets from every node to every other node (pod → first pod there), `count` each. */
export async function ipipTraffic(s: Scenario, nodes: LabNode[], count = 5): Promise<void> {
  if (!s.ipipTraffic) return;
  const jobs: Array<Promise<unknown>> = [];
  for (const a of nodes) {
    for (const b of nodes) {
      if (a === b || b.pods[0] === undefined) continue;
      for (const p of a.pods) jobs.push(nsRunAsync(a.ns, 'python3', ['-c', IPIP_SENDER, b.spec.ip, p.ip, b.pods[0].ip, String(count)]));
    }
  }
  await Promise.all(jobs);
}

/** Felix's features line (felix/environment/feature_detect_linux.go): ChecksumOffloadBroken for kernels <= 5.7. */
export function featuresLine(n: NodeSpec): string | undefined {
  if (n.kernelVersion === undefined) return undefined;
  const m = /^(\d+)\.(\d+)/.exec(n.kernelVersion);
  const broken = m !== null && (Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 7));
  const l3 = m !== null && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 6));
  return `Updating detected iptables features features=environment.Features{SNATFullyRandom:true, MASQFullyRandom:true, RestoreSupportsLock:true, ChecksumOffloadBroken:${broken}, IPIPDeviceIsL3:${l3}, KernelSideRouteFiltering:true} iptablesVersion=1.8.9 kernelVersion=${n.kernelVersion}`;
}

/** Adds `felixConfig` keys to the exported FelixConfiguration default (creating it if the scenario has none). */
export function felixConfigResources(s: Scenario, res: Record<string, string>): Record<string, string> {
  if (s.felixConfig === undefined) return res;
  const created = (parse(res['ippool']!) as { items: Array<{ metadata: { creationTimestamp: string } }> }).items[0]!.metadata.creationTimestamp;
  const doc = (res['felixconfiguration'] !== undefined
    ? parse(res['felixconfiguration'])
    : {
        apiVersion: 'projectcalico.org/v3',
        items: [
          {
            apiVersion: 'projectcalico.org/v3',
            kind: 'FelixConfiguration',
            metadata: { creationTimestamp: created, name: 'default', resourceVersion: '1291', uid: 'b7d2c1e0-51aa-4c1d-a0f3-0c4e1f2a9d11' },
            spec: { bpfEnabled: false, floatingIPs: 'Disabled', logSeverityScreen: 'Info', reportingInterval: '0s' },
          },
        ],
        kind: 'FelixConfigurationList',
        metadata: { resourceVersion: '48213' },
      }) as { items: Array<{ spec: Record<string, unknown> }> };
  const item = doc.items[0]!;
  const spec: Record<string, unknown> = { ...item.spec, ...s.felixConfig };
  item.spec = Object.fromEntries(Object.keys(spec).sort().map((k) => [k, spec[k]]));
  return { ...res, felixconfiguration: stringify(doc, { lineWidth: 0 }) };
}
