// Weave Net: one flat L2 pod network. Pods hang off the `weave` bridge; an extra veth pair
// (vethwe-bridge <-> vethwe-datapath) leads to the overlay. Real Weave's fast datapath is an
// Open vSwitch datapath with a VXLAN vport; without OVS in this kernel the datapath is a
// second Linux bridge holding a kernel VXLAN device (learning, flood entry to the peer), so
// the extra veth hop and both bridge passes of Weave's path are kept.
import { POD_NET } from '../addressing.ts';
import type { Datapath } from '../datapath.ts';
import { batch, type Host, type Lab } from '../lab.ts';
import { inNs, run } from '../../exec.ts';
import { bridge, bridgePod, hostChains, interMode, other } from './common.ts';

const NPC_SET = 'weave-k?Z;25^M}|1s7P3|H9i;*;MhG'; // Weave names its ipsets with a hash

async function hostRules(lab: Lab, h: Host): Promise<void> {
  const we = lab.name('we');
  const cidr = `${POD_NET}.0.0/16`;
  await inNs(h.ns, ['ipset', 'restore'], { input: `create ${NPC_SET} hash:ip\ncreate weaver-no-masq-local hash:net\n` });
  await hostChains(h, [
    {
      table: 'filter',
      chains: ['WEAVE-NPC', 'WEAVE-NPC-DEFAULT', 'WEAVE-NPC-INGRESS', 'WEAVE-NPC-EGRESS', 'WEAVE-EXPOSE'],
      rules: [
        `-A FORWARD -o ${we} -j WEAVE-NPC`,
        `-A FORWARD -o ${we} -m state --state NEW -j NFLOG --nflog-group 86`,
        `-A FORWARD -o ${we} -j DROP`,
        `-A FORWARD -i ${we} ! -o ${we} -j ACCEPT`,
        `-A FORWARD -o ${we} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        '-A WEAVE-NPC -m state --state RELATED,ESTABLISHED -j ACCEPT',
        '-A WEAVE-NPC -d 224.0.0.0/4 -j ACCEPT',
        `-A WEAVE-NPC -m physdev --physdev-out ${lab.name('wb')} --physdev-is-bridged -j ACCEPT`,
        '-A WEAVE-NPC -m state --state NEW -j WEAVE-NPC-DEFAULT',
        '-A WEAVE-NPC -m state --state NEW -j WEAVE-NPC-INGRESS',
        `-A WEAVE-NPC-DEFAULT -m set --match-set ${NPC_SET} dst -j ACCEPT`,
      ],
    },
    {
      table: 'nat',
      chains: ['WEAVE'],
      rules: [
        '-A POSTROUTING -j WEAVE',
        '-A WEAVE -m set --match-set weaver-no-masq-local dst -j RETURN',
        `-A WEAVE -s ${cidr} -d 224.0.0.0/4 -j RETURN`,
        `-A WEAVE ! -s ${cidr} -d ${cidr} -j MASQUERADE`,
        `-A WEAVE -s ${cidr} ! -d ${cidr} -j MASQUERADE`,
      ],
    },
  ]);
}

export function weave(): Datapath {
  return {
    id: 'weave',
    style: 'weave',
    description: 'Weave: bridge weave + veth pair to the datapath; VXLAN overlay (OVS datapath modelled by a Linux bridge)',
    ...interMode('vxlan', ['veth', 'bridge']),
    overhead: 124, // Weave's default pod MTU is 1376 on a 1500 wire
    intra: 'bridge',
    policy: false,
    intraKey: 'weave',
    async setupHost(lab, h) {
      const [we, dp, wb, wd, vx] = ['we', 'dp', 'wb', 'wd', 'vx'].map((s) => lab.name(s));
      await bridge(lab, h, we, 16);
      await batch(h.ns, [
        `link add ${dp} type bridge`,
        `link add ${wb} mtu ${lab.podMtu()} type veth peer name ${wd} mtu ${lab.podMtu()}`,
        `link set ${wb} master ${we}`,
        `link set ${wd} master ${dp}`,
        `link add ${vx} type vxlan id 2 local ${h.wireIp} dev ${h.wire} dstport 6784`,
        `link set ${vx} mtu ${lab.opts.mtu - 50}`,
        `link set ${vx} master ${dp}`,
        ...[dp, wb, wd, vx].map((d) => `link set ${d} up`),
      ]);
      await hostRules(lab, h);
    },
    async connectHosts(lab) {
      // Flood entry: unknown unicast and ARP go to the peer; replies are learnt.
      for (const h of lab.hosts) await run(['bridge', '-n', h.ns, 'fdb', 'append', '00:00:00:00:00:00', 'dev', lab.name('vx'), 'dst', other(lab, h).wireIp]);
    },
    podRoutes: (lab, pod) => bridgePod(lab, pod, lab.name('we'), 16),
    async podRules(_lab, pod) {
      // Weave-npc adds each pod to the ipset of its namespace's default-allow rule.
      await inNs(pod.host.ns, ['ipset', 'add', NPC_SET, pod.ip]);
    },
  };
}
