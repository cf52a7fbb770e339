// A lab: two "hosts" (network namespaces joined by a veth wire) with "pods" (namespaces)
// wired up in one CNI style. The style (styles/*.ts) decides bridges, routes, tunnels,
// iptables and eBPF; this file owns naming, the common host setup, pod creation with
// per-step timing, kube-proxy Service chains and teardown.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inNs, run } from '../exec.ts';
import { claim, findObjects, newRunId, release, removeObjects, SCRATCH_DIR } from '../runid.ts';
import { PORTS, WIRE_NET, podIp, serviceIp, wireIp } from './addressing.ts';
import { document, restore } from './iptables.ts';
import { kubeProxyRules, type Service } from './kubeproxy.ts';
import type { Datapath } from './datapath.ts';

export interface LabOptions {
  /** MTU of the wire between the hosts; pod MTUs follow from it and the tunnel overhead. */
  mtu?: number;
  /** Pods created on each host by create(). */
  podsPerHost?: number;
  /** Calico-style policy rules (only the *-wp variants use them). */
  policyRules?: number;
  /** Rules per iptables-restore call when loading policy. */
  policyBatch?: number;
  /** Extra dummy Services in kube-proxy's chains (a real cluster has many). */
  services?: number;
  /** Called (and awaited) after each setup stage: 'hosts', 'datapath', 'pods', 'services'. */
  onStep?: (step: 'hosts' | 'datapath' | 'pods' | 'services') => void | Promise<void>;
}

export interface Host {
  idx: 1 | 2;
  ns: string;
  /** Wire device inside this host. */
  wire: string;
  wireIp: string;
  /** Free for the style's own state (device names, ifindexes). */
  state: Record<string, any>;
}

export interface Pod {
  ns: string;
  host: Host;
  idx: number;
  ip: string;
  /** Host-side veth name (inside host.ns) and the pod's interface name. */
  hostIf: string;
  podIf: string;
}

/** Milliseconds per step of bringing up a pod network (the breakdown of Fig. 3.15a). */
export interface PodTiming {
  netns: number;
  link: number;
  ipam: number;
  routes: number;
  rules: number;
  total: number;
}

/** Labs of this process not yet destroyed, so a signal handler can tear them down. */
export const activeLabs = new Set<Lab>();

export class Lab {
  readonly rid: string;
  readonly hosts: [Host, Host];
  readonly pods: Pod[] = [];
  readonly services: Service[] = [];
  readonly opts: Required<Omit<LabOptions, 'onStep'>> & Pick<LabOptions, 'onStep'>;
  readonly scratch: string;
  private destroyed = false;

  constructor(
    readonly datapath: Datapath,
    opts: LabOptions = {},
  ) {
    this.opts = { mtu: 1500, podsPerHost: 2, policyRules: 100, policyBatch: 500, services: 20, ...opts };
    const o = this.opts;
    if (!Number.isInteger(o.mtu) || o.mtu < 1280 || o.mtu > 65535) throw new RangeError(`--mtu must be an integer in 1280..65535 (got ${o.mtu})`);
    if (!Number.isInteger(o.podsPerHost) || o.podsPerHost < 1 || o.podsPerHost > 90) throw new RangeError(`pods per host must be 1..90 (got ${o.podsPerHost})`);
    if (!Number.isInteger(o.policyRules) || o.policyRules < 0 || o.policyRules > 100_000) throw new RangeError(`--policy-rules must be 0..100000 (got ${o.policyRules})`);
    if (!Number.isInteger(o.services) || o.services < 0 || o.services > 5000) throw new RangeError(`--services must be 0..5000 (got ${o.services})`);
    this.rid = newRunId();
    this.scratch = join(SCRATCH_DIR, this.rid);
    const host = (idx: 1 | 2): Host => ({ idx, ns: `${this.rid}h${idx}`, wire: `${this.rid}w${idx}`, wireIp: wireIp(idx), state: {} });
    this.hosts = [host(1), host(2)];
  }

  /** Link/netns name carrying this run's id (<= 15 chars). */
  name(suffix: string): string {
    const n = this.rid + suffix;
    if (n.length > 15) throw new Error(`name ${n} longer than 15 characters`);
    return n;
  }

  podMtu(): number {
    return this.opts.mtu - this.datapath.overhead;
  }

  /** Builds hosts, the wire, the style's host parts, pods and Services. Cleans up on failure. */
  async create(): Promise<this> {
    claim(this.rid);
    activeLabs.add(this);
    mkdirSync(this.scratch, { recursive: true });
    try {
      const [h1, h2] = this.hosts;
      for (const h of this.hosts) {
        await run(['ip', 'netns', 'add', h.ns]);
        // Forwarding on; rp_filter off (asymmetric paths through tunnels); bridged packets
        // go through iptables as on every Kubernetes node (br_netfilter).
        await inNs(h.ns, [
          'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0',
          'net.bridge.bridge-nf-call-iptables=1', 'net.ipv4.conf.all.forwarding=1',
        ]);
      }
      await run(['ip', '-n', h1.ns, 'link', 'add', h1.wire, 'mtu', String(this.opts.mtu), 'type', 'veth', 'peer', 'name', h2.wire, 'netns', h2.ns, 'mtu', String(this.opts.mtu)]);
      for (const h of this.hosts) {
        await batch(h.ns, [`link set lo up`, `addr add ${h.wireIp}/24 dev ${h.wire}`, `link set ${h.wire} up`]);
      }
      await this.opts.onStep?.('hosts');
      for (const h of this.hosts) await this.datapath.setupHost(this, h);
      await this.datapath.connectHosts(this);
      await this.opts.onStep?.('datapath');
      for (const h of this.hosts) for (let i = 0; i < this.opts.podsPerHost; i++) await this.addPod(h);
      await this.opts.onStep?.('pods');
      await this.installServices();
      await this.opts.onStep?.('services');
      return this;
    } catch (err) {
      await this.destroy();
      throw err;
    }
  }

  /** Creates one pod network on `h` the way a CNI ADD would, timing each step. */
  async addPod(h: Host): Promise<{ pod: Pod; timing: PodTiming }> {
    // Reserve the index before any await: parallel CNI ADDs must not share an address.
    const idx = (h.state.nextPod = (h.state.nextPod ?? -1) + 1);
    const t0 = performance.now();
    const ns = this.name(`p${h.idx}${idx}`);
    await run(['ip', 'netns', 'add', ns]);
    const t1 = performance.now();
    const pod: Pod = { ns, host: h, idx, ip: '', hostIf: this.name(`v${h.idx}${idx}`), podIf: this.name('e0') };
    const mtu = String(this.podMtu());
    // Fixed MACs so neighbour entries can be written without asking the kernel back.
    await run(['ip', '-n', h.ns, 'link', 'add', pod.hostIf, 'mtu', mtu, 'address', hostMac(h.idx, idx), 'type', 'veth',
      'peer', 'name', pod.podIf, 'netns', ns, 'mtu', mtu, 'address', podMac(h.idx, idx)]);
    await batch(ns, ['link set lo up', `link set ${pod.podIf} up`]);
    await batch(h.ns, [`link set ${pod.hostIf} up`]);
    const t2 = performance.now();
    // IPAM: host-local allocation from the host's pod range (Calico's etcd-backed blocks and
    // Weave's CRDT allocator are not reproduced; their network round trips are absent here).
    pod.ip = podIp(h.idx, idx);
    this.pods.push(pod);
    const t3 = performance.now();
    await this.datapath.podRoutes(this, pod);
    const t4 = performance.now();
    await this.datapath.podRules(this, pod);
    const t5 = performance.now();
    return { pod, timing: { netns: t1 - t0, link: t2 - t1, ipam: t3 - t2, routes: t4 - t3, rules: t5 - t4, total: t5 - t0 } };
  }

  pod(host: 1 | 2, idx: number): Pod {
    const p = this.pods.find((x) => x.host.idx === host && x.idx === idx);
    if (!p) throw new Error(`lab ${this.rid} has no pod ${idx} on host ${host}`);
    return p;
  }

  /** ClusterIP Services: svc-intra -> pod 1 on host 1, svc-inter -> pod 0 on host 2, plus dummies. */
  private async installServices(): Promise<void> {
    const backends = [this.pods.find((p) => p.host.idx === 1 && p.idx === 1), this.pods.find((p) => p.host.idx === 2 && p.idx === 0)];
    const names = ['svc-intra', 'svc-inter'];
    backends.forEach((b, i) => b && this.services.push({ name: names[i], ip: serviceIp(i), port: PORTS.rr, backend: b.ip, backendPort: PORTS.rr }));
    for (let k = 0; k < this.opts.services; k++) {
      // Dummies live in 10.96.1.0+ and point at ports nobody uses: they only lengthen KUBE-SERVICES.
      this.services.push({ name: `dummy-${k}`, ip: `10.96.${1 + Math.floor(k / 250)}.${(k % 250) + 1}`, port: 10000 + k, backend: podIp(1, 0), backendPort: 10000 + k });
    }
    const doc = document(kubeProxyRules(this.services));
    for (const h of this.hosts) await restore(h.ns, doc);
  }

  service(name: 'svc-intra' | 'svc-inter'): Service {
    const s = this.services.find((x) => x.name === name);
    if (!s) throw new Error(`lab ${this.rid} has no Service ${name}`);
    return s;
  }

  /** Removes every object of this run (namespaces, the links and rules in them, pins). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await removeObjects(await findObjects(this.rid));
    release(this.rid);
    activeLabs.delete(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

const hex = (n: number) => n.toString(16).padStart(2, '0');
/** Pod MAC: 0a:58 + the pod's IPv4 address, as the Kubernetes bridge plugin does. */
export const podMac = (host: number, idx: number) => `0a:58:0a:f4:${hex(host)}:${hex(10 + idx)}`;
/** Host-side veth MAC (Calico gives all of them ee:ee:ee:ee:ee:ee; unique here for clarity). */
export const hostMac = (host: number, idx: number) => `ee:ee:ee:00:${hex(host)}:${hex(10 + idx)}`;

/** Several `ip` commands in one process (ip -batch), for speed. */
export async function batch(ns: string, lines: string[]): Promise<void> {
  if (lines.length) await run(['ip', '-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
}

export { WIRE_NET };
