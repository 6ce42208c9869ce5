/** Catalogue sections B–F: node addressing, routes and IPAM, encapsulation, MTU, egress and pools. */
import type { Rule } from '../rule.js';
import { blockRouteMissing } from './block-route-missing.js';
import { nodeIpDuplicate } from './node-ip-duplicate.js';
import { ipAutodetectWrongInterface } from './ip-autodetect-wrong-interface.js';
import { natOutgoingDisabled } from './nat-outgoing-disabled.js';
import { ipamBlockRouteInconsistency } from './ipam-block-route-inconsistency.js';
import { ipamBlockExhaustion } from './ipam-block-exhaustion.js';
import { routeNetlinkConflict } from './route-netlink-conflict.js';
import { bgpEstablishedRoutesMissing } from './bgp-established-routes-missing.js';
import { mtuMismatch } from './mtu-mismatch.js';
import { ippoolOverlap } from './ippool-overlap.js';

export const DATAPLANE_RULES: readonly Rule[] = [
  blockRouteMissing,
  nodeIpDuplicate,
  ipAutodetectWrongInterface,
  natOutgoingDisabled,
  ipamBlockRouteInconsistency,
  ipamBlockExhaustion,
  routeNetlinkConflict,
  bgpEstablishedRoutesMissing,
  mtuMismatch,
  ippoolOverlap,
];
