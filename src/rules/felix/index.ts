/** Catalogue sections G, H and L2: Felix, the datastore and Typha, the node agent, iptables/ipset plumbing, TLS. */
import type { Rule } from '../rule.js';
import { felixDatastoreUnreachable } from './felix-datastore-unreachable.js';
import { typhaUnreachable } from './typha-unreachable.js';
import { calicoNodeNotRunning } from './calico-node-not-running.js';
import { cniPluginCannotReachCalico } from './cni-plugin-cannot-reach-calico.js';
import { iptablesBackendMismatch } from './iptables-backend-mismatch.js';
import { foreignFirewallManager } from './foreign-firewall-manager.js';
import { ipsetUserspaceKernelMismatch } from './ipset-userspace-kernel-mismatch.js';
import { datastoreTlsCertErrors } from './datastore-tls-cert-errors.js';

export const FELIX_RULES: readonly Rule[] = [
  felixDatastoreUnreachable,
  typhaUnreachable,
  calicoNodeNotRunning,
  cniPluginCannotReachCalico,
  iptablesBackendMismatch,
  foreignFirewallManager,
  ipsetUserspaceKernelMismatch,
  datastoreTlsCertErrors,
];
