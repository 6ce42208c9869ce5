/**
 * Catalogue H3: the ipset tool (Felix's, in calico-node, or the host's) and the kernel disagree on
 * the ipset protocol or set-type revisions, so Felix cannot list or restore its sets: Felix's
 * `ipset-error` lines, and the diags' `ipsets` / `ipset_container` files holding an ipset error
 * instead of the sets.
 */
import { calicoNodeExec, NAMESPACE_NOTE, restartCalicoNode } from '../fix-steps.js';
import { machineOf } from './fix-steps-felix.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { Evidence } from '../../model/finding.js';
import type { NodeModel } from '../../model/node.js';
import { calicoLogs, logTimeMs, ONGOING_WINDOW_MS, when, type LogRecord } from '../../combiners/calico-health.js';
import { fileEvidence, lineEvidence } from '../../combiners/evidence.js';

const KERNEL_ERRORS = ['Kernel support protocol versions', 'Kernel and userspace incompatible', 'set type not supported', 'Kernel error received', 'not supported by userspace'];

function isIpsetKernelError(text: string | undefined): boolean {
  return text !== undefined && KERNEL_ERRORS.some((e) => text.includes(e));
}

function felixIpsetErrors(n: NodeModel): { recs: LogRecord[]; count: number; ongoing: boolean } | undefined {
  const recs: LogRecord[] = [];
  let count = 0;
  let ongoing = false;
  for (const [, s] of calicoLogs(n)) {
    const sig = s.signatures['ipset-error'];
    if (sig === undefined || sig.count === 0) continue;
    count += sig.count;
    const mine = [...sig.refs, ...(sig.last !== undefined && !sig.refs.includes(sig.last) ? [sig.last] : [])];
    recs.push(...mine);
    const end = logTimeMs(s.lastTime);
    const last = logTimeMs(mine[mine.length - 1]!.time);
    if (end === undefined || last === undefined || end - last <= ONGOING_WINDOW_MS) ongoing = true;
  }
  return count === 0 ? undefined : { recs, count, ongoing };
}

/** `ipset v7.1:` → `7.1`. */
function ipsetVersion(text: string): string | undefined {
  return /ipset v(\d+(?:\.\d+)*)/.exec(text)?.[1];
}

const UPGRADE = 'Upgrade calico-node to a release whose ipset supports the node\'s kernel (or align the kernel / OS image with the other nodes)';

/**
 * Calico's own binary affected: compare the versions, upgrade (or align the kernel), reboot as a
 * stop-gap, and check that calico-node's ipset lists the sets. Only the host tool: Calico is not affected.
 */
function fixSteps(node: string, kernel: string | undefined, calicoAffected: boolean): string[] {
  const host = machineOf(node);
  if (!calicoAffected) {
    return [
      `Calico on ${host} uses its own ipset binary, which reads the kernel's sets: check with ${calicoNodeExec(host, 'ipset list -n')} ${NAMESPACE_NOTE}.`,
      `Only the host's ipset tool on ${host} is too old or too new for its kernel${kernel !== undefined ? ` (${kernel})` : ''}: update the OS package (\`ipset version\` must support the kernel's protocol), or collect ipset output from calico-node instead.`,
    ];
  }
  return [
    `Compare the versions on ${host}: \`uname -r\`${kernel !== undefined ? ` (${kernel} in the bundle)` : ''} and ${calicoNodeExec(host, 'ipset version')} ${NAMESPACE_NOTE}, with the same on a node where Felix programs its sets.`,
    `${UPGRADE}.`,
    `As a stop-gap, reboot ${host} (reloads the ipset kernel modules) and restart calico-node there: ${restartCalicoNode([host])}.`,
    `Confirm that calico-node's ipset reads the kernel's sets: ${calicoNodeExec(host, 'ipset list -n')} lists the \`cali40\` sets without an error, and Felix logs no more \`Bad return code from 'ipset list'\`.`,
  ];
}

export const ipsetUserspaceKernelMismatch: Rule = {
  meta: {
    id: 'ipset-userspace-kernel-mismatch',
    severity: 'critical',
    summary: 'The ipset tool and the kernel are incompatible (protocol or set-type revision), so Felix cannot program its IP sets.',
    rationale:
      'Felix keeps pool, host and policy-selector membership in kernel IP sets (`cali40all-ipam-pools`, `cali40s:…`), which it lists and restores with the ipset binary inside calico-node. When that binary and the kernel disagree (an old calico/node on a new kernel or the reverse), every call fails: `Bad return code from \'ipset list\'. … stderr="ipset v7.1: Kernel and userspace incompatible: settype hash:ip with revision 5 not supported by userspace."` (#4739), `Failed to complete ipset restore, IP sets may be out-of-sync` with `set type not supported` (felix #2083), `Failed to resync with dataplane` (#9310). New pods on the node then get no connectivity until the sets are right; a reboot "fixes" it only when it changes the kernel modules. The diags `ipsets` file is the host\'s own ipset binary and may hold just its error (`ipset v6.20.1: Kernel support protocol versions 6-7 while userspace supports protocol versions 6-6`, flatcar #174); `ipset_container` then shows what calico-node\'s binary sees (catalogue H3).',
    remediation: [
      `${UPGRADE}.`,
      'As a stop-gap, reboot the node (reloads the ipset kernel modules) and restart calico-node; confirm with `kubectl exec -n calico-system <calico-node-pod> -c calico-node -- ipset list | head`.',
    ],
    explains: ['calico-node-not-running', 'nat-outgoing-disabled'],
    collect: [
      { command: 'kubectl exec -n calico-system <calico-node-pod> -c calico-node -- ipset list', why: 'whether calico-node\'s own ipset binary can read the kernel\'s sets' },
      { command: 'uname -r; ipset version', why: 'the kernel and host ipset versions to compare across nodes' },
    ],
  },
  check({ cluster }) {
    if (cluster.nodes.length === 0) return { status: 'skipped', reason: 'no node bundle' };
    const findings: FindingDraft[] = [];
    let checked = 0;
    for (const n of cluster.nodes) {
      const host = n.artifacts.ipsets;
      const cont = n.artifacts.ipset_container;
      const fe = felixIpsetErrors(n);
      if (host.status === 'missing' && cont.status === 'missing' && fe === undefined && calicoLogs(n).length === 0) continue;
      checked++;
      const hostErr = host.status === 'command-failed' && isIpsetKernelError(host.error) ? host.error : undefined;
      const contErr = cont.status === 'command-failed' && isIpsetKernelError(cont.error) ? cont.error : undefined;
      const felixBad = fe !== undefined && fe.ongoing;
      // In cluster diags `ipset-list.txt` comes from calico-node's own binary.
      const calicoBinaryErr = n.format === 'cluster-diags' ? hostErr : contErr;
      if (!felixBad && calicoBinaryErr === undefined && hostErr === undefined) continue;
      const evidence: Evidence[] = [];
      const reasons: string[] = [];
      if (felixBad) {
        const first = fe.recs[0]!;
        const last = fe.recs[fe.recs.length - 1]!;
        const telling = fe.recs.find((r) => isIpsetKernelError(r.message)) ?? last;
        const v = ipsetVersion(telling.message);
        reasons.push(`Felix${v !== undefined ? `'s ipset v${v}` : ''} failed to program IP sets ${fe.count} time${fe.count === 1 ? '' : 's'} (first ${when({ rec: first })}, last ${when({ rec: last })}): \`${telling.message.slice(0, 220)}\``);
        evidence.push(lineEvidence(n, first.file, first));
        if (last !== first) evidence.push(lineEvidence(n, last.file, last));
      }
      if (calicoBinaryErr !== undefined) {
        const id = n.format === 'cluster-diags' ? 'ipsets' : 'ipset_container';
        reasons.push(`calico-node's ipset binary${ipsetVersion(calicoBinaryErr) !== undefined ? ` (v${ipsetVersion(calicoBinaryErr)})` : ''} cannot read the kernel's sets: \`${calicoBinaryErr}\``);
        evidence.push(fileEvidence(n, id, calicoBinaryErr));
      }
      if (hostErr !== undefined && n.format !== 'cluster-diags') {
        const contOk = cont.status === 'ok' && n.ipsets !== undefined && Object.keys(n.ipsets.sets).some((s) => s.startsWith('cali'));
        reasons.push(
          `the host's ipset${ipsetVersion(hostErr) !== undefined ? ` v${ipsetVersion(hostErr)}` : ''} is incompatible with the kernel (\`${hostErr}\`)${contOk ? `; calico-node's own binary (ipset_container) lists ${Object.keys(n.ipsets!.sets).length} sets fine, so only the host tool is affected` : ''}`,
        );
        evidence.push(fileEvidence(n, 'ipsets', hostErr));
      }
      const calicoAffected = felixBad || calicoBinaryErr !== undefined;
      const kernel = n.attachments?.uname?.kernel;
      findings.push({
        key: n.name,
        title: calicoAffected ? `Felix cannot program IP sets on ${n.name}: ipset and kernel are incompatible` : `The host's ipset tool on ${n.name} is incompatible with the kernel`,
        message: `On ${n.name}${kernel !== undefined ? ` (kernel ${kernel})` : ''}, ${reasons.join('; ')}.${calicoAffected ? ' Calico\'s sets (pools, hosts, policy selectors) are then stale or missing, so new pods and policy changes on this node do not take effect.' : ' Calico uses its own ipset binary; the bundle\'s `ipsets` file is not usable, so compare with `ipset_container`.'}`,
        nodes: [n.name],
        evidence,
        severity: calicoAffected ? undefined : 'info',
        fix: fixSteps(n.name, kernel, calicoAffected),
      });
    }
    if (findings.length > 0) return { status: 'found', findings };
    if (checked === 0) return { status: 'skipped', reason: 'no ipsets output and no Calico log in any bundle' };
    return { status: 'passed', reason: `no ipset/kernel incompatibility in Felix's logs or the ipset outputs of ${checked} nodes` };
  },
};
