// Prometheus metrics for every long-running component: one registry per component with
// a name prefix and the default process metrics, served on GET /metrics over TCP or a Unix socket.
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import client from 'prom-client';

export { client };
export type Registry = client.Registry;

/** A registry whose default process metrics carry `prefix` (e.g. "fastpath_upf_"). */
export function createRegistry(prefix: string, labels: Record<string, string> = {}): client.Registry {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw new Error(`metrics prefix ${JSON.stringify(prefix)} is not a valid Prometheus name prefix`);
  const registry = new client.Registry();
  registry.setDefaultLabels(labels);
  client.collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

export interface MetricsServerOptions {
  registry: client.Registry;
  /** TCP port (0 = any free port) on `host` (default 127.0.0.1). */
  port?: number;
  host?: string;
  /** Or a Unix socket path (replaced if a stale one exists). */
  socketPath?: string;
}

export interface MetricsServer {
  /** "http://127.0.0.1:PORT/metrics" or "unix:PATH". */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function serveMetrics(opts: MetricsServerOptions): Promise<MetricsServer> {
  if ((opts.port === undefined) === (opts.socketPath === undefined)) throw new Error('serveMetrics: give exactly one of port or socketPath');
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    opts.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${err.message}\n`),
    );
  });
  if (opts.socketPath) rmSync(opts.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (opts.socketPath) server.listen(opts.socketPath, resolve);
    else server.listen(opts.port, opts.host ?? '127.0.0.1', resolve);
  });
  const addr = server.address();
  const url = typeof addr === 'string' ? `unix:${addr}` : `http://${addr!.address}:${addr!.port}/metrics`;
  return {
    url,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
