/**
 * Host-firewall rules in a node's `iptables-save -c` that drop or reject a TCP port
 * (`-p tcp ... --dport 179 -j DROP`, multiport lists, firewalld/ufw chains alike).
 */
import type { IptablesRule } from '../model/facts.js';
import type { NodeModel } from '../model/node.js';

function mentionsPort(spec: string, port: number): boolean {
  const p = String(port);
  const m = /--dports?\s+(\S+)/.exec(spec);
  if (m === null) return false;
  return m[1]!.split(',').some((part) => {
    if (part === p || (port === 179 && part === 'bgp')) return true;
    const r = /^(\d+):(\d+)$/.exec(part);
    return r !== null && Number(r[1]) <= port && port <= Number(r[2]);
  });
}

/** DROP/REJECT rules of the filter table that match TCP destination port `port`. */
export function blockingRules(node: NodeModel, port: number): IptablesRule[] {
  const out: IptablesRule[] = [];
  const filter = node.iptables4?.tables['filter'];
  if (filter === undefined) return out;
  for (const chain of Object.values(filter.chains)) {
    for (const r of chain.rules) {
      if (r.target !== 'DROP' && r.target !== 'REJECT') continue;
      if (!/-p tcp\b/.test(r.spec) && !/-m tcp\b/.test(r.spec)) continue;
      if (!mentionsPort(r.spec, port)) continue;
      out.push(r);
    }
  }
  return out;
}

export function isReject(r: IptablesRule): boolean {
  return r.target === 'REJECT';
}
