// The gateway's side of the data plane: writes a request into one pool object (the only copy of
// the body inside the chain), hands its descriptor to a head-function instance that has credit,
// and resolves when the response descriptor comes back. Every refusal is a value with an HTTP
// status (503 exhausted/limit, 413 too large, 502 function died, 504 timeout), never a throw.
import { DescriptorFlag, type Descriptor, type Mempool, type ObjectRef } from '@fastpath/shm';
import { bodyView, HEADER_SIZE, ObjectKind, readHeader, readMeta, writeObject, type RequestMeta } from './object-layout.ts';
import { Router } from './routing.ts';
import { matchSequence, type ChainTopology, type InstanceInfo } from './topology.ts';
import { InFlightTable } from './inflight.ts';
import { OwnershipGate } from './transport/owners.ts';
import type { DescriptorTransport } from './transport/types.ts';

export interface IngressOptions {
  topology: ChainTopology;
  pool: Mempool;
  transport: DescriptorTransport;
  /** Requests in flight at once (spec gateway.concurrency). */
  concurrency: number;
  timeoutMs: number;
}

export type IngressResult =
  | { ok: true; status: number; headers: Record<string, string | string[]>; body: Buffer }
  | { ok: false; status: 400 | 413 | 502 | 503 | 504; reason: string; retryAfter?: number };

interface Pending {
  ref: ObjectRef;
  instance: number;
  resolve(r: IngressResult): void;
}

/** A Pending's resolve until its Promise exists (a moment later, in the same call). */
const unresolved = (): void => {};

export interface IngressStats {
  inflight: number;
  /** Requests whose answer never came back (timed out) but whose object a function still holds. */
  abandoned: number;
  poolFree: number;
  poolSize: number;
  submitted: number;
  completed: number;
  rejected_exhausted: number;
  rejected_limit: number;
  rejected_too_large: number;
  failed_dead: number;
  timed_out: number;
}

export class ChainIngress {
  readonly router: Router;
  readonly self: InstanceInfo;
  readonly #o: IngressOptions;
  /** Requests in flight by correlation id; a 504 once their deadline passes (see inflight.ts). */
  readonly #pending: InFlightTable<Pending>;
  /** corr -> instance of requests that timed out; their object comes back (or is reclaimed) later. */
  readonly #abandoned = new Map<number, { ref: ObjectRef; instance: number }>();
  /** Credits in use per head instance (≤ its concurrency): the backpressure towards a stalled function. */
  readonly #used = new Map<number, number>();
  readonly #credit = new Map<number, number>();
  readonly #gate: OwnershipGate;
  readonly #s = { submitted: 0, completed: 0, rejected_exhausted: 0, rejected_limit: 0, rejected_too_large: 0, failed_dead: 0, timed_out: 0 };

  constructor(opts: IngressOptions) {
    this.#o = opts;
    this.self = opts.topology.gateway;
    this.router = new Router(opts.topology);
    opts.pool.owner = this.self.id;
    // Responses are read only once they are the gateway's (the sender hands them over after
    // the send); a stale one was reclaimed with its dead sender and recheck answered it.
    this.#gate = new OwnershipGate(opts.pool, this.self.id, (d) => this.#onResponse(d), () => {});
    for (const f of opts.topology.functions) for (const i of f.instances) this.#credit.set(i.id, f.concurrency);
    this.#pending = new InFlightTable<Pending>({ capacity: Math.max(1, opts.concurrency), expired: (corr, p) => this.#timeout(corr, p) });
  }

  start(): void {
    this.#o.transport.start((d) => this.#onDescriptor(d));
  }

  /** Largest body a request with these metadata bytes can carry. */
  get maxObjectBytes(): number {
    return this.#o.pool.objectSize - HEADER_SIZE;
  }

  stats(): IngressStats {
    return { ...this.#s, inflight: this.#pending.size, abandoned: this.#abandoned.size, poolFree: this.#o.pool.freeCount, poolSize: this.#o.pool.count };
  }

  submit(meta: RequestMeta, body: Uint8Array): Promise<IngressResult> {
    const { pool, topology } = this.#o;
    if (this.#pending.size + this.#abandoned.size >= this.#o.concurrency || this.#pending.full) {
      this.#s.rejected_limit++;
      return Promise.resolve({ ok: false, status: 503, reason: 'gateway concurrency limit reached', retryAfter: 1 });
    }
    const seq = matchSequence(topology, meta.method, meta.url.split('?')[0]);
    const head = this.router.head(seq);
    const target = this.router.candidates(head).find((i) => (this.#used.get(i.id) ?? 0) < (this.#credit.get(i.id) ?? 0));
    if (!target) {
      const anyUp = this.router.candidates(head).length > 0;
      this.#s.rejected_limit++;
      return Promise.resolve({ ok: false, status: 503, reason: anyUp ? `"${head}" has no credit left (backpressure)` : `no live instance of "${head}"`, retryAfter: 1 });
    }
    const a = pool.alloc();
    if (!a.ok) {
      this.#s.rejected_exhausted++;
      return Promise.resolve({ ok: false, status: 503, reason: 'shared-memory pool exhausted', retryAfter: 1 });
    }
    const ref = { offset: a.offset, generation: a.generation };
    const p: Pending = { ref, instance: target.id, resolve: unresolved };
    const corr = this.#pending.add(p, this.#o.timeoutMs)!;
    try {
      writeObject(pool.viewUnchecked(ref.offset), { kind: ObjectKind.REQUEST, status: 0, replyTo: this.self.id, corr, sequence: seq, hop: 0 }, meta, body);
    } catch (err) {
      this.#pending.take(corr);
      pool.free(ref);
      this.#s.rejected_too_large++;
      return Promise.resolve({ ok: false, status: 413, reason: (err as Error).message });
    }
    this.#s.submitted++;
    return new Promise<IngressResult>((resolve) => {
      p.resolve = resolve;
      this.#used.set(target.id, (this.#used.get(target.id) ?? 0) + 1);
      // The transport hands the object to the target as the descriptor leaves.
      const r = this.#o.transport.send({ instance: target.id, chain: topology.chainId, flags: 0, topic: 0, offset: ref.offset, generation: ref.generation });
      if (r !== 'sent') {
        this.#finish(corr);
        pool.free(ref);
        this.#s.rejected_limit++;
        resolve({ ok: false, status: 503, reason: `"${head}" queue is full`, retryAfter: 1 });
      }
    });
  }

  /** Ends the request: its slot and its credit. */
  #finish(corr: number): Pending | undefined {
    const p = this.#pending.take(corr);
    if (p) this.#release(p.instance);
    return p;
  }

  #release(instance: number): void {
    this.#used.set(instance, Math.max(0, (this.#used.get(instance) ?? 0) - 1));
  }

  /** The deadline passed (the table already dropped the request). */
  #timeout(corr: number, p: Pending): void {
    // The object is still with a function: keep its credit until it returns or is reclaimed.
    this.#abandoned.set(corr, { ref: p.ref, instance: p.instance });
    this.#s.timed_out++;
    p.resolve({ ok: false, status: 504, reason: `no answer from the chain within ${this.#o.timeoutMs} ms` });
  }

  #onDescriptor(d: Descriptor): void {
    if (d.chain !== this.#o.topology.chainId || !(d.flags & DescriptorFlag.RESPONSE)) return;
    this.#gate.offer(d);
  }

  #onResponse(d: Descriptor): void {
    const pool = this.#o.pool;
    const ref = { offset: d.offset, generation: d.generation };
    const obj = pool.viewUnchecked(ref.offset);
    let corr: number;
    try {
      corr = readHeader(obj).corr;
    } catch {
      pool.free(ref);
      return;
    }
    const late = this.#abandoned.get(corr);
    if (late && late.ref.offset === ref.offset) {
      this.#abandoned.delete(corr);
      this.#release(late.instance);
      pool.free(ref);
      return;
    }
    const p = this.#pending.get(corr);
    if (!p || p.ref.offset !== ref.offset) {
      pool.free(ref);
      return;
    }
    this.#finish(corr);
    let result: IngressResult;
    try {
      const h = readHeader(obj);
      // The egress copy: the response leaves shared memory for the client's socket.
      result = { ok: true, status: h.status || 200, headers: readMeta(obj, h), body: Buffer.from(bodyView(obj, h)) };
    } catch (err) {
      result = { ok: false, status: 502, reason: `malformed response object: ${(err as Error).message}` };
    }
    pool.free(ref);
    this.#s.completed++;
    p.resolve(result);
  }

  /** After the agent reclaimed a dead instance's objects: 502 every request whose object is gone. */
  instanceDown(id: number): void {
    this.router.markDown(id);
    this.recheck(`a function of the chain died (instance ${id}); its objects were reclaimed`);
  }

  /** 502 for every request whose object was reclaimed (a dead holder, a dead-lettered descriptor). */
  recheck(reason = 'the request object was reclaimed'): void {
    const pool = this.#o.pool;
    for (const [corr, p] of this.#pending.entries()) {
      if (!pool.isValid(p.ref)) {
        this.#finish(corr);
        this.#s.failed_dead++;
        p.resolve({ ok: false, status: 502, reason });
      }
    }
    for (const [corr, a] of this.#abandoned) {
      if (!pool.isValid(a.ref)) {
        this.#abandoned.delete(corr);
        this.#release(a.instance);
      }
    }
  }

  instanceUp(id: number): void {
    this.router.markUp(id);
  }

  /** Fails everything in flight (shutdown). */
  close(): void {
    for (const [corr, p] of this.#pending.entries()) {
      this.#finish(corr);
      p.resolve({ ok: false, status: 503, reason: 'gateway shutting down', retryAfter: 1 });
    }
    this.#pending.close();
    this.#o.transport.close();
  }
}
