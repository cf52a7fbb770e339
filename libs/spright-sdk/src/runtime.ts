// A function instance's data-plane loop: receives descriptors from its transport, runs up to
// `concurrency` handlers at once on the event loop (more wait in a local queue: each holds a pool
// object, so the pool bounds it), and sends descriptors on for next/respond/call.
import { DescriptorFlag, type Descriptor, type Mempool, type ObjectRef } from '@fastpath/shm';
import { Context, type CallOptions, type CallResult, type ContextHost } from './context.ts';
import type { SprightFunction } from './define.ts';
import { CallFailedError } from './errors.ts';
import { InFlightTable } from './inflight.ts';
import { bodyView, ObjectKind, patchHeader, readHeader, readMeta, writeObject, type ObjectHeader } from './object-layout.ts';
import { Router } from './routing.ts';
import type { ChainTopology, InstanceInfo } from './topology.ts';
import { OwnershipGate } from './transport/owners.ts';
import type { DescriptorTransport } from './transport/types.ts';

const dec = new TextDecoder();

export interface RuntimeOptions {
  topology: ChainTopology;
  self: InstanceInfo;
  def: SprightFunction;
  pool: Mempool;
  transport: DescriptorTransport;
  concurrency: number;
  callTimeoutMs?: number;
  log?: (msg: string) => void;
}

interface PendingCall {
  fn: string;
  target: number;
  ref: ObjectRef;
  timeoutMs: number;
  resolve(r: CallResult): void;
  reject(e: Error): void;
}

/** A handler whose synchronous part ran this long sends what it sent at once (see #run). */
const SLOW_HANDLER_MS = 1;
/** Calls in flight per function instance at most. */
const MAX_CALLS = 1 << 16;
/** A PendingCall's resolve/reject until its Promise exists (a moment later, in the same call). */
const unsettled = (): void => {};

export interface RuntimeStats {
  received: number;
  handled: number;
  failed: number;
  active: number;
  queued: number;
  dropped_foreign: number;
  dropped_stale: number;
  calls_pending: number;
}

export class FunctionRuntime implements ContextHost {
  readonly fn: string;
  readonly instance: number;
  readonly router: Router;
  readonly #o: RuntimeOptions;
  readonly #queue: Descriptor[] = [];
  /** Calls waiting for their answer, by correlation id (see inflight.ts for why not a Map). */
  readonly #calls = new InFlightTable<PendingCall>({
    capacity: MAX_CALLS,
    // The callee still holds the object; when (if) it answers, #onCallResponse frees it.
    expired: (_corr, c) => c.reject(new CallFailedError(c.fn, 'timeout', `no answer in ${c.timeoutMs} ms`)),
  });
  readonly #gate: OwnershipGate;
  #active = 0;
  #stopped = false;
  readonly #stats: RuntimeStats = { received: 0, handled: 0, failed: 0, active: 0, queued: 0, dropped_foreign: 0, dropped_stale: 0, calls_pending: 0 };

  constructor(opts: RuntimeOptions) {
    this.#o = opts;
    this.fn = opts.self.fn;
    this.instance = opts.self.id;
    this.router = new Router(opts.topology);
    opts.pool.owner = opts.self.id;
    this.#gate = new OwnershipGate(
      opts.pool,
      opts.self.id,
      (d) => this.#onOwned(d),
      () => this.#stats.dropped_stale++,
    );
  }

  start(): void {
    this.#o.transport.start((d) => this.#onDescriptor(d));
  }

  stats(): RuntimeStats {
    return { ...this.#stats, active: this.#active, queued: this.#queue.length, calls_pending: this.#calls.size };
  }

  /** The agent reclaimed a dead instance's objects: stop routing to it and fail calls it held. */
  instanceDown(id: number): void {
    this.router.markDown(id);
    this.recheck(id);
  }

  /** Fails calls whose object was reclaimed (by `instance` only, when given). */
  recheck(instance?: number): void {
    for (const [corr, c] of this.#calls.entries()) {
      if ((instance === undefined || c.target === instance) && !this.#o.pool.isValid(c.ref)) {
        const id = c.target;
        this.#calls.take(corr);
        c.reject(new CallFailedError(c.fn, 'dead', `instance ${id} died; its objects were reclaimed`));
      }
    }
  }
  instanceUp(id: number): void {
    this.router.markUp(id);
  }

  /** Stops taking work; waits for running handlers (bounded by `ms`). */
  async stop(ms = 2000): Promise<void> {
    this.#stopped = true;
    const until = Date.now() + ms;
    while (this.#active > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    this.#o.transport.close();
  }

  #log(msg: string): void {
    (this.#o.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(`[${this.fn}#${this.instance & 0xffff}] ${msg}`);
  }

  #onDescriptor(d: Descriptor): void {
    this.#stats.received++;
    // Security domain check: a descriptor of another chain is never dereferenced.
    if (d.chain !== this.#o.topology.chainId) {
      this.#stats.dropped_foreign++;
      return;
    }
    // A stale reference (object reclaimed after its holder died) is dropped, never read; an
    // object is read only once it is ours.
    this.#gate.offer(d);
  }

  #onOwned(d: Descriptor): void {
    const ref = { offset: d.offset, generation: d.generation };
    if (d.flags & DescriptorFlag.RESPONSE) {
      this.#onCallResponse(ref);
      return;
    }
    if (this.#stopped) {
      this.#o.pool.free(ref);
      return;
    }
    this.#queue.push(d);
    this.#pump();
  }

  #pump(): void {
    while (this.#active < this.#o.concurrency && this.#queue.length > 0) {
      const d = this.#queue.shift()!;
      this.#active++;
      void this.#run({ offset: d.offset, generation: d.generation }).finally(() => {
        this.#active--;
        this.#pump();
      });
    }
  }

  async #run(ref: ObjectRef): Promise<void> {
    const pool = this.#o.pool;
    let ctx: Context;
    try {
      ctx = new Context(this, ref, pool.view(ref));
    } catch (err) {
      this.#log(`dropping unreadable object ${ref.offset}@${ref.generation}: ${(err as Error).message}`);
      this.#safeFree(ref);
      return;
    }
    // Handlers of descriptors read together run back to back in one turn, and S batches sends
    // until the end of the turn: what a handler sent must not wait for the ones after it when
    // they take CPU time (parking's detection: 435 ms each). Fast handlers keep one write per turn.
    this.#o.transport.flushHeld?.();
    try {
      const t0 = performance.now();
      const handled = this.#o.def.handle(ctx);
      if (performance.now() - t0 >= SLOW_HANDLER_MS) this.#o.transport.flushHeld?.(true);
      await handled;
      if (!ctx.done) ctx.next();
      this.#stats.handled++;
    } catch (err) {
      this.#stats.failed++;
      const e = err as Error;
      this.#log(`handler failed: ${e?.stack ?? e}`);
      if (!ctx.done) {
        const status = e instanceof CallFailedError ? 502 : 500;
        try {
          ctx.respond(status, { 'content-type': 'application/json' }, { error: e?.message ?? String(e), function: this.fn });
        } catch (e2) {
          this.#log(`cannot answer failed request: ${(e2 as Error).message}`);
          ctx.finish();
          this.#safeFree(ref);
        }
      }
    } finally {
      ctx.releaseHeld();
    }
  }

  #safeFree(ref: ObjectRef): void {
    try {
      this.#o.pool.free(ref);
    } catch {
      // Already reclaimed (stale): nothing to give back.
    }
  }

  /** Sends the object to `target`; the transport moves its ownership as the descriptor leaves. */
  #handOff(ref: ObjectRef, target: number, flags: number, topic: number): boolean {
    return this.#o.transport.send({ instance: target, chain: this.#o.topology.chainId, flags, topic, offset: ref.offset, generation: ref.generation }) === 'sent';
  }

  respond(ref: ObjectRef, obj: Uint8Array, status: number, headers: Record<string, string>, body: Uint8Array, written?: () => void): void {
    const h = readHeader(obj);
    try {
      writeObject(obj, { kind: ObjectKind.RESPONSE, status, replyTo: h.replyTo, corr: h.corr, sequence: h.sequence, hop: h.hop }, headers, body);
    } catch (err) {
      // Response larger than the object: answer 500 with a short message instead.
      writeObject(obj, { kind: ObjectKind.RESPONSE, status: 500, replyTo: h.replyTo, corr: h.corr, sequence: h.sequence, hop: h.hop }, { 'content-type': 'text/plain' }, new TextEncoder().encode(`${(err as Error).message}\n`));
    }
    written?.();
    if (!this.#handOff(ref, h.replyTo, DescriptorFlag.RESPONSE, 0)) {
      this.#log(`cannot deliver response to instance ${h.replyTo}; freeing object`);
      this.#safeFree(ref);
    }
  }

  next(ref: ObjectRef, obj: Uint8Array, topic: string | undefined, written?: () => void): void {
    written?.();
    const h = readHeader(obj);
    let to: string | undefined;
    let topicId = 0;
    try {
      if (topic !== undefined) {
        topicId = this.router.topicId(topic);
        to = this.router.byTopic(this.fn, topic);
      } else {
        to = h.kind === ObjectKind.CALL ? undefined : this.router.bySequence(h.sequence, this.fn);
      }
    } catch (err) {
      this.#respondError(ref, obj, h, 500, (err as Error).message);
      return;
    }
    if (to === undefined) {
      // End of the sequence: the object's current body is the answer.
      const status = h.status || 200;
      this.respond(ref, obj, status, {}, bodyView(obj, h));
      return;
    }
    const targets = this.router.candidates(to);
    if (targets.length === 0) {
      this.#respondError(ref, obj, h, 502, `no live instance of "${to}"`);
      return;
    }
    patchHeader(obj, { hop: h.hop + 1 });
    for (const t of targets) {
      if (this.#handOff(ref, t.id, topicId ? DescriptorFlag.ROUTE : 0, topicId)) return;
    }
    patchHeader(obj, { hop: h.hop });
    this.#respondError(ref, obj, h, 503, `"${to}" is saturated (backpressure)`);
  }

  #respondError(ref: ObjectRef, obj: Uint8Array, _h: ObjectHeader, status: number, message: string): void {
    this.respond(ref, obj, status, { 'content-type': 'application/json' }, new TextEncoder().encode(JSON.stringify({ error: message, function: this.fn })));
  }

  call(fn: string, payload: Uint8Array, opts: CallOptions): Promise<CallResult> {
    const pool = this.#o.pool;
    const targets = this.router.candidates(fn);
    if (targets.length === 0) return Promise.reject(new CallFailedError(fn, 'unavailable', 'no live instance'));
    const a = pool.alloc();
    if (!a.ok) return Promise.reject(new CallFailedError(fn, 'backpressure', 'pool exhausted'));
    const ref = { offset: a.offset, generation: a.generation };
    const timeoutMs = opts.timeoutMs ?? this.#o.callTimeoutMs ?? 10_000;
    const c: PendingCall = { fn, target: 0, ref, timeoutMs, resolve: unsettled, reject: unsettled };
    const corr = this.#calls.add(c, timeoutMs);
    if (corr === undefined) {
      pool.free(ref);
      return Promise.reject(new CallFailedError(fn, 'backpressure', `${MAX_CALLS} calls already in flight`));
    }
    try {
      writeObject(pool.viewUnchecked(ref.offset), { kind: ObjectKind.CALL, status: 0, replyTo: this.instance, corr, sequence: 0, hop: 0 }, { method: 'CALL', url: `/${fn}`, headers: { 'x-spright-caller': this.fn } }, payload);
    } catch (err) {
      this.#calls.take(corr);
      pool.free(ref);
      return Promise.reject(err);
    }
    return new Promise<CallResult>((resolve, reject) => {
      c.resolve = resolve;
      c.reject = reject;
      for (const t of targets) {
        c.target = t.id;
        if (this.#handOff(ref, t.id, 0, 0)) return;
      }
      this.#calls.take(corr);
      pool.free(ref);
      reject(new CallFailedError(fn, 'backpressure', 'every instance is saturated'));
    });
  }

  #onCallResponse(ref: ObjectRef): void {
    const pool = this.#o.pool;
    const obj = pool.viewUnchecked(ref.offset);
    let h: ObjectHeader;
    try {
      h = readHeader(obj);
    } catch {
      this.#safeFree(ref);
      return;
    }
    const c = this.#calls.get(h.corr);
    if (!c || c.ref.offset !== ref.offset) {
      this.#safeFree(ref); // answer to a call that timed out
      return;
    }
    this.#calls.take(h.corr);
    let released = false;
    const body = bodyView(obj, h);
    c.resolve({
      status: h.status,
      headers: readMeta(obj, h),
      body,
      text: () => dec.decode(body),
      json: <T>() => JSON.parse(dec.decode(body)) as T,
      release: () => {
        if (released) return;
        released = true;
        this.#safeFree(ref);
      },
    });
  }
}
