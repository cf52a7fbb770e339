// The gateway's HTTP side: the only protocol processing of the chain. Each request becomes one
// pool object via ChainIngress; the answer is what the functions wrote — status, headers and
// body. Refusals are proper HTTP: 503 + Retry-After, 413, 400, 502, 504.
//
// HTTP/1.1 is served by our own server on node:net (./http1/): in the chain2 profile at c=32,
// node:http's per-request machinery (IncomingMessage/ServerResponse, streams, header objects)
// was most of the gateway's CPU, and the gateway most of the chain's. h2c stays on node:http2.
import { createServer as createH2cServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { ChainIngress, IngressResult } from '@fastpath/spright-sdk';
import { gatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { DEFAULT_HTTP1, Http1Server, type Http1Options } from './http1/server.ts';
import { DROP, type OutgoingHeaders } from './http1/response.ts';

export { gatewayMetrics } from './metrics.ts';

export interface GatewayHttpOptions {
  chain: string;
  ingress: ChainIngress;
  http2?: boolean;
  /** Live-ness of the chain's functions for /healthz. */
  healthy(): boolean;
  /** Shared between the HTTP/1.1 and h2c listeners of one gateway (default: a new registry). */
  metrics?: GatewayMetrics;
  /** HTTP/1.1 timeouts and pipelining bound (defaults: DEFAULT_HTTP1). */
  http1?: Partial<Omit<Http1Options, 'limits' | 'handle' | 'refused'>> & { maxHeaderBytes?: number; maxHeaderCount?: number };
}

export interface GatewayServer {
  listen(host: string, port: number): Promise<void>;
  /** The bound port (after listen; port 0 picks a free one). */
  port(): number;
  close(): Promise<void>;
}

/** What the gateway answers: from the chain, or its own JSON (refusals, /healthz, /metrics). */
type Answer = (status: number, headers: OutgoingHeaders, body: Uint8Array) => void;

const JSON_CT = 'application/json; charset=utf-8';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const EMPTY = Buffer.alloc(0);

/** Everything both listeners do per request: /healthz, /metrics, or one trip through the chain. */
function gatewayCore(opts: GatewayHttpOptions, m: GatewayMetrics) {
  const { ingress } = opts;
  const fromChain = (r: IngressResult, answer: Answer) => {
    if (r.ok) answer(r.status, r.headers, r.body);
    else answer(r.status, r.retryAfter !== undefined ? { 'content-type': JSON_CT, 'retry-after': String(r.retryAfter) } : { 'content-type': JSON_CT }, json({ error: r.reason, chain: opts.chain }));
  };
  return {
    maxBody: ingress.maxObjectBytes,
    tooLarge(t0: number, answer: Answer, extra: OutgoingHeaders = {}): void {
      m.observe(413, t0);
      answer(413, { 'content-type': JSON_CT, ...extra }, json({ error: `body larger than ${ingress.maxObjectBytes} bytes`, statusCode: 413 }));
    },
    handle(method: string, url: string, headers: Record<string, string | string[]>, body: Uint8Array, t0: number, answer: Answer): void {
      if ((method === 'GET' || method === 'HEAD') && url === '/healthz') {
        const ok = opts.healthy();
        answer(ok ? 200 : 503, { 'content-type': JSON_CT }, json({ status: ok ? 'ok' : 'degraded', chain: opts.chain, ...ingress.stats() }));
        return;
      }
      if ((method === 'GET' || method === 'HEAD') && url === '/metrics') {
        m.registry.metrics().then(
          (text) => answer(200, { 'content-type': m.registry.contentType }, Buffer.from(text)),
          (err: Error) => answer(500, { 'content-type': JSON_CT }, json({ error: err.message })),
        );
        return;
      }
      ingress.submit({ method, url, headers }, body.byteLength ? body : EMPTY).then(
        (r) => {
          m.observe(r.status, t0);
          fromChain(r, answer);
        },
        (err: Error) => {
          m.observe(500, t0);
          answer(500, { 'content-type': JSON_CT }, json({ error: err.message, chain: opts.chain }));
        },
      );
    },
  };
}

export function buildGateway(opts: GatewayHttpOptions): GatewayServer {
  const m = opts.metrics ?? gatewayMetrics(opts.chain, opts.ingress);
  const core = gatewayCore(opts, m);
  return opts.http2 ? buildH2c(core) : buildHttp1(opts, core, m);
}

function buildHttp1(opts: GatewayHttpOptions, core: ReturnType<typeof gatewayCore>, m: GatewayMetrics): GatewayServer {
  const h = opts.http1 ?? {};
  const server = new Http1Server({
    ...DEFAULT_HTTP1,
    ...h,
    limits: { maxHeaderBytes: h.maxHeaderBytes ?? 16 * 1024, maxHeaderCount: h.maxHeaderCount ?? 100, maxBodyBytes: core.maxBody },
    handle: (req, body, reply) => core.handle(req.method, req.url, req.headers, body, performance.now(), reply),
    refused: (status) => m.count(status),
  });
  return { listen: (host, port) => server.listen(host, port), port: () => server.address().port, close: () => server.close() };
}

type H2Req = Http2ServerRequest;
type H2Res = Http2ServerResponse;

function buildH2c(core: ReturnType<typeof gatewayCore>): GatewayServer {
  const limit = core.maxBody;
  function handle(req: H2Req, res: H2Res): void {
    const t0 = performance.now();
    const answer: Answer = (status, headers, body) => {
      if (res.headersSent || res.destroyed) return;
      const out: Record<string, string | string[]> = {};
      for (const k in headers) if (!DROP.has(k.toLowerCase())) out[k] = headers[k] as string | string[];
      out['content-length'] = String(body.byteLength);
      try {
        res.writeHead(status, out);
        res.end(body);
      } catch (err) {
        if (!res.headersSent) {
          const b = json({ error: (err as Error).message });
          res.writeHead(500, { 'content-type': JSON_CT, 'content-length': String(b.byteLength) });
          res.end(b);
        } else res.destroy(err as Error);
      }
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) return core.tooLarge(t0, answer);
    const chunks: Buffer[] = [];
    let n = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      n += c.byteLength;
      if (n > limit) {
        if (!refused) core.tooLarge(t0, answer);
        refused = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !k.startsWith(':')) headers[k] = v;
      core.handle(req.method, req.url, headers, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, n), t0, answer);
    });
  }
  const server: Http2Server = createH2cServer(handle);
  // h2c sessions keep server.close() waiting; closing them lets the gateway exit promptly.
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    port: () => (server.address() as { port: number }).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
