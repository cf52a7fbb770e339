// Flannel: pods on a Linux bridge (cni0) intra-host; between hosts either the VXLAN backend
// (flannel.1, VNI 1, port 8472, L3 route + static ARP/FDB per peer) or host-gw (plain routes).
import { POD_NET } from '../addressing.ts';
import type { Datapath } from '../datapath.ts';
import type { Host, Lab } from '../lab.ts';
import { bridged, hostChains } from './common.ts';

async function hostRules(lab: Lab, h: Host): Promise<void> {
  const cidr = `${POD_NET}.0.0/16`;
  const mine = `${POD_NET}.${h.idx}.0/24`;
  await hostChains(h, [
    { table: 'filter', chains: ['FLANNEL-FWD'], rules: ['-A FORWARD -j FLANNEL-FWD', `-A FLANNEL-FWD -s ${cidr} -j ACCEPT`, `-A FLANNEL-FWD -d ${cidr} -j ACCEPT`] },
    {
      table: 'nat',
      chains: ['FLANNEL-POSTRTG'],
      rules: [
        '-A POSTROUTING -j FLANNEL-POSTRTG',
        '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -j RETURN',
        `-A FLANNEL-POSTRTG -s ${mine} -d ${cidr} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${cidr} -d ${mine} -j RETURN`,
        `-A FLANNEL-POSTRTG ! -s ${cidr} -d ${mine} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${cidr} ! -d 224.0.0.0/4 -j MASQUERADE`,
        `-A FLANNEL-POSTRTG ! -s ${cidr} -d ${cidr} -j MASQUERADE`,
      ],
    },
  ]);
}

export function flannel(backend: 'vxlan' | 'host-gw'): Datapath {
  const vx = backend === 'vxlan';
  return bridged({
    id: vx ? 'flannel-vxlan' : 'flannel-hostgw',
    style: 'flannel',
    description: vx ? 'Flannel: bridge cni0 intra-host, VXLAN backend (flannel.1) inter-host' : 'Flannel: bridge cni0 intra-host, host-gw (native routes) inter-host',
    inter: vx ? 'vxlan' : 'native',
    bridge: 'br',
    vxlan: { vni: 1, port: 8472 },
    hostRules,
  });
}
