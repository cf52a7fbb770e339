// EPROXY: loads eproxy.bpf.o and attaches its XDP program to the receive side of interfaces
// and its tc program to the ingress of host-side veths (the pods' egress). The FIB decides
// the egress interface; ep_xdp_tx lists the interfaces XDP may redirect to and ep_tc_egress
// says which ones are veths that take bpf_redirect_peer.
import { join } from 'node:path';
import { workspaceRoot } from '@fastpath/native';
import { attachTc, attachXdp, ifindex as ifindexOf, type Attachment } from './attach.ts';
import { BpfObject } from './object.ts';
import { u32Codec, type TypedMap } from './map.ts';
import { EP_EGRESS_NEIGH, EP_EGRESS_PEER, epCounters, sumEpCounters, type EpCounters } from './layout.ts';

export const eproxyObjectPath = (): string => join(workspaceRoot, 'dist', 'bpf', 'eproxy.bpf.o');

export type EproxyInterface = string | number;
export interface EproxyCounters extends EpCounters { ifindex: number }

export class Eproxy implements Disposable {
  readonly object: BpfObject;
  private readonly counterMap: TypedMap<number, EpCounters>;
  private readonly xdpTx: TypedMap<number, number>;
  private readonly tcEgress: TypedMap<number, number>;
  private readonly attachments: Attachment[] = [];

  private constructor(obj: BpfObject) {
    this.object = obj;
    this.counterMap = obj.map('ep_counters').typed(u32Codec, epCounters);
    this.xdpTx = obj.map('ep_xdp_tx').typed(u32Codec, u32Codec);
    this.tcEgress = obj.map('ep_tc_egress').typed(u32Codec, u32Codec);
  }

  static load(objectPath = eproxyObjectPath()): Eproxy {
    return new Eproxy(BpfObject.load(objectPath));
  }

  /** XDP on the receive side of `iface` (host veth or NIC). */
  attachXdp(iface: EproxyInterface, opts: { mode?: 'native' | 'generic' } = {}): Attachment {
    const a = attachXdp(this.object, this.object.program('eproxy_xdp'), idx(iface), { mode: opts.mode });
    this.attachments.push(a);
    return a;
  }

  /**
   * The default way to put a pod's host-side veth under EPROXY, and the one that measures best
   * on veths (docs/results/ebpf/bench.json): tc ingress (a tcx link) forwards what the pod sends,
   * and packets for the pod are handed into its netns with bpf_redirect_peer.
   */
  attachVeth(iface: EproxyInterface): Attachment {
    const a = this.attachTc(iface);
    this.setTcEgress(iface, 'peer');
    return a;
  }

  /** tc on the ingress of a host-side veth, i.e. what its pod sends. */
  attachTc(iface: EproxyInterface, opts: { via?: 'clsact' | 'tcx' } = {}): Attachment {
    const a = attachTc(this.object, this.object.program('eproxy_tc_ingress'), idx(iface), { direction: 'ingress', via: opts.via });
    this.attachments.push(a);
    return a;
  }

  /** Lets XDP redirect to `iface` (its frames must be accepted there: NIC, or a veth whose peer runs XDP/GRO). */
  allowXdpEgress(iface: EproxyInterface): void {
    const i = idx(iface);
    this.xdpTx.set(i, i);
  }

  /** How tc hands packets to `iface`: 'peer' (host end of a veth: straight into the pod) or 'neigh'. */
  setTcEgress(iface: EproxyInterface, mode: 'peer' | 'neigh'): void {
    this.tcEgress.set(idx(iface), mode === 'peer' ? EP_EGRESS_PEER : EP_EGRESS_NEIGH);
  }

  /** Per-interface counters summed over CPUs. */
  counters(): EproxyCounters[] {
    return [...this.counterMap.aggregated(sumEpCounters)].map(([ifindex, c]) => ({ ifindex, ...c })).sort((a, b) => a.ifindex - b.ifindex);
  }

  counter(iface: EproxyInterface): EpCounters | undefined {
    return this.counterMap.aggregate(idx(iface), sumEpCounters);
  }

  /** Detaches everything and unloads. */
  dispose(): void {
    this.object.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

const idx = (i: EproxyInterface): number => (typeof i === 'number' ? i : ifindexOf(i));
