// The node agent's shm manager: one region (own random key), one pool and one receive ring per
// instance for each chain — the chain's security domain. It also reclaims the objects a dead
// process held, and removes the region when the chain goes.
import { existsSync, readdirSync } from 'node:fs';
import { Region, type Mempool, type MempoolStats, type Ring } from '@fastpath/shm';
import { allInstances, type ChainTopology } from '@fastpath/spright-sdk';
import type { ChainSpec } from '../spec/index.ts';
import { regionBytes } from './topology.ts';

export class ChainMemory {
  private constructor(
    readonly region: Region,
    readonly pool: Mempool,
    /** Every instance's receive ring, kept open to repair them after a producer dies. */
    readonly rings: Ring[],
  ) {}

  /** Creates region + pool + rings; on any failure nothing is left behind. */
  static create(spec: ChainSpec, name: string, build: (key: string) => ChainTopology): { memory: ChainMemory; topology: ChainTopology } {
    // Size first with a provisional topology (the key does not change sizes).
    const provisional = build('0'.repeat(32));
    const region = Region.create(name, { size: regionBytes(spec, provisional) });
    try {
      const topology = build(region.key.toString('hex'));
      const pool = region.createMempool(topology.pool, { objectSize: spec.pool.objectSize, count: spec.pool.objects });
      // MPSC: the gateway and every upstream function produce into an instance's ring.
      const rings = allInstances(topology).map((inst) => region.createRing(inst.ring, { type: 'mpsc', slots: topology.ringSlots }));
      return { memory: new ChainMemory(region, pool, rings), topology };
    } catch (err) {
      region.destroy();
      throw err;
    }
  }

  /** Frees every object the dead instance held; returns how many. */
  reclaim(instance: number): number {
    return this.pool.reclaim(instance);
  }

  /**
   * Repairs the rings a dead process produced into: a slot it reserved (MPSC CAS done) but never
   * published would stop the ring's consumer at that slot and spin every later producer for
   * ever; it becomes a tombstone the consumer skips. Returns true while a dead reservation still
   * waits behind a live one (call again; live producers waiting on it repair it too).
   */
  recoverRings(pid: number | undefined): boolean {
    let pending = false;
    for (const r of this.rings) if (!r.closed) pending = r.recover(pid ?? 0, 5).pending || pending;
    return pending;
  }

  stats(): MempoolStats {
    return this.pool.stats();
  }

  destroy(): void {
    this.region.destroy();
  }
}

/** Region files of this agent left by a crash (names start with the agent prefix). */
export function leftoverRegions(prefix: string): string[] {
  const out = new Set<string>();
  for (const dir of ['/dev/shm', '/dev/hugepages']) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const m = /^(?:fastpath[.-])?(.*)$/.exec(f);
      if (m && m[1].startsWith(prefix)) out.add(m[1]);
    }
  }
  return [...out];
}
