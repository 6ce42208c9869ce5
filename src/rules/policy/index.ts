/** Catalogue section I: network policy (which policy dropped which packets, order and tiers, host endpoints). */
import type { Rule } from '../rule.js';
import { policyDenyNoMatch } from './policy-deny-no-match.js';
import { policyOrderOrTierShadowing } from './policy-order-or-tier-shadowing.js';
import { hostEndpointPolicyLockout } from './host-endpoint-policy-lockout.js';

export const POLICY_RULES: readonly Rule[] = [
  policyDenyNoMatch,
  policyOrderOrTierShadowing,
  hostEndpointPolicyLockout,
];
