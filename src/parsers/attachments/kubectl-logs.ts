/**
 * `kubectl logs calico-node-…` (file logging disabled, diags-format.md §1.4, §3.1–3.3; pastes.md):
 * startup, felix, confd and monitor-addresses logrus lines interleaved with BIRD's `bird: …` lines,
 * sometimes as docker JSON lines (`{"log":"…","stream":"stderr","time":"…"}`) or CRI lines
 * (`2024-03-15T00:47:35.583Z stderr F …`), sometimes BIRD lines with svlogd stamps copied from
 * `/var/log/calico/bird/current`. The lines are fed to the bundle's own parsers
 * (`calico-log.ts`, `bird-log.ts`), so the node gets `containerLog`/`containerBird` facts that
 * rules read exactly as from a bundle's container log.
 *
 * Real sample (https://github.com/projectcalico/calico/issues/8619):
 *
 * ```
 * bird: Mesh_10_116_0_4: State changed to start
 * 2024-03-15 00:47:35.583 [INFO][66] monitor-addresses/autodetection_methods.go 103: Using autodetected IPv4 address on interface eth1: 10.116.0.5/20
 * ```
 */
import { createBirdLogParser } from '../bird-log.js';
import { createCalicoLogParser } from '../calico-log.js';
import type { BirdLogSummary, CalicoLogSummary } from '../../model/facts.js';
import type { KindShape, PartContext, SegLine } from './types.js';

const LOGRUS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[(DEBUG|INFO|WARNING|ERROR|FATAL|PANIC)\]\[\d+\] /;
const BIRD = /^(\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.\d+ )?bird6?: /;
const DOCKER_JSON = /^\{"log":"/;
const CRI = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) [FP] /;

/** The log line inside a docker JSON or CRI line; the line itself otherwise. */
export function unwrapLogLine(text: string): string {
  if (DOCKER_JSON.test(text)) {
    try {
      const v = JSON.parse(text) as { log?: unknown };
      if (typeof v.log === 'string') return v.log.replace(/\r?\n$/, '');
    } catch {
      // a cut JSON line: keep what is between the quotes
      const m = /^\{"log":"((?:[^"\\]|\\.)*)/.exec(text);
      if (m !== null) return m[1]!.replace(/\\n$/, '').replace(/\\"/g, '"').replace(/\\t/g, '\t');
    }
  }
  const cri = CRI.exec(text);
  if (cri !== null) return text.slice(cri[0].length);
  return text;
}

export const kubectlLogsShape: KindShape = {
  kind: 'kubectl-logs-calico-node',
  starts: (t) => {
    const u = unwrapLogLine(t);
    return LOGRUS.test(u) || BIRD.test(u) || (u !== t && /calico|felix|bird|confd/i.test(u));
  },
  continues: (t) => kubectlLogsShape.starts(t) || /^(Calico node started successfully|\s+\S|goroutine \d+|panic: )/.test(unwrapLogLine(t)),
};

export interface KubectlLogsFacts {
  lines: number;
  calico?: CalicoLogSummary;
  bird?: BirdLogSummary;
  /** The node's own IPv4 address when startup or monitor-addresses logged it. */
  nodeIPs: string[];
  /** The node name when startup logged it (`Determined node name: worker-1`). */
  nodeNames: string[];
}

export function parseKubectlLogs(lines: SegLine[], ctx: PartContext): KubectlLogsFacts {
  const calico = createCalicoLogParser({ daemon: 'calico-node', file: ctx.file });
  const bird = createBirdLogParser({ daemon: 'bird', file: ctx.file });
  let calicoLines = 0;
  let birdLines = 0;
  const ips = new Set<string>();
  const names = new Set<string>();
  for (const l of lines) {
    const t = unwrapLogLine(l.text);
    if (BIRD.test(t)) {
      bird.push(t, l.line);
      birdLines++;
      continue;
    }
    calico.push(t, l.line);
    calicoLines++;
    const ip = /Using (?:autodetected IPv4 address on interface \S+|IPv4 address from environment: IP=): ?(\d+\.\d+\.\d+\.\d+)/.exec(t) ?? /Using IPv4 address from environment: IP=(\d+\.\d+\.\d+\.\d+)/.exec(t);
    if (ip !== null) ips.add(ip[1]!);
    const name = /(?:Determined node name: |Using NODENAME environment for node name )(\S+)/.exec(t);
    if (name !== null) names.add(name[1]!);
  }
  return {
    lines: lines.length,
    ...(calicoLines > 0 ? { calico: calico.finish() } : {}),
    ...(birdLines > 0 ? { bird: bird.finish() } : {}),
    nodeIPs: [...ips],
    nodeNames: [...names],
  };
}
