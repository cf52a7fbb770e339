// shm benchmark (`pnpm nx run shm:bench`): ring throughput ours vs DPDK rte_ring (C, same and
// cross process, burst 1/32/256), ping-pong latency between two Node processes per wait
// strategy (back-to-back and 1 ms apart), wake-up integration options, idle CPU per strategy,
// mempool ns/op (C and through koffi), koffi call cost. Writes docs/results/shm/bench.json and
// prints a table; `--readme` also rewrites the table in libs/shm/README.md.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { koffi, nativeDir, workspaceRoot } from '@fastpath/native';
import { machineInfo, ratio, renderTable, summarize, writeResult } from '@fastpath/bench';
import { Region, shmBinding, descriptorBuffer, type Ring, type WaitStrategy, type WakeIntegration } from '../src/index.ts';

const quick = process.argv.includes('--quick');
/** --only=ring,mempool,koffi,pingpong,integration,idle runs a subset (for debugging; no JSON). */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (part: string) => !only || only.includes(part);
const loadBefore = loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number];
const log = (s: string) => process.stderr.write(`[shm:bench] ${s}\n`);
const median = (xs: number[]) => summarize(xs).p50;
const name = (tag: string) => `fpbench-${process.pid}-${tag}`;
const regions: Region[] = [];
const cleanup = () => {
  for (const r of regions) if (!r.detached) r.destroy();
};
process.on('exit', cleanup);
// Ctrl-C / kill: remove our regions (and their FIFOs) before leaving
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    log(`${sig}: removing bench regions`);
    cleanup();
    process.exit(130);
  });
// regions left by an earlier run that was killed outright (SIGKILL, power loss)
{
  const swept = Region.sweepStale('fpbench-');
  if (swept) log(`removed ${swept} stale region(s) of dead bench runs`);
}

// ---- C benches --------------------------------------------------------------------------
function cBench(bin: string, args: string[] = []): any {
  const path = join(nativeDir(), 'bench', 'shm', bin);
  if (!existsSync(path)) throw new Error(`${path} missing; run: pnpm nx run native-shm:build`);
  return JSON.parse(execFileSync(path, args, { encoding: 'utf8', timeout: 300_000 }));
}

// ---- processes ----------------------------------------------------------------------------
function startPeer(region: Region, args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(workspaceRoot, 'libs/shm/bench/peer.ts'), ...args], {
    cwd: workspaceRoot,
    env: { ...process.env, ...region.env() },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    proc.on('exit', (c) => reject(new Error(`peer ${args.join(' ')} exited ${c}`)));
  });
  return { proc, ready };
}

// ---- ping-pong ------------------------------------------------------------------------------
/** One-way = producer's CLOCK_MONOTONIC stamp in the message to the consumer's JS handler
 * (ping -> peer); rtt = ping -> peer -> pong back in the pinger's handler. */
interface PingResult { p50us: number; p99us: number; rttP50us: number; rttP99us: number; n: number }

/** Ping-pong; both processes wait with `strategy`. After a 1 ms gap the peer has been idle for
 * 1 ms when the ping arrives: its one-way latency is the idle-to-wake latency. */
async function pingpong(strategy: WaitStrategy, integration: WakeIntegration | 'callback', gapMs: number, n: number): Promise<PingResult> {
  const region = Region.create(name(`pp-${strategy}-${integration}-${gapMs}`), { size: 4 << 20 });
  regions.push(region);
  const ping = region.createRing('ping', { slots: 64 });
  const pong = region.createRing('pong', { slots: 64 });
  const peer = startPeer(region, ['pong', strategy, integration === 'callback' ? 'pipe' : integration]);
  await peer.ready;
  const buf = descriptorBuffer(1);
  const rx = descriptorBuffer(32);
  const rtt: number[] = [];
  const oneWay: number[] = [];
  let t0 = 0n;
  const warmup = Math.min(200, n / 5);
  const deadline = Date.now() + (quick ? 5_000 : 20_000);
  await new Promise<void>((resolve) => {
    const send = () => {
      t0 = process.hrtime.bigint();
      buf.writeBigUInt64LE(t0, 8);
      ping.sendBurst(buf, 1);
    };
    let stopper: () => void | Promise<void>;
    const onReply = () => {
      const t = process.hrtime.bigint();
      const k = pong.receiveBurst(rx);
      if (k === 0) return;
      rtt.push(Number(t - t0) / 1000);
      oneWay.push(rx.readUInt32LE(0) / 1000);
      while (pong.receiveBurst(rx) > 0);
      if (rtt.length >= n + warmup || Date.now() > deadline) {
        // the region must outlive the waiter thread: resolve once it has stopped
        void Promise.resolve(stopper()).then(resolve);
        return;
      }
      if (gapMs > 0) setTimeout(send, gapMs);
      else send();
    };
    if (integration === 'callback') stopper = callbackListen(pong, strategy, onReply);
    else {
      // the handler reads the ring itself (burst 1), so the timestamp is taken on arrival
      pong.on('burst', (b, k) => {
        rx.set(b.subarray(0, k * 16));
        const t = process.hrtime.bigint();
        rtt.push(Number(t - t0) / 1000);
        oneWay.push(rx.readUInt32LE(0) / 1000);
        if (rtt.length >= n + warmup || Date.now() > deadline) {
          void Promise.resolve(stopper()).then(resolve);
          return;
        }
        if (gapMs > 0) setTimeout(send, gapMs);
        else send();
      });
      stopper = pong.listen({ strategy, integration, burst: 1 });
    }
    send();
  });
  peer.proc.kill('SIGTERM');
  region.destroy();
  const s = summarize(oneWay.slice(warmup));
  const r = summarize(rtt.slice(warmup));
  return { p50us: s.p50, p99us: s.p99, rttP50us: r.p50, rttP99us: r.p99, n: s.n };
}

/** Third integration option, bench-only: the native waiter thread calls a koffi-registered JS
 * callback (koffi queues it onto the main thread). Stopped only while the thread is parked. */
function callbackListen(ring: Ring, strategy: WaitStrategy, onWake: () => void): () => Promise<void> {
  const b = shmBinding();
  const out: unknown[] = [null]; // out[0]: the waiter, set before the first callback can run
  let stopped = false;
  const cb = koffi.register(() => {
    onWake();
    if (!stopped) b.waiterArm(out[0]);
  }, koffi.pointer(b.waiterCbType));
  if (b.waiterStartCb(ring.handle, { poll: 0, sleep: 1, hybrid: 2 }[strategy], cb, null, out) < 0) throw new Error('waiter start failed');
  const w = out[0];
  return () => {
    stopped = true;
    // stop after returning to the event loop: joining from inside the callback would deadlock
    // (the thread waits for the callback to finish); by then it is parked, not re-armed
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        b.waiterStop(w);
        koffi.unregister(cb);
        resolve();
      }),
    );
  };
}

// ---- idle CPU -------------------------------------------------------------------------------
function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime (fields 14, 15)
}
/** Per strategy, plus `nodeBaseline`: a peer that attached the region and listens to nothing,
 * started with the others, so the Node runtime's own idle work (V8's one-shot memory-reducer GC
 * some seconds after start-up) is measured beside the strategies instead of charged to them. */
async function idleCpu(strategies: WaitStrategy[], seconds: number, settleSeconds: number): Promise<Record<string, number>> {
  const region = Region.create(name('idle'), { size: 4 << 20 });
  regions.push(region);
  region.createRing('idle', { slots: 64 });
  const roles: string[][] = [...strategies.map((s) => ['idle', s]), ['baseline']];
  const labels = [...strategies, 'nodeBaseline'];
  const peers = roles.map((r) => startPeer(region, r));
  await Promise.all(peers.map((p) => p.ready));
  // Past start-up work: V8's memory reducer runs a one-shot GC (~100 ms of CPU) some 15-20 s
  // after a process starts, in every Node process alike (the baseline peer shows it when it
  // falls in the window); the window measures the steady idle state after it.
  await new Promise((r) => setTimeout(r, settleSeconds * 1000));
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const before = peers.map((p) => cpuTicks(p.proc.pid!));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  const out: Record<string, number> = {};
  peers.forEach((p, i) => {
    out[labels[i]] = Number((((cpuTicks(p.proc.pid!) - before[i]) / hz / wall) * 100).toFixed(3));
    p.proc.kill('SIGTERM');
  });
  region.destroy();
  return out;
}

// ---- koffi-side costs -----------------------------------------------------------------------
/** CPU time (user+system of this process) per op, median of reps: on a shared, overloaded
 * machine wall time mostly measures how long we were descheduled. */
function nsPerOp(fn: () => void, ops: number, reps = 5): number {
  const xs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    xs.push(((d.user + d.system) * 1000) / ops);
  }
  return median(xs);
}

function tsCosts() {
  const b = shmBinding();
  const region = Region.create(name('ts'), { size: 16 << 20 });
  regions.push(region);
  const pool = region.createMempool('p', { objectSize: 256, count: 4096 });
  const N = quick ? 100_000 : 500_000;
  const koffiNopNs = nsPerOp(() => {
    for (let i = 0; i < N; i++) b.nop(i);
  }, N);
  const jsLoopNs = nsPerOp(() => {
    let x = 0;
    for (let i = 0; i < N; i++) x += i & 1;
    if (x < 0) throw new Error();
  }, N);
  const allocFreeNs = nsPerOp(() => {
    for (let i = 0; i < N / 5; i++) {
      const a = pool.alloc();
      if (!a.ok) throw new Error('exhausted');
      pool.free(a);
    }
  }, N / 5);
  const objs = new BigUint64Array(32);
  const bulkNs = nsPerOp(() => {
    for (let i = 0; i < N / 32; i++) {
      if (!pool.allocBulk(objs)) throw new Error('exhausted');
      pool.freeBulk(objs);
    }
  }, (N / 32) * 32);
  // same-process send+receive through koffi, per descriptor
  const ring = region.createRing('r', { slots: 1024 });
  const ringTs: Record<string, number> = {};
  for (const burst of [1, 32, 256]) {
    const buf = descriptorBuffer(burst);
    const iters = Math.max(1000, Math.floor(N / burst));
    const ns = nsPerOp(() => {
      for (let i = 0; i < iters; i++) {
        ring.sendBurst(buf, burst);
        ring.receiveBurst(buf, burst);
      }
    }, iters * burst);
    ringTs[`burst${burst}PerSec`] = Math.round(1e9 / ns);
  }
  region.destroy();
  return { koffiNopNs, jsLoopNs, allocFreeNs, bulk32NsPerObject: bulkNs, ringTs };
}

// ---- main -----------------------------------------------------------------------------------
async function main() {
  log(`load average before: ${loadBefore.join(' ')} on ${machineInfo().cores} cores`);
  const ring: any = {};
  if (want('ring')) {
    log('ring throughput (C): ours vs rte_ring ...');
    const cr = cBench('ring_bench', [quick ? '0.1' : '0.4']);
    Object.assign(ring, { backing: cr.backing, slots: cr.slots });
    for (const mode of ['sameProcess', 'crossProcess']) {
      ring[mode] = {};
      for (const b of ['burst1', 'burst32', 'burst256']) {
        const ours = median(cr[mode][b].ours);
        const rte = median(cr[mode][b].rte);
        ring[mode][b] = { oursPerSec: Math.round(ours), rteRingPerSec: Math.round(rte), ratio: Number(ratio(ours, rte).toFixed(3)), oursSamples: cr[mode][b].ours, rteSamples: cr[mode][b].rte };
      }
    }
  }
  let mempoolC: any = {};
  if (want('mempool')) {
    log('mempool (C) ...');
    mempoolC = cBench('mempool_bench');
  }
  let ts: any = {};
  if (want('koffi')) {
    log('koffi-side costs ...');
    ts = tsCosts();
  }
  const strategies: WaitStrategy[] = ['poll', 'sleep', 'hybrid'];
  const pingN = quick ? 1000 : 5000;
  const gapN = quick ? 100 : 300;
  const pp: any = {};
  if (want('pingpong'))
    for (const s of strategies) {
      log(`ping-pong ${s} back-to-back ...`);
      const b2b = await pingpong(s, 'fifo', 0, pingN);
      log(`ping-pong ${s} with 1 ms gaps ...`);
      const gap = await pingpong(s, 'fifo', 1, gapN);
      pp[s] = { ...b2b, gap1ms: gap };
    }
  const integ: any = {};
  if (want('integration')) {
    log('wake-up integrations (sleep, 1 ms gaps) ...');
    for (const i of (process.env.FP_BENCH_INTEGRATIONS?.split(',') ?? ['fifo', 'pipe', 'async', 'callback']) as (WakeIntegration | 'callback')[]) integ[i] = await pingpong('sleep', i, 1, gapN);
  }
  let idle: Record<string, number> = {};
  if (want('idle')) {
    log(`idle CPU ${quick ? 3 : 10} s per strategy (in parallel, after ${quick ? 1 : 25} s of settling) ...`);
    idle = await idleCpu(strategies, quick ? 3 : 10, quick ? 1 : 25);
  }
  const loadAfter = loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number];
  const data = {
    ring,
    pingpong: pp,
    wakeIntegration: integ,
    idleCpuPct: idle,
    /** idleCpuPct.<strategy> minus the idle Node process beside it (nodeBaseline), floored at 0. */
    idleCpuNetPct: Object.fromEntries(strategies.filter((x) => x in idle).map((x) => [x, Number(Math.max(0, idle[x] - (idle.nodeBaseline ?? 0)).toFixed(3))])),
    mempool: { c: mempoolC, koffi: { allocFreeNs: ts.allocFreeNs, bulk32NsPerObject: ts.bulk32NsPerObject } },
    koffi: { nopCallNs: ts.koffiNopNs, jsLoopNs: ts.jsLoopNs, ringSendReceiveSameProcess: ts.ringTs },
    loadBefore,
    loadAfter,
    quick,
    notes: 'pingpong.<strategy>.p50us/p99us (and gap1ms.p50us/p99us, wakeIntegration.<i>.p50us/p99us) are ONE-WAY latencies: the sender stamps CLOCK_MONOTONIC ns into the descriptor, the receiving Node process subtracts in its JS handler (ping -> peer); rttP50us/rttP99us are round trips ping -> peer -> pong. With 1 ms gaps the peer was idle 1 ms: one-way = idle-to-wake. Default integration fifo (producer writes the ring wake FIFO). Ring figures are C (no koffi); idle CPU from /proc/<pid>/stat utime+stime over a 10 s window that starts 25 s after the peers are ready (after V8\'s one-shot post-start-up memory-reducer GC); idleCpuPct.nodeBaseline = a peer that attached and listens to nothing (the Node runtime alone, e.g. V8\'s one-shot memory-reducer GC after start-up), idleCpuNetPct = strategy minus that baseline',
  };
  if (only) {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    return;
  }
  const path = writeResult('shm', 'bench', data, { loadBefore });
  const table = renderTables(data);
  process.stdout.write(table);
  log(`wrote ${path}`);
  if (process.argv.includes('--readme')) updateReadme(table, data);
}

function renderTables(d: any): string {
  const f = (x: number) => Number(x.toPrecision(3));
  const rows = [];
  for (const mode of ['sameProcess', 'crossProcess'])
    for (const b of ['burst1', 'burst32', 'burst256']) {
      const r = d.ring[mode][b];
      rows.push({ mode, burst: b.slice(5), 'ours Mdesc/s': f(r.oursPerSec / 1e6), 'rte_ring Mdesc/s': f(r.rteRingPerSec / 1e6), 'ours/rte': r.ratio });
    }
  let out = renderTable(rows, `Ring throughput, SPSC, 16-byte descriptors, ${d.ring.slots} slots on ${d.ring.backing} (median of 5)`);
  out += '\n' + renderTable(
    Object.entries(d.pingpong).map(([s, v]: [string, any]) => ({
      strategy: s,
      'b2b 1-way p50': f(v.p50us),
      'b2b 1-way p99': f(v.p99us),
      'b2b rtt p50': f(v.rttP50us),
      'gap 1-way p50': f(v.gap1ms.p50us),
      'gap 1-way p99': f(v.gap1ms.p99us),
      'gap rtt p50': f(v.gap1ms.rttP50us),
      'idle CPU %': d.idleCpuPct[s],
      'idle CPU % net': d.idleCpuNetPct?.[s],
    })),
    `Ping-pong between two Node processes (fifo integration), µs: one-way = sender stamp -> receiver JS handler (the pingpong.<s>.p50us/p99us keys), rtt = round trip; gap = 1 ms between pings (one-way = idle-to-wake); idle consumer CPU over 10 s after 25 s of settling, and net of an idle Node process measured beside it (${d.idleCpuPct.nodeBaseline ?? '?'} %)`,
  );
  out += '\n' + renderTable(
    Object.entries(d.wakeIntegration).map(([i, v]: [string, any]) => ({ integration: i, '1-way p50 µs': f(v.p50us), '1-way p99 µs': f(v.p99us), 'rtt p50 µs': f(v.rttP50us), 'rtt p99 µs': f(v.rttP99us) })),
    'Wake-up into the event loop, sleep strategy, 1 ms gaps (one-way idle-to-wake and round trip)',
  );
  out += '\n' + renderTable(
    [
      { op: 'mempool alloc+free (C)', ns: d.mempool.c.singleNs },
      { op: 'mempool bulk32 alloc+free per object (C)', ns: d.mempool.c.bulk32NsPerObject },
      { op: 'mempool alloc+free, 2 threads contending (C, wall)', ns: d.mempool.c.twoThreadsSingleNs },
      { op: 'glibc malloc+free 256 B (C, baseline)', ns: d.mempool.c.mallocFreeNs },
      { op: 'mempool alloc+free via koffi', ns: f(d.mempool.koffi.allocFreeNs) },
      { op: 'mempool bulk32 via koffi, per object', ns: f(d.mempool.koffi.bulk32NsPerObject) },
      { op: 'koffi call fp_shm_nop', ns: f(d.koffi.nopCallNs) },
      ...Object.entries(d.koffi.ringSendReceiveSameProcess).map(([k, v]) => ({ op: `ring send+receive via koffi, ${k.replace('PerSec', '')}, per descriptor`, ns: f(1e9 / (v as number)) })),
    ],
    'Per-operation costs (ns; C single-thread and koffi rows are CPU time, the contended row is wall time)',
  );
  out += `\nload average before ${d.loadBefore.join(' ')}, after ${d.loadAfter.join(' ')}; ${machineInfo().cores} cores (${machineInfo().cpuModel})\n`;
  return out;
}

function updateReadme(table: string, _d: unknown) {
  const path = join(workspaceRoot, 'libs/shm/README.md');
  const text = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${path} has no ${start}/${end} markers`);
  const stamp = `Measured ${new Date().toISOString()} by \`pnpm nx run shm:bench\` (docs/results/shm/bench.json).`;
  writeFileSync(path, text.slice(0, i + start.length) + '\n' + stamp + '\n\n```\n' + table + '```\n' + text.slice(j));
  log(`updated ${path}`);
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (err) => {
    console.error(err);
    cleanup();
    process.exit(1);
  },
);
