// Running the kernel's own tools (ip, tc, iptables, bpftool, iperf3 ...) as child processes.
// Every failure names the command and its stderr, so a broken step is obvious.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

/** CNI_BENCH_TRACE=1 logs every command with its duration (debugging slow setups). */
const TRACE = !!process.env.CNI_BENCH_TRACE;

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (exit ${code}): ${stderr.trim().slice(0, 800)}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  /** stdin text (iptables-restore, ip -batch). */
  input?: string;
  timeoutMs?: number;
  /** Do not throw on a non-zero exit; the caller inspects the result. */
  allowFail?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs argv[0] with argv[1..] (no shell), resolves with its output. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0],
      argv.slice(1),
      { maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (TRACE) process.stderr.write(`[${(performance.now() - t0).toFixed(0)} ms] ${argv.join(' ').slice(0, 160)}\n`);
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        if (err && (err as any).code === 'ENOENT') return reject(new CommandError(argv, null, `${argv[0]}: not found`));
        if (code !== 0 && !opts.allowFail) return reject(new CommandError(argv, code, stderr || String(err?.message)));
        resolve({ stdout, stderr, code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command inside a network namespace. */
export function inNs(ns: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', ns, ...argv], opts);
}

/** A long-running process (server) inside a namespace; stop() kills it and waits. */
export interface Daemon {
  child: ChildProcess;
  /** Resolves with the first stdout chunk (servers announce readiness), or after ms. */
  ready(ms?: number): Promise<string>;
  stop(): Promise<void>;
  output(): string;
}

export function daemon(ns: string, argv: string[]): Daemon {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out + err,
    ready(ms = 5000) {
      return new Promise((resolve, reject) => {
        if (out) return resolve(out);
        const t = setTimeout(() => resolve(out), ms);
        child.stdout!.once('data', () => {
          clearTimeout(t);
          resolve(out);
        });
        child.once('exit', (code) => {
          clearTimeout(t);
          if (!out) reject(new Error(`${argv.join(' ')} in ${ns} exited (${code}) before it was ready: ${err.trim()}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every `everyMs` until it holds; throws `what` after `timeoutMs` (bounded wait). */
export async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (performance.now() > end) throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Waits (bounded) until a server daemon listens on `port` in `ns`; iperf3 block-buffers its
 *  "listening" line into a pipe, so its stdout cannot say when it is ready. */
export async function listening(d: Daemon, ns: string, port: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(`a server on port ${port} in ${ns}`, async () => {
    if (d.child.exitCode !== null) throw new Error(`server for port ${port} in ${ns} exited (${d.child.exitCode}): ${d.output().trim().slice(-400)}`);
    return (await tcpCount(ns, 'listening', port)) > 0;
  }, timeoutMs, 50);
}

/** TCP connections in `state` (ss state filter) inside a namespace, optionally to/from `port`. */
export async function tcpCount(ns: string, state: 'established' | 'listening', port?: number): Promise<number> {
  const filter = port === undefined ? [] : [`( sport = :${port} or dport = :${port} )`];
  const r = await inNs(ns, ['ss', '-Htn', 'state', state, ...filter], { allowFail: true });
  return r.stdout.split('\n').filter((l) => l.trim()).length;
}
