// S transport (S-SPRIGHT): descriptors travel over this process's SPROXY socket. The process
// builds its socket and has the node's proxy manager register it in the sockhash (dissertation
// Fig. 5.5); SK_MSG then redirects each 16-byte descriptor straight into the target instance's
// socket — event-driven, zero CPU when idle. Credit-based flow control (libs/ebpf) bounds what
// a sender may have in flight toward a receiver; beyond a small user-space queue, sends report 'full'.
import { BackpressureError, CreditTransport, makeFlags, makeObject, registerFunctionSocket } from '@fastpath/ebpf';
import { objectGeneration, objectOffset, type Descriptor } from '@fastpath/shm';
import type { ChainTopology } from '../topology.ts';
import { allInstances } from '../topology.ts';
import { handOver } from './owners.ts';
import type { DescriptorTransport, ObjectOwners, SendResult } from './types.ts';

export const ENV_SPROXY_SOCKET = 'SPRIGHT_SPROXY_SOCKET';
/** An already registered SPROXY socket inherited or passed as this fd (wins over the socket path). */
export const ENV_SPROXY_FD = 'SPRIGHT_SPROXY_FD';

export class TransportUnavailableError extends Error {
  constructor(message: string) {
    super(`spright: ${message}`);
    this.name = 'TransportUnavailableError';
  }
}

/** SPROXY function id of an instance: 0 for the gateway, 1.. for functions in spec order. */
export function functionId(topology: ChainTopology, fn: string): number {
  return fn === 'gateway' ? 0 : topology.functions.findIndex((f) => f.name === fn) + 1;
}

function identityOf(topology: ChainTopology, selfId: number) {
  const self = allInstances(topology).find((i) => i.id === selfId);
  if (!self) throw new TransportUnavailableError(`instance ${selfId} is not part of chain "${topology.chain}"`);
  return { instance: selfId, chain: topology.chainId, function: functionId(topology, self.fn) };
}

/** Descriptors for one (target, flags) pair waiting for the end of the event-loop turn; kept
 *  across turns and emptied in place. */
interface Batch {
  target: number;
  flags: number;
  objects: bigint[];
  refs: { offset: number; generation: number }[];
}

/** Longest a descriptor waits in a batch while its event-loop turn goes on. */
const MAX_HOLD_MS = 1;

export class SproxyTransport implements DescriptorTransport {
  readonly mode = 's' as const;
  readonly #known: Set<number>;
  readonly #maxQueue: number;
  #full = 0;
  // Everything sent in one event-loop turn leaves in one write per (target, flags): SPROXY
  // gives a run of descriptors to the same target one verdict and one redirect, so N hops cost
  // one sendmsg and one wake-up of the receiver instead of N (under load the syscall and the
  // wake-up are most of a hop's CPU). A lone request pays one setImmediate. A turn that runs long
  // (handlers doing CPU work between sends, e.g. a burst of image detections read in one go)
  // does not hold what it already sent for the whole turn: after MAX_HOLD_MS the batch leaves.
  //
  // The maps below only ever gain keys (targets x flags, a handful) and are reset in place: a
  // Map.clear() per turn, or insert/delete churn, makes V8 allocate a new hash table each time
  // and link the old one to it; once one of those tables sits in old space, the chain of its
  // successors (and the batches they hold) survives every scavenge until the next full GC —
  // ~1.4 MB promoted per scavenge and multi-ms pauses in the chain2 profile.
  readonly #batches = new Map<number, Batch>();
  /** The batches with descriptors this turn, in first-use order. */
  readonly #active: Batch[] = [];
  /** Descriptors batched per target this turn, and how many of all batched will queue for credits. */
  readonly #batchedTo = new Map<number, number>();
  #overflow = 0;
  #flushScheduled = false;
  /** performance.now() of the first descriptor of the batch being built. */
  #heldSince = 0;
  #writes = 0;

  private constructor(
    readonly credit: CreditTransport,
    topology: ChainTopology,
    maxQueue: number,
    private readonly owners: ObjectOwners,
  ) {
    this.#known = new Set(allInstances(topology).map((i) => i.id));
    this.#maxQueue = maxQueue;
  }

  /** Registers this process's socket with the proxy manager listening at `registrationPath`. */
  static async connect(topology: ChainTopology, selfId: number, registrationPath: string, owners: ObjectOwners, window = 256): Promise<SproxyTransport> {
    const identity = identityOf(topology, selfId);
    const { socket } = await registerFunctionSocket(registrationPath, identity);
    // Queue at most one window per process in user space; more means a stalled receiver.
    return new SproxyTransport(new CreditTransport(socket, { identity, window, maxQueue: window }), topology, window, owners);
  }

  /** Opens a socket the proxy manager created, registered and passed to this process (SCM_RIGHTS
   *  to a process the agent adopted, e.g. a function in a Kubernetes pod). */
  static fromFd(topology: ChainTopology, selfId: number, fd: number, owners: ObjectOwners, window = 256): SproxyTransport {
    const identity = identityOf(topology, selfId);
    return new SproxyTransport(CreditTransport.fromFd(fd, { identity, window, maxQueue: window }), topology, window, owners);
  }

  send(d: Descriptor): SendResult {
    if (!this.#known.has(d.instance)) return 'unknown-target';
    this.flushHeld();
    // Decide now what the credit transport will decide at flush time: beyond the target's
    // credits a descriptor queues in user space, and that queue is bounded.
    const batched = this.#batchedTo.get(d.instance) ?? 0;
    const queues = batched >= this.credit.credits(`i:${d.instance}`);
    if (queues && this.credit.queued + this.#overflow >= this.#maxQueue) {
      this.#full++;
      return 'full';
    }
    if (queues) this.#overflow++;
    this.#batchedTo.set(d.instance, batched + 1);
    // Userspace DFR already picked the instance; SPROXY maps it to its socket (ROUTE is not set).
    const flags = makeFlags(d.flags & 0xe, d.topic);
    const key = d.instance * 0x10000 + flags;
    let b = this.#batches.get(key);
    if (!b) this.#batches.set(key, (b = { target: d.instance, flags, objects: [], refs: [] }));
    if (b.objects.length === 0) {
      if (this.#active.length === 0) this.#heldSince = performance.now();
      this.#active.push(b);
    }
    b.objects.push(makeObject(d.offset, d.generation));
    b.refs.push({ offset: d.offset, generation: d.generation });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#endOfTurn);
    }
    return 'sent';
  }

  /** Sends what this turn has batched once it has waited MAX_HOLD_MS, or now with `force`
   *  (called before each send and around handlers, so a long turn does not hold earlier answers). */
  flushHeld(force = false): void {
    if (this.#active.length > 0 && (force || performance.now() - this.#heldSince >= MAX_HOLD_MS)) this.#flush();
  }

  readonly #endOfTurn = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  #flush(): void {
    const active = this.#active;
    const n = active.length;
    for (const t of this.#batchedTo.keys()) this.#batchedTo.set(t, 0);
    this.#overflow = 0;
    const destroyed = this.credit.socket.destroyed;
    for (let i = 0; i < n; i++) {
      const b = active[i];
      try {
        if (destroyed) continue;
        if (b.objects.length === 1) this.credit.send(b.target, b.objects[0], b.flags);
        else this.credit.sendBatch(b.target, b.objects, b.flags);
        this.#writes++;
        // Ownership moves once the write is done (see DescriptorTransport.send).
        for (const r of b.refs) handOver(this.owners, r, b.target);
      } catch (err) {
        // Not reached while send() mirrors the credit accounting; if it is, the objects stay
        // with this process and come back when the agent reclaims it.
        if (!(err instanceof BackpressureError)) throw err;
        this.#full += b.objects.length;
        process.stderr.write(`spright: SPROXY queue overflow, ${b.objects.length} descriptors to ${b.target} not sent\n`);
      } finally {
        b.objects.length = 0;
        b.refs.length = 0;
      }
    }
    active.length = 0;
  }

  start(onDescriptor: (d: Descriptor) => void): void {
    this.credit.on('descriptor', (r) => {
      // SPROXY stamped the sender into `instance`; the object header says where answers go.
      onDescriptor({ instance: r.from, chain: r.chain, flags: r.flags & 0xf, topic: r.topic, offset: objectOffset(r.object), generation: objectGeneration(r.object) });
    });
    this.credit.on('error', (e) => process.stderr.write(`spright: SPROXY socket: ${e.message}\n`));
  }

  /** A restarted peer starts with a fresh window. */
  reset(instance: number): void {
    this.credit.resetCredits(`i:${instance}`);
  }

  close(): void {
    this.credit.close();
  }

  stats(): Record<string, number> {
    const s = this.credit.stats;
    return { sent: s.sent, writes: this.#writes, received: s.received, full: this.#full, credits_granted: s.creditsGranted, credits_received: s.creditsReceived, queued: this.credit.queued, queued_peak: s.queuedPeak };
  }
}
