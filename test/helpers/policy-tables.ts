/**
 * Policy chains as Felix renders them (v3.29-v3.31 comments and mark bits), for rule tests: a workload's
 * `cali-tw-<iface>` jumping to policy chains in order, the end-of-tier DROP, policy chains with Allow
 * (`MARK --set-xmark 0x10000/0x10000`) and Deny rules, a host endpoint's `cali-th-<iface>`.
 */
import { lengthLimitedId } from '../../src/combiners/policy-chains.js';

/** Chain of a default-tier GlobalNetworkPolicy (v3.29-v3.31 id `default/default.<name>`). */
export const gnpChain = (name: string, dir: 'pi' | 'po' = 'pi') => lengthLimitedId(`cali-${dir}-`, `default/default.${name}`);
/** Chain of a default-tier NetworkPolicy (`default/<ns>/<name>`). */
export const npChain = (ns: string, name: string, dir: 'pi' | 'po' = 'pi') => lengthLimitedId(`cali-${dir}-`, `default/${ns}/${name}`);

export interface TwOpts {
  iface: string;
  /** Policy chains in evaluation order, with the packets that entered each. */
  policies: { chain: string; packets: number }[];
  /** Packets of the end-of-tier DROP. */
  endOfTier: number;
}

/** `cali-tw-<iface>` as Felix writes it. */
export function twChain(o: TwOpts): string[] {
  const ch = `cali-tw-${o.iface}`;
  const out = [
    `[120:7200] -A ${ch} -m comment --comment "cali:Bm4sLUU4ek0ZUGDG" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `[0:0] -A ${ch} -m comment --comment "cali:4cZOuCl4gT2Dow5h" -m conntrack --ctstate INVALID -j DROP`,
    `[${o.endOfTier + 3}:${(o.endOfTier + 3) * 60}] -A ${ch} -m comment --comment "cali:5hCYmVaE9xljoRWv" -j MARK --set-xmark 0x0/0x10000`,
    `[${o.endOfTier + 3}:${(o.endOfTier + 3) * 60}] -A ${ch} -m comment --comment "cali:IZ8jqsLxN2PEZTbs" -m comment --comment "Start of tier default" -j MARK --set-xmark 0x0/0x20000`,
  ];
  let k = 0;
  for (const p of o.policies) {
    out.push(`[${p.packets}:${p.packets * 60}] -A ${ch} -m comment --comment "cali:jmp${k}AAAAAAAAAAAA" -m mark --mark 0x0/0x20000 -j ${p.chain}`);
    out.push(`[0:0] -A ${ch} -m comment --comment "cali:ret${k}AAAAAAAAAAAA" -m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 -j RETURN`);
    k++;
  }
  out.push(`[${o.endOfTier}:${o.endOfTier * 60}] -A ${ch} -m comment --comment "cali:ZZeOsZpy7k5ubOIQ" -m comment --comment "Drop if no policies passed packet" -m mark --mark 0x0/0x20000 -j DROP`);
  return out;
}

export function declare(chains: string[]): string[] {
  return chains.map((c) => `:${c} - [0:0]`);
}

export const allowRule = (chain: string, port: number, packets = 0) =>
  `[${packets}:${packets * 60}] -A ${chain} -p tcp -m comment --comment "cali:allow${port}AAAAAAAA" -m multiport --dports ${port} -j MARK --set-xmark 0x10000/0x10000`;
export const returnRule = (chain: string) => `[0:0] -A ${chain} -m comment --comment "cali:retAAAAAAAAAAAA" -m mark --mark 0x10000/0x10000 -j RETURN`;
export const denyRule = (chain: string, port: number, packets: number) =>
  `[${packets}:${packets * 60}] -A ${chain} -p tcp -m comment --comment "cali:deny${port}AAAAAAAAA" -m multiport --dports ${port} -j DROP`;

export const POLICY_YAML = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default.default-deny
spec:
  order: 2000
  selector: app == 'web'
  types:
  - Ingress
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: default.allow-frontend
  namespace: shop
spec:
  order: 100
  selector: app == 'web'
  types:
  - Ingress
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports:
      - 8080
`;
