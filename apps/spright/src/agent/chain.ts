// One deployed chain on this node: its shared memory, gateway netns, and supervised processes.
// Deploy starts every process in parallel and rolls everything back if one fails; a process that
// dies later has its objects reclaimed, the rest of the chain told, and is restarted with backoff.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { allInstances, ENV_INSTANCE, ENV_MODULE, ENV_SPROXY_SOCKET, ENV_TOPOLOGY, hostEntry, type ChainTopology } from '@fastpath/spright-sdk';
import type { ChainSpec } from '../spec/index.ts';
import { agentTag, gatewayEntry, logsDir, netnsName, regionName } from '../paths.ts';
import type { ProxyManager } from './proxy-manager.ts';
import { createGatewayNet, deleteGatewayNet, type GatewayNet } from './netns.ts';
import { readCpuTicks } from './proc.ts';
import { ChainMemory } from './shm-manager.ts';
import { backoffMs, Supervised } from './supervisor.ts';
import { buildTopology } from './topology.ts';

export type DeployEvent =
  | { event: 'region'; region: string; backing: string; objects: number; objectSize: number }
  | { event: 'netns'; netns: string; gatewayIp: string }
  | { event: 'starting'; processes: number }
  | { event: 'instance-ready'; fn: string; instance: number; pid: number; setupMs: number }
  | { event: 'ready'; url: string }
  | { event: 'failed'; error: string; stack?: string };

export class DeployError extends Error {
  constructor(
    message: string,
    readonly stack_?: string,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

export interface InstanceStatus {
  fn: string;
  instance: number;
  pid?: number;
  state: string;
  restarts: number;
  setupMs: number;
  cpuTicks?: number;
}

export interface ChainStatus {
  name: string;
  chainId: number;
  transport: string;
  state: 'starting' | 'running' | 'degraded' | 'deleting';
  url: string;
  region: string;
  netns?: string;
  pool: { objects: number; free: number; objectSize: number; reclaimed: number; exhausted: number };
  instances: InstanceStatus[];
  reclaimedByDeath: number;
}

export class Chain {
  readonly topology: ChainTopology;
  readonly memory: ChainMemory;
  net: GatewayNet | undefined;
  readonly procs: Supervised[] = [];
  state: ChainStatus['state'] = 'starting';
  reclaimedByDeath = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly log: (m: string) => void;

  private constructor(
    readonly spec: ChainSpec,
    memory: ChainMemory,
    topology: ChainTopology,
    log: (m: string) => void,
    readonly proxy?: ProxyManager,
  ) {
    this.memory = memory;
    this.topology = topology;
    this.log = log;
  }

  get url(): string {
    const host = this.net ? this.net.gwIp : this.spec.gateway.address === '0.0.0.0' ? '127.0.0.1' : this.spec.gateway.address;
    return `http://${host}:${this.spec.gateway.port}`;
  }

  static async deploy(spec: ChainSpec, chainId: number, emit: (e: DeployEvent) => void, log: (m: string) => void = () => {}, proxy?: ProxyManager): Promise<Chain> {
    const tag = agentTag();
    const { memory, topology } = ChainMemory.create(spec, regionName(spec.name, tag), (key) => buildTopology(spec, chainId, regionName(spec.name, tag), key));
    const chain = new Chain(spec, memory, topology, log, proxy);
    try {
      emit({ event: 'region', region: memory.region.name, backing: memory.region.backing, objects: spec.pool.objects, objectSize: spec.pool.objectSize });
      if (spec.gateway.netns) {
        chain.net = createGatewayNet(netnsName(spec.name, tag), `sp${tag}${chainId.toString(36)}`.slice(0, 13), chainId);
        emit({ event: 'netns', netns: chain.net.netns, gatewayIp: chain.net.gwIp });
      }
      const dir = logsDir(spec.name);
      mkdirSync(dir, { recursive: true });
      const env: Record<string, string> = { [ENV_TOPOLOGY]: JSON.stringify(topology), FASTPATH_SHM_NO_HUGEPAGES: process.env.FASTPATH_SHM_NO_HUGEPAGES ?? '' };
      if (proxy) env[ENV_SPROXY_SOCKET] = proxy.registrationPath;
      for (const f of topology.functions) {
        const fs = spec.functions.find((x) => x.name === f.name)!;
        for (const inst of f.instances) {
          chain.procs.push(
            new Supervised({
              instance: inst.id,
              fn: f.name,
              entry: hostEntry,
              env: { ...fs.env, ...env, [ENV_INSTANCE]: String(inst.id), [ENV_MODULE]: fs.module, SPRIGHT_FUNCTION: f.name },
              logFile: join(dir, `${f.name}-${inst.id & 0xffff}.log`),
            }),
          );
        }
      }
      chain.procs.push(
        new Supervised({
          instance: topology.gateway.id,
          fn: 'gateway',
          entry: gatewayEntry,
          env: { ...env, [ENV_INSTANCE]: String(topology.gateway.id), SPRIGHT_GATEWAY: JSON.stringify(spec.gateway) },
          logFile: join(dir, 'gateway.log'),
          netns: chain.net?.netns,
        }),
      );
      emit({ event: 'starting', processes: chain.procs.length });
      // All at once: start-up cost is the slowest process, not the sum (dissertation §5.4.3).
      // The first failure aborts the deploy at once; the rest are stopped by the rollback.
      await new Promise<void>((resolve, reject) => {
        let left = chain.procs.length;
        for (const p of chain.procs) {
          p.start().then(
            (setupMs) => {
              emit({ event: 'instance-ready', fn: p.spec.fn, instance: p.spec.instance, pid: p.pid ?? 0, setupMs });
              if (--left === 0) resolve();
            },
            (err: Error & { stack_?: string }) => reject(new DeployError(err.message, err.stack_)),
          );
        }
      });
      for (const p of chain.procs) chain.#watch(p);
      chain.state = 'running';
      emit({ event: 'ready', url: chain.url });
      return chain;
    } catch (err) {
      await chain.destroy();
      throw err;
    }
  }

  #watch(p: Supervised): void {
    p.on('died', (code, signal) => {
      if (this.state === 'deleting') return;
      const n = this.memory.reclaim(p.spec.instance);
      this.reclaimedByDeath += n;
      this.log(`${p.spec.fn} (instance ${p.spec.instance & 0xffff}) died (${signal ?? `code ${code}`}); reclaimed ${n} objects`);
      this.state = 'degraded';
      for (const o of this.procs) if (o !== p) o.send({ t: 'instance-down', id: p.spec.instance });
      const delay = backoffMs(p.restartsInARow);
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (this.state === 'deleting') return;
        p.restarts++;
        p.restartsInARow++;
        p.start().then(
          () => {
            for (const o of this.procs) if (o !== p) o.send({ t: 'instance-up', id: p.spec.instance });
            if (this.procs.every((x) => x.state === 'ready')) this.state = 'running';
            this.log(`${p.spec.fn} (instance ${p.spec.instance & 0xffff}) restarted`);
          },
          (err: Error) => {
            this.log(`${p.spec.fn} restart failed: ${err.message}`);
            // A failed restart is another death: back off further and try again.
            p.emit('died', null, 'start-failed');
          },
        );
      }, delay);
      this.#timers.add(t);
    });
  }

  status(): ChainStatus {
    const s = this.memory.stats();
    return {
      name: this.spec.name,
      chainId: this.topology.chainId,
      transport: this.spec.transport,
      state: this.state,
      url: this.url,
      region: this.memory.region.name,
      netns: this.net?.netns,
      pool: { objects: s.count, free: s.free, objectSize: s.objectSize, reclaimed: s.reclaimed, exhausted: s.exhausted },
      instances: this.procs.map((p) => ({
        fn: p.spec.fn,
        instance: p.spec.instance,
        pid: p.pid,
        state: p.state,
        restarts: p.restarts,
        setupMs: p.setupMs,
        cpuTicks: p.pid ? readCpuTicks(p.pid) : undefined,
      })),
      reclaimedByDeath: this.reclaimedByDeath,
    };
  }

  /** Stops every process, then removes netns, region and logs. Idempotent. */
  async destroy(keepLogs = false): Promise<void> {
    this.state = 'deleting';
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await Promise.all(this.procs.map((p) => p.stop()));
    this.proxy?.unregister(allInstances(this.topology).map((i) => i.id));
    if (this.net) {
      deleteGatewayNet(this.net);
      this.net = undefined;
    }
    try {
      this.memory.destroy();
    } catch {
      // already removed
    }
    if (!keepLogs) rmSync(logsDir(this.spec.name), { recursive: true, force: true });
  }
}
