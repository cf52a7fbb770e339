// One deployed chain on this node: its shared memory, gateway netns, and supervised processes.
// Deploy starts every process in parallel and rolls everything back if one fails; a process that
// dies later has its objects reclaimed, the rest of the chain told, and is restarted with backoff.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { allInstances, ENV_INSTANCE, ENV_MODULE, ENV_SPROXY_SOCKET, ENV_TOPOLOGY, hostEntry, type ChainTopology } from '@fastpath/spright-sdk';
import type { ChainSpec } from '../spec/index.ts';
import { agentTag, gatewayEntry, logsDir, netnsName, regionName } from '../paths.ts';
import type { Attachment } from '@fastpath/ebpf';
import type { GatewayEproxy } from './eproxy.ts';
import type { ProxyManager } from './proxy-manager.ts';
import { createGatewayNet, deleteGatewayNet, type GatewayNet } from './netns.ts';
import { readCpuTicks } from './proc.ts';
import { ChainMemory } from './shm-manager.ts';
import { backoffMs, Supervised, type ProcessSpec } from './supervisor.ts';
import { AdoptedInstance, type AdoptionServer, type AdoptPlan } from './adopt.ts';
import { buildTopology } from './topology.ts';

export type DeployEvent =
  | { event: 'region'; region: string; backing: string; objects: number; objectSize: number }
  | { event: 'netns'; netns: string; gatewayIp: string }
  | { event: 'eproxy'; iface: string; attached: boolean }
  | { event: 'starting'; processes: number }
  | { event: 'instance-ready'; fn: string; instance: number; pid: number; setupMs: number }
  | { event: 'ready'; url: string }
  | { event: 'failed'; error: string; stack?: string };

/** How often a dead instance's id is swept for objects sent to it after its death. */
const DEAD_SWEEP_MS = 20;

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
  /** Objects freed because SPROXY could not deliver their descriptor (target already dead). */
  deadLettered: number;
  /** EPROXY counters of the gateway's veth (what the gateway sent), when attached. */
  eproxy?: { iface: string; rxPackets: number; rxBytes: number; redirected: number; passed: number };
}

export class Chain {
  readonly topology: ChainTopology;
  readonly memory: ChainMemory;
  net: GatewayNet | undefined;
  #eproxyAttachment: Attachment | undefined;
  readonly procs: Supervised[] = [];
  state: ChainStatus['state'] = 'starting';
  reclaimedByDeath = 0;
  deadLettered = 0;
  #recheckQueued = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #intervals = new Set<NodeJS.Timeout>();
  readonly log: (m: string) => void;
  #adoption: AdoptionServer | undefined;

  private constructor(
    readonly spec: ChainSpec,
    memory: ChainMemory,
    topology: ChainTopology,
    log: (m: string) => void,
    readonly proxy?: ProxyManager,
    readonly eproxy?: GatewayEproxy,
  ) {
    this.memory = memory;
    this.topology = topology;
    this.log = log;
  }

  get url(): string {
    const host = this.net ? this.net.gwIp : this.spec.gateway.address === '0.0.0.0' ? '127.0.0.1' : this.spec.gateway.address;
    return `http://${host}:${this.spec.gateway.port}`;
  }

  static async deploy(
    spec: ChainSpec,
    chainId: number,
    emit: (e: DeployEvent) => void,
    log: (m: string) => void = () => {},
    proxy?: ProxyManager,
    eproxy?: GatewayEproxy,
    adopt?: { server: AdoptionServer; plan: AdoptPlan },
    startup: 'parallel' | 'sequential' = 'parallel',
  ): Promise<Chain> {
    const tag = agentTag();
    const { memory, topology } = ChainMemory.create(spec, regionName(spec.name, tag), (key) => buildTopology(spec, chainId, regionName(spec.name, tag), key));
    const chain = new Chain(spec, memory, topology, log, proxy, eproxy);
    // Adopted processes (pods) are not spawned: their slots wait for them on the adoption socket.
    const proc = (p: ProcessSpec) => (adopt?.plan.functions.includes(p.fn) ? new AdoptedInstance(p) : new Supervised(p));
    try {
      emit({ event: 'region', region: memory.region.name, backing: memory.region.backing, objects: spec.pool.objects, objectSize: spec.pool.objectSize });
      if (spec.gateway.netns && !adopt?.plan.functions.includes('gateway')) {
        chain.net = createGatewayNet(netnsName(spec.name, tag), `sp${tag}${chainId.toString(36)}`.slice(0, 13), chainId);
        emit({ event: 'netns', netns: chain.net.netns, gatewayIp: chain.net.gwIp });
        if (eproxy) {
          chain.#eproxyAttachment = eproxy.attach(chain.net.hostIf, log);
          emit({ event: 'eproxy', iface: chain.net.hostIf, attached: chain.#eproxyAttachment !== undefined });
        }
      }
      const dir = logsDir(spec.name);
      mkdirSync(dir, { recursive: true });
      const env: Record<string, string> = { [ENV_TOPOLOGY]: JSON.stringify(topology), FASTPATH_SHM_NO_HUGEPAGES: process.env.FASTPATH_SHM_NO_HUGEPAGES ?? '' };
      if (proxy) env[ENV_SPROXY_SOCKET] = proxy.registrationPath;
      for (const f of topology.functions) {
        const fs = spec.functions.find((x) => x.name === f.name)!;
        for (const inst of f.instances) {
          chain.procs.push(
            proc({
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
        proc({
          instance: topology.gateway.id,
          fn: 'gateway',
          entry: gatewayEntry,
          env: { ...env, [ENV_INSTANCE]: String(topology.gateway.id), SPRIGHT_GATEWAY: JSON.stringify(spec.gateway) },
          logFile: join(dir, 'gateway.log'),
          netns: chain.net?.netns,
        }),
      );
      if (adopt) {
        chain.#adoption = adopt.server;
        adopt.server.offer(spec, topology, adopt.plan, chain.procs.filter((p) => p instanceof AdoptedInstance), proxy);
      }
      emit({ event: 'starting', processes: chain.procs.length });
      // All at once: start-up cost is the slowest process, not the sum (dissertation §5.4.3).
      // The first failure aborts the deploy at once; the rest are stopped by the rollback.
      // 'sequential' (one process after the other) exists to measure exactly that difference.
      if (startup === 'sequential') {
        for (const p of chain.procs) {
          const setupMs = await p.start().catch((err: Error & { stack_?: string }) => {
            throw new DeployError(err.message, err.stack_);
          });
          emit({ event: 'instance-ready', fn: p.spec.fn, instance: p.spec.instance, pid: p.pid ?? 0, setupMs });
        }
      } else await new Promise<void>((resolve, reject) => {
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
      const id = p.spec.instance;
      // Rings first: a reservation the dead process never published would stall a live ring.
      this.#repairRings(p.lastPid);
      const n = this.memory.reclaim(id);
      this.reclaimedByDeath += n;
      this.log(`${p.spec.fn} (instance ${id & 0xffff}) died (${signal ?? `code ${code}`}); reclaimed ${n} objects`);
      this.state = 'degraded';
      for (const o of this.procs) if (o !== p) o.send({ t: 'instance-down', id });
      // Until the others read 'instance-down' they still route to the dead instance: an object
      // sent to it after the reclaim above is owned by a dead id and nobody would ever answer
      // its request (H: it sits in the dead ring until the restart; after a slow restart the
      // gateway gives up with 504). Nothing may belong to a dead instance, so sweep its id
      // while it is down and once more right before the new process starts.
      const sweep = setInterval(() => this.#sweepDead(id), DEAD_SWEEP_MS);
      this.#intervals.add(sweep);
      const delay = backoffMs(p.restartsInARow);
      const t = setTimeout(() => {
        this.#timers.delete(t);
        clearInterval(sweep);
        this.#intervals.delete(sweep);
        if (this.state === 'deleting') return;
        // Last sweep: from here on what is sent to the id is the new process's work.
        this.#sweepDead(id);
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

  #repairRings(pid: number | undefined, tries = 0): void {
    if (this.state === 'deleting' || !this.memory.recoverRings(pid) || tries >= 100) return;
    // A dead reservation behind a live producer's: retry (bounded) until it is repaired.
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.#repairRings(undefined, tries + 1);
    }, 20);
    this.#timers.add(t);
  }

  /** Frees what was handed to a dead instance after its reclaim; the chain re-checks its waits. */
  #sweepDead(id: number): void {
    if (this.state === 'deleting') return;
    const n = this.memory.reclaim(id);
    if (n === 0) return;
    this.reclaimedByDeath += n;
    this.log(`instance ${id & 0xffff} is down; reclaimed ${n} objects sent to it after its death`);
    this.#queueRecheck();
  }

  #queueRecheck(): void {
    if (this.#recheckQueued) return;
    this.#recheckQueued = true;
    setImmediate(() => {
      this.#recheckQueued = false;
      for (const p of this.procs) p.send({ t: 'recheck' });
    });
  }

  /**
   * A descriptor SPROXY dead-lettered: it was sent to an instance whose socket was already gone
   * (sent after the agent reclaimed the dead process's objects, before the sender heard of the
   * death). Nobody will ever read it, so the object goes back to the pool now and the chain
   * re-checks what it waits for (the request answers 502 instead of timing out).
   */
  deadLetter(offset: number, generation: number): void {
    const ref = { offset, generation };
    if (!this.memory.pool.isValid(ref)) return;
    this.memory.pool.free(ref);
    this.deadLettered++;
    this.#queueRecheck();
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
      deadLettered: this.deadLettered,
      eproxy: this.#eproxyCounters(),
    };
  }

  #eproxyCounters(): ChainStatus['eproxy'] {
    if (!this.#eproxyAttachment || !this.net || !this.eproxy) return undefined;
    const c = this.eproxy.counters(this.net.hostIf);
    const n = (v: bigint | undefined) => Number(v ?? 0n);
    return { iface: this.net.hostIf, rxPackets: n(c?.rxPackets), rxBytes: n(c?.rxBytes), redirected: n(c?.redirected), passed: n(c?.passed) };
  }

  /** Stops every process, then removes netns, region and logs. Idempotent. */
  async destroy(keepLogs = false): Promise<void> {
    this.state = 'deleting';
    this.#adoption?.withdraw(this.spec.name);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const t of this.#intervals) clearInterval(t);
    this.#intervals.clear();
    await Promise.all(this.procs.map((p) => p.stop()));
    this.proxy?.unregister(allInstances(this.topology).map((i) => i.id));
    this.#eproxyAttachment?.detach();
    this.#eproxyAttachment = undefined;
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
