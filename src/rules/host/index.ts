/** Catalogue sections J–L: kernel and host settings, DNS, time (mostly decided by attachments). */
import type { Rule } from '../rule.js';
import { conntrackTableFull } from './conntrack-table-full.js';
import { conntrackInvalidAsymmetricRouting } from './conntrack-invalid-asymmetric-routing.js';
import { rpFilterLoose } from './rp-filter-loose.js';
import { ipForwardingDisabled } from './ip-forwarding-disabled.js';
import { networkmanagerInterference } from './networkmanager-interference.js';
import { dnsResolutionFailure } from './dns-resolution-failure.js';
import { clockSkew } from './clock-skew.js';

export const HOST_RULES: readonly Rule[] = [
  conntrackTableFull,
  conntrackInvalidAsymmetricRouting,
  rpFilterLoose,
  ipForwardingDisabled,
  networkmanagerInterference,
  dnsResolutionFailure,
  clockSkew,
];
