/**
 * Catalogue L1 / T7: a node's clock is off. The offsets come from the clock table
 * (`combiners/clock-offsets.ts`): both ends of the same BGP session logging `State changed to up`
 * prove an offset; the `date` files and tarball names alone cannot tell a wrong clock from a later
 * collection, so a date-only gap is reported as a suspicion (info) with what would decide it.
 */
import { restartCalicoNode } from '../fix-steps.js';
import type { FindingDraft, Rule } from '../rule.js';
import type { CollectHint, Evidence } from '../../model/finding.js';
import type { ClockOffset } from '../../model/derived.js';
import { calicoLogLines, list } from '../../combiners/host-facts.js';

/** A BGP-measured offset from this size on is a finding. */
export const SKEW_SECONDS = 60;
/** Dates alone further apart than this are worth asking about. */
export const DATE_GAP_SECONDS = 600;

/** `x509: certificate has expired or is not yet valid: current time 2006-10-04T08:21:14Z is before 2022-05-14T06:25:00Z`. */
const NOT_YET_VALID = /current time (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) is before (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))/;

const HINTS: CollectHint[] = [
  { command: 'date -u +%FT%T.%N; chronyc tracking || timedatectl timesync-status', why: 'each node\'s clock and NTP state, taken on all nodes at the same moment (e.g. from one loop over ssh)' },
];

export function formatSeconds(s: number): string {
  const a = Math.abs(s);
  if (a < 90) return `${Math.round(a)} s`;
  if (a < 5400) return `${Math.floor(a / 60)} min ${Math.round(a % 60)} s`;
  if (a < 172800) return `${Math.floor(a / 3600)} h ${Math.round((a % 3600) / 60)} min`;
  return `${Math.round(a / 86400)} days`;
}

const dir = (s: number) => (s > 0 ? 'ahead of' : 'behind');

/** Steps for one node whose clock is off: NTP and a step there, then a restart so TLS and tokens are renewed. */
function clockSteps(node: string): string[] {
  return [
    `On ${node}: run NTP (chrony or systemd-timesyncd), check \`chronyc tracking\` / \`timedatectl\` shows it synchronised, and step the clock once with \`chronyc makestep\`.`,
    `Then restart calico-node on ${node} so TLS connections and tokens are renewed: ${restartCalicoNode([node])}.`,
  ];
}

export const clockSkew: Rule = {
  meta: {
    id: 'clock-skew',
    severity: 'warning',
    summary: 'A node\'s clock is off: TLS to the API, etcd or Typha fails from that node and its log stamps mislead the timeline.',
    rationale:
      'BGP does not care about time, but TLS does: a node whose clock is behind sees valid certificates as `not yet valid` (`x509: certificate has expired or is not yet valid: current time ... is before ...`) and tokens as not issued yet, so calico-node, confd and the CNI fail only there (catalogue L1). The bundle has three clocks of each node: `date`, the tarball name and its log stamps. Both BIRDs of one session log `State changed to up` within a second, so the gap between those two stamps is the gap between the two clocks; `date` files alone also hold the time between the collections (T7).',
    remediation: [
      'Run NTP on every node (chrony or systemd-timesyncd) and check `chronyc tracking` / `timedatectl` shows it synchronised; step the clock once with `chronyc makestep`.',
      'After the clock is right, restart calico-node on the node so TLS connections and tokens are renewed.',
    ],
    collect: HINTS,
  },
  check({ cluster, derived }) {
    const clock = derived.clock;
    const byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const ref = clock.reference ?? '';
    const findings: FindingDraft[] = [];
    const measured = clock.offsets.filter((o) => o.basis === 'bgp');
    for (const o of measured) {
      if (Math.abs(o.offsetSeconds) < SKEW_SECONDS) continue;
      const n = byName.get(o.node)!;
      const tls = calicoLogLines(n, ['current time']).filter((e) => e.text.includes('x509'));
      const dateAgrees = o.dateDeltaSeconds !== undefined && Math.abs(o.dateDeltaSeconds - o.offsetSeconds) < Math.max(120, Math.abs(o.offsetSeconds) / 4);
      const refEvidence = clock.offsets.find((x) => x.node === ref)?.evidence ?? [];
      findings.push({
        key: o.node,
        title: `${o.node}'s clock is ${formatSeconds(o.offsetSeconds)} ${dir(o.offsetSeconds)} ${ref}'s`,
        message:
          `${o.node} and ${o.via} logged \`State changed to up\` for their BGP session ${formatSeconds(o.offsetSeconds)} apart by their own clocks; both ends reach \`up\` within a second, so ${o.node}'s clock is ${formatSeconds(o.offsetSeconds)} ${dir(o.offsetSeconds)} ${o.via === ref ? ref : `${o.via}'s and ${ref}'s`}.` +
          (o.dateDeltaSeconds !== undefined ? ` Its \`date\` file ${dateAgrees ? 'agrees' : 'says'}: ${formatSeconds(o.dateDeltaSeconds)} ${dir(o.dateDeltaSeconds)} ${ref}'s${dateAgrees ? '' : ' (the rest is the time between the two collections)'}.` : '') +
          (tls.length > 0 ? ` calico-node on ${o.node} already fails TLS on time (${tls.length} x509 line${tls.length === 1 ? '' : 's'}).` : ' TLS to the API/etcd/Typha and token checks fail from such a node once the gap passes a certificate\'s or token\'s validity edge.') +
          ` The timeline below is corrected by this offset.`,
        nodes: [o.node],
        evidence: [...o.evidence, ...refEvidence.filter((e) => !o.evidence.some((x) => x.node === e.node && x.file === e.file && x.line === e.line)), ...tls],
        fix: clockSteps(o.node),
      });
    }
    // TLS saying the node's own time is before a certificate's start: that clock is behind (catalogue L1, kubespray #8830).
    for (const n of cluster.nodes) {
      if (findings.some((f) => f.key === n.name)) continue;
      const before = calicoLogLines(n, ['is before']).map((e) => ({ e, m: NOT_YET_VALID.exec(e.text) })).filter((x) => x.m !== null);
      if (before.length === 0) continue;
      const [, now, start] = before[0]!.m!;
      const gap = (Date.parse(start!) - Date.parse(now!)) / 1000;
      if (!(gap > 0)) continue;
      findings.push({
        key: n.name,
        title: `${n.name}'s clock is behind: TLS rejects certificates as not yet valid`,
        message: `calico-node on ${n.name} logged \`current time ${now} is before ${start}\` (${before.length} line${before.length === 1 ? '' : 's'}): by its clock the certificate is not valid for another ${formatSeconds(gap)}, so every TLS connection from ${n.name} to the API, etcd or Typha fails while other nodes connect.`,
        nodes: [n.name],
        evidence: [...before.map((x) => x.e), ...(clock.offsets.find((o) => o.node === n.name)?.evidence ?? [])],
        fix: clockSteps(n.name),
      });
    }
    // Nodes with only a date: a large gap is a suspicion, not a proof (the collection may have been later).
    const dateOnly = ref === '' ? [] : clock.offsets.filter((o) => o.basis === 'date' && Math.abs(o.offsetSeconds) >= DATE_GAP_SECONDS);
    const refOffset = clock.offsets.find((o) => o.node === ref);
    if (dateOnly.length > 0) {
      const ev: Evidence[] = [...(refOffset?.evidence ?? []), ...dateOnly.flatMap((o) => o.evidence)];
      findings.push({
        key: 'dates',
        severity: 'info',
        title: `The bundles' dates differ by up to ${formatSeconds(Math.max(...dateOnly.map((o) => Math.abs(o.offsetSeconds))))}: a clock is off, or they were collected apart`,
        message: `${dateOnly.map((o) => `${o.node}'s date is ${formatSeconds(o.offsetSeconds)} ${dir(o.offsetSeconds)} ${ref}'s`).join('; ')}. No BGP session with both ends logging \`up\` ties ${dateOnly.length === 1 ? 'this node' : 'these nodes'} to the others' clocks, so a wrong clock cannot be told from a later collection; the timeline is not corrected.`,
        nodes: dateOnly.map((o) => o.node),
        evidence: ev,
      });
    }
    const collect = findings.length > 0 ? HINTS.map((h) => ({ ...h, nodes: [...new Set([...(ref !== '' ? [ref] : []), ...findings.flatMap((f) => f.nodes)])].sort() })) : undefined;
    if (findings.length > 0) return { status: 'found', findings, collect };
    if (cluster.nodes.length < 2) return { status: 'skipped', reason: 'fewer than two node bundles and no TLS time error: nothing to compare a clock with' };
    if (clock.offsets.length < 2) return { status: 'skipped', reason: 'no two nodes with a `date` file, a tarball name or a BGP session both ends of which logged `up`' };
    const near = (o: ClockOffset) => `${o.node} ${o.offsetSeconds >= 0 ? '+' : ''}${Math.round(o.offsetSeconds)} s`;
    return {
      status: 'passed',
      reason:
        `clocks agree within ${SKEW_SECONDS} s against ${ref}: ${measured.length > 0 ? `${measured.length} node${measured.length === 1 ? '' : 's'} measured at both ends of ${clock.pairsCompared} BGP session${clock.pairsCompared === 1 ? '' : 's'} (${list(measured.map(near))})` : 'no BGP session to measure at'}` +
        (clock.offsets.some((o) => o.basis === 'date') ? `; ${list(clock.offsets.filter((o) => o.basis === 'date').map(near))} by date only` : ''),
      ...(measured.length === 0 ? { collect: HINTS } : {}),
    };
  },
};
