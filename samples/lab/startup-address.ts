/**
 * What calico-node's startup logs about the node's IPv4 address (node/pkg/lifecycle/startup/startup.go):
 * autodetected (`Using autodetected IPv4 address on interface <if>: <cidr>`, autodetection_methods.go), or
 * taken from the `IP` environment variable (`Using IPv4 address from environment: IP=<cidr>`), which startup
 * then checks against the host's interfaces and warns about when it is not there
 * (`Unable to confirm IPv4 address <ip> is assigned to this host`).
 */
import type { Level } from './calico-logs.js';
import type { NodeSpec } from './scenario.js';

export type StartupLine = [Level, string, number, string];

export function startupAddressLines(spec: NodeSpec, addr: string, ifc: string): StartupLine[] {
  if (!spec.ipFromEnv) return [['INFO', 'autodetection_methods.go', 103, `Using autodetected IPv4 address on interface ${ifc}: ${addr}`]];
  const ip = addr.split('/')[0]!;
  const local = ip === spec.ip || (spec.interfaces ?? []).some((i) => i.cidr.split('/')[0] === ip) || spec.natNic?.cidr.split('/')[0] === ip;
  const out: StartupLine[] = [['INFO', 'startup.go', 758, `Using IPv4 address from environment: IP=${addr}`]];
  if (!local) out.push(['WARNING', 'startup.go', 796, `Unable to confirm IPv4 address ${ip} is assigned to this host`]);
  return out;
}
