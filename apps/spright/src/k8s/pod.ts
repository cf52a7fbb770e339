// What runs in a chain's pods (`pod-main.ts function`, `pod-main.ts gateway`): join the chain through the
// node agent's adoption socket, then run the very same host (libs/spright-sdk host-main) or gateway
// entry the agent spawns locally. Those entries talk to the agent through process.send /
// 'message' / 'disconnect' (Node's IPC channel, JSON lines over a Unix socket); here that channel is
// the adoption connection, so one code path serves spawned and adopted processes.
import { writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { ENV_INSTANCE, ENV_MODULE, ENV_SPROXY_FD, ENV_TOPOLOGY, hostEntry, type ToAgent, type ToChild } from '@fastpath/spright-sdk';
import { AdoptRefusedError, AgentUnreachableError, adoptSelf, type Adopted, type PodIdentity } from '../agent/adopt-protocol.ts';
import { AgentError, agentRequest } from '../cli/client.ts';
import { gatewayEntry } from '../paths.ts';
import type { ChainSpec } from '../spec/index.ts';

export interface PodOptions {
  chain: string;
  /** Function name, or "gateway". */
  fn: string;
  token: string;
  /** Function module (function pods). */
  module?: string;
  /** Chain spec (gateway pods register the chain with the agent when it is not there yet). */
  spec?: ChainSpec;
  pod?: PodIdentity;
  socket?: string;
  /** How long to keep retrying while the agent or the chain is not there yet. */
  waitMs?: number;
  /** Touched once the process is ready (the pod's readiness probe checks it). */
  readyFile?: string;
  log?: (m: string) => void;
}

/** Refusals worth retrying: the chain may not be registered yet, or a dead pod's slot not yet freed. */
const transient = (err: unknown) => err instanceof AgentUnreachableError || (err instanceof AdoptRefusedError && (err.code === 'unknown-chain' || err.code === 'no-free-instance'));

export async function adoptWithRetry(o: PodOptions): Promise<Adopted> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const until = Date.now() + (o.waitMs ?? 120_000);
  for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return adoptSelf({ chain: o.chain, fn: o.fn, token: o.token, pod: o.pod }, { socket: o.socket });
    } catch (err) {
      if (!transient(err) || Date.now() + delay > until) throw err;
      log(`${(err as Error).message}; retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Registers the chain with the node agent (all its processes adopted); a no-op when it is there. */
export async function registerChain(spec: ChainSpec, token: string, log: (m: string) => void): Promise<void> {
  const body = { spec: JSON.stringify({ ...spec, gateway: { ...spec.gateway, address: '0.0.0.0', netns: false } }), baseDir: '/', adopt: { functions: ['gateway', ...spec.functions.map((f) => f.name)], token } };
  await new Promise<void>((resolve, reject) => {
    // The answer streams until every pod joined; we only wait until the agent started the chain.
    agentRequest('POST', '/chains', body, (line) => {
      const e = JSON.parse(line) as { event: string; error?: string };
      if (e.event === 'starting') resolve();
      if (e.event === 'failed' && e.error?.includes('already deployed')) resolve();
      else if (e.event === 'failed') reject(new AgentError(`the agent could not start chain "${spec.name}": ${e.error}`));
      log(`agent: ${line}`);
    }).then((r) => (r.status === 200 ? resolve() : reject(new AgentError(`the agent refused chain "${spec.name}": ${r.body}`, r.status))), reject);
  });
}

/** Makes `process.send` & co. speak over the adoption connection (see the header). */
function bridgeControl(fd: number, readyFile: string | undefined): void {
  const conn = new net.Socket({ fd, readable: true, writable: true });
  const proc = process as unknown as { send: (m: ToAgent, cb?: () => void) => boolean; disconnect: () => void };
  proc.send = (m, cb) => {
    if (m.t === 'ready' && readyFile) writeFileSync(readyFile, `${m.pid}\n`);
    return conn.write(`${JSON.stringify(m)}\n`, cb);
  };
  proc.disconnect = () => conn.end();
  let buf = '';
  conn.setEncoding('utf8');
  conn.on('data', (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) process.emit('message', JSON.parse(line) as ToChild, undefined);
    }
  });
  conn.on('error', () => {});
  conn.on('close', () => {
    if (readyFile) rmSync(readyFile, { force: true });
    process.emit('disconnect');
  });
}

/** Joins the chain and runs the function host or the gateway in this process. */
export async function runPod(o: PodOptions): Promise<void> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (o.fn === 'gateway') {
    if (!o.spec) throw new Error('spright gateway pod: the chain spec is required (SPRIGHT_CHAIN_SPEC)');
    await registerChain(o.spec, o.token, log);
    // The gateway pod owns the chain on its node: when Kubernetes stops it (delete, rollout), the
    // agent removes the chain (region, slots) and tells every function pod to stop.
    process.once('SIGTERM', () => {
      log(`SIGTERM: removing chain "${o.chain}" from the node agent`);
      agentRequest('DELETE', `/chains/${encodeURIComponent(o.chain)}`).then(
        () => setTimeout(() => process.exit(0), 2000).unref(),
        () => process.exit(0),
      );
    });
  } else if (!o.module) throw new Error('spright function pod: the function module is required (SPRIGHT_MODULE)');
  const a = await adoptWithRetry(o);
  const w = a.welcome;
  log(`adopted into chain "${o.chain}" as ${o.fn} (instance ${w.instance & 0xffff}, transport ${w.topology.transport}${a.sproxyFd !== undefined ? ', SPROXY socket received' : ''})`);
  process.env[ENV_TOPOLOGY] = JSON.stringify(w.topology);
  process.env[ENV_INSTANCE] = String(w.instance);
  if (a.sproxyFd !== undefined) process.env[ENV_SPROXY_FD] = String(a.sproxyFd);
  if (o.module) process.env[ENV_MODULE] = o.module;
  process.env.SPRIGHT_FUNCTION = o.fn;
  process.env.SPRIGHT_GATEWAY = JSON.stringify({ ...w.gateway, address: '0.0.0.0', netns: false });
  bridgeControl(a.fd, o.readyFile);
  await import(o.fn === 'gateway' ? gatewayEntry : hostEntry);
}

/** Options from the environment the manifests set (downward API, Secret, spec). */
export function podOptionsFromEnv(fn: string | undefined, env: NodeJS.ProcessEnv = process.env): PodOptions {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`spright: ${k} must be set (the manifests from \`spright deploy --target k8s\` set it)`);
    return v;
  };
  const spec = env.SPRIGHT_CHAIN_SPEC ? (JSON.parse(env.SPRIGHT_CHAIN_SPEC) as ChainSpec) : undefined;
  return {
    chain: need('SPRIGHT_CHAIN'),
    fn: fn ?? need('SPRIGHT_FUNCTION'),
    token: need('SPRIGHT_TOKEN'),
    module: env[ENV_MODULE],
    spec,
    pod: env.POD_NAME ? { name: env.POD_NAME, namespace: env.POD_NAMESPACE, uid: env.POD_UID } : undefined,
    socket: env.SPRIGHT_ADOPT_SOCKET,
    waitMs: env.SPRIGHT_ADOPT_WAIT_S ? Number(env.SPRIGHT_ADOPT_WAIT_S) * 1000 : undefined,
    readyFile: env.SPRIGHT_READY_FILE,
  };
}
