// One function instance of a baseline (knative-like or grpc), spawned by launch.ts:
//   BASELINE_KIND=knative: HTTP/1.1 server (behind its nginx sidecar); hops go through the broker.
//   BASELINE_KIND=grpc:    @grpc/grpc-js server; hops are unary calls straight to the next
//                          function; the head function also serves HTTP for clients.
// Prints "READY <json>" on stdout once it listens.
import { createServer, request, Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { isSprightFunction, type ChainTopology } from '@fastpath/spright-sdk';
import { BaselineHost, encodeAnswer, type Forward, type HttpAnswer } from './host.ts';

export const OBJECT_CT = 'application/x-spright-object';
export const GRPC_PATH = '/spright.Function/Invoke';
const identity = (b: Buffer) => b;

interface Env {
  kind: 'knative' | 'grpc';
  fn: string;
  module: string;
  topology: ChainTopology;
  objectSize: number;
  httpPort: number;
  grpcPort: number;
  brokerPort: number;
  /** grpc: fn -> addresses of its instances. */
  peers: Record<string, string[]>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function writeAnswer(res: ServerResponse, a: HttpAnswer): void {
  const h: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(a.headers)) if (!DROP.has(k.toLowerCase())) h[k] = v;
  h['content-length'] = String(a.body.byteLength);
  res.writeHead(a.status, h);
  res.end(a.body);
}

function httpForward(brokerPort: number): Forward {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  return (fn, object) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: brokerPort, path: `/fn/${fn}`, method: 'POST', agent, headers: { 'content-type': OBJECT_CT, 'content-length': object.byteLength } }, (res) => {
        readBody(res).then((b) => {
          if (res.headers['content-type'] !== OBJECT_CT) reject(new Error(`broker answered ${res.statusCode} ${b.toString('utf8').slice(0, 200)}`));
          else resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        }, reject);
      });
      req.on('error', reject);
      req.end(object);
    });
}

function grpcForward(peers: Record<string, string[]>): Forward {
  const clients = new Map<string, grpc.Client[]>();
  const rr = new Map<string, number>();
  for (const [fn, addrs] of Object.entries(peers)) clients.set(fn, addrs.map((a) => new grpc.Client(a, grpc.credentials.createInsecure())));
  return (fn, object) =>
    new Promise((resolve, reject) => {
      const cs = clients.get(fn);
      if (!cs?.length) return reject(new Error(`no gRPC peer for "${fn}"`));
      const i = rr.get(fn) ?? 0;
      rr.set(fn, (i + 1) % cs.length);
      cs[i].makeUnaryRequest<Buffer, Buffer>(GRPC_PATH, identity, identity, Buffer.from(object.buffer, object.byteOffset, object.byteLength), (err, out) => {
        if (err || !out) reject(err ?? new Error('empty gRPC answer'));
        else resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      });
    });
}

async function main(): Promise<void> {
  const env = JSON.parse(process.env.BASELINE_ENV ?? 'null') as Env | null;
  if (!env) throw new Error('BASELINE_ENV must be set');
  const mod = (await import(pathToFileURL(env.module).href)) as { default?: unknown };
  const def = mod.default;
  if (!isSprightFunction(def) || def.name !== env.fn) throw new Error(`${env.module} must export default defineFunction({ name: '${env.fn}' })`);
  const forward = env.kind === 'knative' ? httpForward(env.brokerPort) : grpcForward(env.peers);
  const host = new BaselineHost(def, env.topology, forward, env.objectSize);
  if (def.init) await def.init();

  const servers: { close(): void }[] = [];
  if (env.httpPort) {
    const server = createServer((req, res) => {
      readBody(req)
        .then((body) => {
          const u8 = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
          if (req.headers['content-type'] === OBJECT_CT) {
            return host.internal(u8).then((a) => {
              const bytes = encodeAnswer(a, 0);
              res.writeHead(200, { 'content-type': OBJECT_CT, 'content-length': String(bytes.byteLength) });
              res.end(bytes);
            });
          }
          const headers: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = v;
          return host.external(req.method ?? 'GET', req.url ?? '/', headers, u8).then((a) => writeAnswer(res, a));
        })
        .catch((err: Error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${err.message}\n`);
        });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(env.httpPort, '127.0.0.1', r));
    servers.push(server);
  }
  if (env.grpcPort) {
    const server = new grpc.Server();
    server.register<Buffer, Buffer>(
      GRPC_PATH,
      (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const b = call.request;
        host.internal(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).then(
          (a) => {
            const bytes = encodeAnswer(a, 0);
            cb(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          },
          (err: Error) => cb({ code: grpc.status.INTERNAL, details: err.message }),
        );
      },
      identity,
      identity,
      'unary',
    );
    await new Promise<void>((resolve, reject) => server.bindAsync(`127.0.0.1:${env.grpcPort}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    servers.push({ close: () => server.forceShutdown() });
  }
  const stop = () => {
    for (const s of servers) s.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`READY ${JSON.stringify({ fn: env.fn, pid: process.pid, httpPort: env.httpPort, grpcPort: env.grpcPort })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`baseline function: ${err.stack ?? err}\n`);
  process.exit(1);
});
