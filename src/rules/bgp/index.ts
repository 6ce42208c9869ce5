/** Catalogue section A: the BGP control plane (sessions, peers, BIRD and confd). */
import type { Rule } from '../rule.js';
import { bgpPort179Blocked } from './bgp-port179-blocked.js';
import { bgpPeerRefusedOrUnreachable } from './bgp-peer-refused-or-unreachable.js';
import { birdConfdNotRunning } from './bird-confd-not-running.js';
import { bgpAsMismatch } from './bgp-as-mismatch.js';

export const BGP_RULES: readonly Rule[] = [
  bgpPort179Blocked,
  bgpPeerRefusedOrUnreachable,
  birdConfdNotRunning,
  bgpAsMismatch,
];
