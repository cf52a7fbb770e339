// The gateway's HTTP/1.1 side over raw TCP sockets, with a stub ChainIngress that echoes each
// request: framing, pipelining order, refusals with their exact status, 100-continue, HTTP/1.0,
// HEAD, timeouts, /healthz and /metrics. No timing asserts: timeouts only have to close.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainIngress, IngressResult } from '@fastpath/spright-sdk';
import { buildGateway, type GatewayServer } from '../src/gateway/server.ts';

const MAX_BODY = 200;

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  body: string;
}

/** Echoes the request as JSON; `x-delay` (ms) delays the answer, `x-status` sets the status,
 * `x-bad-header` makes the "function" answer a header value with a CR LF in it. */
function stubIngress(): ChainIngress {
  const stats = { inflight: 0, abandoned: 0, poolFree: 7, poolSize: 8, submitted: 0, completed: 0, rejected_exhausted: 0, rejected_limit: 0, rejected_too_large: 0, failed_dead: 0, timed_out: 0 };
  return {
    maxObjectBytes: MAX_BODY,
    stats: () => stats,
    submit(meta: { method: string; url: string; headers: Record<string, string | string[]> }, body: Uint8Array): Promise<IngressResult> {
      const echo: Echo = { ...meta, body: Buffer.from(body).toString('latin1') };
      const h = meta.headers;
      const headers: Record<string, string | string[]> = {
        'content-type': 'application/json',
        // Hop-by-hop and framing headers a function sets are not passed on.
        connection: 'upgrade',
        'transfer-encoding': 'chunked',
        'content-length': '999',
        'x-multi': ['a', 'b'],
      };
      if (h['x-bad-header']) headers['x-bad'] = 'a\r\nInjected: yes';
      const r: IngressResult = { ok: true, status: Number(h['x-status'] ?? 200), headers, body: Buffer.from(JSON.stringify(echo)) };
      const delay = Number(h['x-delay'] ?? 0);
      return new Promise((resolve) => (delay ? setTimeout(() => resolve(r), delay) : queueMicrotask(() => resolve(r))));
    },
  } as unknown as ChainIngress;
}

interface Response {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a byte stream into responses; `heads[i]` marks the i-th final answer as one to HEAD. */
function parseResponses(raw: Buffer, heads: boolean[] = []): Response[] {
  const out: Response[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const end = raw.indexOf('\r\n\r\n', pos);
    if (end < 0) throw new Error(`incomplete response head: ${JSON.stringify(raw.subarray(pos).toString('latin1'))}`);
    const lines = raw.toString('latin1', pos, end).split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0]);
    if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).toLowerCase();
      headers[k] = headers[k] !== undefined ? `${headers[k]}, ${l.slice(i + 1).trim()}` : l.slice(i + 1).trim();
    }
    const status = Number(m[1]);
    pos = end + 4;
    const finals = out.filter((r) => r.status >= 200).length;
    const len = status < 200 || status === 204 || status === 304 || heads[finals] ? 0 : Number(headers['content-length']);
    if (Number.isNaN(len)) throw new Error('response without content-length');
    out.push({ status, headers, body: raw.toString('latin1', pos, pos + len) });
    pos += len;
  }
  return out;
}

interface Exchange {
  data: Buffer;
  /** The server closed the connection (FIN or reset) before `waitMs` ran out. */
  closed: boolean;
}

/** Opens a connection, writes `parts` (with `gapMs` between them), collects what comes back
 * until the server closes, `done(data)` holds, or `waitMs` passes. */
function exchange(port: number, parts: (string | Buffer)[], o: { gapMs?: number; done?: (d: Buffer) => boolean; waitMs?: number; endAfter?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1', noDelay: true });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => finish(false), o.waitMs ?? 5000);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (o.done?.(Buffer.concat(chunks))) finish(false);
    });
    sock.on('close', () => finish(true));
    sock.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? finish(true) : reject(err)));
    sock.on('connect', async () => {
      for (const [i, p] of parts.entries()) {
        if (i > 0 && o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
        if (!sock.destroyed) sock.write(p);
      }
      if (o.endAfter) sock.end();
    });
  });
}

/** Completes once `n` final responses are in. */
const finals = (n: number, heads: boolean[] = []) => (d: Buffer) => {
  try {
    return parseResponses(d, heads).filter((r) => r.status >= 200).length >= n;
  } catch {
    return false;
  }
};

const post = (path: string, body: string, extra = '') => `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('gateway HTTP/1.1 over raw sockets', () => {
  let gw: GatewayServer;
  let port: number;
  // the same gateway with the default (long) timeouts, for requests that are slow on purpose
  // and must not race the short timeouts above on a loaded machine
  let patient: GatewayServer;
  let patientPort: number;
  beforeAll(async () => {
    gw = buildGateway({
      chain: 'gwtest',
      ingress: stubIngress(),
      healthy: () => true,
      http1: { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 400, maxHeaderBytes: 2048, maxHeaderCount: 30 },
    });
    await gw.listen('127.0.0.1', 0);
    port = gw.port();
    patient = buildGateway({ chain: 'gwtest', ingress: stubIngress(), healthy: () => true });
    await patient.listen('127.0.0.1', 0);
    patientPort = patient.port();
  });
  afterAll(async () => {
    await gw.close();
    await patient.close();
  });

  it('passes the request to the chain and its answer back: status, headers (hop-by-hop dropped), Content-Length, Date', async () => {
    const x = await exchange(port, [post('/a/b?q=1', 'hello', 'X-Status: 201\r\nX-Two: 1\r\nX-Two: 2\r\n')], { done: finals(1) });
    const [r] = parseResponses(x.data);
    expect(r.status).toBe(201);
    const echo = JSON.parse(r.body) as Echo;
    expect(echo).toMatchObject({ method: 'POST', url: '/a/b?q=1', body: 'hello' });
    expect(echo.headers).toMatchObject({ host: 't', 'x-two': '1, 2', 'content-length': '5' });
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-multi']).toBe('a, b');
    expect(r.headers.connection).toBeUndefined();
    expect(r.headers['transfer-encoding']).toBeUndefined();
    expect(new Date(r.headers.date).toUTCString()).toBe(r.headers.date);
    expect(x.closed).toBe(false);
  });

  it('handles a request arriving one byte per TCP segment', async () => {
    const req = post('/slow', 'xyz');
    const x = await exchange(patientPort, [...Buffer.from(req)].map((b) => Buffer.from([b])), { gapMs: 2, done: finals(1) });
    const [r] = parseResponses(x.data);
    expect(JSON.parse(r.body)).toMatchObject({ url: '/slow', body: 'xyz' });
  });

  it('handles a chunked request cut at every byte boundary', async () => {
    const req = Buffer.from('POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer-A: 1\r\n\r\n');
    for (let i = 1; i < req.length; i++) {
      const x = await exchange(patientPort, [req.subarray(0, i), req.subarray(i)], { gapMs: 1, done: finals(1) });
      const [r] = parseResponses(x.data);
      expect(JSON.parse(r.body), `split at ${i}`).toMatchObject({ url: '/c', body: 'wikipedia' });
    }
  });

  it('answers pipelined requests in order even when the chain answers them out of order', async () => {
    const reqs = [post('/1', 'a', 'X-Delay: 60\r\n'), post('/2', 'b', 'X-Delay: 30\r\n'), 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n', post('/4', 'd')];
    const x = await exchange(port, [reqs.join('')], { done: finals(4) });
    const rs = parseResponses(x.data);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(JSON.parse(rs[0].body).url).toBe('/1');
    expect(JSON.parse(rs[1].body).url).toBe('/2');
    expect(JSON.parse(rs[2].body).status).toBe('ok');
    expect(JSON.parse(rs[3].body).url).toBe('/4');
  });

  it('answers 100 Continue before the body is sent', async () => {
    const head = 'POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n';
    const first = await new Promise<{ interim: string; final: Response }>((resolve, reject) => {
      const sock = connect({ port, host: '127.0.0.1' });
      let got = Buffer.alloc(0);
      let sentBody = false;
      sock.on('data', (c: Buffer) => {
        got = Buffer.concat([got, c]);
        if (!sentBody && got.includes('\r\n\r\n')) {
          sentBody = true;
          sock.write('body');
        }
        if (finals(1)(got)) {
          sock.destroy();
          const rs = parseResponses(got);
          resolve({ interim: got.toString('latin1', 0, got.indexOf('\r\n\r\n')), final: rs[rs.length - 1] });
        }
      });
      sock.on('error', reject);
      sock.write(head);
    });
    expect(first.interim).toBe('HTTP/1.1 100 Continue');
    expect(JSON.parse(first.final.body)).toMatchObject({ url: '/e', body: 'body' });
  });

  it('HTTP/1.0: closes after the answer by default, keeps the connection on keep-alive', async () => {
    const closeByDefault = await exchange(port, ['GET /x HTTP/1.0\r\n\r\n']);
    expect(closeByDefault.closed).toBe(true);
    const [r] = parseResponses(closeByDefault.data);
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');

    const ka = await exchange(port, ['GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /z HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'], { done: finals(2) });
    const rs = parseResponses(ka.data);
    expect(rs.map((x) => [x.status, x.headers.connection, JSON.parse(x.body).url])).toEqual([
      [200, 'keep-alive', '/y'],
      [200, 'keep-alive', '/z'],
    ]);
    expect(ka.closed).toBe(false);
  });

  it('Connection: close answers, closes, and does not answer a request pipelined after it', async () => {
    const x = await exchange(port, [`GET /last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n${post('/never', 'n')}`]);
    expect(x.closed).toBe(true);
    const rs = parseResponses(x.data);
    expect(rs).toHaveLength(1);
    expect(rs[0].headers.connection).toBe('close');
    expect(JSON.parse(rs[0].body).url).toBe('/last');
  });

  it('a client that half-closes after its request still gets the answer', async () => {
    const x = await exchange(port, [post('/half', 'h', 'X-Delay: 20\r\n')], { endAfter: true });
    expect(x.closed).toBe(true);
    expect(JSON.parse(parseResponses(x.data)[0].body).url).toBe('/half');
  });

  it('HEAD gets the headers and Content-Length of the answer but no body', async () => {
    const x = await exchange(port, ['HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n', post('/after', 'z')], { gapMs: 20, done: finals(2, [true]) });
    const rs = parseResponses(x.data, [true]);
    expect(rs[0].status).toBe(200);
    expect(Number(rs[0].headers['content-length'])).toBeGreaterThan(0);
    expect(rs[0].body).toBe('');
    expect(JSON.parse(rs[1].body).url).toBe('/after');
  });

  const refusals: [string, string, number][] = [
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\tmore\r\n\r\n', 400],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : t\r\n\r\n', 400],
    ['invalid Content-Length', 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 12abc\r\n\r\n', 400],
    ['differing Content-Lengths', 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400],
    ['Transfer-Encoding with Content-Length', 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', 400],
    ['a transfer coding other than chunked', 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['chunk-size overflow', 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', 400],
    ['a missing Host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['HTTP/3.0', 'GET / HTTP/3.0\r\nHost: t\r\n\r\n', 505],
    ['an unknown expectation', 'GET / HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\n\r\n', 417],
    ['oversized headers', `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(3000)}\r\n\r\n`, 431],
    ['too many header fields', `GET / HTTP/1.1\r\nHost: t\r\n${Array.from({ length: 31 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, 431],
    ['a body over the pool object (Content-Length)', `POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`, 413],
    ['a body over the pool object (chunked)', `POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nc8\r\n${'x'.repeat(200)}\r\n1\r\nx\r\n0\r\n\r\n`, 413],
  ];
  for (const [what, raw, status] of refusals) {
    it(`refuses ${what}: ${status}, then closes`, async () => {
      const x = await exchange(port, [raw]);
      expect(x.closed).toBe(true);
      const rs = parseResponses(x.data);
      expect(rs.map((r) => r.status)).toEqual([status]);
      expect(rs[0].headers.connection).toBe('close');
      expect(JSON.parse(rs[0].body).statusCode).toBe(status);
    });
  }

  it('answers what was pipelined before a malformed request, then the refusal', async () => {
    const x = await exchange(port, [`${post('/ok', 'o', 'X-Delay: 30\r\n')}GET / HTTP/1.1\r\nHost: t\r\nBad Name: 1\r\n\r\n`]);
    const rs = parseResponses(x.data);
    expect(rs.map((r) => r.status)).toEqual([200, 400]);
    expect(JSON.parse(rs[0].body).url).toBe('/ok');
    expect(x.closed).toBe(true);
  });

  it('a function answer that cannot be written safely (CR LF in a header) becomes 500', async () => {
    const x = await exchange(port, [post('/inj', 'i', 'X-Bad-Header: 1\r\n')], { done: finals(1) });
    const [r] = parseResponses(x.data);
    expect(r.status).toBe(500);
    expect(r.headers.injected).toBeUndefined();
  });

  it('slowloris: a head that does not complete in time gets 408 and the connection closes', async () => {
    const x = await exchange(port, ['GET / HTTP/1.1\r\n', 'Host: t\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n'], { gapMs: 100, waitMs: 10_000 });
    expect(x.closed).toBe(true);
    expect(parseResponses(x.data).map((r) => r.status)).toEqual([408]);
  });

  it('a body that does not arrive in time gets 408 and the connection closes', async () => {
    const x = await exchange(port, ['POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab'], { waitMs: 10_000 });
    expect(x.closed).toBe(true);
    expect(parseResponses(x.data).map((r) => r.status)).toEqual([408]);
  });

  it('an idle keep-alive connection is closed without an answer', async () => {
    const x = await exchange(port, [post('/k', 'k')], { waitMs: 10_000 });
    expect(x.closed).toBe(true);
    expect(parseResponses(x.data).map((r) => r.status)).toEqual([200]);
  });

  it('serves /healthz and /metrics with the request counters and latency histogram', async () => {
    const x = await exchange(port, ['GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /metrics HTTP/1.1\r\nHost: t\r\n\r\n'], { done: finals(2) });
    const [health, metrics] = parseResponses(x.data);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', chain: 'gwtest', poolFree: 7 });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/spright_gateway_requests_total\{status="200",chain="gwtest"\} \d+/);
    expect(metrics.body).toMatch(/spright_gateway_requests_total\{status="413",chain="gwtest"\} [1-9]/);
    expect(metrics.body).toMatch(/spright_gateway_request_duration_seconds_bucket\{le="\+Inf",chain="gwtest"\} [1-9]\d*/);
    expect(metrics.body).toMatch(/spright_gateway_request_duration_seconds_count\{chain="gwtest"\} [1-9]/);
    expect(metrics.body).toMatch(/spright_gateway_pool_free_objects\{chain="gwtest"\} 7/);
  });
});

describe('Http1Server connection bookkeeping', () => {
  it('tracks connections closed in any order (swap-remove) and still times out every remaining one', async () => {
    const { Http1Server, DEFAULT_HTTP1 } = await import('../src/gateway/http1/server.ts');
    const server = new Http1Server({
      ...DEFAULT_HTTP1,
      // long enough that no idle close lands before the counts below are seen on a loaded machine
      keepAliveTimeoutMs: 1500,
      limits: { maxHeaderBytes: 2048, maxHeaderCount: 30, maxBodyBytes: MAX_BODY },
      handle: (_req, _body, reply) => reply(200, {}, Buffer.from('ok')),
    });
    await server.listen('127.0.0.1', 0);
    try {
      const { port } = server.address();
      const sockets = await Promise.all(
        Array.from({ length: 10 }, () => new Promise<import('node:net').Socket>((resolve) => { const s = connect(port, '127.0.0.1', () => resolve(s)); })),
      );
      const closedByServer = sockets.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
      const waitFor = async (n: number) => {
        const until = Date.now() + 5000;
        while (server.connections !== n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
        return server.connections;
      };
      expect(await waitFor(10)).toBe(10);
      // Close from the client side: first, last and middle ones, out of order.
      for (const i of [0, 9, 4, 3, 7]) sockets[i].destroy();
      expect(await waitFor(5)).toBe(5);
      // The idle sweep must still see each of the other five (the keep-alive timeout closes them).
      await Promise.all([1, 2, 5, 6, 8].map((i) => closedByServer[i]));
      expect(await waitFor(0)).toBe(0);
    } finally {
      await server.close();
    }
  });
});
