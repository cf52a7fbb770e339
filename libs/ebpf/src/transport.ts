// The function side of SPROXY: a descriptor transport over the function's sockmap socket with
// credit-based flow control. SK_MSG redirects into a receiver's ingress queue without any
// backpressure (every unread descriptor pins ~1 KiB of kernel memory), so senders may only have
// `window` descriptors in flight per destination; the receiver returns credits with CONTROL
// descriptors as its handler consumes them. Out of credits, sends queue here in user space (up
// to maxQueue, then throw BackpressureError) and the transport emits 'backpressure'.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { DescriptorIo } from './descriptor-io.ts';
import { DESCRIPTOR_SIZE, DescFlag, TOPIC_SHIFT, encodeDescriptor, makeFlags, type Descriptor } from './layout.ts';

export interface FunctionIdentity {
  /** Instance id (its sockmap key); 1..0xfffffffe. */
  instance: number;
  /** Chain (security domain) id. */
  chain: number;
  /** Function id within the chain (routing and metrics key). */
  function: number;
}

export interface TransportOptions {
  identity: FunctionIdentity;
  /** Descriptors a sender may have in flight toward one destination (default 256). */
  window?: number;
  /** Descriptors queued in user space before send() throws (default 1 << 20). */
  maxQueue?: number;
  /** Grant credits automatically once the 'descriptor' listeners return (default true);
   *  with false, call grant(from, n) when the work is done. */
  autoGrant?: boolean;
}

export class BackpressureError extends Error {
  constructor(readonly queued: number) {
    super(`SPROXY transport: ${queued} descriptors already queued waiting for credits; the receiver is not consuming`);
    this.name = 'BackpressureError';
  }
}

/** A received descriptor: `from` is the sender's instance (SPROXY stamps it into `instance`). */
export interface Received extends Descriptor {
  from: number;
  topic: number;
}

type Key = string; // `i:<instance>` for direct sends, `r:<topic>` for routed ones

interface TransportEvents {
  /** A data descriptor arrived. */
  descriptor: [Received];
  /** A destination ran out of credits; sends to it queue. */
  backpressure: [destination: Key];
  /** A destination's queue emptied. */
  drain: [destination: Key];
  close: [];
  error: [Error];
}

export class CreditTransport extends EventEmitter<TransportEvents> {
  readonly identity: FunctionIdentity;
  readonly window: number;
  private readonly maxQueue: number;
  private readonly autoGrant: boolean;
  private readonly credit = new Map<Key, number>();
  private readonly pending = new Map<Key, Buffer[]>();
  private readonly consumed = new Map<Key, number>();
  private queuedCount = 0;
  private readonly io: DescriptorIo;
  /** The function's socket (events, destroy); descriptor traffic goes through DescriptorIo. */
  readonly socket: net.Socket;
  /** Counters for tests and metrics. */
  readonly stats = { sent: 0, received: 0, creditsGranted: 0, creditsReceived: 0, queuedPeak: 0 };

  /** `socket`: a connected socket Node already reads, or a DescriptorIo (fromFd: the fast path
   *  with a static read buffer). */
  constructor(socket: net.Socket | DescriptorIo, opts: TransportOptions) {
    super();
    this.io = socket instanceof DescriptorIo ? socket : DescriptorIo.fromSocket(socket);
    this.socket = this.io.socket;
    this.identity = opts.identity;
    this.window = opts.window ?? 256;
    this.maxQueue = opts.maxQueue ?? 1 << 20;
    this.autoGrant = opts.autoGrant ?? true;
    if (this.window < 2) throw new RangeError('window must be at least 2');
    this.io.onUnits((b, start, end) => this.onUnits(b, start, end));
    this.socket.on('close', () => this.emit('close'));
    this.socket.on('error', (e) => this.emit('error', e));
  }

  /** Opens the transport on an inherited or passed fd (the manager's hand-off). */
  static fromFd(fd: number, opts: TransportOptions): CreditTransport {
    return new CreditTransport(DescriptorIo.fromFd(fd), opts);
  }

  /** Sends one descriptor to `target`; false when it had to queue for credits. */
  send(target: number, object: bigint, flags = 0): boolean {
    return this.enqueue(`i:${target}`, { instance: target, chain: this.identity.chain, flags: flags & ~DescFlag.ROUTE, object });
  }

  /** Sends one descriptor routed by SPROXY (DFR) on `topic` to the next function of the chain. */
  route(topic: number, object: bigint, flags = 0): boolean {
    return this.enqueue(`r:${topic}`, { instance: 0, chain: this.identity.chain, flags: makeFlags((flags | DescFlag.ROUTE) & 0xf, topic), object });
  }

  /** Sends many routed descriptors on `topic` in as few writes as the credits allow (SPROXY
   *  still picks the round-robin instance descriptor by descriptor). */
  routeBatch(topic: number, objects: bigint[], flags = 0): boolean {
    const f = makeFlags((flags | DescFlag.ROUTE) & 0xf, topic);
    const buf = Buffer.alloc(objects.length * DESCRIPTOR_SIZE);
    objects.forEach((object, i) => encodeDescriptor({ instance: 0, chain: this.identity.chain, flags: f, object }, buf, i * DESCRIPTOR_SIZE));
    return this.enqueueBuffer(`r:${topic}`, buf);
  }

  /** Sends many descriptors to one target in as few writes as the credits allow. */
  sendBatch(target: number, objects: bigint[], flags = 0): boolean {
    const key = `i:${target}`;
    const buf = Buffer.alloc(objects.length * DESCRIPTOR_SIZE);
    objects.forEach((object, i) => encodeDescriptor({ instance: target, chain: this.identity.chain, flags: flags & ~DescFlag.ROUTE, object }, buf, i * DESCRIPTOR_SIZE));
    return this.enqueueBuffer(key, buf);
  }

  /** Credits left toward a destination key (`i:<instance>` or `r:<topic>`). */
  credits(key: Key): number {
    return this.credit.get(key) ?? this.window;
  }

  /** Descriptors waiting for credits in user space. */
  get queued(): number {
    return this.queuedCount;
  }

  /** Returns n credits to the sender `from` (manual mode, or to top up). */
  grant(from: number, n: number, routedTopic?: number): void {
    if (n <= 0) return;
    // Route credits are marked with RESPONSE, not ROUTE: SPROXY would route a ROUTE descriptor.
    const flags = routedTopic === undefined ? DescFlag.CONTROL : makeFlags(DescFlag.CONTROL | DescFlag.RESPONSE, routedTopic);
    this.io.write(encodeDescriptor({ instance: from, chain: this.identity.chain, flags, object: BigInt(n) }));
    this.stats.creditsGranted += n;
  }

  /** Forgets credit state toward a destination (e.g. after it restarted). */
  resetCredits(key: Key): void {
    this.credit.delete(key);
    this.flush(key);
  }

  close(): void {
    this.socket.destroy();
  }

  private enqueue(key: Key, d: Descriptor): boolean {
    return this.enqueueBuffer(key, encodeDescriptor(d));
  }

  private enqueueBuffer(key: Key, buf: Buffer): boolean {
    const n = buf.length / DESCRIPTOR_SIZE;
    const q = this.pending.get(key);
    let c = this.credit.get(key) ?? this.window;
    let sendable = q && q.length ? 0 : Math.min(c, n); // keep order: nothing overtakes the queue
    if (sendable > 0) {
      this.io.write(sendable === n ? buf : buf.subarray(0, sendable * DESCRIPTOR_SIZE));
      c -= sendable;
      this.credit.set(key, c);
      this.stats.sent += sendable;
    } else sendable = 0;
    if (sendable === n) return true;
    const rest = n - sendable;
    if (this.queuedCount + rest > this.maxQueue) throw new BackpressureError(this.queuedCount);
    const list = q ?? [];
    for (let i = sendable; i < n; i++) list.push(buf.subarray(i * DESCRIPTOR_SIZE, (i + 1) * DESCRIPTOR_SIZE));
    this.pending.set(key, list);
    this.queuedCount += rest;
    this.stats.queuedPeak = Math.max(this.stats.queuedPeak, this.queuedCount);
    this.emit('backpressure', key);
    return false;
  }

  private flush(key: Key): void {
    const q = this.pending.get(key);
    if (!q || q.length === 0) return;
    let c = this.credit.get(key) ?? this.window;
    const k = Math.min(c, q.length);
    if (k === 0) return;
    this.io.write(Buffer.concat(q.splice(0, k)));
    c -= k;
    this.credit.set(key, c);
    this.queuedCount -= k;
    this.stats.sent += k;
    if (q.length === 0) this.emit('drain', key);
  }

  private onUnits(b: Buffer, start: number, whole: number): void {
    // Grants owed per sender in this read: direct ones keyed by instance, routed ones by
    // instance * 4096 + topic (numbers, not strings: this loop runs per descriptor).
    let direct: Map<number, number> | undefined;
    let routed: Map<number, number> | undefined;
    for (let off = start; off < whole; off += DESCRIPTOR_SIZE) {
      const instance = b.readUInt32LE(off);
      const flags = b.readUInt16LE(off + 6);
      const topic = flags >>> TOPIC_SHIFT;
      if (flags & DescFlag.CONTROL) {
        const key = flags & DescFlag.RESPONSE ? `r:${topic}` : `i:${instance}`;
        const n = Number(b.readBigUInt64LE(off + 8));
        this.credit.set(key, (this.credit.get(key) ?? this.window) + n);
        this.stats.creditsReceived += n;
        this.flush(key);
        continue;
      }
      this.stats.received++;
      const d: Received = { instance, chain: b.readUInt16LE(off + 4), flags, object: b.readBigUInt64LE(off + 8), from: instance, topic };
      this.emit('descriptor', d);
      if (!this.autoGrant) continue;
      if (flags & DescFlag.ROUTE) {
        routed ??= new Map();
        const k = instance * 4096 + topic;
        routed.set(k, (routed.get(k) ?? 0) + 1);
      } else {
        direct ??= new Map();
        direct.set(instance, (direct.get(instance) ?? 0) + 1);
      }
    }
    if (direct) for (const [from, n] of direct) this.consume(`i:${from}`, from, undefined, n);
    if (routed) for (const [k, n] of routed) this.consume(`r:${k}`, Math.floor(k / 4096), k % 4096, n);
  }

  /** Batches grants: one CONTROL descriptor per half window consumed from a sender. */
  private consume(key: string, from: number, topic: number | undefined, n: number): void {
    const total = (this.consumed.get(key) ?? 0) + n;
    if (total < this.window >> 1) {
      this.consumed.set(key, total);
      return;
    }
    this.consumed.set(key, 0);
    this.grant(from, total, topic);
  }
}
