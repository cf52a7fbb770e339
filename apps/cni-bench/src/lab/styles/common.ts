// Building blocks several styles share: bridge-attached pods, L3 (/32) pods, kernel VXLAN
// devices with static FDB/neighbour entries (what flanneld / Felix program), sysctls.
import type { Capability } from '../../caps.ts';
import { inNs, run } from '../../exec.ts';
import { L3_GATEWAY, POD_NET, bridgeIp, wireIp } from '../addressing.ts';
import type { Datapath, Style } from '../datapath.ts';
import { document, restore, type ChainRules } from '../iptables.ts';
import { batch, type Host, type Lab, type Pod } from '../lab.ts';

const hex = (n: number) => n.toString(16).padStart(2, '0');
/** Deterministic MAC of a host's VXLAN device, so the peer can be programmed statically. */
export const vtepMac = (host: number) => `02:cb:00:00:00:${hex(host)}`;

export const other = (lab: Lab, h: Host) => lab.hosts[h.idx === 1 ? 1 : 0];

export async function sysctl(ns: string, kv: string[]): Promise<void> {
  await inNs(ns, ['sysctl', '-qw', ...kv]);
}

/** A Linux bridge with the host's gateway address for its pods. */
export async function bridge(lab: Lab, h: Host, name: string, cidrPrefix: number): Promise<void> {
  await batch(h.ns, [
    `link add ${name} type bridge`,
    `link set ${name} mtu ${lab.podMtu()}`,
    `addr add ${bridgeIp(h.idx)}/${cidrPrefix} dev ${name}`,
    `link set ${name} up`,
  ]);
}

export async function bridgePod(lab: Lab, pod: Pod, br: string, prefix: number): Promise<void> {
  await batch(pod.host.ns, [`link set ${pod.hostIf} master ${br}`]);
  await batch(pod.ns, [`addr add ${pod.ip}/${prefix} dev ${pod.podIf}`, `route add default via ${bridgeIp(pod.host.idx)} dev ${pod.podIf}`]);
}

/** Pod with a /32 and a link-local gateway; the host routes to it with a /32 (Calico, Cilium). */
export async function l3Pod(pod: Pod, gatewayMac?: string): Promise<void> {
  const lines = [`addr add ${pod.ip}/32 dev ${pod.podIf}`, `route add ${L3_GATEWAY} dev ${pod.podIf} scope link`, `route add default via ${L3_GATEWAY} dev ${pod.podIf}`];
  if (gatewayMac) lines.push(`neigh replace ${L3_GATEWAY} lladdr ${gatewayMac} dev ${pod.podIf} nud permanent`);
  await batch(pod.ns, lines);
  await batch(pod.host.ns, [`route add ${pod.ip}/32 dev ${pod.hostIf} scope link`]);
}

/**
 * Proxy ARP answers only for destinations the host can route elsewhere. Real nodes have a
 * default route; here the gateway address is routed to lo (no dummy device in this kernel,
 * and a default route out of the lab is not wanted), which is enough for the ARP reply.
 */
export async function proxyArpGateway(h: Host): Promise<void> {
  await batch(h.ns, [`route add ${L3_GATEWAY}/32 dev lo`]);
}

/**
 * Kernel VXLAN device in flannel.1 / vxlan.calico style: an address from the host's pod
 * range, no learning; the peer host's VTEP is programmed as route + neighbour + FDB entry.
 */
export async function vtep(lab: Lab, h: Host, name: string, vni: number, port: number): Promise<void> {
  await batch(h.ns, [
    `link add ${name} address ${vtepMac(h.idx)} type vxlan id ${vni} local ${h.wireIp} dev ${h.wire} dstport ${port} nolearning`,
    `link set ${name} mtu ${lab.opts.mtu - 50}`,
    `addr add ${POD_NET}.${h.idx}.0/32 dev ${name}`,
    `link set ${name} up`,
  ]);
}

export async function vtepPeer(lab: Lab, h: Host, name: string): Promise<void> {
  const o = other(lab, h);
  await batch(h.ns, [
    `route add ${POD_NET}.${o.idx}.0/24 via ${POD_NET}.${o.idx}.0 dev ${name} onlink`,
    `neigh replace ${POD_NET}.${o.idx}.0 lladdr ${vtepMac(o.idx)} dev ${name} nud permanent`,
  ]);
  await run(['bridge', '-n', h.ns, 'fdb', 'append', vtepMac(o.idx), 'dev', name, 'dst', o.wireIp]);
}

/** Native routing to the peer's pod range over the wire (what BGP would have installed). */
export async function nativeRoute(lab: Lab, h: Host): Promise<void> {
  const o = other(lab, h);
  await batch(h.ns, [`route add ${POD_NET}.${o.idx}.0/24 via ${wireIp(o.idx)} dev ${h.wire} proto static`]);
}

/** A style's iptables chains on one host, loaded in one iptables-restore call. */
export async function hostChains(h: Host, sets: ChainRules[]): Promise<void> {
  await restore(h.ns, document(sets));
}

/** What the inter-host mode decides: encapsulation overhead and the kernel features needed. */
export function interMode(inter: 'vxlan' | 'native' | 'ipip', base: Capability[]): Pick<Datapath, 'inter' | 'overhead' | 'requires'> {
  const m = { vxlan: { overhead: 50, cap: ['vxlan'] }, native: { overhead: 0, cap: [] }, ipip: { overhead: 20, cap: ['ipip'] } }[inter];
  return { inter, overhead: m.overhead, requires: [...base, ...(m.cap as Capability[])] };
}

/** Routes to the peer host's pods: through the VXLAN device `overlay` (static VTEP entries,
 *  as flanneld / Felix program them) or natively over the wire (what BGP would install). */
export async function routeToPeers(lab: Lab, overlay: string | null): Promise<void> {
  for (const h of lab.hosts) await (overlay ? vtepPeer(lab, h, overlay) : nativeRoute(lab, h));
}

/** A bridge-based style (Flannel, Kube-router): pods on a Linux bridge with the host's
 *  gateway address; VXLAN or native routes between hosts; no per-pod rules. */
export function bridged(o: {
  id: string;
  style: Style;
  description: string;
  inter: 'vxlan' | 'native';
  /** Suffix of the bridge device name (after the run id). */
  bridge: string;
  vxlan?: { vni: number; port: number };
  hostRules: (lab: Lab, h: Host) => Promise<void>;
}): Datapath {
  const overlay = (lab: Lab) => (o.inter === 'vxlan' ? lab.name('vx') : null);
  return {
    id: o.id,
    style: o.style,
    description: o.description,
    ...interMode(o.inter, ['veth', 'bridge']),
    intra: 'bridge',
    policy: false,
    intraKey: o.style,
    async setupHost(lab, h) {
      await bridge(lab, h, lab.name(o.bridge), 24);
      const vx = overlay(lab);
      if (vx) await vtep(lab, h, vx, o.vxlan?.vni ?? 1, o.vxlan?.port ?? 4789);
      await o.hostRules(lab, h);
    },
    connectHosts: (lab) => routeToPeers(lab, overlay(lab)),
    podRoutes: (lab, pod) => bridgePod(lab, pod, lab.name(o.bridge), 24),
    async podRules() {
      /* bridge styles without NetworkPolicies add no per-pod rules */
    },
  };
}
