// Runs one SDK function (the same module SPRIGHT runs) outside SPRIGHT: each request becomes a
// private object buffer with the SDK's object layout, handed to the SDK's own Context. What
// differs per baseline is only `forward` — how an object reaches the next function (HTTP through
// the nginx broker for knative-like, a gRPC unary call for grpc). Hops are synchronous: the
// caller waits for the downstream answer and returns it upstream, as an HTTP/gRPC chain does.
import {
  bodyView,
  CallFailedError,
  Context,
  HEADER_SIZE,
  matchSequence,
  ObjectKind,
  patchHeader,
  readHeader,
  readMeta,
  Router,
  writeObject,
  type CallOptions,
  type CallResult,
  type ChainTopology,
  type SprightFunction,
} from '@fastpath/spright-sdk';
import type { ObjectRef } from '@fastpath/shm';

const dec = new TextDecoder();

/** What a Context needs from its runtime (the SDK's ContextHost; not re-exported by its index). */
type ContextHost = ConstructorParameters<typeof Context>[0];

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
}

/** Sends an encoded object (header + meta + body) to a function and resolves with the encoded
 * RESPONSE object it answered. */
export type Forward = (fn: string, object: Uint8Array) => Promise<Uint8Array>;

interface Pending {
  resolve(a: HttpAnswer): void;
  reject(e: Error): void;
}

/** Encoded length of an object (what travels on the wire). */
export function encodedLength(obj: Uint8Array): number {
  const h = readHeader(obj);
  return HEADER_SIZE + h.metaLen + h.bodyLen;
}

export function decodeAnswer(obj: Uint8Array): HttpAnswer {
  const h = readHeader(obj);
  if (h.kind !== ObjectKind.RESPONSE) throw new Error(`baseline: expected a RESPONSE object, got kind ${h.kind}`);
  return { status: h.status, headers: readMeta<Record<string, string | string[]>>(obj, h), body: bodyView(obj, h) };
}

export function encodeAnswer(a: HttpAnswer, objectSize: number): Uint8Array {
  const obj = new Uint8Array(Math.max(objectSize, HEADER_SIZE + a.body.byteLength + 4096));
  writeObject(obj, { kind: ObjectKind.RESPONSE, status: a.status, replyTo: 0, corr: 0, sequence: 0, hop: 0 }, a.headers, a.body);
  return obj.subarray(0, encodedLength(obj));
}

export class BaselineHost implements ContextHost {
  readonly fn: string;
  readonly instance = 0;
  readonly router: Router;
  readonly #pending = new WeakMap<Uint8Array, Pending>();
  stats = { handled: 0, failed: 0 };

  constructor(
    readonly def: SprightFunction,
    readonly topology: ChainTopology,
    readonly forward: Forward,
    readonly objectSize: number,
  ) {
    this.fn = def.name;
    this.router = new Router(topology);
  }

  /** A client request entering the chain at this (head) function. */
  external(method: string, url: string, headers: Record<string, string | string[]>, body: Uint8Array): Promise<HttpAnswer> {
    const path = url.split('?')[0];
    const seq = matchSequence(this.topology, method, path);
    const obj = new Uint8Array(Math.max(this.objectSize, HEADER_SIZE + body.byteLength + 4096));
    writeObject(obj, { kind: ObjectKind.REQUEST, status: 0, replyTo: 0, corr: 0, sequence: seq, hop: 0 }, { method, url, headers }, body);
    return this.run(obj);
  }

  /** An encoded object from another function (request hop or ctx.call). */
  internal(bytes: Uint8Array): Promise<HttpAnswer> {
    const obj = new Uint8Array(Math.max(this.objectSize, bytes.byteLength + 4096));
    obj.set(bytes);
    return this.run(obj);
  }

  run(obj: Uint8Array): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      this.#pending.set(obj, { resolve, reject });
      void this.#handle(obj);
    });
  }

  async #handle(obj: Uint8Array): Promise<void> {
    const ctx = new Context(this, { offset: 0, generation: 0 }, obj);
    try {
      await this.def.handle(ctx);
      if (!ctx.done) ctx.next();
      this.stats.handled++;
    } catch (err) {
      this.stats.failed++;
      const e = err as Error;
      if (!ctx.done) {
        const status = e instanceof CallFailedError ? 502 : 500;
        ctx.respond(status, { 'content-type': 'application/json' }, { error: e?.message ?? String(e), function: this.fn });
      } else process.stderr.write(`[${this.fn}] handler failed after answering: ${e?.stack ?? e}\n`);
    } finally {
      ctx.releaseHeld();
    }
  }

  #settle(obj: Uint8Array, a: HttpAnswer | Error): void {
    const p = this.#pending.get(obj);
    if (!p) return;
    this.#pending.delete(obj);
    if (a instanceof Error) p.reject(a);
    else p.resolve(a);
  }

  respond(_ref: ObjectRef, obj: Uint8Array, status: number, headers: Record<string, string>, body: Uint8Array, written?: () => void): void {
    // The body may be a view of a call answer that written() releases: copy first.
    const copy = body.slice();
    written?.();
    this.#settle(obj, { status, headers, body: copy });
  }

  next(_ref: ObjectRef, obj: Uint8Array, topic: string | undefined, written?: () => void): void {
    written?.();
    const h = readHeader(obj);
    let to: string | undefined;
    try {
      if (topic !== undefined) to = this.router.byTopic(this.fn, topic);
      else to = h.kind === ObjectKind.CALL ? undefined : this.router.bySequence(h.sequence, this.fn);
    } catch (err) {
      this.#settle(obj, { status: 500, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(JSON.stringify({ error: (err as Error).message, function: this.fn })) });
      return;
    }
    if (to === undefined) {
      this.#settle(obj, { status: h.status || 200, headers: {}, body: bodyView(obj, h).slice() });
      return;
    }
    patchHeader(obj, { hop: h.hop + 1 });
    this.forward(to, obj.subarray(0, HEADER_SIZE + h.metaLen + h.bodyLen)).then(
      (bytes) => this.#settle(obj, decodeAnswer(bytes)),
      (err: Error) => this.#settle(obj, { status: 502, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(JSON.stringify({ error: `hop to "${to}" failed: ${err.message}`, function: this.fn })) }),
    );
  }

  async call(fn: string, payload: Uint8Array, _opts: CallOptions): Promise<CallResult> {
    const obj = new Uint8Array(HEADER_SIZE + payload.byteLength + 512);
    writeObject(obj, { kind: ObjectKind.CALL, status: 0, replyTo: 0, corr: 0, sequence: 0, hop: 0 }, { method: 'CALL', url: `/${fn}`, headers: { 'x-spright-caller': this.fn } }, payload);
    let bytes: Uint8Array;
    try {
      bytes = await this.forward(fn, obj.subarray(0, encodedLength(obj)));
    } catch (err) {
      throw new CallFailedError(fn, 'unavailable', (err as Error).message);
    }
    const a = decodeAnswer(bytes);
    return { status: a.status, headers: a.headers, body: a.body, text: () => dec.decode(a.body), json: <T>() => JSON.parse(dec.decode(a.body)) as T, release: () => {} };
  }
}
