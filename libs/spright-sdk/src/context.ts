// The per-request handle a function's handle(ctx) receives. Every view it hands out points into
// the chain's shared pool object: nothing is copied unless the handler copies it.
import type { ObjectRef } from '@fastpath/shm';
import { ContextDoneError } from './errors.ts';
import { bodyView, ObjectKind, readHeader, readMeta, toBytes, writeBody, type ObjectHeader, type RequestMeta } from './object-layout.ts';

const dec = new TextDecoder();

export interface CallOptions {
  timeoutMs?: number;
}

/** The answer of ctx.call: views into the callee's response object, valid until the handler
 * returns (the object is then freed) or release() is called. */
export interface CallResult {
  status: number;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
  text(): string;
  json<T = unknown>(): T;
  release(): void;
}

/** What a Context needs from the runtime that owns it. */
export interface ContextHost {
  readonly fn: string;
  readonly instance: number;
  /** `written` runs once the answer is in the object, before its descriptor leaves. */
  respond(ref: ObjectRef, obj: Uint8Array, status: number, headers: Record<string, string>, body: Uint8Array, written?: () => void): void;
  next(ref: ObjectRef, obj: Uint8Array, topic: string | undefined, written?: () => void): void;
  call(fn: string, payload: Uint8Array, opts: CallOptions, owner: Context): Promise<CallResult>;
}

export class Context {
  #done = false;
  #header: ObjectHeader;
  #meta: RequestMeta | undefined;
  /** Call responses to free when the handler finishes. */
  readonly held = new Set<CallResult>();

  constructor(
    private readonly host: ContextHost,
    readonly ref: ObjectRef,
    /** The whole pool object (header + meta + body), zero-copy. */
    readonly object: Uint8Array,
  ) {
    this.#header = readHeader(object);
  }

  get fn(): string {
    return this.host.fn;
  }
  get instance(): number {
    return this.host.instance;
  }
  /** 'request' from the gateway, or 'call' from another function's ctx.call. */
  get kind(): 'request' | 'call' {
    return this.#header.kind === ObjectKind.CALL ? 'call' : 'request';
  }
  get done(): boolean {
    return this.#done;
  }

  #requestMeta(): RequestMeta {
    this.#meta ??= readMeta<RequestMeta>(this.object, this.#header);
    return this.#meta;
  }
  get method(): string {
    return this.#requestMeta().method;
  }
  get url(): string {
    return this.#requestMeta().url;
  }
  get path(): string {
    const u = this.url;
    const q = u.indexOf('?');
    return q < 0 ? u : u.slice(0, q);
  }
  get query(): URLSearchParams {
    const u = this.url;
    const q = u.indexOf('?');
    return new URLSearchParams(q < 0 ? '' : u.slice(q + 1));
  }
  get headers(): Record<string, string | string[]> {
    return this.#requestMeta().headers;
  }

  /** Zero-copy view of the request body inside the shared pool object. */
  get body(): Uint8Array {
    return bodyView(this.object, this.#header);
  }
  text(): string {
    return dec.decode(this.body);
  }
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** Rewrites the body in place (e.g. before ctx.next()); may be a view of the current body. */
  setBody(body: Uint8Array | string | object): void {
    this.#check('setBody');
    writeBody(this.object, toBytes(body));
    this.#header = readHeader(this.object);
  }

  /** Answers the request (or the call) with a real status, headers and body. */
  respond(status: number, headers: Record<string, string> = {}, body: Uint8Array | string | object = ''): void {
    this.#check('respond');
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new RangeError(`spright: status ${status} is not an HTTP status`);
    const bytes = toBytes(body);
    const h = { ...headers };
    if (!(body instanceof Uint8Array) && typeof body === 'object' && body !== null && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['content-type'] = 'application/json';
    }
    this.#done = true;
    // Call answers are freed once copied into our object (the body may be a view of one),
    // before the response leaves: the pool is back to its baseline when the client hears back.
    this.host.respond(this.ref, this.object, status, h, bytes, () => this.releaseHeld());
  }

  /** Hands the object to the next function: by topic (DFR routes.topics) or the request's sequence.
   * At the end of the sequence the object goes back and the gateway answers with its body. */
  next(topic?: string): void {
    this.#check('next');
    this.#done = true;
    this.host.next(this.ref, this.object, topic, () => this.releaseHeld());
  }

  /** Request/response to another function of the chain: two asynchronous descriptor sends. */
  async call(fn: string, payload: Uint8Array | string | object = '', opts: CallOptions = {}): Promise<CallResult> {
    this.#check('call');
    const r = await this.host.call(fn, toBytes(payload), opts, this);
    this.held.add(r);
    return r;
  }

  /** @internal frees every call answer this context still holds. */
  releaseHeld(): void {
    for (const r of this.held) r.release();
    this.held.clear();
  }

  /** @internal marks the context finished without sending (object freed by the runtime). */
  finish(): void {
    this.#done = true;
  }

  #check(what: string): void {
    if (this.#done) throw new ContextDoneError(what);
  }
}
