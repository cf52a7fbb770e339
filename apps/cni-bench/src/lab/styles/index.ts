// Every variant the lab knows, including those this kernel cannot build (reported, not faked).
import type { Capability, CapabilityReport } from '../../caps.ts';
import type { Datapath, Unsupported } from '../datapath.ts';
import { calico } from './calico.ts';
import { cilium } from './cilium.ts';
import { flannel } from './flannel.ts';
import { kubeRouter } from './kuberouter.ts';
import { weave } from './weave.ts';

export function allVariants(): Datapath[] {
  return [
    flannel('vxlan'),
    flannel('host-gw'),
    weave(),
    calico(false, 'native'),
    calico(true, 'native'),
    calico(false, 'vxlan'),
    calico(true, 'vxlan'),
    calico(false, 'ipip'),
    calico(true, 'ipip'),
    cilium('vxlan'),
    cilium('native'),
    kubeRouter(),
  ];
}

/** Variants that exist in the real CNIs but need modules this lab can never model here. */
interface External {
  id: string;
  style: Unsupported['style'];
  description: string;
  needs: Capability[];
}
const EXTERNAL: External[] = [
  { id: 'weave-fastdp-ovs', style: 'weave', description: 'Weave fast datapath on the Open vSwitch kernel datapath', needs: ['ovs'] },
  { id: 'kube-router-ipvs', style: 'kube-router', description: 'Kube-router IPVS/LVS service proxy with DSR', needs: ['ipvs'] },
  { id: 'kube-router-ipip', style: 'kube-router', description: 'Kube-router IP-in-IP overlay between hosts', needs: ['ipip'] },
  { id: 'cilium-geneve', style: 'cilium', description: 'Cilium Geneve overlay', needs: ['geneve'] },
  { id: 'sctp-services', style: 'kube-router', description: 'SCTP Services and pod traffic (any CNI)', needs: ['sctp'] },
];

export function availability(caps: CapabilityReport): { supported: Datapath[]; unsupported: Unsupported[] } {
  const supported: Datapath[] = [];
  const unsupported: Unsupported[] = [];
  for (const d of allVariants()) {
    const missing = d.requires.filter((c) => !caps.have[c]);
    if (missing.length === 0) supported.push(d);
    else unsupported.push({ id: d.id, style: d.style, description: d.description, missing, reason: missing.map((m) => `${m}: ${caps.evidence[m] ?? 'missing'}`).join('; ') });
  }
  for (const e of EXTERNAL) {
    const missing = e.needs.filter((c) => !caps.have[c]);
    if (missing.length) unsupported.push({ id: e.id, style: e.style, description: e.description, missing, reason: missing.map((m) => `${m}: ${caps.evidence[m] ?? 'missing'}`).join('; ') });
  }
  return { supported, unsupported };
}

export function variantById(id: string): Datapath {
  const d = allVariants().find((v) => v.id === id);
  if (!d) throw new Error(`unknown datapath "${id}"; known: ${allVariants().map((v) => v.id).join(', ')}`);
  return d;
}
