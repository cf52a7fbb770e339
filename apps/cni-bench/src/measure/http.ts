// HTTP workload (Table 3.2 / Fig. 3.14): nginx in the server pod serving a 5 MB file, `ab`
// in the client pod at increasing concurrency. Requests per level are scaled down from the
// dissertation's 500K to fit the time budget (n = max(c, minRequests): every client sends at least one request).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemon, inNs, tcpCount, waitFor } from '../exec.ts';
import { PORTS } from '../lab/addressing.ts';
import type { Lab, Pod } from '../lab/lab.ts';

export interface AbResult {
  concurrency: number;
  requests: number;
  failed: number;
  rps: number;
  meanMs: number;
  gbps: number;
  p50Ms: number;
  p99Ms: number;
}

export function parseAb(text: string, concurrency: number): AbResult {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    if (!m) throw new Error(`ab output lacks ${re}: ${text.slice(0, 400)}`);
    return Number(m[1]);
  };
  return {
    concurrency,
    requests: num(/Complete requests:\s+(\d+)/),
    failed: num(/Failed requests:\s+(\d+)/),
    rps: num(/Requests per second:\s+([\d.]+)/),
    meanMs: num(/Time per request:\s+([\d.]+) \[ms\] \(mean\)/),
    gbps: (num(/Transfer rate:\s+([\d.]+) \[Kbytes\/sec\]/) * 1024 * 8) / 1e9,
    p50Ms: num(/^\s+50%\s+(\d+)/m),
    p99Ms: num(/^\s+99%\s+(\d+)/m),
  };
}

function nginxConf(dir: string): string {
  return `daemon off;
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 0;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server { listen ${PORTS.http} backlog=4096; root ${dir}/www; }
}
`;
}

export async function http(lab: Lab, client: Pod, server: Pod, opts: { concurrency: number[]; minRequests: number; sizeMB: number }): Promise<AbResult[]> {
  const dir = join(lab.scratch, 'nginx');
  mkdirSync(join(dir, 'www'), { recursive: true });
  writeFileSync(join(dir, 'www', 'payload.bin'), Buffer.alloc(opts.sizeMB * 1024 * 1024, 0x61));
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir));
  const ngx = daemon(server.ns, ['nginx', '-c', join(dir, 'nginx.conf')]);
  try {
    await waitFor('nginx to listen', async () => {
      if (ngx.child.exitCode !== null) throw new Error(`nginx did not start: ${ngx.output()}`);
      return (await tcpCount(server.ns, 'listening', PORTS.http)) > 0;
    }, 20_000);
    const out: AbResult[] = [];
    for (const c of opts.concurrency) {
      const n = Math.max(c, opts.minRequests);
      const r = await inNs(client.ns, ['ab', '-q', '-n', String(n), '-c', String(c), '-s', '60', `http://${server.ip}:${PORTS.http}/payload.bin`], { timeoutMs: 300_000 });
      out.push(parseAb(r.stdout, c));
    }
    return out;
  } finally {
    await ngx.stop();
  }
}
