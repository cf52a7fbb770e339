// Kube-router: pods on kube-bridge intra-host; native routing between hosts (routes that
// its BGP speaker would learn are installed statically). Its IPVS service proxy and IPIP
// overlay need kernel features that are reported as missing when absent.
import { POD_NET } from '../addressing.ts';
import type { Datapath } from '../datapath.ts';
import type { Host, Lab } from '../lab.ts';
import { inNs } from '../../exec.ts';
import { bridged, hostChains } from './common.ts';

async function hostRules(lab: Lab, h: Host): Promise<void> {
  const mine = `${POD_NET}.${h.idx}.0/24`;
  // ipsets kube-router keeps for its masquerade exemption
  const sets = [
    `create kube-router-pod-subnets hash:net`,
    ...lab.hosts.map((x) => `add kube-router-pod-subnets ${POD_NET}.${x.idx}.0/24`),
    `create kube-router-node-ips hash:ip`,
    ...lab.hosts.map((x) => `add kube-router-node-ips ${x.wireIp}`),
  ];
  await inNs(h.ns, ['ipset', 'restore'], { input: sets.join('\n') + '\n' });
  await hostChains(h, [
    {
      table: 'filter',
      chains: ['KUBE-ROUTER-FORWARD', 'KUBE-ROUTER-INPUT', 'KUBE-ROUTER-OUTPUT'],
      rules: [
        '-A INPUT -j KUBE-ROUTER-INPUT',
        '-A FORWARD -j KUBE-ROUTER-FORWARD',
        '-A OUTPUT -j KUBE-ROUTER-OUTPUT',
        `-A KUBE-ROUTER-FORWARD -s ${mine} -j ACCEPT`,
        `-A KUBE-ROUTER-FORWARD -d ${mine} -j ACCEPT`,
      ],
    },
    {
      table: 'nat',
      chains: [],
      rules: [`-A POSTROUTING -s ${mine} -m set ! --match-set kube-router-pod-subnets dst -m set ! --match-set kube-router-node-ips dst -j MASQUERADE`],
    },
  ]);
}

export function kubeRouter(): Datapath {
  return bridged({
    id: 'kube-router',
    style: 'kube-router',
    description: 'Kube-router: bridge kube-bridge intra-host, native routing inter-host, iptables service proxy',
    inter: 'native',
    bridge: 'kb',
    hostRules,
  });
}
