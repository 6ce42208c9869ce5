import type { Rule } from './rule.js';
import { blockRouteMissing } from './block-route-missing.js';
import { bgpPort179Blocked } from './bgp-port179-blocked.js';
import { bgpPeerRefusedOrUnreachable } from './bgp-peer-refused-or-unreachable.js';
import { birdConfdNotRunning } from './bird-confd-not-running.js';
import { bgpAsMismatch } from './bgp-as-mismatch.js';
import { nodeIpDuplicate } from './node-ip-duplicate.js';
import { ipAutodetectWrongInterface } from './ip-autodetect-wrong-interface.js';
import { natOutgoingDisabled } from './nat-outgoing-disabled.js';
import { bundleIncomplete } from './bundle-incomplete.js';
import { nodeBundleMissing } from './node-bundle-missing.js';

/** Every rule, in catalogue order. The README table, `rules`, and the report are generated from this. */
export const RULES: readonly Rule[] = [
  blockRouteMissing,
  bgpPort179Blocked,
  bgpPeerRefusedOrUnreachable,
  birdConfdNotRunning,
  bgpAsMismatch,
  nodeIpDuplicate,
  ipAutodetectWrongInterface,
  natOutgoingDisabled,
  bundleIncomplete,
  nodeBundleMissing,
];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
