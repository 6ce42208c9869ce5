/**
 * Catalogue G2: Felix or confd cannot connect to Typha (TCP 5473). The node that hosts Typha
 * (it listens on :5473) usually works while the others time out: then 5473 is blocked between nodes.
 */
import { andList, restartCalicoNode } from '../fix-steps.js';
import { hostPort, machineOf } from './fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { failuresByNode, blindCollect, blindNote, withoutAgentLogs, occurrence, sourceName } from '../../combiners/calico-health.js';
import { blockingRules } from '../../combiners/port-filters.js';
import { artifactFile, lineEvidence } from '../../combiners/evidence.js';
import { synSentTo } from './felix-datastore-unreachable.js';

const TYPHA_PORT = 5473;

function listensTypha(n: NodeModel) {
  return n.sockets?.tcp.find((s) => s.state === 'LISTEN' && s.local.port === TYPHA_PORT);
}

const TYPHA_PODS = '`kubectl -n calico-system get pods -l k8s-app=calico-typha -o wide`';
const ALLOW_5473 = 'Calico requirements: "Calico networking with Typha enabled | Typha agent hosts | Incoming | TCP 5473 (default)"';

/** A host's own iptables rule that drops TCP 5473. */
interface HostDrop {
  host: string;
  rule: string;
}

/**
 * Test 5473 from each failing node to the Typha it dials, check Typha, open the port (the node's own
 * DROP rule when the bundle shows one), then let calico-node reconnect.
 */
function fixSteps(failing: { node: string; target?: string }[], typhaHosts: { name: string; ip?: string }[], drops: HostDrop[]): string[] {
  const names = failing.map((f) => machineOf(f.node));
  const steps: string[] = [];
  const tests = failing.flatMap((f) => {
    const hp = f.target !== undefined ? hostPort(f.target) : undefined;
    return hp !== undefined ? [`from ${machineOf(f.node)}: \`nc -zv ${hp.host} ${hp.port}\``] : [];
  });
  const hostIPs = typhaHosts.filter((h) => h.ip !== undefined);
  if (tests.length > 0) steps.push(`Test the Typha port ${tests.join('; ')}.`);
  else if (hostIPs.length > 0) steps.push(`Test the Typha port from ${andList(names)}: ${hostIPs.map((h) => `\`nc -zv ${h.ip} ${TYPHA_PORT}\` (${h.name})`).join(', ')}.`);
  else steps.push(`Test the Typha port from ${andList(names)}: \`nc -zv\` to port ${TYPHA_PORT} of each Typha pod IP that ${TYPHA_PODS} lists.`);
  steps.push(`Check Typha itself: ${TYPHA_PODS} and \`kubectl -n calico-system logs -l k8s-app=calico-typha --tail=100\`; scale or restart it if it is not Ready.`);
  for (const d of drops) {
    const del = d.rule.startsWith('-A ') ? `\`iptables -D ${d.rule.slice(3)}\`` : `\`iptables -D\` of \`${d.rule}\``;
    steps.push(`On ${machineOf(d.host)}: delete the rule of its own iptables that drops TCP ${TYPHA_PORT}, ${del}, and remove it from whatever installs it (firewalld, ufw, a boot script) so it does not come back.`);
  }
  const to = typhaHosts.length > 0 ? andList(typhaHosts.map((h) => `${machineOf(h.name)}${h.ip !== undefined ? ` (${h.ip})` : ''}`)) : 'the Typha hosts';
  steps.push(`Allow TCP ${TYPHA_PORT} from ${andList(names)} to ${to} (${ALLOW_5473}) in ${drops.length > 0 ? 'security groups and NACLs too' : 'host firewalls, security groups and NACLs'}.`);
  steps.push(`Felix retries Typha on its own; if calico-node on ${andList(names)} stays not ready after the port opens, restart it: ${restartCalicoNode(names)}.`);
  return steps;
}

export const typhaUnreachable: Rule = {
  meta: {
    id: 'typha-unreachable',
    severity: 'critical',
    summary: 'Felix or confd cannot connect to Typha (TCP 5473), so calico-node gets no datastore updates and restarts or stays not ready.',
    rationale:
      'With Typha (operator installs, large manifest installs), Felix and confd do not watch the API server themselves: they connect to a Typha pod on TCP 5473 (`Failed to connect to typha endpoint <ip>:5473.  Will try another if available...`). When no Typha answers, Felix gives up (`[FATAL] ... Failed to connect to Typha`, `Felix is shutting down reason="Connection to Typha failed"`) and calico-node restarts or stays not ready; confd cannot render BIRD\'s config. Catalogue G2: the node that hosts Typha keeps working ("The calico-node that is running on the same Kubernetes host that calico-typha is on - doesn\'t have connectivity problems"), so TCP 5473 blocked between nodes is the usual cause; Typha overloaded, crashlooping or failing discovery are the others.',
    remediation: [
      `Allow TCP 5473 from every node to the Typha hosts (${ALLOW_5473}) in host firewalls, security groups and NACLs.`,
      `Check Typha itself: ${TYPHA_PODS} and its logs; scale or restart it if it is not Ready.`,
      'Test from a failing node: `nc -zv <typha-node-ip> 5473`.',
    ],
    explains: ['calico-node-not-running', 'bird-confd-not-running', 'cni-plugin-cannot-reach-calico', 'bgp-peer-refused-or-unreachable', 'block-route-missing'],
    collect: [
      { command: 'kubectl -n calico-system get pods -l k8s-app=calico-typha -o wide', why: 'which nodes host Typha and whether it is Ready' },
      { command: 'kubectl logs -n calico-system <calico-node-pod> -c calico-node --previous', why: 'Typha connection errors when file logging is disabled or the container restarted' },
    ],
  },
  check({ cluster }) {
    // Felix gave up (FATAL / shutting down), or kept failing: a Typha rolling update logs a few warnings, then connects.
    const { withLogs, failing, recovered } = failuresByNode(cluster.nodes, 'typha', (f) => {
      const gaveUp = f.lines.some((l) => l.rec.level === 'FATAL' || l.rec.level === 'PANIC' || l.rec.message.includes('Felix is shutting down'));
      return f.ongoing && (gaveUp || f.count >= 5);
    });
    if (withLogs.length === 0) return { status: 'skipped', reason: `no Calico log in any of ${cluster.nodes.length} bundles` };
    if (failing.length === 0) {
      return {
        status: 'passed',
        reason: `no ongoing Typha connection errors in the logs of ${withLogs.length} nodes${recovered.length > 0 ? ` (${recovered.join(', ')}: errors that stopped before the end of the log)` : ''}${blindNote(cluster.nodes)}`,
        unchecked: withoutAgentLogs(cluster.nodes),
        collect: blindCollect(cluster.nodes),
      };
    }
    failing.sort((a, b) => (a.n.name < b.n.name ? -1 : 1));
    const names = failing.map((x) => x.n.name);
    const byIP = new Map(cluster.nodes.filter((n) => n.nodeIP !== undefined).map((n) => [n.nodeIP!, n]));
    const targets = [...new Set(failing.flatMap((x) => x.f.targets.map((t) => t.target)))].sort();
    const hosts = cluster.nodes.filter((n) => listensTypha(n) !== undefined);
    const targetNodes = [...new Set(targets.flatMap((t) => t.split(',')).map((t) => byIP.get(t.slice(0, t.lastIndexOf(':')))).filter((n): n is NodeModel => n !== undefined))];
    const evidence: Evidence[] = [];
    for (const { n, f } of failing) {
      evidence.push(lineEvidence(n, f.first.rec.file, f.first.rec));
      if (f.last !== f.first) evidence.push(lineEvidence(n, f.last.rec.file, f.last.rec));
    }
    for (const { n, f } of failing) for (const t of f.targets.slice(0, 2)) evidence.push(...synSentTo(n, t.target.split(',')[0]!));
    const drops: string[] = [];
    const hostDrops: HostDrop[] = [];
    for (const h of [...new Set([...hosts, ...targetNodes])]) {
      const l = listensTypha(h);
      if (l !== undefined) evidence.push(lineEvidence(h, h.sockets!.file, l));
      for (const r of blockingRules(h, TYPHA_PORT)) {
        evidence.push(lineEvidence(h, artifactFile(h, 'ipv4_tables'), r));
        drops.push(`${h.name} drops TCP 5473 in its own iptables: \`${r.text.trim()}\``);
        hostDrops.push({ host: h.name, rule: r.text.trim().replace(/^\[\d+:\d+\]\s*/, '') });
      }
    }
    for (const { n, f } of failing) for (const l of f.lines.slice(1, 3)) evidence.push(lineEvidence(n, l.rec.file, l.rec));
    const perNode = failing.map(({ n, f }) => `${n.name}: ${occurrence(f, 'error')} in ${f.sources.map(sourceName).join(', ')}${f.errors.length > 0 ? ` (${f.errors.slice(0, 2).join(', ')})` : ''}`);
    const working = withLogs.filter((n) => !names.includes(n.name)).map((n) => n.name);
    const hostNames = hosts.map((h) => h.name);
    let why = '';
    if (hostNames.length > 0 && hostNames.every((h) => working.includes(h))) {
      why = ` ${hostNames.join(', ')} ${hostNames.length > 1 ? 'host' : 'hosts'} Typha (LISTEN on :5473) and ${hostNames.length > 1 ? 'have' : 'has'} no such errors: the connections fail between nodes, so TCP 5473 is blocked on the way (host firewall, security group) rather than Typha being down.`;
    } else if (working.length > 0) {
      why = ` ${working.join(', ')} ${working.length > 1 ? 'connect' : 'connects'} fine, so the path from ${names.join(', ')} to Typha is the suspect.`;
    } else if (withLogs.length > 1) {
      why = ' Every node fails, so Typha itself (not running, not Ready, overloaded) or its discovery is the suspect.';
    }
    if (drops.length > 0) why += ` ${drops.join('; ')}.`;
    const findings: FindingDraft[] = [
      {
        key: names.join(','),
        title: `Felix/confd on ${names.join(', ')} cannot connect to Typha${targets.length > 0 ? ` at ${targets.slice(0, 3).join(', ')}` : ''}`,
        message: `${perNode.join('; ')}; the errors last until the end of the logs.${why}`,
        nodes: names,
        evidence,
        fix: fixSteps(
          failing.map(({ n, f }) => ({ node: n.name, target: f.targets[0]?.target })),
          [...new Set([...hosts, ...targetNodes])].sort((a, b) => (a.name < b.name ? -1 : 1)).map((h) => ({ name: h.name, ip: h.nodeIP })),
          hostDrops,
        ),
      },
    ];
    return { status: 'found', findings, collect: blindCollect(cluster.nodes) };
  },
};
