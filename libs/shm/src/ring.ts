// Ring: a bounded descriptor ring in a region, with poll/sleep/hybrid consumers integrated
// into the Node event loop (see README "Event-loop integration" for the measured choice).
import { EventEmitter } from 'node:events';
import { Socket, type SocketConstructorOpts } from 'node:net';
import { shmBinding, type Ptr } from './binding.ts';
import { DESCRIPTOR_SIZE, decodeDescriptor, encodeDescriptor, type Descriptor } from './descriptor.ts';
import { ShmCode } from './errors.ts';
import { check, errorFor, type Region } from './region.ts';

export type RingType = 'spsc' | 'mpsc' | 'mpmc';
export type WaitStrategy = 'poll' | 'sleep' | 'hybrid';
/** How a sleeping consumer's wake-up reaches the event loop: 'fifo' (default) = the producer
 * writes the ring's wake FIFO, which a net.Socket watches (one wake-up per message); 'pipe' =
 * a native waiter thread sleeps on the doorbell futex and writes a pipe (two wake-ups); 'async' =
 * koffi async call of fp_ring_wait on the libuv threadpool. (A waiter thread calling a
 * koffi-registered callback is measured by the bench but not offered here: stopping it can
 * deadlock when the thread is blocked handing a callback to the main thread while the main
 * thread joins it.) See the README for the measurements behind the default. */
export type WakeIntegration = 'fifo' | 'pipe' | 'async';

export interface RingOptions {
  /** spsc (default): one producer, one consumer; mpsc: many producers; mpmc: many of both. */
  type?: RingType;
  /** Power of two, 2..2^24. */
  slots: number;
}

export interface ListenOptions {
  strategy: WaitStrategy;
  /** Descriptors moved per native call while draining (default 256). */
  burst?: number;
  /** Default 'fifo': producer -> ring's wake FIFO -> net.Socket. */
  integration?: WakeIntegration;
  /** hybrid: upper bound of the main-thread spin, ns (default 50 µs). The event loop is never
   * blocked by spinning for longer than this per turn. */
  maxSpinNs?: number;
}

export interface RingStats {
  enqueued: number;
  dequeued: number;
  full: number;
  wakes: number;
  sleeps: number;
  spinBudget: number;
  /** Reservation records held by producer threads (MPSC/MPMC crash recovery). */
  records: number;
  /** Slots filled with tombstones by recovery: recover(), or a producer waiting behind a dead reservation. */
  tombstones: number;
}

export interface RecoverResult {
  /** Slots of the dead process filled with tombstones (consumers skip them). */
  tombstoned: number;
  /** A dead reservation still waits behind a live one; call recover(0) again later. */
  pending: boolean;
}

const ASYNC_SLICE_NS = 250_000_000;
/** hybrid: the main-thread spin never shrinks below this, so it can grow again. */
const MIN_SPIN_NS = 1000;
const TYPES: Record<RingType, number> = { spsc: 0, mpsc: 1, mpmc: 2 };
const STRATEGIES: Record<WaitStrategy, number> = { poll: 0, sleep: 1, hybrid: 2 };

export interface RingEvents {
  descriptor: [Descriptor];
  burst: [Buffer, number];
  error: [Error];
}

export class Ring extends EventEmitter<RingEvents> implements Disposable {
  readonly name: string;
  readonly region: Region;
  readonly type: RingType;
  readonly capacity: number;
  #h: Ptr | null;
  readonly #one = Buffer.alloc(DESCRIPTOR_SIZE);
  #stopListen: (() => void) | undefined;

  private constructor(region: Region, name: string, h: Ptr) {
    super();
    const b = shmBinding();
    this.region = region;
    this.name = name;
    this.#h = h;
    this.type = (['spsc', 'mpsc', 'mpmc'] as const)[b.ringType(h)];
    this.capacity = b.ringCapacity(h);
  }
  static create(region: Region, name: string, opts: RingOptions): Ring {
    const type = opts.type ?? 'spsc';
    if (!(type in TYPES)) throw errorFor(ShmCode.INVAL, region.name, `ring "${name}" type must be spsc|mpsc|mpmc, got ${String(type)}`);
    const out: Ptr[] = [null];
    check(shmBinding().ringCreate(region.handle, name, TYPES[type], opts.slots, out), region.name, `create ring "${name}" (${opts.slots} slots)`);
    return new Ring(region, name, out[0]);
  }
  static attach(region: Region, name: string): Ring {
    const out: Ptr[] = [null];
    check(shmBinding().ringAttach(region.handle, name, out), region.name, `attach ring "${name}"`);
    return new Ring(region, name, out[0]);
  }
  get closed(): boolean {
    return this.#h === null;
  }
  get handle(): Ptr {
    if (this.#h === null) throw errorFor(ShmCode.INVAL, this.region.name, `ring "${this.name}" is closed`);
    return this.#h;
  }

  /** Enqueues one descriptor; false when the ring is full (backpressure). */
  send(d: Descriptor): boolean {
    encodeDescriptor(d, this.#one);
    return shmBinding().ringEnqueue(this.handle, this.#one) === 0;
  }
  /** Enqueues up to n descriptors from buf (16 bytes each); returns how many went in. */
  sendBurst(buf: Buffer, n: number = buf.length / DESCRIPTOR_SIZE): number {
    if (n * DESCRIPTOR_SIZE > buf.length) throw errorFor(ShmCode.INVAL, this.region.name, `sendBurst n=${n} exceeds a ${buf.length}-byte buffer`);
    return shmBinding().ringEnqueueBurst(this.handle, buf, n);
  }
  /** Dequeues one descriptor or null when empty. */
  receive(): Descriptor | null {
    return shmBinding().ringDequeue(this.handle, this.#one) === 1 ? decodeDescriptor(this.#one) : null;
  }
  /** Dequeues up to max descriptors into buf; returns how many. */
  receiveBurst(buf: Buffer, max: number = buf.length / DESCRIPTOR_SIZE): number {
    if (max * DESCRIPTOR_SIZE > buf.length) throw errorFor(ShmCode.INVAL, this.region.name, `receiveBurst max=${max} exceeds a ${buf.length}-byte buffer`);
    return shmBinding().ringDequeueBurst(this.handle, buf, max);
  }
  /** Descriptors waiting now. */
  get count(): number {
    return shmBinding().ringCount(this.handle);
  }
  #pending = 0;
  #closingHandle: Ptr | null = null;
  #renotify: NodeJS.Timeout | undefined;
  /** fp_ring_wait as a koffi async call (libuv threadpool). Keeps the handle and the mapping
   * alive until the call returns, even if the ring is closed meanwhile. Waits in slices of at
   * most ASYNC_SLICE_NS: a threadpool thread blocked for ever would hang process exit (libuv
   * joins its threads) — the cost is a few wake-ups per second while idle. */
  #waitAsync(strategy: number, timeoutNs: number, cb: (err: unknown, rc: number) => void): void {
    const h = this.handle;
    const deadline = timeoutNs < 0 ? Infinity : Number(process.hrtime.bigint()) + timeoutNs;
    const issue = () => {
      const left = deadline - Number(process.hrtime.bigint());
      const slice = Math.max(0, Math.min(ASYNC_SLICE_NS, left));
      this.#pending++;
      this.region.pin();
      shmBinding().ringWaitAsync(h, strategy, slice, (err, rc) => {
        this.#pending--;
        if (this.#closingHandle !== null) {
          if (this.#pending === 0) this.#finalize();
          this.region.unpin();
          return;
        }
        this.region.unpin();
        if (!err && rc === ShmCode.TIMEOUT && deadline - Number(process.hrtime.bigint()) > 0) {
          if (this.#h !== null) issue();
          return;
        }
        cb(err, rc);
      });
    };
    issue();
  }
  /** Notifies until every async wait has returned (one may read the doorbell just after a
   * notify and go back to sleep). */
  #wakePending(h: Ptr): void {
    shmBinding().ringNotify(h);
    if (this.#pending === 0 || this.#renotify) return;
    this.#renotify = setInterval(() => {
      if (this.#pending === 0) {
        clearInterval(this.#renotify);
        this.#renotify = undefined;
      } else shmBinding().ringNotify(h);
    }, 10);
  }
  #finalize(): void {
    clearInterval(this.#renotify);
    this.#renotify = undefined;
    shmBinding().ringClose(this.#closingHandle);
    this.#closingHandle = null;
  }

  /** Resolves with the count once the ring is non-empty (the wait runs on the libuv threadpool);
   * 0 when woken by notify() or close() with the ring still empty; rejects on timeout. */
  wait(strategy: WaitStrategy, timeoutMs = -1): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#waitAsync(STRATEGIES[strategy], timeoutMs < 0 ? -1 : Math.round(timeoutMs * 1e6), (err, rc) => {
        if (err) reject(err as Error);
        else if (rc < 0) reject(errorFor(rc, this.region.name, `wait on ring "${this.name}"`));
        else resolve(rc);
      });
    });
  }
  /** Blocks the calling thread until non-empty or timeout (tests, benchmarks, C-like loops). */
  waitSync(strategy: WaitStrategy, timeoutNs: number): number {
    const rc = shmBinding().ringWait(this.handle, STRATEGIES[strategy], timeoutNs);
    if (rc === ShmCode.TIMEOUT) return 0;
    return check(rc, this.region.name, `wait on ring "${this.name}"`);
  }
  notify(): void {
    shmBinding().ringNotify(this.handle);
  }
  stats(): RingStats {
    const buf = Buffer.alloc(56);
    shmBinding().ringStats(this.handle, buf);
    const u = (o: number) => Number(buf.readBigUInt64LE(o));
    return { enqueued: u(0), dequeued: u(8), full: u(16), wakes: u(24), sleeps: u(32), spinBudget: buf.readUInt32LE(40), records: buf.readUInt32LE(44), tombstones: u(48) };
  }
  /**
   * Manager side, after process `pid` died: fills the slots it reserved on this MPSC/MPMC ring
   * but never published with tombstones, so later producers and the consumer do not stall
   * (0 for SPSC). Also frees its reservation records, so call it for every producer that exits.
   * Waits up to timeoutMs for a dead reservation that sits behind a live one.
   */
  recover(pid: number, timeoutMs = 1000): RecoverResult {
    if (!Number.isInteger(pid) || pid < 0) throw errorFor(ShmCode.INVAL, this.region.name, `ring "${this.name}": recover needs a pid >= 0, got ${pid}`);
    const t = new Uint32Array(1);
    const rc = shmBinding().ringRecover(this.handle, pid, Math.round(timeoutMs * 1e6), t);
    if (rc === ShmCode.TIMEOUT) return { tombstoned: t[0], pending: true };
    check(rc, this.region.name, `recover ring "${this.name}" from pid ${pid}`);
    return { tombstoned: t[0], pending: false };
  }

  /**
   * Consumes the ring from the event loop: emits 'burst' (buffer, n) per native dequeue and,
   * when someone listens for it, 'descriptor' per entry. poll spins on the main thread in 1 ms
   * slices (100% CPU, lowest latency); sleep parks on the ring's wake FIFO (by default) as soon
   * as the ring is empty; hybrid first spins an adaptive budget (fp_spin_adapt, <= maxSpinNs
   * per event-loop turn), then parks. Returns a function that stops listening.
   */
  listen(opts: ListenOptions): () => void {
    if (this.#stopListen) throw errorFor(ShmCode.INVAL, this.region.name, `ring "${this.name}" already has a listener`);
    const b = shmBinding();
    const h = this.handle;
    const burst = opts.burst ?? 256;
    const buf = Buffer.alloc(burst * DESCRIPTOR_SIZE);
    const maxSpin = opts.maxSpinNs ?? 50_000;
    const hybrid = opts.strategy === 'hybrid';
    let spinBudget = Math.min(maxSpin, 10_000);
    const misses = new Uint32Array(1);
    let stopped = false;

    const drain = (): number => {
      let total = 0;
      for (;;) {
        const n = b.ringDequeueBurst(h, buf, burst);
        if (n === 0) return total;
        total += n;
        this.emit('burst', buf, n);
        if (this.listenerCount('descriptor') > 0) for (let i = 0; i < n; i++) this.emit('descriptor', decodeDescriptor(buf, i * DESCRIPTOR_SIZE));
        if (stopped) return total;
      }
    };
    const safe = (fn: () => void) => () => {
      try {
        fn();
      } catch (err) {
        this.emit('error', err as Error);
      }
    };

    let teardown: () => void = () => {};
    if (opts.strategy === 'poll') {
      const tick = safe(() => {
        if (stopped) return;
        drain();
        if (b.ringWait(h, 0, 1_000_000) > 0) drain();
        if (!stopped) setImmediate(tick);
      });
      setImmediate(tick);
    } else if ((opts.integration ?? 'fifo') === 'fifo') {
      // One hop: drain, (hybrid) spin, then park: flag "asleep on the FIFO", re-check, return to
      // the loop. The producer that next enqueues writes the FIFO; its byte wakes the socket.
      let idleSince = 0; // performance.now() when the last unsuccessful spin began (hybrid)
      const turn = safe(() => {
        if (stopped) return;
        if (hybrid && idleSince > 0) {
          spinBudget = b.spinAdapt(spinBudget, maxSpin, 0, Math.round((performance.now() - idleSince) * 1e6), misses);
          idleSince = 0;
        }
        let spun = 0;
        for (;;) {
          drain();
          if (stopped) return;
          if (hybrid && spinBudget > 0) {
            const s0 = performance.now();
            const rc = b.ringWait(h, 0, Math.max(1, Math.min(spinBudget, maxSpin - spun)));
            spun += (performance.now() - s0) * 1e6;
            if (rc > 0) {
              spinBudget = b.spinAdapt(spinBudget, maxSpin, 1, 0, misses);
              // a busy stream: keep going, but give the loop a turn once maxSpin is spent
              if (spun >= maxSpin) return void setImmediate(turn);
              continue;
            }
            idleSince = s0;
          } else if (hybrid) idleSince = performance.now();
          if (b.ringPark(h) > 0) continue;
          return;
        }
      });
      // onread: wake bytes land in one preallocated buffer and call `turn` directly (no
      // Buffer per read, no stream 'data' machinery on the wake path)
      const wakeBytes = Buffer.alloc(64);
      const sock = new Socket({
        fd: check(b.ringWakeFd(h), this.region.name, `open the wake FIFO of ring "${this.name}"`),
        readable: true,
        writable: false,
        onread: { buffer: wakeBytes, callback: () => void turn() },
      } as SocketConstructorOpts);
      sock.on('error', (e) => this.emit('error', e));
      setImmediate(turn);
      teardown = () => {
        b.ringUnpark(h);
        sock.destroy();
      };
    } else {
      const strategy = STRATEGIES[opts.strategy];
      const integration = opts.integration;
      // hybrid with a thread in between: spin on the main thread after each drain, halving
      // the budget on a miss (the waiter thread's own spin adapts with fp_spin_adapt)
      const spinThenDrain = (): void => {
        while (!stopped) {
          const rc = b.ringWait(h, 0, spinBudget);
          if (rc > 0) {
            drain();
            spinBudget = Math.min(maxSpin, spinBudget * 2);
          } else {
            spinBudget = Math.max(MIN_SPIN_NS, spinBudget >> 1);
            return;
          }
        }
      };
      let rearm: () => void = () => {};
      const onWake = safe(() => {
        if (stopped) return;
        drain();
        if (hybrid) spinThenDrain();
        rearm();
      });
      if (integration === 'async') {
        // koffi async call: fp_ring_wait runs on a libuv threadpool thread.
        rearm = () => {
          if (stopped) return;
          this.#waitAsync(strategy, -1, (err, rc) => {
            if (stopped) return;
            if (err) return void this.emit('error', err as Error);
            if (rc < 0) return void this.emit('error', errorFor(rc, this.region.name, `wait on ring "${this.name}"`));
            onWake();
          });
        };
        teardown = () => this.#wakePending(h);
        rearm();
      } else {
        if (integration !== 'pipe') throw errorFor(ShmCode.INVAL, this.region.name, `ring "${this.name}": integration must be fifo|pipe|async, got ${String(integration)}`);
        const out: Ptr[] = [null];
        check(b.waiterStart(h, strategy, out), this.region.name, `start waiter on ring "${this.name}"`);
        const w = out[0];
        const sock = new Socket({ fd: b.waiterFd(w), readable: true, writable: false });
        sock.on('data', onWake);
        sock.on('error', (e) => this.emit('error', e));
        rearm = () => {
          if (!stopped) b.waiterArm(w);
        };
        teardown = () => {
          sock.destroy();
          b.waiterStop(w);
        };
      }
    }
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.#stopListen = undefined;
      teardown();
    };
    this.#stopListen = stop;
    return stop;
  }

  /** Async iterator over descriptors (listens with the given strategy until the loop breaks). */
  async *descriptors(opts: ListenOptions = { strategy: 'sleep' }): AsyncGenerator<Descriptor> {
    const queue: Descriptor[] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    const onDesc = (d: Descriptor) => {
      queue.push(d);
      wake?.();
    };
    const onErr = (e: Error) => {
      failure = e;
      wake?.();
    };
    this.on('descriptor', onDesc);
    this.on('error', onErr);
    const stop = this.listen(opts);
    try {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      stop();
      this.off('descriptor', onDesc);
      this.off('error', onErr);
    }
  }
  [Symbol.asyncIterator](): AsyncGenerator<Descriptor> {
    return this.descriptors();
  }

  close(): void {
    if (this.#h === null) return;
    const s = this.#stopListen;
    this.#stopListen = undefined;
    s?.();
    if (this.#pending > 0) {
      // async waits still run: wake them (again until they have all returned: a wait may read
      // the doorbell just after one notify) and free the handle when the last one is back
      this.#closingHandle = this.#h;
      this.#wakePending(this.#h);
    } else {
      shmBinding().ringClose(this.#h);
    }
    this.#h = null;
    this.region.forget(this);
  }
  [Symbol.dispose](): void {
    this.close();
  }
}
