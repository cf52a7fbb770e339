// Calico: pure L3. Pods get a /32 and the link-local gateway 169.254.1.1, answered by proxy
// ARP on the host-side veth; the host routes each pod with a /32. Between hosts: native
// routes (what BIRD/BGP installs; "xsub") or the VXLAN overlay (vxlan.calico, VNI 4096).
// IP-in-IP needs the ipip module and is reported missing when absent. The "wp" variants add
// Felix-style filter chains (dispatch by interface, conntrack fast path, a policy chain of
// N rules) loaded with iptables-restore in batches.
import { POD_NET } from '../addressing.ts';
import type { Datapath } from '../datapath.ts';
import { restoreInBatches, type ChainRules } from '../iptables.ts';
import type { Host, Lab, Pod } from '../lab.ts';
import { inNs } from '../../exec.ts';
import { hostChains, interMode, l3Pod, proxyArpGateway, routeToPeers, sysctl, vtep } from './common.ts';

const ACCEPT_MARK = '0x10000/0x10000';
const POLICY_CHAIN = 'cali-pi-default.bench';

/** N allow rules that do not match the benchmark's traffic (so NEW packets walk them all),
 *  then the rule that admits pod-to-pod traffic — the shape Felix renders a policy into. */
export function policyRules(n: number): string[] {
  const rules: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = `10.${200 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}/32`;
    rules.push(`-A ${POLICY_CHAIN} -p tcp -s ${src} -m tcp --dport ${1024 + (i % 60000)} -j MARK --set-xmark ${ACCEPT_MARK}`);
    rules.push(`-A ${POLICY_CHAIN} -m mark --mark ${ACCEPT_MARK} -j RETURN`);
  }
  rules.push(`-A ${POLICY_CHAIN} -s ${POD_NET}.0.0/16 -j MARK --set-xmark ${ACCEPT_MARK}`);
  rules.push(`-A ${POLICY_CHAIN} -m mark --mark ${ACCEPT_MARK} -j RETURN`);
  return rules;
}

async function felixBase(lab: Lab, h: Host): Promise<void> {
  const wl = `${lab.rid}v+`; // Felix matches "cali+"; our host veths carry the run id
  await hostChains(h, [
    {
      table: 'raw',
      chains: ['cali-PREROUTING', 'cali-from-host-endpoint'],
      rules: [
        '-A PREROUTING -j cali-PREROUTING',
        '-A cali-PREROUTING -j MARK --set-xmark 0x0/0xf0000',
        `-A cali-PREROUTING -i ${wl} -j MARK --set-xmark 0x40000/0x40000`,
        '-A cali-PREROUTING -m mark --mark 0x0/0x40000 -j cali-from-host-endpoint',
      ],
    },
    {
      table: 'mangle',
      chains: ['cali-PREROUTING', 'cali-from-host-endpoint'],
      rules: [
        '-A PREROUTING -j cali-PREROUTING',
        '-A cali-PREROUTING -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        `-A cali-PREROUTING -m mark --mark ${ACCEPT_MARK} -j ACCEPT`,
        '-A cali-PREROUTING -j cali-from-host-endpoint',
      ],
    },
    {
      table: 'filter',
      chains: ['cali-FORWARD', 'cali-from-hep-forward', 'cali-to-hep-forward', 'cali-cidr-block', 'cali-from-wl-dispatch', 'cali-to-wl-dispatch', 'cali-pro-kns.default', POLICY_CHAIN],
      rules: [
        '-I FORWARD 1 -j cali-FORWARD',
        `-I FORWARD 2 -m mark --mark ${ACCEPT_MARK} -j ACCEPT`,
        '-A cali-FORWARD -j MARK --set-xmark 0x0/0xe0000',
        '-A cali-FORWARD -m mark --mark 0x0/0x10000 -j cali-from-hep-forward',
        `-A cali-FORWARD -i ${wl} -j cali-from-wl-dispatch`,
        `-A cali-FORWARD -o ${wl} -j cali-to-wl-dispatch`,
        '-A cali-FORWARD -j cali-to-hep-forward',
        '-A cali-FORWARD -j cali-cidr-block',
        `-A cali-pro-kns.default -j MARK --set-xmark ${ACCEPT_MARK}`,
        `-A cali-pro-kns.default -m mark --mark ${ACCEPT_MARK} -j RETURN`,
      ],
    },
  ]);
  h.state.policyLoad = await loadPolicy(lab, h, lab.opts.policyRules);
}

/** (Re)loads the policy chain with `n` rules in batches of --policy-batch, as Felix does. */
export async function loadPolicy(lab: Lab, h: Host, n: number): Promise<{ batches: number; ms: number }> {
  await inNs(h.ns, ['iptables', '-w', '-F', POLICY_CHAIN], { allowFail: true });
  return restoreInBatches(h.ns, { table: 'filter', chains: [], rules: policyRules(n) }, lab.opts.policyBatch);
}

/** Per-workload chains: conntrack fast path first, then profile (egress) or policy (ingress). */
function workloadRules(pod: Pod): ChainRules {
  const i = pod.hostIf;
  const fw = `cali-fw-${i}`;
  const tw = `cali-tw-${i}`;
  const head = (c: string) => [
    `-A ${c} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${c} -m conntrack --ctstate INVALID -j DROP`,
    `-A ${c} -j MARK --set-xmark 0x0/0x10000`,
  ];
  return {
    table: 'filter',
    chains: [fw, tw],
    rules: [
      ...head(fw),
      `-A ${fw} -p udp -m udp --dport 4789 -j DROP`,
      `-A ${fw} -j cali-pro-kns.default`,
      `-A ${fw} -m mark --mark ${ACCEPT_MARK} -j RETURN`,
      `-A ${fw} -j DROP`,
      ...head(tw),
      `-A ${tw} -j ${POLICY_CHAIN}`,
      `-A ${tw} -m mark --mark ${ACCEPT_MARK} -j RETURN`,
      `-A ${tw} -j DROP`,
      `-I cali-from-wl-dispatch 1 -i ${i} -g ${fw}`,
      `-I cali-to-wl-dispatch 1 -o ${i} -g ${tw}`,
    ],
  };
}

export function calico(policy: boolean, backend: 'native' | 'vxlan' | 'ipip'): Datapath {
  const tag = `calico-${policy ? 'wp' : 'np'}`;
  const label = { native: 'native routing (xsub)', vxlan: 'VXLAN overlay', ipip: 'IP-in-IP overlay' }[backend];
  return {
    id: backend === 'native' ? tag : `${tag}-${backend}`,
    style: 'calico',
    description: `Calico ${policy ? 'with' : 'without'} policy chains: /32 routes + proxy ARP intra-host, ${label} inter-host`,
    ...interMode(backend, ['veth']),
    intra: 'l3-routing',
    policy,
    intraKey: tag,
    async setupHost(lab, h) {
      await proxyArpGateway(h);
      if (backend === 'vxlan') await vtep(lab, h, lab.name('vx'), 4096, 4789);
      if (policy) await felixBase(lab, h);
    },
    connectHosts: (lab) => routeToPeers(lab, backend === 'vxlan' ? lab.name('vx') : null),
    async podRoutes(_lab, pod) {
      await l3Pod(pod);
      await sysctl(pod.host.ns, [`net.ipv4.conf.${pod.hostIf}.proxy_arp=1`, `net.ipv4.neigh.${pod.hostIf}.proxy_delay=0`, `net.ipv4.conf.${pod.hostIf}.forwarding=1`]);
    },
    async podRules(_lab, pod) {
      if (policy) await hostChains(pod.host, [workloadRules(pod)]);
    },
  };
}
