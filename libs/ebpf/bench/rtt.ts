// Descriptor round trip: the same ping-pong (one 16-byte descriptor in flight) over SPROXY, TCP
// loopback and a Unix socket, each by two Node processes (library fast path, and plain
// net.Socket streams) and by two C processes (dist/ebpf/pingpong: the kernel floor).
import net from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { SproxyManager } from '../src/index.ts';
import { PINGPONG, child, exited, nodePeer } from './procs.ts';

export type Transport = 'sproxy' | 'tcp' | 'unix';
export type Impl = 'node' | 'nodeStream' | 'c';
export interface RttResult { n: number; p50us: number; p99us: number; meanUs: number }

/** Two connected sockets for the two sides, as things spawn() can put at fd 3. */
interface Ends { ping: number | net.Socket; echo: number | net.Socket; target: number; chain: number; done(): void }

let nextInstance = 1000;
async function ends(kind: Transport, m: SproxyManager, dir: string): Promise<Ends> {
  if (kind === 'sproxy') {
    const a = nextInstance++;
    const b = nextInstance++;
    const me = await m.createFunctionSocket({ instance: a, chain: 1, function: 1 });
    const other = await m.createFunctionSocket({ instance: b, chain: 1, function: 2 });
    return { ping: me.fd, echo: other.fd, target: b, chain: 1, done: () => (me.release(), other.release()) };
  }
  // TCP/Unix: both ends made here and never read here (paused), then handed to the children.
  const srv = net.createServer({ pauseOnConnect: true, noDelay: true });
  const addr = kind === 'unix' ? join(dir, `s${nextInstance++}`) : undefined;
  await new Promise<void>((r) => (addr ? srv.listen(addr, r) : srv.listen(0, '127.0.0.1', r)));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const client = addr ? net.connect(addr) : net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  client.pause();
  await new Promise((r) => client.once('connect', r));
  const server = await accepted;
  srv.close();
  return { ping: client, echo: server, target: 0, chain: 0, done: () => (client.destroy(), server.destroy()) };
}

/** One ping-pong run of `iters` round trips between two fresh processes. */
export async function rttRun(kind: Transport, impl: Impl, iters: number, m: SproxyManager, dir: string): Promise<RttResult> {
  const e = await ends(kind, m, dir);
  const io = impl === 'nodeStream' ? 'stream' : 'fast';
  const echo = impl === 'c' ? child([PINGPONG, 'echo', '3'], e.echo) : nodePeer('echo', { fd: 3, io }, e.echo);
  const ping = impl === 'c'
    ? child([PINGPONG, 'ping', '3', String(iters), String(e.target), String(e.chain), '2000'], e.ping)
    : nodePeer('ping', { fd: 3, io, n: iters, warmup: 2000, target: e.target, chain: e.chain }, e.ping);
  e.done(); // only the children hold the sockets now
  try {
    return JSON.parse(await ping.line) as RttResult;
  } finally {
    echo.proc.kill('SIGKILL');
    await exited(echo.proc);
  }
}

/** The C tool over a pipe pair: the cheapest wake-up between two processes on this machine. */
export function pipeFloor(iters: number): RttResult {
  return JSON.parse(execFileSync(PINGPONG, ['pair', 'pipe', String(iters), '2000'], { encoding: 'utf8', timeout: 120_000 })) as RttResult;
}

/**
 * What the SK_MSG program itself costs per verdict (kernel.bpf_stats_enabled: run time and run
 * count of sproxy_msg) during one C ping-pong over SPROXY; the sysctl is restored afterwards.
 */
export async function sproxyVerdictCost(m: SproxyManager, iters: number, dir: string): Promise<{ nsPerVerdict: number; verdicts: number }> {
  const sysctl = '/proc/sys/kernel/bpf_stats_enabled';
  const before = readFileSync(sysctl, 'utf8').trim();
  const id = m.object.program('sproxy_msg').id;
  const stats = () => {
    const p = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(id)], { encoding: 'utf8' }));
    return { ns: Number(p.run_time_ns ?? 0), cnt: Number(p.run_cnt ?? 0) };
  };
  writeFileSync(sysctl, '1');
  try {
    const s0 = stats();
    await rttRun('sproxy', 'c', iters, m, dir);
    const s1 = stats();
    const verdicts = s1.cnt - s0.cnt;
    return { nsPerVerdict: verdicts > 0 ? Number(((s1.ns - s0.ns) / verdicts).toFixed(1)) : 0, verdicts };
  } finally {
    writeFileSync(sysctl, before);
  }
}
