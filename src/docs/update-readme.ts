/** `npm run docs`: rewrites the README's rule table from the rules' metadata. */
import { readFileSync, writeFileSync } from 'node:fs';
import { RULES } from '../rules/index.js';
import { withRulesTable } from './rules-table.js';

const path = new URL('../../../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withRulesTable(before, RULES.map((r) => r.meta));
if (after !== before) writeFileSync(path, after);
process.stdout.write(after !== before ? 'README.md rule table updated\n' : 'README.md rule table already up to date\n');
