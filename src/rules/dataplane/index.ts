/** Catalogue sections B–F: node addressing, routes and IPAM, encapsulation, MTU, egress and pools. */
import type { Rule } from '../rule.js';
import { blockRouteMissing } from './block-route-missing.js';
import { nodeIpDuplicate } from './node-ip-duplicate.js';
import { ipAutodetectWrongInterface } from './ip-autodetect-wrong-interface.js';
import { natOutgoingDisabled } from './nat-outgoing-disabled.js';

export const DATAPLANE_RULES: readonly Rule[] = [
  blockRouteMissing,
  nodeIpDuplicate,
  ipAutodetectWrongInterface,
  natOutgoingDisabled,
];
