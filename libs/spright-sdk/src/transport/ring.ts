// D and H transports: one MPSC descriptor ring per instance inside the chain's region (created
// by the agent). A sender enqueues straight into the target's ring; the receiver consumes its own
// ring from the event loop — busy-polling (D, like D-SPRIGHT's RTE rings) or hybrid spin-then-sleep
// (H: no CPU when idle, polling latency under load).
import { availableParallelism } from 'node:os';
import { decodeDescriptor, DESCRIPTOR_SIZE, type Descriptor, type Region, type Ring } from '@fastpath/shm';
import type { ChainTopology } from '../topology.ts';
import { allInstances } from '../topology.ts';
import { handOver } from './owners.ts';
import type { DescriptorTransport, ObjectOwners, SendResult } from './types.ts';

/** H mode's spin before sleeping on the doorbell. Spinning pays only while every process of the
 * chain has a core to spin on: with more processes than cores (Online Boutique: 11 on 2 cores)
 * a spinning consumer takes the CPU its producer needs and blocks its own event loop, which made
 * H several times slower than S there. Then it checks once and sleeps. SPRIGHT_H_SPIN_NS overrides. */
export function hybridSpinNs(processes: number, cores = availableParallelism(), env: NodeJS.ProcessEnv = process.env): number {
  const forced = env.SPRIGHT_H_SPIN_NS;
  if (forced !== undefined && forced !== '' && Number.isFinite(Number(forced))) return Math.max(0, Number(forced));
  return processes > cores ? 0 : 50_000;
}

export class RingTransport implements DescriptorTransport {
  readonly #rings = new Map<number, Ring>();
  readonly #own: Ring;
  readonly #owners: ObjectOwners;
  #stop: (() => void) | undefined;
  #sent = 0;
  #received = 0;
  #full = 0;

  constructor(
    readonly mode: 'd' | 'h',
    private readonly region: Region,
    private readonly topology: ChainTopology,
    private readonly selfId: number,
    /** The chain's pool (default: attached from the region by the topology's pool name). */
    owners?: ObjectOwners,
  ) {
    const self = allInstances(topology).find((i) => i.id === selfId);
    if (!self) throw new Error(`spright: instance ${selfId} is not part of chain "${topology.chain}"`);
    this.#own = region.ring(self.ring);
    this.#owners = owners ?? region.mempool(topology.pool);
  }

  #ringOf(id: number): Ring | undefined {
    let r = this.#rings.get(id);
    if (!r) {
      const inst = allInstances(this.topology).find((i) => i.id === id);
      if (!inst) return undefined;
      // Attach lazily: rings of this chain's region only; another chain's rings are unreachable.
      r = id === this.selfId ? this.#own : this.region.ring(inst.ring);
      this.#rings.set(id, r);
    }
    return r;
  }

  send(d: Descriptor): SendResult {
    const r = this.#ringOf(d.instance);
    if (!r) return 'unknown-target';
    if (!r.send(d)) {
      this.#full++;
      return 'full';
    }
    handOver(this.#owners, { offset: d.offset, generation: d.generation }, d.instance);
    this.#sent++;
    return 'sent';
  }

  start(onDescriptor: (d: Descriptor) => void): void {
    this.#own.on('burst', (buf: Buffer, n: number) => {
      this.#received += n;
      for (let i = 0; i < n; i++) onDescriptor(decodeDescriptor(buf, i * DESCRIPTOR_SIZE));
    });
    this.#own.on('error', (e) => process.stderr.write(`spright: ring ${this.#own.name}: ${e.message}\n`));
    this.#stop = this.#own.listen({ strategy: this.mode === 'd' ? 'poll' : 'hybrid', maxSpinNs: hybridSpinNs(allInstances(this.topology).length + 1) });
  }

  close(): void {
    this.#stop?.();
    this.#stop = undefined;
    for (const r of this.#rings.values()) if (r !== this.#own) r.close();
    this.#rings.clear();
    this.#own.close();
  }

  stats(): Record<string, number> {
    const s = this.#own.stats();
    return { sent: this.#sent, received: this.#received, full: this.#full, ring_wakes: s.wakes, ring_sleeps: s.sleeps, ring_depth: this.#own.count };
  }
}
