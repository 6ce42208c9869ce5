/**
 * `logs/<container>.log`: raw `docker logs` output of calico-node (no docker timestamps),
 * where BIRD lines (`bird: ...`, no time at all, bird and bird6 alike), the logrus lines of
 * every calico-node subcommand (startup, felix, confd, monitor-addresses, ...) and bare lines
 * such as `Calico node started successfully` are interleaved (diags-format.md §1.4, §3.2).
 *
 * Real sample (https://github.com/projectcalico/calico/issues/8619, diags-format.md §5.3):
 *
 * ```
 * bird: Mesh_10_116_0_3: Connected to table master
 * bird: Mesh_10_116_0_3: State changed to feed
 * bird: Mesh_10_116_0_3: State changed to up
 * bird: Graceful restart done
 * bird: Mesh_10_116_0_4: State changed to feed
 * bird: Mesh_10_116_0_4: State changed to up
 * bird: Mesh_10_116_0_4: State changed to start
 * 2024-03-15 00:47:35.583 [INFO][66] monitor-addresses/autodetection_methods.go 103: Using autodetected IPv4 address on interface eth1: 10.116.0.5/20
 * ```
 *
 * Lines starting with `bird: ` go to a BIRD parser, everything else to a Calico parser (which
 * counts bare lines and non-records as continuation lines). Both keep the container log's own
 * line numbers. BIRD and BIRD6 cannot be told apart here: both land in `bird` (daemon `bird`).
 */
import { runParser, type LineParser } from './line-parser.js';
import { createBirdLogParser, type BirdLogStats } from './bird-log.js';
import { createCalicoLogParser, type CalicoLogStats } from './calico-log.js';

export interface ContainerLogSummary {
  calico: CalicoLogStats;
  bird: BirdLogStats;
  /** All lines of the file (calico.lines + bird.lines). */
  lines: number;
}

export interface ContainerLogOptions {
  /** Path inside the bundle (`logs/k8s_calico-node_..._0.log`). */
  file: string;
}

/** Creates a streaming parser for one calico-node container log. */
export function createContainerLogParser(opts: ContainerLogOptions): LineParser<ContainerLogSummary> {
  const calico = createCalicoLogParser({ daemon: 'calico-node', file: opts.file });
  const bird = createBirdLogParser({ daemon: 'bird', file: opts.file });
  let lines = 0;
  return {
    push(line: string, lineNo: number): void {
      lines++;
      if (line.charCodeAt(0) === 98 /* b */ && line.startsWith('bird: ')) bird.push(line, lineNo);
      else calico.push(line, lineNo);
    },
    finish(): ContainerLogSummary {
      return { calico: calico.finish(), bird: bird.finish(), lines };
    },
  };
}

/** Parses a whole container log from a string. */
export function parseContainerLog(text: string, opts: ContainerLogOptions): ContainerLogSummary {
  return runParser(createContainerLogParser(opts), text);
}
