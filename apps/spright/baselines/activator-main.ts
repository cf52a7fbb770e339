// The knative-like baseline's activator + autoscaler for scale-to-zero (Knative's activator and
// KPA, reduced to what the IoT and parking experiments need): the broker routes every hop here;
// a request for a function with no running instance starts one (Node function process + its
// nginx sidecar) and is held until the sidecar answers; an instance with no request for `graceS`
// is stopped (SIGTERM to its process group). Unlike Knative, the activator stays in the path
// when warm (one extra local HTTP hop). Prints "READY" once it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, Agent } from 'node:http';
import { join } from 'node:path';
import { workspaceRoot } from '@fastpath/native';
import { fnEntry, nginxConf, startNginx, waitLine, waitNginx } from './launch.ts';

interface Plan {
  fn: string;
  i: number;
  httpPort: number;
  sidecarPort: number;
  fnEnv: Record<string, string>;
}

interface Instance extends Plan {
  procs: ChildProcess[];
  starting?: Promise<void>;
  up: boolean;
  inflight: number;
  last: number;
  starts: number;
}

const env = JSON.parse(process.env.ACTIVATOR_ENV ?? 'null') as { port: number; graceS: number; dir: string; instances: Plan[] };
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const byFn = new Map<string, Instance[]>();
for (const p of env.instances) (byFn.get(p.fn) ?? byFn.set(p.fn, []).get(p.fn)!).push({ ...p, procs: [], up: false, inflight: 0, last: 0, starts: 0 });
const rr = new Map<string, number>();

function log(m: string): void {
  process.stderr.write(`${new Date().toISOString()} activator: ${m}\n`);
}

async function start(x: Instance): Promise<void> {
  const t0 = Date.now();
  const fnProc = spawn(process.execPath, ['--import', 'tsx', fnEntry], { cwd: workspaceRoot, env: { ...process.env, ...x.fnEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  x.procs = [fnProc];
  await waitLine(fnProc, `function ${x.fn}#${x.i}`);
  const p = join(env.dir, `sidecar-${x.fn}-${x.i}`);
  const sidecar = startNginx(p, nginxConf(p, x.sidecarPort, { fn: [x.httpPort] }, [{ path: '/', upstream: 'fn' }]));
  x.procs.push(sidecar);
  await waitNginx(sidecar, p, `sidecar ${x.fn}`);
  x.up = true;
  x.starts++;
  log(`started ${x.fn}#${x.i} in ${Date.now() - t0} ms`);
}

function stop(x: Instance): void {
  x.up = false;
  for (const c of x.procs) {
    try {
      process.kill(-c.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  x.procs = [];
  log(`scaled ${x.fn}#${x.i} to zero`);
}

async function ensure(x: Instance): Promise<void> {
  if (x.up) return;
  x.starting ??= start(x).finally(() => (x.starting = undefined));
  await x.starting;
}

setInterval(() => {
  const now = Date.now();
  for (const xs of byFn.values()) for (const x of xs) if (x.up && !x.starting && x.inflight === 0 && now - x.last > env.graceS * 1000) stop(x);
}, 500).unref();

const server = createServer((req, res) => {
  const fn = String(req.headers['x-spright-fn'] ?? '');
  const xs = byFn.get(fn);
  if (!xs) {
    res.writeHead(404).end(`no function ${fn}\n`);
    return;
  }
  const i = rr.get(fn) ?? 0;
  rr.set(fn, (i + 1) % xs.length);
  const x = xs[i];
  x.inflight++;
  x.last = Date.now();
  ensure(x)
    .then(
      () =>
        new Promise<void>((resolve, reject) => {
          const headers = { ...req.headers };
          delete headers['x-spright-fn'];
          const up = request({ host: '127.0.0.1', port: x.sidecarPort, method: req.method, path: req.url, headers, agent }, (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
            r.on('end', resolve);
            r.on('error', reject);
          });
          up.on('error', reject);
          req.pipe(up);
        }),
    )
    .catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`activator: ${err.message}\n`);
    })
    .finally(() => {
      x.inflight--;
      x.last = Date.now();
    });
});
server.keepAliveTimeout = 65_000;
server.listen(env.port, '127.0.0.1', () => process.stdout.write(`READY ${JSON.stringify({ port: env.port })}\n`));
const shutdown = () => {
  for (const xs of byFn.values()) for (const x of xs) stop(x);
  setTimeout(() => process.exit(0), 200);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
