// One supervised process (a function instance or a gateway): spawned with an IPC channel for
// lifecycle messages, output appended to its log file, restarted by the chain with backoff.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import type { ToAgent, ToChild } from '@fastpath/spright-sdk';
import { workspaceRoot } from '../paths.ts';

export interface ProcessSpec {
  instance: number;
  /** Function name, or "gateway". */
  fn: string;
  entry: string;
  env: Record<string, string>;
  logFile: string;
  /** Run inside this network namespace (via `ip netns exec`). */
  netns?: string;
}

export type ProcState = 'starting' | 'ready' | 'restarting' | 'stopped' | 'failed';

/** The process failed before it was ready; `stack` is what it reported (a load error's stack). */
export class StartError extends Error {
  constructor(
    readonly fn: string,
    readonly instance: number,
    readonly stack_: string,
  ) {
    super(`spright: ${fn} (instance ${instance & 0xffff}) failed to start:\n${stack_}`);
    this.name = 'StartError';
  }
}

/** Restart delays: 100 ms doubling to 5 s; a process that stayed up 10 s starts over at 100 ms. */
export function backoffMs(restartsInARow: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, restartsInARow));
}

export class Supervised extends EventEmitter<{ ready: [number]; died: [number | null, string | null]; message: [ToAgent] }> {
  state: ProcState = 'stopped';
  child: ChildProcess | undefined;
  restarts = 0;
  restartsInARow = 0;
  setupMs = 0;
  readyAt = 0;
  /** Milliseconds from spawn to 'ready' of the last start (process + runtime + data plane). */
  startMs = 0;
  /** Date.now() of the last spawn (same clock as readyAt). */
  spawnedAt = 0;
  #stopping = false;

  constructor(readonly spec: ProcessSpec) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Pid of the latest process, kept after it exited (ring repair after a death needs it). */
  lastPid: number | undefined;

  /** Spawns and resolves once the process says it is ready (rejects with StartError otherwise). */
  start(timeoutMs = 30_000): Promise<number> {
    this.#stopping = false;
    this.state = 'starting';
    const fd = openSync(this.spec.logFile, 'a');
    // SPRIGHT_NODE_ARGS: extra node flags for every chain process (profiling: --cpu-prof ...).
    const extra = (process.env.SPRIGHT_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const node = [process.execPath, ...extra, '--import', 'tsx', this.spec.entry];
    const [cmd, ...args] = this.spec.netns ? ['ip', 'netns', 'exec', this.spec.netns, ...node] : node;
    const spawnedAt = performance.now();
    this.spawnedAt = Date.now();
    const child = spawn(cmd, args, {
      cwd: workspaceRoot,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', fd, fd, 'ipc'],
      // Own process group: a ^C on the CLI's terminal does not reach the chain.
      detached: true,
    });
    closeSync(fd);
    this.child = child;
    this.lastPid = child.pid;
    return new Promise<number>((resolve, reject) => {
      let reported = '';
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        reject(new StartError(this.spec.fn, this.spec.instance, `not ready within ${timeoutMs} ms (see ${this.spec.logFile})`));
      }, timeoutMs);
      child.on('message', (m: ToAgent) => {
        if (m.t === 'ready' && !settled) {
          settled = true;
          clearTimeout(timer);
          this.state = 'ready';
          this.setupMs = m.setupMs;
          this.readyAt = Date.now();
          this.startMs = performance.now() - spawnedAt;
          this.emit('ready', m.setupMs);
          resolve(m.setupMs);
        } else if (m.t === 'load-error') {
          reported = m.stack;
        }
        this.emit('message', m);
      });
      child.on('error', (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.state = 'failed';
        reject(new StartError(this.spec.fn, this.spec.instance, err.stack ?? err.message));
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          this.state = 'failed';
          reject(new StartError(this.spec.fn, this.spec.instance, reported || `exited with ${signal ?? `code ${code}`} before it was ready (see ${this.spec.logFile})`));
          return;
        }
        if (this.#stopping) {
          this.state = 'stopped';
          return;
        }
        // Stable for 10 s: the next crash restarts fast again.
        if (Date.now() - this.readyAt > 10_000) this.restartsInARow = 0;
        this.state = 'restarting';
        this.emit('died', code, signal);
      });
    });
  }

  send(m: ToChild): void {
    const c = this.child;
    if (c?.connected) {
      try {
        c.send(m);
      } catch {
        // Channel closing: the exit handler deals with it.
      }
    }
  }

  /** Asks the process to stop, SIGKILLs it after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopping = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) {
      this.state = 'stopped';
      return;
    }
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    // Not ready yet (a rolled-back deploy): nothing to drain, no reason to wait.
    if (this.state === 'starting') c.kill('SIGKILL');
    else this.send({ t: 'shutdown' });
    const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
    this.state = 'stopped';
  }
}
