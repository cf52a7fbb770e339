// Cilium: tc eBPF on every host-side pod veth (bpf/cni_cilium.bpf.c). Local destinations are
// reached with bpf_redirect_peer (straight into the peer pod's namespace: no bridge, no host
// IP stack, no netfilter); remote ones through a collect_md VXLAN device (tunnel key set in
// eBPF) or, in native mode, bpf_redirect_neigh to the wire. Programs and maps are loaded once
// per host with bpftool and pinned under /sys/fs/bpf/<run-id>h<N>; tc attaches the pins.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@fastpath/native';
import { inNs, run } from '../../exec.ts';
import { POD_NET, wireIp } from '../addressing.ts';
import type { Datapath } from '../datapath.ts';
import { batch, hostMac, podMac, type Host, type Lab } from '../lab.ts';
import { BPFFS } from '../../runid.ts';
import { hostChains, interMode, l3Pod, other, sysctl } from './common.ts';

export const BPF_OBJECT = join(workspaceRoot, 'dist', 'bpf', 'cni_cilium.bpf.o');
const VNI = 2;

const pinDir = (lab: Lab, h: Host) => join(BPFFS, `${lab.rid}h${h.idx}`);
const u32le = (n: number) => [0, 8, 16, 24].map((s) => String((n >>> s) & 255));

async function ifindex(ns: string, dev: string): Promise<number> {
  const j = JSON.parse((await run(['ip', '-n', ns, '-j', 'link', 'show', 'dev', dev])).stdout);
  return j[0].ifindex;
}

/** tc -n / ip netns exec remount /sys, hiding bpffs; nsenter switches only the netns. */
async function attach(ns: string, dev: string, prog: string): Promise<void> {
  const tc = ['nsenter', `--net=/run/netns/${ns}`, 'tc'];
  await run([...tc, 'qdisc', 'add', 'dev', dev, 'clsact']);
  await run([...tc, 'filter', 'add', 'dev', dev, 'ingress', 'bpf', 'direct-action', 'object-pinned', prog]);
}

/** Decision counters (peer, tunnel, neigh, pass) summed over CPUs, for tests and reports. */
export async function ciliumStats(lab: Lab, h: Host): Promise<{ peer: number; tunnel: number; neigh: number; pass: number }> {
  const j = JSON.parse((await run(['bpftool', '-j', 'map', 'dump', 'pinned', join(pinDir(lab, h), 'maps', 'cni_stats')])).stdout);
  // bpftool's "formatted" view decodes the key and per-CPU u64 values.
  const sum = (k: number) => (j.find((e: any) => e.formatted?.key === k)?.formatted.values ?? []).reduce((a: number, v: any) => a + Number(v.value), 0);
  return { peer: sum(0), tunnel: sum(1), neigh: sum(2), pass: sum(3) };
}

export function cilium(mode: 'vxlan' | 'native'): Datapath {
  const vx = mode === 'vxlan';
  return {
    id: vx ? 'cilium-vxlan' : 'cilium-native',
    style: 'cilium',
    description: vx
      ? 'Cilium: tc eBPF bpf_redirect_peer intra-host, collect_md VXLAN set by eBPF inter-host'
      : 'Cilium: tc eBPF bpf_redirect_peer intra-host, bpf_redirect_neigh native routing inter-host',
    ...interMode(mode, ['veth', 'tc-bpf']),
    intra: 'ebpf-redirect',
    policy: false,
    intraKey: 'cilium',
    async setupHost(lab, h) {
      if (!existsSync(BPF_OBJECT)) throw new Error(`${BPF_OBJECT} is not built; run: pnpm nx run bpf:build`);
      const pins = pinDir(lab, h);
      mkdirSync(pins, { recursive: true });
      await run(['bpftool', 'prog', 'loadall', BPF_OBJECT, join(pins, 'prog'), 'pinmaps', join(pins, 'maps')]);
      let vxIndex = 0;
      if (vx) {
        const dev = lab.name('vx');
        await batch(h.ns, [`link add ${dev} type vxlan external dstport 8472`, `link set ${dev} mtu ${lab.opts.mtu - 50}`, `link set ${dev} up`]);
        vxIndex = await ifindex(h.ns, dev);
        await attach(h.ns, dev, join(pins, 'prog', 'from_overlay'));
      } else {
        await attach(h.ns, h.wire, join(pins, 'prog', 'from_netdev'));
      }
      await run(['bpftool', 'map', 'update', 'pinned', join(pins, 'maps', 'cni_config'), 'key', '0', '0', '0', '0', 'value', ...u32le(vxIndex), ...u32le(VNI)]);
      // Cilium's own chains (kube-proxy mode); eBPF-forwarded packets never reach them.
      await hostChains(h, [
        {
          table: 'filter',
          chains: ['CILIUM_FORWARD', 'CILIUM_INPUT', 'CILIUM_OUTPUT'],
          rules: [
            '-A FORWARD -j CILIUM_FORWARD',
            '-A INPUT -j CILIUM_INPUT',
            '-A OUTPUT -j CILIUM_OUTPUT',
            `-A CILIUM_FORWARD -o ${lab.rid}v+ -j ACCEPT`,
            `-A CILIUM_FORWARD -i ${lab.rid}v+ -j ACCEPT`,
            '-A CILIUM_INPUT -m mark --mark 0x200/0xf00 -j ACCEPT',
            '-A CILIUM_OUTPUT -m mark --mark 0xa00/0xfffffeff -j ACCEPT',
          ],
        },
        { table: 'nat', chains: ['CILIUM_POST_nat'], rules: ['-A POSTROUTING -j CILIUM_POST_nat', `-A CILIUM_POST_nat -s ${POD_NET}.${h.idx}.0/24 ! -d ${POD_NET}.0.0/16 ! -o ${lab.rid}v+ -j MASQUERADE`] },
      ]);
    },
    async connectHosts(lab) {
      for (const h of lab.hosts) {
        const o = other(lab, h);
        const dev = vx ? lab.name('vx') : h.wire;
        // The FIB answers "which host": gateway = peer's wire address (the tunnel endpoint).
        await batch(h.ns, [`route add ${POD_NET}.${o.idx}.0/24 via ${wireIp(o.idx)} dev ${dev} onlink`]);
      }
    },
    async podRoutes(_lab, pod) {
      // No ARP on the pod link: the gateway and the pod are static neighbours, as Cilium's
      // endpoint map holds both MACs.
      await l3Pod(pod, hostMac(pod.host.idx, pod.idx));
      await batch(pod.host.ns, [`neigh replace ${pod.ip} lladdr ${podMac(pod.host.idx, pod.idx)} dev ${pod.hostIf} nud permanent`]);
      await sysctl(pod.host.ns, [`net.ipv4.conf.${pod.hostIf}.forwarding=1`]);
    },
    async podRules(lab, pod) {
      const pins = pinDir(lab, pod.host);
      await attach(pod.host.ns, pod.hostIf, join(pins, 'prog', 'from_container'));
      // Endpoint map: pod IPv4 (network order) -> { host veth ifindex, pod MAC, host MAC }.
      const idx = await ifindex(pod.host.ns, pod.hostIf);
      const macBytes = (m: string) => m.split(':').map((b) => String(parseInt(b, 16)));
      await run(['bpftool', 'map', 'update', 'pinned', join(pins, 'maps', 'cni_endpoints'), 'key', ...pod.ip.split('.'),
        'value', ...u32le(idx), ...macBytes(podMac(pod.host.idx, pod.idx)), ...macBytes(hostMac(pod.host.idx, pod.idx))]);
    },
  };
}

export { inNs };
