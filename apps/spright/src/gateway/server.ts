// The gateway's HTTP side (fastify): the only protocol processing of the chain. Each request
// becomes one pool object via ChainIngress; the answer is what the functions wrote — status,
// headers and body. Refusals are proper HTTP: 503 + Retry-After, 413, 400, 502, 504.
import Fastify, { type FastifyInstance } from 'fastify';
import { client } from '@fastpath/metrics';
import type { ChainIngress } from '@fastpath/spright-sdk';

export interface GatewayHttpOptions {
  chain: string;
  ingress: ChainIngress;
  http2?: boolean;
  /** Live-ness of the chain's functions for /healthz. */
  healthy(): boolean;
}

// Hop-by-hop and framing headers are the gateway's business, not the function's.
const DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export function gatewayMetrics(chain: string, ingress: ChainIngress) {
  // Own registry instead of createRegistry(): its default event-loop-lag monitor samples every
  // 10 ms, which alone costs an idle gateway ~1% of a core; once a second is plenty here.
  const registry = new client.Registry();
  registry.setDefaultLabels({ chain });
  client.collectDefaultMetrics({ register: registry, prefix: 'spright_gateway_', eventLoopMonitoringPrecision: 1000 });
  const requests = new client.Counter({ name: 'spright_gateway_requests_total', help: 'HTTP requests answered, by status', labelNames: ['status'], registers: [registry] });
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
  return { registry, requests, latency };
}

export function buildGateway(opts: GatewayHttpOptions): FastifyInstance {
  const { ingress } = opts;
  const app = (opts.http2 ? Fastify({ http2: true, bodyLimit: ingress.maxObjectBytes }) : Fastify({ bodyLimit: ingress.maxObjectBytes, keepAliveTimeout: 65_000 })) as unknown as FastifyInstance;
  const m = gatewayMetrics(opts.chain, ingress);
  app.removeAllContentTypeParsers();
  // Bodies stay bytes: the gateway copies them into the pool unparsed.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.get('/healthz', async (_req, reply) => {
    const ok = opts.healthy();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', chain: opts.chain, ...ingress.stats() });
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', m.registry.contentType).send(await m.registry.metrics()));

  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'],
    url: '/*',
    handler: async (req, reply) => {
      const t0 = process.hrtime.bigint();
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !k.startsWith(':')) headers[k] = v;
      const r = await ingress.submit({ method: req.method, url: req.url, headers }, body);
      m.latency.observe(Number(process.hrtime.bigint() - t0) / 1e9);
      m.requests.inc({ status: String(r.status) });
      if (!r.ok) {
        if (r.retryAfter !== undefined) reply.header('retry-after', String(r.retryAfter));
        return reply.code(r.status).send({ error: r.reason, chain: opts.chain });
      }
      for (const [k, v] of Object.entries(r.headers)) if (!DROP.has(k.toLowerCase())) reply.header(k, v);
      return reply.code(r.status).send(r.body);
    },
  });
  return app;
}
