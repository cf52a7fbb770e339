// HTTP/1.1 server on node:net for the gateway: one RequestParser per connection, answers queued
// in request order (pipelining) and written as one Buffer per connection per event-loop turn.
// Timeouts are checked by one coarse sweep over the open connections, not a timer per request:
// headers (slowloris) and whole-request receive -> 408 and close; keep-alive idle -> close.
import { createServer, type Server, type Socket } from 'node:net';
import { RequestParser, type ParsedRequest, type ParserLimits } from './parser.ts';
import { CONTINUE, InvalidResponseError, serializeResponse, type OutgoingHeaders } from './response.ts';

/** Answers one request; called exactly once (later calls are ignored). */
export type Reply = (status: number, headers: OutgoingHeaders, body: Uint8Array) => void;

export interface Http1Options {
  limits: ParserLimits;
  /** First byte of a request head to its end. */
  headersTimeoutMs: number;
  /** First byte of a request head to the end of its body. */
  requestTimeoutMs: number;
  /** Open connection with nothing in flight and nothing received. */
  keepAliveTimeoutMs: number;
  /** Answers outstanding per connection before it stops reading (pipelining bound). */
  maxPipeline: number;
  handle(req: ParsedRequest, body: Buffer, reply: Reply): void;
  /** A request refused by the server itself (parse error, timeout, invalid function response). */
  refused?(status: number, reason: string): void;
}

export const DEFAULT_HTTP1: Omit<Http1Options, 'limits' | 'handle' | 'refused'> = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxPipeline: 64,
};

/** After the last answer of a closing connection: time for the peer to read it and close. */
const LINGER_MS = 2_000;

const enum Phase {
  /** Nothing received, nothing owed: keep-alive timeout. */
  Idle,
  Head,
  Body,
  /** Answers owed, no request being received: no timeout here (the chain has its own). */
  Waiting,
  /** Final answer written, waiting for the peer's FIN. */
  Closing,
}

interface Slot {
  data: Buffer | undefined;
  /** Last answer on this connection. */
  close: boolean;
}

const jsonError = (status: number, reason: string): Buffer => Buffer.from(JSON.stringify({ error: reason, statusCode: status }));
const JSON_CT = { 'content-type': 'application/json; charset=utf-8' };

class Connection {
  readonly #socket: Socket;
  readonly #o: Http1Options;
  readonly #parser: RequestParser;
  readonly #queue: Slot[] = [];
  #flushQueued = false;
  #readPaused = false;
  #waitDrain = false;
  #peerEnded = false;
  #closed = false;
  #requests = 0;
  #phaseRequests = 0;
  phase = Phase.Idle;
  since = Date.now();
  /** Index in the server's connection array (-1 once removed). */
  index = -1;

  constructor(socket: Socket, o: Http1Options, onClose: () => void) {
    this.#socket = socket;
    this.#o = o;
    this.#parser = new RequestParser(o.limits, {
      request: (req, body) => this.#onRequest(req, body),
      continue: () => this.#onContinue(),
      error: (status, reason) => this.#refuse(status, reason),
    });
    socket.on('data', (chunk: Buffer) => {
      this.#parser.execute(chunk);
      this.#touch();
    });
    socket.on('end', () => {
      this.#peerEnded = true;
      this.#parser.stop();
      if (this.#queue.length === 0) socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#closed = true;
      this.#parser.stop();
      onClose();
    });
  }

  #onRequest(req: ParsedRequest, body: Buffer): void {
    this.#requests++;
    const slot: Slot = { data: undefined, close: !req.keepAlive };
    this.#queue.push(slot);
    if (this.#queue.length >= this.#o.maxPipeline) this.#pauseReading();
    const framing = { head: req.method === 'HEAD', close: slot.close, keepAlive10: req.minor === 0 && req.keepAlive };
    this.#o.handle(req, body, (status, headers, out) => {
      if (slot.data) return;
      try {
        slot.data = serializeResponse(status, headers, out, framing);
      } catch (err) {
        if (!(err instanceof InvalidResponseError)) throw err;
        this.#o.refused?.(500, err.message);
        slot.data = serializeResponse(500, JSON_CT, jsonError(500, `the function's response cannot be sent: ${err.message}`), framing);
      }
      this.#scheduleFlush();
    });
  }

  #onContinue(): void {
    // In order with answers still owed to earlier pipelined requests.
    if (this.#queue.length === 0) this.#socket.write(CONTINUE);
    else this.#queue.push({ data: CONTINUE, close: false });
  }

  /** Answers `status` after what is still owed, then closes. */
  #refuse(status: number, reason: string): void {
    this.#o.refused?.(status, reason);
    this.#parser.stop();
    this.#queue.push({ data: serializeResponse(status, JSON_CT, jsonError(status, reason), { head: false, close: true, keepAlive10: false }), close: true });
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // A microtask: answers resolved in the same turn (one batch of response descriptors, or
    // requests answered while parsing one read) leave in one write.
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#closed) return;
    const q = this.#queue;
    let n = 0;
    let close = false;
    while (n < q.length && q[n].data) {
      close = q[n++].close;
      if (close) break;
    }
    if (n === 0) return;
    const out = n === 1 ? q[0].data! : Buffer.concat(q.slice(0, n).map((s) => s.data!));
    q.splice(0, n);
    const ok = this.#socket.write(out);
    if (close) {
      this.#parser.stop();
      q.length = 0;
      this.#socket.end();
      this.phase = Phase.Closing;
      this.since = Date.now();
      return;
    }
    if (!ok && !this.#waitDrain) {
      this.#waitDrain = true;
      this.#pauseReading();
      this.#socket.once('drain', () => {
        this.#waitDrain = false;
        this.#maybeResume();
      });
    } else this.#maybeResume();
    if (this.#peerEnded && q.length === 0) this.#socket.end();
    this.#touch();
  }

  #pauseReading(): void {
    if (this.#readPaused) return;
    this.#readPaused = true;
    this.#parser.pause();
    this.#socket.pause();
  }

  #maybeResume(): void {
    if (!this.#readPaused || this.#waitDrain || this.#queue.length >= this.#o.maxPipeline) return;
    this.#readPaused = false;
    this.#socket.resume();
    this.#parser.resume();
  }

  /** Phase for the timeout sweep; `since` restarts when the phase or the request changes. */
  #touch(): void {
    if (this.phase === Phase.Closing) return;
    const p = this.#parser.phase;
    const phase = p === 'head' ? Phase.Head : p === 'body' ? Phase.Body : this.#queue.length > 0 ? Phase.Waiting : Phase.Idle;
    if (phase !== this.phase || this.#requests !== this.#phaseRequests) {
      this.phase = phase;
      this.#phaseRequests = this.#requests;
      this.since = Date.now();
    }
  }

  /** Called by the sweep. */
  expire(now: number): void {
    const o = this.#o;
    const age = now - this.since;
    switch (this.phase) {
      case Phase.Idle:
        if (age > o.keepAliveTimeoutMs) this.#socket.destroy();
        break;
      case Phase.Head:
        if (age > o.headersTimeoutMs) this.#timeout('request head not received in time');
        break;
      case Phase.Body:
        if (age > o.requestTimeoutMs) this.#timeout('request body not received in time');
        break;
      case Phase.Closing:
        if (age > LINGER_MS) this.#socket.destroy();
        break;
      default:
    }
  }

  #timeout(reason: string): void {
    this.#refuse(408, reason);
    // No second 408 from the next sweep: the answer is queued, the connection closes after it.
    this.phase = Phase.Waiting;
    this.since = Date.now();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

export class Http1Server {
  readonly #o: Http1Options;
  readonly #server: Server;
  // An array with swap-remove, not a Set: clients that open a connection per request would
  // otherwise churn a hash table (see libs/spright-sdk/src/inflight.ts on what that costs in GC).
  readonly #conns: Connection[] = [];
  #sweep: NodeJS.Timeout | undefined;

  constructor(o: Http1Options) {
    this.#o = o;
    // allowHalfOpen: a client that shuts down its sending side after a request still gets the
    // answer; the connection closes once nothing is owed.
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.#accept(socket));
  }

  get connections(): number {
    return this.#conns.length;
  }

  #accept(socket: Socket): void {
    const c = new Connection(socket, this.#o, () => this.#remove(c));
    c.index = this.#conns.length;
    this.#conns.push(c);
    if (!this.#sweep) {
      // Granularity: a quarter of the shortest timeout, at most a second; runs only while
      // connections are open (it stops on its first tick without any), so an idle gateway
      // without clients wakes up for nothing.
      const o = this.#o;
      const tick = Math.max(10, Math.min(1000, Math.floor(Math.min(o.headersTimeoutMs, o.requestTimeoutMs, o.keepAliveTimeoutMs) / 4)));
      this.#sweep = setInterval(() => {
        if (this.#conns.length === 0) {
          clearInterval(this.#sweep);
          this.#sweep = undefined;
          return;
        }
        const t = Date.now();
        for (const conn of this.#conns.slice()) conn.expire(t);
      }, tick);
      this.#sweep.unref();
    }
  }

  #remove(c: Connection): void {
    const i = c.index;
    if (i < 0) return;
    c.index = -1;
    const last = this.#conns.pop()!;
    if (last !== c) {
      this.#conns[i] = last;
      last.index = i;
    }
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  address(): { address: string; port: number } {
    return this.#server.address() as { address: string; port: number };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const c of this.#conns.slice()) c.destroy();
      if (this.#sweep) clearInterval(this.#sweep);
      this.#sweep = undefined;
      this.#server.close(() => resolve());
    });
  }
}
