/**
 * The report as SARIF 2.1.0 (one run), for code-scanning dashboards and SARIF viewers.
 *
 * - `tool.driver.rules`: every rule of the report, in catalogue order, described from its meta
 *   (summary → shortDescription, rationale → fullDescription, remediation → help) with its severity
 *   as `defaultConfiguration.level`;
 * - `results`: one per finding, in report order: ruleId/ruleIndex, level from severity
 *   (critical → error, warning → warning, info → note), the title and message, the first evidence line
 *   with a file as `locations` and the other evidence lines as `relatedLocations`; an evidence line is
 *   `<input>!/<file>` (an archive member; `<input>/<file>` for a folder input) with `region.startLine`
 *   and its text as the snippet; the finding id as a partial fingerprint; nodes and the finding's own
 *   fix steps as properties;
 * - `invocations`: rules that were skipped or failed, and analysis problems, as notifications.
 *
 * Built from the Report (findings, outcomes) and the rule metas (texts); same report, same bytes.
 */
import type { Evidence, RuleMeta, Severity } from '../model/finding.js';
import type { Report } from './report-types.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note';

export const SARIF_LEVEL: Record<Severity, SarifLevel> = { critical: 'error', warning: 'warning', info: 'note' };

/** Archives are addressed as `archive!/member` (as in jar: URLs); anything else as a plain path. */
const ARCHIVE = /\.(tar\.gz|tgz|tar|zip|gz)$/i;

/** A relative or absolute path as a URI reference: `/` separators, each segment percent-encoded. */
function pathUri(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

/** `samples/x/node-a/diags.tar.gz!/diagnostics/netstat`; the input alone when the file is the input. */
export function evidenceUri(e: Evidence): string | undefined {
  if (e.input === '' && e.file === '') return undefined;
  if (e.input === '' || e.file === e.input) return pathUri(e.file);
  if (e.file === '') return pathUri(e.input);
  return `${pathUri(e.input)}${ARCHIVE.test(e.input) ? '!/' : '/'}${pathUri(e.file)}`;
}

function evidenceText(e: Evidence): string {
  return e.node === '' ? e.text : `${e.node}: ${e.text}`;
}

function location(e: Evidence, id?: number): Record<string, unknown> {
  const uri = evidenceUri(e);
  const out: Record<string, unknown> = {};
  if (id !== undefined) out.id = id;
  if (uri !== undefined) {
    out.physicalLocation = {
      artifactLocation: { uri },
      ...(e.line > 0 ? { region: { startLine: e.line, snippet: { text: e.text } } } : {}),
    };
  }
  out.message = { text: evidenceText(e) };
  return out;
}

function numbered(steps: readonly string[]): string {
  return steps.map((s, i) => `${i + 1}. ${s}`).join('\n');
}

export function renderSarif(report: Report, metas: readonly RuleMeta[]): string {
  const metaById = new Map(metas.map((m) => [m.id, m]));
  const ruleIds = report.rules.map((r) => r.id);
  for (const f of report.findings) if (!ruleIds.includes(f.rule)) ruleIds.push(f.rule);
  const rules = ruleIds.map((id) => {
    const meta = metaById.get(id);
    const outcome = report.rules.find((r) => r.id === id);
    const severity = meta?.severity ?? outcome?.severity ?? 'warning';
    const summary = meta?.summary ?? outcome?.summary ?? id;
    const remediation = meta?.remediation ?? [];
    return {
      id,
      shortDescription: { text: summary },
      fullDescription: { text: meta?.rationale ?? summary },
      ...(remediation.length > 0 ? { help: { text: numbered(remediation), markdown: numbered(remediation) } } : {}),
      defaultConfiguration: { level: SARIF_LEVEL[severity] },
      properties: { severity, ...(meta?.explains !== undefined && meta.explains.length > 0 ? { explains: meta.explains } : {}) },
    };
  });

  const results = report.findings.map((f) => {
    const located = f.evidence.findIndex((e) => evidenceUri(e) !== undefined);
    const primary = located >= 0 ? f.evidence[located] : undefined;
    const related = f.evidence.filter((_, i) => i !== located);
    return {
      ruleId: f.rule,
      ruleIndex: ruleIds.indexOf(f.rule),
      level: SARIF_LEVEL[f.severity] ?? 'warning',
      message: { text: f.message === '' ? f.title : `${f.title}\n\n${f.message}` },
      ...(primary !== undefined ? { locations: [location(primary)] } : {}),
      ...(related.length > 0 ? { relatedLocations: related.map((e, i) => location(e, i + 1)) } : {}),
      partialFingerprints: { 'calicoDiagsFindingId/v1': f.id },
      properties: {
        findingId: f.id,
        severity: f.severity,
        nodes: f.nodes,
        ...(f.remediation.length > 0 ? { remediation: f.remediation } : {}),
        ...(f.explains.length > 0 ? { explains: f.explains } : {}),
        ...((f.evidenceDropped ?? 0) > 0 ? { evidenceDropped: f.evidenceDropped } : {}),
      },
    };
  });

  const notifications = [
    ...report.rules
      .filter((r) => r.status === 'skipped' || r.status === 'error')
      .map((r) => ({
        level: r.status === 'error' ? 'error' : 'note',
        message: { text: `${r.id} ${r.status === 'error' ? 'failed' : 'skipped'}: ${r.reason}` },
        associatedRule: { id: r.id, index: ruleIds.indexOf(r.id) },
      })),
    ...report.inputs.flatMap((i) => i.problems.map((p) => ({ level: 'warning', message: { text: p } }))),
    ...report.problems.map((p) => ({ level: 'warning', message: { text: p } })),
  ];

  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, rules } },
        invocations: [
          {
            executionSuccessful: !report.rules.some((r) => r.status === 'error'),
            ...(report.generatedAt !== undefined ? { endTimeUtc: report.generatedAt } : {}),
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
