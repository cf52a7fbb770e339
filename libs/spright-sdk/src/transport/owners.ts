// Moving an object's ownership as its descriptor leaves (see DescriptorTransport.send).
import { DoubleFreeError, StaleObjectError, type Descriptor, type ObjectRef } from '@fastpath/shm';
import type { ObjectOwners } from './types.ts';

/** Makes `owner` the object's owner, after its descriptor went out. A reference that is no longer
 *  live (a stale descriptor passed along) has nothing to hand over: receivers drop it. */
export function handOver(owners: ObjectOwners, ref: ObjectRef, owner: number): void {
  try {
    owners.setOwner(ref, owner);
  } catch (err) {
    if (!(err instanceof StaleObjectError || err instanceof DoubleFreeError)) throw err;
  }
}

/** Short sleeps before deferring a descriptor not yet ours: NAPS x NAP_MS at most (~0.5 ms). */
const NAPS = 10;
const NAP_MS = 0.05;
const NAP = new Int32Array(new SharedArrayBuffer(4));

/** A receiver gives up on a descriptor whose object never became its own after this long. */
const GIVE_UP_MS = 10_000;

/**
 * The receiving side of the hand-off: a descriptor can arrive a moment before its sender makes
 * the receiver the owner (it does so right after the send). Acting on an object one does not own
 * yet could race the agent freeing it with a sender killed in between, so such descriptors wait
 * here until the object is ours (then `owned`) or no longer live (then `stale`: reclaimed with
 * its dead sender, whose request the reclaim already failed).
 */
export class OwnershipGate {
  readonly #waiting: { d: Descriptor; since: number }[] = [];
  #scheduled = false;

  constructor(
    private readonly pool: { ownerOf(ref: ObjectRef): number },
    private readonly self: number,
    private readonly owned: (d: Descriptor) => void,
    private readonly stale: (d: Descriptor) => void,
  ) {}

  get waiting(): number {
    return this.#waiting.length;
  }

  offer(d: Descriptor, since = 0): void {
    let owner = this.pool.ownerOf(d);
    // Usually the sender is a few instructions from its hand-over. When our wake-up preempted it
    // on its core, it cannot finish while we run: sleep a few tens of microseconds (a futex
    // wait, so the core is free for it) instead of waiting a whole event-loop timer tick.
    for (let i = 0; i < NAPS && since === 0 && owner !== this.self && owner !== 0; i++) {
      Atomics.wait(NAP, 0, 0, NAP_MS);
      owner = this.pool.ownerOf(d);
    }
    if (owner === this.self) return this.owned(d);
    if (owner === 0 || (since !== 0 && Date.now() - since > GIVE_UP_MS)) return this.stale(d);
    this.#waiting.push({ d, since: since || Date.now() });
    if (this.#scheduled) return;
    this.#scheduled = true;
    // First look again at the end of this turn (the sender is a few instructions from done),
    // then every millisecond (it was descheduled, or killed and the agent will reclaim).
    const run = () => {
      this.#scheduled = false;
      for (const w of this.#waiting.splice(0)) this.offer(w.d, w.since);
    };
    if (since === 0) setImmediate(run);
    else setTimeout(run, 1);
  }
}
