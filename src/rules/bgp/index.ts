/** Catalogue section A: the BGP control plane (sessions, peers, BIRD and confd). */
import type { Rule } from '../rule.js';
import { bgpPort179Blocked } from './bgp-port179-blocked.js';
import { bgpPeerRefusedOrUnreachable } from './bgp-peer-refused-or-unreachable.js';
import { birdConfdNotRunning } from './bird-confd-not-running.js';
import { bgpAsMismatch } from './bgp-as-mismatch.js';
import { bgpUnknownPeerOrNat } from './bgp-unknown-peer-or-nat.js';
import { bgpRouterIdCollision } from './bgp-router-id-collision.js';
import { bgpHoldTimerFlapping } from './bgp-hold-timer-flapping.js';
import { bgpSourceAddressNotLocal } from './bgp-source-address-not-local.js';
import { bgpStaleNodePeers } from './bgp-stale-node-peers.js';
import { bgpNoPeersConfigured } from './bgp-no-peers-configured.js';

export const BGP_RULES: readonly Rule[] = [
  bgpPort179Blocked,
  bgpPeerRefusedOrUnreachable,
  birdConfdNotRunning,
  bgpAsMismatch,
  bgpUnknownPeerOrNat,
  bgpRouterIdCollision,
  bgpHoldTimerFlapping,
  bgpSourceAddressNotLocal,
  bgpStaleNodePeers,
  bgpNoPeersConfigured,
];
