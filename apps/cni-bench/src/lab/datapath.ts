// What a CNI style implements. A lab calls setupHost for both hosts, connectHosts once,
// then podRoutes/podRules for every pod (after the generic netns + veth step).
import type { Capability } from '../caps.ts';
import type { Host, Lab, Pod } from './lab.ts';

export type Style = 'flannel' | 'weave' | 'calico' | 'cilium' | 'kube-router';

export interface Datapath {
  /** e.g. "calico-wp-vxlan" */
  id: string;
  style: Style;
  /** One line: what this variant models. */
  description: string;
  /** How pods on different hosts reach each other. */
  inter: 'vxlan' | 'native' | 'ipip' | 'ovs-vxlan';
  /** Intra-host forwarding. */
  intra: 'bridge' | 'l3-routing' | 'ebpf-redirect';
  /** Calico-style network policy chains installed. */
  policy: boolean;
  /** Kernel features the variant cannot run without. */
  requires: Capability[];
  /** Bytes of encapsulation subtracted from the wire MTU for the pods. */
  overhead: number;
  /** Variants that only differ inter-host share this key (intra-host is measured once). */
  intraKey: string;
  setupHost(lab: Lab, host: Host): Promise<void>;
  connectHosts(lab: Lab): Promise<void>;
  podRoutes(lab: Lab, pod: Pod): Promise<void>;
  podRules(lab: Lab, pod: Pod): Promise<void>;
}

/** A variant this kernel cannot run, and why (shown in the report, never faked). */
export interface Unsupported {
  id: string;
  style: Style;
  description: string;
  missing: Capability[];
  reason: string;
}
