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
import { nodeSubnetMaskCrosssubnet } from './node-subnet-mask-crosssubnet.js';
import { encapRouteOwnerMismatch } from './encap-route-owner-mismatch.js';
import { ipipProtocolBlocked } from './ipip-protocol-blocked.js';
import { ipipTunl0MissingOrDown } from './ipip-tunl0-missing-or-down.js';
import { encapSourceNotInCalicoHostset } from './encap-source-not-in-calico-hostset.js';
import { vxlanUdpPortBlockedOrConflict } from './vxlan-udp-port-blocked-or-conflict.js';
import { vxlanDeviceOrVtepMissing } from './vxlan-device-or-vtep-missing.js';
import { vxlanChecksumOffload } from './vxlan-checksum-offload.js';
import { cloudFabricDropsUnencapsulated } from './cloud-fabric-drops-unencapsulated.js';

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
  nodeSubnetMaskCrosssubnet,
  encapRouteOwnerMismatch,
  ipipProtocolBlocked,
  ipipTunl0MissingOrDown,
  encapSourceNotInCalicoHostset,
  vxlanUdpPortBlockedOrConflict,
  vxlanDeviceOrVtepMissing,
  vxlanChecksumOffload,
  cloudFabricDropsUnencapsulated,
];
