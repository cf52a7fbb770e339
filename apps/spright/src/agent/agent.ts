// The node agent: owns every chain on this host (shm manager, proxy manager, supervisor) and
// serves the control API (HTTP on a Unix socket) and Prometheus /metrics on the same socket.
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { client, createRegistry } from '@fastpath/metrics';
import { Region } from '@fastpath/shm';
import { ChainSpecError, parseChainSpec, type ChainSpec } from '../spec/index.ts';
import { agentSocket, agentTag, stateDir } from '../paths.ts';
import { Chain, DeployError, type DeployEvent } from './chain.ts';
import { AdoptionServer, checkAdoptPlan, AdoptPlanError, type AdoptPlan } from './adopt.ts';
import { adoptSocket } from './adopt-protocol.ts';
import { deleteGatewayNet, listNetns } from './netns.ts';
import { GatewayEproxy } from './eproxy.ts';
import { ProxyManager } from './proxy-manager.ts';
import { leftoverRegions } from './shm-manager.ts';

export interface AgentOptions {
  /** Exit once the last chain is deleted (the CLI starts the agent on demand). */
  exitWhenIdle?: boolean;
  log?: (m: string) => void;
  /** How deploy starts a chain's processes (default parallel; sequential is Fig. 5.14's baseline). */
  startup?: 'parallel' | 'sequential';
  /** false: never load EPROXY (the Fig. 5.7 "without acceleration" baseline). Default true. */
  eproxy?: boolean;
}

export class Agent {
  readonly chains = new Map<string, Chain>();
  readonly #deploying = new Set<string>();
  readonly app: FastifyInstance;
  readonly registry = createRegistry('spright_agent_');
  readonly log: (m: string) => void;
  #usedIds = new Set<number>();
  #closing = false;
  #proxy: Promise<ProxyManager> | undefined;
  #eproxy: GatewayEproxy | undefined | null = null; // null = not tried yet
  /** Admits processes the agent did not spawn (pods) into chains deployed with `adopt`. */
  readonly adoption = new AdoptionServer(adoptSocket(), (m) => this.log(m));

  constructor(private readonly opts: AgentOptions = {}) {
    this.log = opts.log ?? ((m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
    this.app = Fastify({ bodyLimit: 1 << 20 });
    this.#metrics();
    this.#routes();
  }

  /** Removes what a crashed agent with the same state dir left: regions and netns. */
  sweep(): string[] {
    const tag = agentTag();
    const removed: string[] = [];
    for (const r of leftoverRegions(`sp${tag}-`)) {
      if (Region.unlink(r)) removed.push(`region ${r}`);
    }
    for (const ns of listNetns(`sp${tag}-`)) {
      deleteGatewayNet({ netns: ns, hostIf: '' });
      removed.push(`netns ${ns}`);
    }
    // Any agent's chains (benchmarks run agents in-process): only regions whose creator is dead.
    const stale = Region.sweepStale('sp');
    if (stale > 0) removed.push(`${stale} region(s) of dead processes`);
    return removed;
  }

  async listen(): Promise<string> {
    const sock = agentSocket();
    mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
    rmSync(sock, { force: true });
    await this.app.listen({ path: sock });
    await this.adoption.listen();
    return sock;
  }

  #chainId(): number {
    // Random ids keep two agents' chains apart in shared kernel maps (SPROXY is per host).
    for (;;) {
      const id = 1 + Math.floor(Math.random() * 0xfffe);
      if (!this.#usedIds.has(id)) {
        this.#usedIds.add(id);
        return id;
      }
    }
  }

  async deploy(spec: ChainSpec, emit: (e: DeployEvent) => void, adopt?: AdoptPlan): Promise<Chain> {
    if (this.chains.has(spec.name) || this.#deploying.has(spec.name)) throw new DeployError(`chain "${spec.name}" is already deployed; delete it first`);
    this.#deploying.add(spec.name);
    const id = this.#chainId();
    try {
      const proxy = spec.transport === 's' ? await this.proxyManager() : undefined;
      if (this.opts.eproxy === false) this.#eproxy = undefined;
      if (spec.gateway.netns && this.#eproxy === null) this.#eproxy = GatewayEproxy.load(this.registry, this.log);
      const chain = await Chain.deploy(spec, id, emit, (m) => this.log(`[${spec.name}] ${m}`), proxy, this.#eproxy ?? undefined, adopt && { server: this.adoption, plan: adopt }, this.opts.startup);
      this.chains.set(spec.name, chain);
      return chain;
    } catch (err) {
      this.#usedIds.delete(id);
      throw err;
    } finally {
      this.#deploying.delete(spec.name);
    }
  }

  /** The SPROXY manager, started on the first S-mode chain and kept until the agent stops. */
  proxyManager(): Promise<ProxyManager> {
    this.#proxy ??= ProxyManager.start(this.registry, this.log).then((pm) => {
      pm.onDeadLetter = (chainId, offset, generation) => {
        for (const c of this.chains.values()) if (c.topology.chainId === chainId) c.deadLetter(offset, generation);
      };
      return pm;
    }).catch((err: Error) => {
      this.#proxy = undefined;
      throw new DeployError(`transport "s" needs SPROXY, which failed to load: ${err.message}`);
    });
    return this.#proxy;
  }

  async delete(name: string): Promise<boolean> {
    const c = this.chains.get(name);
    if (!c) return false;
    this.chains.delete(name);
    await c.destroy();
    this.#usedIds.delete(c.topology.chainId);
    if (this.opts.exitWhenIdle && this.chains.size === 0 && this.#deploying.size === 0) setTimeout(() => void this.close().then(() => process.exit(0)), 50);
    return true;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const name of [...this.chains.keys()]) await this.delete(name);
    if (this.#proxy) await (await this.#proxy.catch(() => undefined))?.close();
    this.#eproxy?.close();
    await this.app.close();
    await this.adoption.close();
    rmSync(agentSocket(), { force: true });
    // Chains remove their own log folders; drop the parent once it is empty.
    try {
      rmdirSync(join(stateDir(), 'logs'));
    } catch {
      // not empty (another chain's logs kept) or never created
    }
  }

  #metrics(): void {
    const r = this.registry;
    const each = (fn: (c: Chain, set: (labels: Record<string, string>, v: number) => void) => void) =>
      function (this: client.Gauge) {
        this.reset();
        for (const c of agent.chains.values()) fn(c, (l, v) => this.set(l, v));
      };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const agent = this;
    new client.Gauge({ name: 'spright_agent_chains', help: 'Chains deployed', registers: [r], collect() { this.set(agent.chains.size); } });
    new client.Gauge({ name: 'spright_pool_free_objects', help: 'Free pool objects per chain', labelNames: ['chain'], registers: [r], collect: each((c, set) => set({ chain: c.spec.name }, c.memory.stats().free)) });
    new client.Gauge({ name: 'spright_pool_objects', help: 'Pool objects per chain', labelNames: ['chain'], registers: [r], collect: each((c, set) => set({ chain: c.spec.name }, c.memory.stats().count)) });
    new client.Gauge({ name: 'spright_pool_reclaimed_objects', help: 'Objects reclaimed from dead processes', labelNames: ['chain'], registers: [r], collect: each((c, set) => set({ chain: c.spec.name }, c.memory.stats().reclaimed)) });
    new client.Gauge({ name: 'spright_instance_restarts', help: 'Restarts per instance', labelNames: ['chain', 'fn', 'instance'], registers: [r], collect: each((c, set) => c.procs.forEach((p) => set({ chain: c.spec.name, fn: p.spec.fn, instance: String(p.spec.instance & 0xffff) }, p.restarts))) });
    new client.Gauge({
      name: 'spright_dataplane_setup_seconds',
      help: 'Per-instance data-plane setup time (pool attach + transport registration)',
      labelNames: ['chain', 'fn', 'instance'],
      registers: [r],
      collect: each((c, set) => c.procs.forEach((p) => set({ chain: c.spec.name, fn: p.spec.fn, instance: String(p.spec.instance & 0xffff) }, p.setupMs / 1000))),
    });
  }

  #routes(): void {
    const app = this.app;
    app.get('/healthz', async () => ({ status: 'ok', pid: process.pid, chains: this.chains.size }));
    app.get('/metrics', async (_req, reply) => reply.header('content-type', this.registry.contentType).send(await this.registry.metrics()));
    app.get('/chains', async () => [...this.chains.values()].map((c) => c.status()));
    app.get<{ Params: { name: string } }>('/chains/:name', async (req, reply) => {
      const c = this.chains.get(req.params.name);
      return c ? c.status() : reply.code(404).send({ error: `no chain "${req.params.name}"` });
    });
    // Body: { spec: <YAML text>, baseDir, file, adopt? }. The answer streams NDJSON deploy events.
    app.post<{ Body: { spec: string; baseDir: string; file?: string; adopt?: unknown } }>('/chains', async (req, reply) => {
      let spec: ChainSpec;
      let adopt: AdoptPlan | undefined;
      try {
        spec = parseChainSpec(req.body.spec, { file: req.body.file, baseDir: req.body.baseDir });
        if (req.body.adopt !== undefined) adopt = checkAdoptPlan(req.body.adopt, spec);
      } catch (err) {
        if (err instanceof ChainSpecError) return reply.code(400).send({ error: err.message, issues: err.issues });
        if (err instanceof AdoptPlanError) return reply.code(400).send({ error: err.message });
        throw err;
      }
      reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const emit = (e: DeployEvent) => reply.raw.write(`${JSON.stringify(e)}\n`);
      try {
        await this.deploy(spec, emit, adopt);
      } catch (err) {
        const e = err as Error & { stack_?: string };
        emit({ event: 'failed', error: e.message, stack: e.stack_ });
        if (this.opts.exitWhenIdle && this.chains.size === 0) setTimeout(() => void this.close().then(() => process.exit(0)), 50);
      }
      reply.raw.end();
      return reply;
    });
    app.delete<{ Params: { name: string } }>('/chains/:name', async (req, reply) => {
      const ok = await this.delete(req.params.name);
      return ok ? { deleted: req.params.name } : reply.code(404).send({ error: `no chain "${req.params.name}"` });
    });
    app.get<{ Params: { name: string; fn: string }; Querystring: { lines?: string } }>('/chains/:name/logs/:fn', async (req, reply) => {
      const c = this.chains.get(req.params.name);
      if (!c) return reply.code(404).send({ error: `no chain "${req.params.name}"` });
      const procs = c.procs.filter((p) => p.spec.fn === req.params.fn);
      if (procs.length === 0) return reply.code(404).send({ error: `chain "${req.params.name}" has no function "${req.params.fn}" (has: ${[...new Set(c.procs.map((p) => p.spec.fn))].join(', ')})` });
      const lines = Math.max(1, Math.min(10_000, Number(req.query.lines ?? 100) || 100));
      const out = procs.map((p) => {
        const text = existsSync(p.spec.logFile) ? readFileSync(p.spec.logFile, 'utf8') : '';
        return `==> ${p.spec.fn} instance ${p.spec.instance & 0xffff} (${p.spec.logFile}) <==\n${text.split('\n').slice(-lines - 1).join('\n')}`;
      });
      return reply.type('text/plain').send(out.join('\n'));
    });
  }
}
