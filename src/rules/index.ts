import type { Rule } from './rule.js';
import { BGP_RULES } from './bgp/index.js';
import { DATAPLANE_RULES } from './dataplane/index.js';
import { FELIX_RULES } from './felix/index.js';
import { POLICY_RULES } from './policy/index.js';
import { HOST_RULES } from './host/index.js';
import { BUNDLE_RULES } from './bundle/index.js';

/**
 * Every rule, grouped by layer (one folder each: `bgp/`, `dataplane/`, `felix/`, `policy/`, `host/`,
 * `bundle/`), in catalogue order within a layer. The README table, `rules`, and the report are generated from this.
 */
export const RULES: readonly Rule[] = [...BGP_RULES, ...DATAPLANE_RULES, ...FELIX_RULES, ...POLICY_RULES, ...HOST_RULES, ...BUNDLE_RULES];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
