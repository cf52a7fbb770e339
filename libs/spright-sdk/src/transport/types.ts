// The descriptor transport a chain process uses: S (SPROXY sockets), D (polled rings) or
// H (hybrid rings). The SDK and gateway see only this interface, so one handler runs in every mode.
import type { Descriptor, ObjectRef } from '@fastpath/shm';

export type SendResult = 'sent' | 'full' | 'unknown-target';

/** The part of the pool a transport needs to hand objects over (a Mempool). */
export interface ObjectOwners {
  setOwner(ref: ObjectRef, owner: number): void;
}

export interface DescriptorTransport {
  readonly mode: 's' | 'd' | 'h';
  /**
   * Delivers one descriptor to d.instance and hands it the object: ownership moves to the target
   * only after the descriptor has left this process (ring enqueued, S written at the end of the
   * turn), and a receiver acts on an object only once it owns it. A process killed anywhere in
   * between still owns the object, so the agent's reclaim of it fails the request with 502 (the
   * receiver then finds the reference stale and drops it); had the target owned it first, a live
   * target that never got the descriptor would hold it for ever (a 504). Anything but 'sent'
   * leaves the object with the caller. 'full' = the target's queue/credits are exhausted.
   */
  send(d: Descriptor): SendResult;
  /** Starts calling onDescriptor for every descriptor addressed to this instance. */
  start(onDescriptor: (d: Descriptor) => void): void;
  /** Sends now what is batched for the end of the event-loop turn if it has waited long enough,
   *  or at once with `force` (the runtime calls it around handlers: CPU-heavy handlers run back
   *  to back in one turn when their descriptors were read together). */
  flushHeld?(force?: boolean): void;
  /** A peer instance restarted: forget per-peer state (credits). */
  reset?(instance: number): void;
  /** Stops receiving and releases handles (idempotent). */
  close(): void;
  /** Counters for metrics (sent, received, full, ...). */
  stats(): Record<string, number>;
}
