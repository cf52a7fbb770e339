// Incremental, strict HTTP/1.1 request parser (RFC 9112) over arbitrary TCP splits. Pure: it gets
// bytes and calls back with requests or with the error status to answer; the connection does I/O.
//
// Refused: malformed request line or field (400), obs-fold (400), whitespace before the colon
// (400), bare LF line endings (400), a missing or repeated Host in HTTP/1.1 (400), invalid or
// conflicting Content-Length (400), Transfer-Encoding with Content-Length or in HTTP/1.0 (400,
// request smuggling), a transfer coding other than chunked (501), a malformed or overflowing
// chunk size (400), an HTTP major version other than 1 (505), a head over the byte or field
// limits (431), a body over the pool object (413), an Expect other than 100-continue (417).
import { HTTP_VERSION, listTokens, TARGET, TOKEN, BAD_VALUE_CHAR, trimOws } from './syntax.ts';

export interface ParserLimits {
  /** Bytes of request line + fields (also the bound on chunked trailers). */
  maxHeaderBytes: number;
  maxHeaderCount: number;
  /** Largest body accepted (the pool object's capacity). */
  maxBodyBytes: number;
}

export interface ParsedRequest {
  method: string;
  url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x, answered as 1.1). */
  minor: number;
  /** Lower-case names as node:http gives them: repeats joined with ", " ("; " for cookie),
   * set-cookie as an array. */
  headers: Record<string, string | string[]>;
  /** Connection stays open after the answer (HTTP/1.1 unless "close"; 1.0 only on "keep-alive"). */
  keepAlive: boolean;
  expectContinue: boolean;
}

export interface ParserEvents {
  /** A complete request with its (de-chunked) body. */
  request(req: ParsedRequest, body: Buffer): void;
  /** The head asked for 100-continue and its body has not started arriving. */
  continue(req: ParsedRequest): void;
  /** The stream is unusable from here: answer `status` and close. */
  error(status: number, reason: string): void;
}

export class HttpParseError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);
/** Chunk sizes with more significant hex digits than this cannot be a real body (>= 2^48). */
const MAX_CHUNK_SIZE_DIGITS = 12;
/** chunk-size line with extensions. */
const MAX_CHUNK_LINE = 4096;

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  Dead,
}

export type ParserPhase = 'idle' | 'head' | 'body';

export class RequestParser {
  readonly #limits: ParserLimits;
  readonly #on: ParserEvents;
  #state = State.Head;
  #buf: Buffer = EMPTY;
  /** Backing store #buf points into while a split head or line is being joined. */
  #own: Buffer | undefined;
  #pos = 0;
  /** Where to resume the search for the end of the head (bytes before it were scanned). */
  #scan = 0;
  #paused = false;
  #req: ParsedRequest | undefined;
  #remaining = 0;
  #bodyBytes = 0;
  #parts: Buffer[] = [];
  #trailerBytes = 0;

  constructor(limits: ParserLimits, events: ParserEvents) {
    this.#limits = limits;
    this.#on = events;
  }

  /** Where the parser is within a request: bytes of a head or a body are buffered or pending. */
  get phase(): ParserPhase {
    if (this.#state === State.Head) return this.#pos < this.#buf.length ? 'head' : 'idle';
    return this.#state === State.Dead ? 'idle' : 'body';
  }

  get dead(): boolean {
    return this.#state === State.Dead;
  }

  /** Stops after the current request (pipelining depth or write backpressure); resume() goes on. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#run();
  }

  /** No more requests from this stream (Connection: close answered, socket closing). */
  stop(): void {
    this.#state = State.Dead;
    this.#buf = EMPTY;
    this.#own = undefined;
    this.#pos = 0;
    this.#parts = [];
  }

  execute(chunk: Buffer): void {
    if (this.#state === State.Dead) return;
    if (this.#pos >= this.#buf.length) {
      this.#buf = chunk;
      this.#pos = 0;
      this.#scan = 0;
      this.#own = undefined;
    } else this.#append(chunk);
    this.#run();
  }

  /** A split head or line: the unparsed rest and the new bytes must be contiguous. Appends into
   * spare room of the parser's own buffer, else moves them to a new one of twice the size, so a
   * head trickled in byte by byte costs O(n) copying, not O(n^2). Bytes before #buf.length are
   * never overwritten: body parts may still be views of them. */
  #append(chunk: Buffer): void {
    const len = this.#buf.length;
    const own = this.#own;
    if (own && this.#buf.buffer === own.buffer && this.#buf.byteOffset === own.byteOffset && len + chunk.length <= own.length) {
      chunk.copy(own, len);
      this.#buf = own.subarray(0, len + chunk.length);
      return;
    }
    const rest = len - this.#pos;
    // >= 4096 bytes: never a slice of Buffer's shared pool.
    const next = Buffer.allocUnsafe(Math.max(4096, 2 * (rest + chunk.length)));
    this.#buf.copy(next, 0, this.#pos, len);
    chunk.copy(next, rest);
    this.#own = next;
    this.#buf = next.subarray(0, rest + chunk.length);
    this.#scan = Math.max(0, this.#scan - this.#pos);
    this.#pos = 0;
  }

  #run(): void {
    try {
      while (!this.#paused && this.#step());
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      this.stop();
      this.#on.error(err.status, err.message);
    }
  }

  /** One unit of progress; false when more bytes are needed (or the stream is done). */
  #step(): boolean {
    switch (this.#state) {
      case State.Head:
        return this.#head();
      case State.Body:
        return this.#body();
      case State.ChunkSize:
        return this.#chunkSize();
      case State.ChunkData:
        return this.#chunkData();
      case State.ChunkDataEnd:
        return this.#chunkDataEnd();
      case State.Trailers:
        return this.#trailers();
      default:
        return false;
    }
  }

  #head(): boolean {
    const buf = this.#buf;
    // Empty lines before a request line are ignored (RFC 9112 §2.2).
    while (this.#pos + 1 < buf.length && buf[this.#pos] === 13 && buf[this.#pos + 1] === 10) this.#pos += 2;
    if (this.#pos >= buf.length) return false;
    const from = Math.max(this.#pos, this.#scan);
    const end = buf.indexOf(CRLFCRLF, from);
    if (end < 0) {
      // Not complete: refuse early what can never become a valid head.
      for (let i = from; i < buf.length; i++) if (buf[i] === 10 && (i === 0 || buf[i - 1] !== 13)) throw new HttpParseError(400, 'bare LF in request head');
      if (buf.length - this.#pos > this.#limits.maxHeaderBytes) throw new HttpParseError(431, `request head larger than ${this.#limits.maxHeaderBytes} bytes`);
      this.#scan = Math.max(this.#pos, buf.length - 3);
      return false;
    }
    if (end + 4 - this.#pos > this.#limits.maxHeaderBytes) throw new HttpParseError(431, `request head larger than ${this.#limits.maxHeaderBytes} bytes`);
    const req = this.#parseHead(buf.toString('latin1', this.#pos, end));
    this.#pos = end + 4;
    this.#scan = this.#pos;
    return this.#framing(req);
  }

  #parseHead(head: string): ParsedRequest {
    // Lines are split on CRLF only: a bare CR or LF left inside a line fails the token, target,
    // version or field-value check below (400).
    let eol = head.indexOf('\r\n');
    if (eol < 0) eol = head.length;
    const line = head.slice(0, eol);
    const sp1 = line.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) throw new HttpParseError(400, 'malformed request line');
    const method = line.slice(0, sp1);
    const url = line.slice(sp1 + 1, sp2);
    const version = HTTP_VERSION.exec(line.slice(sp2 + 1));
    if (!TOKEN.test(method)) throw new HttpParseError(400, 'invalid method');
    if (!TARGET.test(url)) throw new HttpParseError(400, 'invalid request target');
    if (!version) throw new HttpParseError(400, 'invalid HTTP version');
    if (version[1] !== '1') throw new HttpParseError(505, `HTTP/${version[1]}.${version[2]} is not supported`);
    const minor = version[2] === '0' ? 0 : 1;

    const headers: Record<string, string | string[]> = {};
    let count = 0;
    let hosts = 0;
    let cl: string[] | undefined;
    let pos = eol + 2;
    while (pos < head.length) {
      let next = head.indexOf('\r\n', pos);
      if (next < 0) next = head.length;
      const c0 = head.charCodeAt(pos);
      if (c0 === 32 || c0 === 9) throw new HttpParseError(400, 'obsolete line folding in a header field');
      const colon = head.indexOf(':', pos);
      if (colon < 0 || colon >= next) throw new HttpParseError(400, 'header field without a colon');
      const rawName = head.slice(pos, colon);
      // Also refuses whitespace between the name and the colon (RFC 9112 §5.1).
      if (!TOKEN.test(rawName)) throw new HttpParseError(400, `invalid header field name ${JSON.stringify(rawName)}`);
      const value = trimOws(head.slice(colon + 1, next));
      if (BAD_VALUE_CHAR.test(value)) throw new HttpParseError(400, `invalid character in header field ${rawName}`);
      if (++count > this.#limits.maxHeaderCount) throw new HttpParseError(431, `more than ${this.#limits.maxHeaderCount} header fields`);
      const name = rawName.toLowerCase();
      if (name === 'content-length') (cl ??= []).push(value);
      else if (name === 'host') hosts++;
      const prev = headers[name];
      if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
      else if (Array.isArray(prev)) prev.push(value);
      else headers[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
      pos = next + 2;
    }
    if (minor === 1 && hosts !== 1) throw new HttpParseError(400, hosts ? 'more than one Host header' : 'HTTP/1.1 request without Host');
    if (hosts > 1) throw new HttpParseError(400, 'more than one Host header');

    const conn = headers.connection;
    let keepAlive = minor === 1;
    if (typeof conn === 'string') {
      for (const t of listTokens(conn)) {
        if (t === 'close') keepAlive = false;
        else if (t === 'keep-alive' && minor === 0) keepAlive = true;
      }
    }
    let expectContinue = false;
    const expect = headers.expect;
    if (typeof expect === 'string') {
      if (expect.toLowerCase() !== '100-continue') throw new HttpParseError(417, `unsupported expectation ${JSON.stringify(expect)}`);
      expectContinue = minor === 1;
    }
    const req: ParsedRequest = { method, url, minor, headers, keepAlive, expectContinue };
    this.#remaining = contentLength(cl);
    return req;
  }

  /** Decides how the body is delimited (RFC 9112 §6.3) and moves to it. */
  #framing(req: ParsedRequest): boolean {
    const te = req.headers['transfer-encoding'];
    this.#req = req;
    this.#bodyBytes = 0;
    this.#parts = [];
    if (typeof te === 'string') {
      if (req.headers['content-length'] !== undefined) throw new HttpParseError(400, 'both Transfer-Encoding and Content-Length (request smuggling)');
      if (req.minor === 0) throw new HttpParseError(400, 'Transfer-Encoding in an HTTP/1.0 request');
      const codings = listTokens(te);
      if (codings.some((c) => c !== 'chunked')) throw new HttpParseError(501, `transfer coding ${JSON.stringify(te)} is not implemented (only chunked)`);
      if (codings.length !== 1) throw new HttpParseError(400, 'chunked applied more than once');
      this.#state = State.ChunkSize;
      this.#maybeContinue(req);
      return true;
    }
    if (this.#remaining > this.#limits.maxBodyBytes) throw new HttpParseError(413, `body larger than ${this.#limits.maxBodyBytes} bytes`);
    if (this.#remaining === 0) return this.#complete(EMPTY);
    this.#state = State.Body;
    this.#maybeContinue(req);
    return true;
  }

  #maybeContinue(req: ParsedRequest): void {
    if (req.expectContinue && this.#pos >= this.#buf.length) this.#on.continue(req);
  }

  #body(): boolean {
    const avail = this.#buf.length - this.#pos;
    if (avail === 0) return false;
    if (avail >= this.#remaining && this.#parts.length === 0) {
      // Usual case: the whole body is in this chunk, handed on without a copy.
      const body = this.#buf.subarray(this.#pos, this.#pos + this.#remaining);
      this.#pos += this.#remaining;
      return this.#complete(body);
    }
    const n = Math.min(avail, this.#remaining);
    this.#parts.push(this.#buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    this.#remaining -= n;
    this.#bodyBytes += n;
    if (this.#remaining > 0) return false;
    return this.#complete(Buffer.concat(this.#parts, this.#bodyBytes));
  }

  /** Index of the next CRLF from #pos, or -1; refuses a bare LF and over-long lines. */
  #line(limit: number, what: string): number {
    const end = this.#buf.indexOf(CRLF, this.#pos);
    const stop = end < 0 ? this.#buf.length : end;
    const lf = this.#buf.indexOf(10, this.#pos);
    if (lf >= 0 && lf < stop) throw new HttpParseError(400, `bare LF in ${what}`);
    if (stop - this.#pos > limit) throw new HttpParseError(what === 'trailer' ? 431 : 400, `${what} line too long`);
    return end;
  }

  #chunkSize(): boolean {
    const end = this.#line(MAX_CHUNK_LINE, 'chunk size');
    if (end < 0) return false;
    const line = this.#buf.toString('latin1', this.#pos, end);
    this.#pos = end + 2;
    let i = 0;
    let size = 0;
    let digits = 0;
    for (; i < line.length; i++) {
      const d = hexValue(line.charCodeAt(i));
      if (d < 0) break;
      if (digits > 0 || d > 0) digits++;
      if (digits > MAX_CHUNK_SIZE_DIGITS) throw new HttpParseError(400, 'chunk size overflow');
      size = size * 16 + d;
    }
    if (i === 0) throw new HttpParseError(400, 'invalid chunk size');
    // Whatever follows the size must be chunk extensions (skipped): BWS ";" ...
    const ext = trimOws(line.slice(i));
    if (ext.length > 0 && (ext.charCodeAt(0) !== 59 || BAD_VALUE_CHAR.test(ext))) throw new HttpParseError(400, 'invalid chunk extension');
    if (size === 0) {
      this.#state = State.Trailers;
      this.#trailerBytes = 0;
      return true;
    }
    if (this.#bodyBytes + size > this.#limits.maxBodyBytes) throw new HttpParseError(413, `body larger than ${this.#limits.maxBodyBytes} bytes`);
    this.#remaining = size;
    this.#state = State.ChunkData;
    return true;
  }

  #chunkData(): boolean {
    const avail = this.#buf.length - this.#pos;
    if (avail === 0) return false;
    const n = Math.min(avail, this.#remaining);
    this.#parts.push(this.#buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    this.#remaining -= n;
    this.#bodyBytes += n;
    if (this.#remaining > 0) return false;
    this.#state = State.ChunkDataEnd;
    return true;
  }

  #chunkDataEnd(): boolean {
    if (this.#buf.length - this.#pos < 2) {
      if (this.#buf.length > this.#pos && this.#buf[this.#pos] !== 13) throw new HttpParseError(400, 'chunk data not followed by CRLF');
      return false;
    }
    if (this.#buf[this.#pos] !== 13 || this.#buf[this.#pos + 1] !== 10) throw new HttpParseError(400, 'chunk data not followed by CRLF');
    this.#pos += 2;
    this.#state = State.ChunkSize;
    return true;
  }

  /** Trailer fields after the last chunk: checked for syntax, bounded, and dropped. */
  #trailers(): boolean {
    const end = this.#line(this.#limits.maxHeaderBytes, 'trailer');
    if (end < 0) return false;
    const len = end - this.#pos;
    this.#trailerBytes += len + 2;
    if (this.#trailerBytes > this.#limits.maxHeaderBytes) throw new HttpParseError(431, 'trailer section too large');
    if (len > 0) {
      const line = this.#buf.toString('latin1', this.#pos, end);
      const colon = line.indexOf(':');
      if (colon <= 0 || !TOKEN.test(line.slice(0, colon)) || BAD_VALUE_CHAR.test(line.slice(colon + 1))) throw new HttpParseError(400, 'invalid trailer field');
      this.#pos = end + 2;
      return true;
    }
    this.#pos = end + 2;
    return this.#complete(this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts, this.#bodyBytes));
  }

  #complete(body: Buffer): boolean {
    const req = this.#req!;
    this.#req = undefined;
    this.#parts = [];
    this.#state = State.Head;
    this.#scan = this.#pos;
    // Nothing after a request that closes the connection is read.
    if (!req.keepAlive) this.stop();
    this.#on.request(req, body);
    return !this.dead;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Content-Length values (RFC 9110 §8.6): each a decimal, all equal (a list of one repeated
 * value is accepted); anything else is 400. */
function contentLength(values: string[] | undefined): number {
  if (!values) return 0;
  let n = -1;
  for (const v of values) {
    for (const el of v.split(',')) {
      const s = trimOws(el);
      if (!/^\d{1,15}$/.test(s)) throw new HttpParseError(400, `invalid Content-Length ${JSON.stringify(v)}`);
      const x = Number(s);
      if (n >= 0 && x !== n) throw new HttpParseError(400, 'differing Content-Length values');
      n = x;
    }
  }
  return n;
}
