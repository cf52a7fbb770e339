// The five systems a benchmark compares, started from one chain spec: SPRIGHT in S, D and H mode
// (real agent, gateway in its netns, function processes) and the knative-like and grpc baselines
// running the same function modules.
import { mkdirSync, rmSync } from 'node:fs';
import type { ChainSpec, Transport } from '../src/spec/index.ts';
import { freePort, startBaseline, type BaselineKind } from '../baselines/launch.ts';

export type SystemName = 's' | 'd' | 'h' | 'knativeLike' | 'grpc';
export const ALL_SYSTEMS: SystemName[] = ['s', 'd', 'h', 'knativeLike', 'grpc'];

export interface RunningSystem {
  name: SystemName;
  url: string;
  /** component -> root pids (CPU is summed over each root's process tree). */
  components: Record<string, number[]>;
  /** SPRIGHT: per-process data-plane setup (pool attach + transport registration), ms. */
  setupMs?: Record<string, number>;
  /** SPRIGHT: per-process spawn -> ready, ms (runtime start + module load + data-plane setup). */
  startMs?: Record<string, number>;
  stop(): Promise<void>;
}

/** The SPRIGHT agent runs in this process; its CPU is this process's (the bench's own work
 * between runs is small: wrk runs as its own process). */
export interface StartOptions {
  scaleToZero?: { graceS: number };
  /** SPRIGHT: gateway on the host's loopback like the baselines' broker (no netns/veth). */
  hostNetwork?: boolean;
  /** SPRIGHT with its gateway in a netns: attach EPROXY to the veth (default true). */
  eproxy?: boolean;
  /** SPRIGHT: start the chain's processes all at once (default) or one after the other. */
  startup?: 'parallel' | 'sequential';
}

/** Systems running now: an interrupted benchmark stops them (processes, netns, regions). */
const running = new Set<RunningSystem>();

/** Stops every system still running (the bench's SIGINT/SIGTERM path). */
export async function stopAllSystems(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
}

export async function startSystem(name: SystemName, spec: ChainSpec, opts: StartOptions = {}): Promise<RunningSystem> {
  const sys = await launchSystem(name, spec, opts);
  const stop = sys.stop;
  const tracked: RunningSystem = {
    ...sys,
    stop: () => {
      running.delete(tracked);
      return stop();
    },
  };
  running.add(tracked);
  return tracked;
}

async function launchSystem(name: SystemName, spec: ChainSpec, opts: StartOptions): Promise<RunningSystem> {
  if (name === 'knativeLike' || name === 'grpc') {
    const kind: BaselineKind = name === 'knativeLike' ? 'knative' : 'grpc';
    const b = await startBaseline(spec, kind, { scaleToZero: name === 'knativeLike' ? opts.scaleToZero : undefined });
    const components: Record<string, number[]> = {};
    for (const c of b.components) (components[c.role === 'function' ? 'functions' : c.role === 'sidecar' ? 'sidecars' : c.role] ??= []).push(c.pid);
    return { name, url: b.url, components, stop: () => b.stop() };
  }
  const stateDir = `/tmp/spright-bench-${process.pid}-${name}`;
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  process.env.SPRIGHT_STATE_DIR = stateDir;
  const { Agent } = await import('../src/agent/agent.ts');
  const agent = new Agent({ log: () => {}, eproxy: opts.eproxy, startup: opts.startup });
  try {
    const gateway = opts.hostNetwork ? { ...spec.gateway, netns: false, address: '127.0.0.1', port: await freePort() } : spec.gateway;
    const chain = await agent.deploy({ ...spec, gateway, transport: name as Transport }, () => {});
    const gw = chain.procs.filter((p) => p.spec.fn === 'gateway').map((p) => p.pid!);
    const fns = chain.procs.filter((p) => p.spec.fn !== 'gateway').map((p) => p.pid!);
    await waitHealthy(chain.url);
    return {
      name,
      url: chain.url,
      components: { gateway: gw, functions: fns, agent: [process.pid] },
      setupMs: Object.fromEntries(chain.procs.map((p) => [`${p.spec.fn}#${p.spec.instance & 0xffff}`, Math.round(p.setupMs * 1000) / 1000])),
      startMs: Object.fromEntries(chain.procs.map((p) => [`${p.spec.fn}#${p.spec.instance & 0xffff}`, Math.round(((p as { startMs?: number }).startMs ?? NaN) * 1000) / 1000])),
      stop: async () => {
        await agent.close();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await agent.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}

export async function waitHealthy(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`${url} not healthy in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
