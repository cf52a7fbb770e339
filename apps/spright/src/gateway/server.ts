// The gateway's HTTP side: the only protocol processing of the chain. Each request becomes one
// pool object via ChainIngress; the answer is what the functions wrote — status, headers and
// body. Refusals are proper HTTP: 503 + Retry-After, 413, 400, 502, 504.
//
// Plain node:http (and node:http2 for h2c) rather than a framework: the per-request work here is
// on every request of the chain, and a router, hooks and a reply object per request cost more
// CPU than the rest of a 2-function chain (profiled with --cpu-prof, chain2 at c=32).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2cServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { client } from '@fastpath/metrics';
import type { ChainIngress } from '@fastpath/spright-sdk';

export interface GatewayHttpOptions {
  chain: string;
  ingress: ChainIngress;
  http2?: boolean;
  /** Live-ness of the chain's functions for /healthz. */
  healthy(): boolean;
}

export interface GatewayServer {
  listen(host: string, port: number): Promise<void>;
  close(): Promise<void>;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

// Hop-by-hop and framing headers are the gateway's business, not the function's.
const DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export function gatewayMetrics(chain: string, ingress: ChainIngress) {
  // Own registry instead of createRegistry(): its default event-loop-lag monitor samples every
  // 10 ms, which alone costs an idle gateway ~1% of a core; once a second is plenty here.
  const registry = new client.Registry();
  registry.setDefaultLabels({ chain });
  client.collectDefaultMetrics({ register: registry, prefix: 'spright_gateway_', eventLoopMonitoringPrecision: 1000 });
  // Answers by status are plain counters bumped per request and copied into the metric when
  // scraped: a labelled prom-client inc() hashes its labels on every request.
  const byStatus = new Map<number, number>();
  new client.Counter({
    name: 'spright_gateway_requests_total',
    help: 'HTTP requests answered, by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [s, n] of byStatus) this.inc({ status: String(s) }, n);
    },
  });
  const latency = new client.Histogram({
    name: 'spright_gateway_request_duration_seconds',
    help: 'Gateway-observed request latency',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('spright_gateway_inflight', 'Requests in the chain now', () => ingress.stats().inflight);
  gauge('spright_gateway_pool_free_objects', 'Free objects in the chain pool', () => ingress.stats().poolFree);
  gauge('spright_gateway_pool_objects', 'Objects in the chain pool', () => ingress.stats().poolSize);
  for (const k of ['rejected_exhausted', 'rejected_limit', 'rejected_too_large', 'failed_dead', 'timed_out'] as const) {
    gauge(`spright_gateway_${k}`, `Requests ${k.replace('_', ' ')} since start`, () => ingress.stats()[k]);
  }
  return {
    registry,
    observe(status: number, t0: bigint): void {
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      latency.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    },
  };
}

function sendJson(res: Res, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  (res as ServerResponse).writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** Reads the body up to `limit` bytes; undefined (and a 413 sent) when it is larger. */
function readBody(req: Req, res: Res, limit: number, tooLarge: () => void): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const refuse = () => {
    tooLarge();
    // Close after answering: the rest of the oversized body is not read.
    sendJson(res, 413, { error: `body larger than ${limit} bytes`, statusCode: 413 }, req.httpVersionMajor === 1 ? { connection: 'close' } : {});
  };
  if (declared > limit) {
    refuse();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.byteLength;
      if (n > limit) {
        if (n - c.byteLength <= limit) {
          refuse();
          resolve(undefined);
        }
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (n <= limit) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, n));
    });
    req.on('error', reject);
    // A client gone mid-body: nothing to answer (no-op after 'end').
    req.on('close', () => resolve(undefined));
  });
}

export function buildGateway(opts: GatewayHttpOptions): GatewayServer {
  const { ingress } = opts;
  const m = gatewayMetrics(opts.chain, ingress);
  const limit = ingress.maxObjectBytes;
  const empty = Buffer.alloc(0);

  async function chainRequest(req: Req, res: Res, t0: bigint): Promise<void> {
    const body = await readBody(req, res, limit, () => m.observe(413, t0));
    if (!body) return;
    let headers = req.headers as Record<string, string | string[]>;
    if (opts.http2) {
      headers = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !k.startsWith(':')) headers[k] = v;
    }
    const r = await ingress.submit({ method: req.method ?? 'GET', url: req.url ?? '/', headers }, body.byteLength ? body : empty);
    m.observe(r.status, t0);
    if (!r.ok) {
      sendJson(res, r.status, { error: r.reason, chain: opts.chain }, r.retryAfter !== undefined ? { 'retry-after': String(r.retryAfter) } : {});
      return;
    }
    const out: Record<string, string | string[]> = {};
    for (const k in r.headers) if (!DROP.has(k.toLowerCase())) out[k] = r.headers[k];
    out['content-length'] = String(r.body.byteLength);
    (res as ServerResponse).writeHead(r.status, out);
    res.end(r.body);
  }

  function handle(req: Req, res: Res): void {
    const t0 = process.hrtime.bigint();
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/healthz') {
      const ok = opts.healthy();
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', chain: opts.chain, ...ingress.stats() });
      return;
    }
    if (req.method === 'GET' && url === '/metrics') {
      m.registry.metrics().then(
        (text) => {
          (res as ServerResponse).writeHead(200, { 'content-type': m.registry.contentType });
          res.end(text);
        },
        (err: Error) => sendJson(res, 500, { error: err.message }),
      );
      return;
    }
    chainRequest(req, res, t0).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: err.message, chain: opts.chain });
      else res.destroy(err);
    });
  }

  const server: Server | Http2Server = opts.http2 ? createH2cServer(handle as never) : createServer(handle);
  if (!opts.http2) (server as Server).keepAliveTimeout = 65_000;
  // h2c sessions keep server.close() waiting; closing them lets the gateway exit promptly.
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  if (opts.http2) {
    (server as Http2Server).on('session', (s) => {
      sessions.add(s);
      s.once('close', () => sessions.delete(s));
    });
  }
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        (server as Server).closeAllConnections?.();
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
