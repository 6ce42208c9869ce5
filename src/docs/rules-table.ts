/** The README's rule table, generated from the rules' metadata (a test keeps the README in step). */
import type { RuleMeta } from '../model/finding.js';

export const TABLE_START = '<!-- rules-table:start (generated from src/rules; run `npm run docs`) -->';
export const TABLE_END = '<!-- rules-table:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function rulesTable(metas: readonly RuleMeta[]): string {
  const rows = metas.map((m) => `| \`${m.id}\` | ${m.severity} | ${cell(m.summary)} |`);
  return [TABLE_START, '| Rule | Severity | Finds |', '|---|---|---|', ...rows, TABLE_END].join('\n');
}

/** Replaces the table between the markers in `readme`; throws if the markers are missing. */
export function withRulesTable(readme: string, metas: readonly RuleMeta[]): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a === -1 || b === -1 || b < a) throw new Error('README.md lacks the rules-table markers');
  return readme.slice(0, a) + rulesTable(metas) + readme.slice(b + TABLE_END.length);
}
