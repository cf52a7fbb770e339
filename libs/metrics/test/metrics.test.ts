import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, createRegistry, serveMetrics } from '../src/index.ts';

function get(opts: { socketPath?: string; port?: number; path: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', ...opts, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics', () => {
  it('serves a registry with custom and default metrics over TCP', async () => {
    const registry = createRegistry('fastpath_test_', { component: 'unit' });
    const c = new client.Counter({ name: 'fastpath_test_requests_total', help: 'requests', registers: [registry] });
    c.inc(3);
    const srv = await serveMetrics({ registry, port: 0 });
    try {
      const port = Number(new URL(srv.url).port);
      const r = await get({ port, path: '/metrics' });
      expect(r.status).toBe(200);
      expect(r.body).toContain('fastpath_test_requests_total{component="unit"} 3');
      expect(r.body).toContain('fastpath_test_process_cpu_user_seconds_total');
      expect((await get({ port, path: '/other' })).status).toBe(404);
    } finally {
      await srv.close();
    }
  });

  it('serves over a Unix socket, replacing a stale one', async () => {
    const socketPath = join(tmpdir(), `fp-metrics-${process.pid}.sock`);
    const registry = createRegistry('fastpath_sock_');
    const a = await serveMetrics({ registry, socketPath });
    await a.close();
    const b = await serveMetrics({ registry, socketPath });
    try {
      expect(b.url).toBe(`unix:${socketPath}`);
      expect((await get({ socketPath, path: '/metrics' })).body).toContain('fastpath_sock_');
    } finally {
      await b.close();
    }
  });

  it('rejects bad prefixes and ambiguous listen options', async () => {
    expect(() => createRegistry('bad-prefix')).toThrow(/not a valid Prometheus/);
    await expect(serveMetrics({ registry: createRegistry('x_') })).rejects.toThrow(/exactly one/);
  });
});
