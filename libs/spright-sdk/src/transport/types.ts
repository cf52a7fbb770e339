// The descriptor transport a chain process uses: S (SPROXY sockets), D (polled rings) or
// H (hybrid rings). The SDK and gateway see only this interface, so one handler runs in every mode.
import type { Descriptor } from '@fastpath/shm';

export type SendResult = 'sent' | 'full' | 'unknown-target';

export interface DescriptorTransport {
  readonly mode: 's' | 'd' | 'h';
  /** Delivers one descriptor to d.instance. 'full' = the target's queue/credits are exhausted. */
  send(d: Descriptor): SendResult;
  /** Starts calling onDescriptor for every descriptor addressed to this instance. */
  start(onDescriptor: (d: Descriptor) => void): void;
  /** A peer instance restarted: forget per-peer state (credits). */
  reset?(instance: number): void;
  /** Stops receiving and releases handles (idempotent). */
  close(): void;
  /** Counters for metrics (sent, received, full, ...). */
  stats(): Record<string, number>;
}
