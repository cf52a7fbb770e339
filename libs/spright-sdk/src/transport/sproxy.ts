// S transport (S-SPRIGHT): descriptors travel over this process's SPROXY socket. The process
// builds its socket and has the node's proxy manager register it in the sockhash (dissertation
// Fig. 5.5); SK_MSG then redirects each 16-byte descriptor straight into the target instance's
// socket — event-driven, zero CPU when idle. Credit-based flow control (libs/ebpf) bounds what
// a sender may have in flight toward a receiver; beyond a small user-space queue, sends report 'full'.
import { BackpressureError, CreditTransport, makeFlags, makeObject, registerFunctionSocket } from '@fastpath/ebpf';
import { objectGeneration, objectOffset, type Descriptor } from '@fastpath/shm';
import type { ChainTopology } from '../topology.ts';
import { allInstances } from '../topology.ts';
import type { DescriptorTransport, SendResult } from './types.ts';

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

export class SproxyTransport implements DescriptorTransport {
  readonly mode = 's' as const;
  readonly #known: Set<number>;
  #full = 0;
  #corked = false;
  #writes = 0;

  private constructor(
    readonly credit: CreditTransport,
    topology: ChainTopology,
  ) {
    this.#known = new Set(allInstances(topology).map((i) => i.id));
  }

  /** Registers this process's socket with the proxy manager listening at `registrationPath`. */
  static async connect(topology: ChainTopology, selfId: number, registrationPath: string, window = 256): Promise<SproxyTransport> {
    const identity = identityOf(topology, selfId);
    const { socket } = await registerFunctionSocket(registrationPath, identity);
    // Queue at most one window per process in user space; more means a stalled receiver.
    return new SproxyTransport(new CreditTransport(socket, { identity, window, maxQueue: window }), topology);
  }

  /** Opens a socket the proxy manager created, registered and passed to this process (SCM_RIGHTS
   *  to a process the agent adopted, e.g. a function in a Kubernetes pod). */
  static fromFd(topology: ChainTopology, selfId: number, fd: number, window = 256): SproxyTransport {
    const identity = identityOf(topology, selfId);
    return new SproxyTransport(CreditTransport.fromFd(fd, { identity, window, maxQueue: window }), topology);
  }

  send(d: Descriptor): SendResult {
    if (!this.#known.has(d.instance)) return 'unknown-target';
    // Everything sent in one event-loop turn leaves in one writev: SPROXY routes a coalesced
    // write descriptor by descriptor, so N hops cost one sendmsg and one wake-up of each
    // receiver instead of N (the syscall + wake-up is most of a hop's CPU).
    if (!this.#corked) {
      this.#corked = true;
      this.credit.socket.cork();
      setImmediate(this.#uncork);
    }
    try {
      // Userspace DFR already picked the instance; SPROXY maps it to its socket (ROUTE is not set).
      this.credit.send(d.instance, makeObject(d.offset, d.generation), makeFlags(d.flags & 0xe, d.topic));
      return 'sent';
    } catch (err) {
      if (err instanceof BackpressureError) {
        this.#full++;
        return 'full';
      }
      throw err;
    }
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#writes++;
    this.credit.socket.uncork();
  };

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
