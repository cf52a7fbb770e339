// Scenario chain2 (Figs. 5.7/5.8 analogue): the 2-function chain with a tiny payload at
// concurrency 1, 32, 128 for S, D, H, knative-like and grpc, plus the idle CPU of each warm chain.
// Each point is run `reps` times; the JSON keeps every rep and reports medians.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { printTable, progress, resultsDir, writeResult } from '@fastpath/bench';
import { barChart, writeSvg } from '@fastpath/plot';
import { loadChainSpec } from '../src/spec/index.ts';
import { ioMeter, meter, netSoftirqs, type IoCounters } from './proc.ts';
import { ALL_SYSTEMS, startSystem, type SystemName } from './systems.ts';
import { LOADGEN_CPU, runWrk, wrkVersion, type WrkResult } from './wrk.ts';

export const chain2Spec = join(import.meta.dirname, '..', 'workloads', 'chain2', 'chain.yaml');

export interface Chain2Options {
  systems?: SystemName[];
  concurrency?: number[];
  durationS?: number;
  reps?: number;
  idleS?: number;
  warmupS?: number;
  /** SPRIGHT gateway in its own netns behind a veth (default: host loopback, like the baselines). */
  gatewayNetns?: boolean;
}

export interface PointResult {
  rps: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  cpuSecPer1k: number;
  cpuSecPer1kByComponent: Record<string, number>;
  errors: number;
  requests: number;
  reps: { rps: number; p50ms: number; p95ms: number; p99ms: number; cpuSecPer1k: number; errors: number }[];
  /** Median CPU of wrk on its pinned core, %: near 100 = the load generator is the bottleneck. */
  loadgenCpuPct: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const la = () => loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number];

export async function runChain2(o: Chain2Options = {}): Promise<{ file: string; data: Record<string, unknown> }> {
  const systems = o.systems ?? ALL_SYSTEMS;
  const conc = o.concurrency ?? [1, 32, 128];
  const durationS = o.durationS ?? 5;
  const reps = o.reps ?? 3;
  const idleS = o.idleS ?? 20;
  const warmupS = o.warmupS ?? 2;
  const spec = loadChainSpec(chain2Spec);
  const loadBefore = la();
  const total = systems.length * (1 + conc.length * reps);
  const bar = progress('chain2', total);
  const chain2: Record<string, Record<string, PointResult>> = {};
  const idleCpuPct: Record<string, number> = {};
  const idleByComponent: Record<string, Record<string, number>> = {};
  const loadDuring: Record<string, [number, number, number]> = {};
  // Table 5.1/5.2 analogue: kernel crossings per request at the audit concurrency (32 if run).
  const auditC = conc.includes(32) ? 32 : conc[conc.length - 1];
  const audit: Record<string, { perComponent: Record<string, Record<keyof IoCounters, number>>; total: Record<keyof IoCounters, number>; netSoftirqsPerReq: number; requests: number }> = {};
  for (const name of systems) {
    bar.label(`chain2 ${name}: starting`);
    const sys = await startSystem(name, spec, { hostNetwork: !o.gatewayNetns });
    try {
      // Warm: one short burst so every connection pool and JIT path is hot.
      await runWrk(sys.url, { connections: 8, durationS: warmupS });
      bar.label(`chain2 ${name}: idle ${idleS}s`);
      await new Promise((r) => setTimeout(r, 1000));
      const m = meter(sys.components);
      const t0 = process.hrtime.bigint();
      await new Promise((r) => setTimeout(r, idleS * 1000));
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const used = m.read();
      // Idle CPU of the chain (all its components except the in-process agent, which is this
      // bench process) in % of one core; per component alongside.
      idleByComponent[name] = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, r3((v / secs) * 100)]));
      idleCpuPct[name] = r3((Object.entries(used).reduce((n, [k, v]) => (k === 'agent' ? n : n + v), 0) / secs) * 100);
      bar.tick();
      for (const c of conc) {
        const repsOut: (WrkResult & { cpu: Record<string, number> })[] = [];
        for (let i = 0; i < reps; i++) {
          bar.label(`chain2 ${name} c=${c} rep ${i + 1}/${reps}`);
          const mm = meter(sys.components);
          const io = c === auditC ? { m: ioMeter(sys.components), irq: netSoftirqs() } : undefined;
          const w = await runWrk(sys.url, { connections: c, durationS });
          repsOut.push({ ...w, cpu: mm.read() });
          if (io) addAudit(audit, name, io.m.read(), netSoftirqs() - io.irq, w.requests);
          bar.tick();
        }
        loadDuring[name] = la();
        const per1k = repsOut.map((r) => Object.fromEntries(Object.entries(r.cpu).map(([k, v]) => [k, r.requests ? (v / r.requests) * 1000 : NaN])));
        const tot = per1k.map((p) => Object.values(p).reduce((a, b) => a + b, 0));
        const errs = (r: WrkResult) => r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
        (chain2[`c${c}`] ??= {})[name] = {
          rps: Math.round(median(repsOut.map((r) => r.rps))),
          p50ms: r3(median(repsOut.map((r) => r.p50ms))),
          p95ms: r3(median(repsOut.map((r) => r.p95ms))),
          p99ms: r3(median(repsOut.map((r) => r.p99ms))),
          cpuSecPer1k: r3(median(tot)),
          cpuSecPer1kByComponent: Object.fromEntries(Object.keys(per1k[0]).map((k) => [k, r3(median(per1k.map((p) => p[k])))])),
          errors: repsOut.reduce((n, r) => n + errs(r), 0),
          loadgenCpuPct: median(repsOut.map((r) => r.loadgenCpuPct)),
          requests: repsOut.reduce((n, r) => n + r.requests, 0),
          reps: repsOut.map((r, i) => ({ rps: Math.round(r.rps), p50ms: r3(r.p50ms), p95ms: r3(r.p95ms), p99ms: r3(r.p99ms), cpuSecPer1k: r3(tot[i]), errors: errs(r) })),
        };
      }
    } finally {
      await sys.stop();
    }
  }
  bar.stop();
  const c32 = chain2.c32 ?? {};
  const q = (a: number | undefined, b: number | undefined) => (a && b ? r3(a / b) : null);
  const ratio = {
    rps: { s_vs_knativeLike: q(c32.s?.rps, c32.knativeLike?.rps), s_vs_grpc: q(c32.s?.rps, c32.grpc?.rps), h_vs_d: q(c32.h?.rps, c32.d?.rps) },
    // "x lower": baseline / ours, so > 1 means SPRIGHT is better.
    p99: { s_vs_knativeLike: q(c32.knativeLike?.p99ms, c32.s?.p99ms), h_over_d: q(c32.h?.p99ms, c32.d?.p99ms) },
    cpu: { s_vs_knativeLike: q(c32.knativeLike?.cpuSecPer1k, c32.s?.cpuSecPer1k) },
  };
  for (const a of Object.values(audit)) finishAudit(a);
  const data = {
    chain2,
    ratio,
    audit: { concurrency: auditC, perRequest: audit },
    idleCpuPct,
    idleCpuPctByComponent: idleByComponent,
    notes: {
      ratios: 'rps: ours/baseline (higher is better); p99 and cpu: baseline/ours (how many times lower ours is); p99.h_over_d: H p99 / D p99 (goal <= 1.2)',
      idleCpuPct: `% of one core used by the warm chain's processes over ${idleS}s without traffic (agent excluded: it is the bench process)`,
      cpu: 'CPU seconds per 1k requests from /proc/<pid>/stat utime+stime of each component tree; the load generator is not counted; kernel work done in softirq context on behalf of other processes may be attributed elsewhere',
      agent: 'SPRIGHT agent runs inside the bench process; its CPU is that process (mostly idle during load)',
      connections: 'keep-alive connections (the C prototype closed every connection)',
      network: o.gatewayNetns
        ? 'SPRIGHT gateway in its own netns behind a veth (EPROXY on the host end); the baselines listen on the host loopback'
        : 'every system listens on the host loopback (SPRIGHT gateway without netns/veth, like the baselines broker/head function): the comparison is of the chains, not of veth',
      audit: 'Table 5.1/5.2 analogue, per request at the audit concurrency, from /proc/<pid>/io (syscr/syscw: read-/write-type syscalls — read()/readv()/write()/writev()/sendmsg() are counted, recv()/recvfrom() are not, so nginx shows 0 reads; rchar/wchar: bytes copied across the user/kernel boundary by counted calls) and /proc/<pid>/task/*/status (voluntary + involuntary context switches) of every process of each component; netSoftirqsPerReq: system-wide NET_RX+NET_TX softirqs per request (includes other load on the machine); the load generator is not counted',
      noise: 'the machine is shared: see loadBefore/loadDuring; numbers are medians of the reps',
    },
    loadgen: { tool: 'wrk', version: await wrkVersion(), pinnedCpu: LOADGEN_CPU, threads: 1, durationS, reps, warmupS, keepAlive: true, payloadBytes: 1 },
    loadBefore,
    loadDuring,
    loadAfter: la(),
  };
  const file = writeResult('spright', 'chain2', data, { loadBefore });
  renderChain2Plots(data.chain2);
  const rows = systems.flatMap((s) => conc.map((c) => ({ system: s, c, rps: chain2[`c${c}`]?.[s]?.rps ?? NaN, 'p50 ms': chain2[`c${c}`]?.[s]?.p50ms ?? NaN, 'p99 ms': chain2[`c${c}`]?.[s]?.p99ms ?? NaN, 'cpu s/1k': chain2[`c${c}`]?.[s]?.cpuSecPer1k ?? NaN, 'wrk cpu %': chain2[`c${c}`]?.[s]?.loadgenCpuPct ?? NaN, errors: chain2[`c${c}`]?.[s]?.errors ?? NaN })));
  printTable(rows, `chain2 (medians of ${reps} x ${durationS}s, wrk pinned to cpu ${LOADGEN_CPU}; load before ${loadBefore.join(' ')})`);
  printAudit(audit, auditC);
  printTable(
    [
      { ratio: 'rps S / knative-like (c32)', value: ratio.rps.s_vs_knativeLike ?? NaN, goal: '>= 3' },
      { ratio: 'p99 knative-like / S (c32)', value: ratio.p99.s_vs_knativeLike ?? NaN, goal: '>= 3' },
      { ratio: 'cpu/1k knative-like / S (c32)', value: ratio.cpu.s_vs_knativeLike ?? NaN, goal: '>= 4' },
      { ratio: 'rps S / grpc (c32)', value: ratio.rps.s_vs_grpc ?? NaN, goal: '>= 1.5' },
      { ratio: 'p99 H / D (c32)', value: ratio.p99.h_over_d ?? NaN, goal: '<= 1.2' },
      ...Object.entries(idleCpuPct).map(([k, v]) => ({ ratio: `idle cpu % ${k}`, value: v, goal: k === 's' || k === 'h' ? '~0' : '-' })),
    ],
    'chain2 ratios (same run)',
  );
  return { file, data };
}

type Audit = { perComponent: Record<string, Record<keyof IoCounters, number>>; total: Record<keyof IoCounters, number>; netSoftirqsPerReq: number; requests: number };

function addAudit(audit: Record<string, Audit>, system: string, io: Record<string, IoCounters>, softirqs: number, requests: number): void {
  const a = (audit[system] ??= { perComponent: {}, total: { syscr: 0, syscw: 0, rchar: 0, wchar: 0, ctxsw: 0 }, netSoftirqsPerReq: 0, requests: 0 });
  for (const [k, c] of Object.entries(io)) {
    const t = (a.perComponent[k] ??= { syscr: 0, syscw: 0, rchar: 0, wchar: 0, ctxsw: 0 });
    for (const f of Object.keys(c) as (keyof IoCounters)[]) t[f] += c[f];
  }
  a.netSoftirqsPerReq += softirqs;
  a.requests += requests;
}

/** Sums -> per request (the agent, i.e. the bench process, is left out of the totals). */
function finishAudit(a: Audit): void {
  const n = Math.max(1, a.requests);
  for (const [k, c] of Object.entries(a.perComponent)) {
    for (const f of Object.keys(c) as (keyof IoCounters)[]) {
      c[f] = r3(c[f] / n);
      if (k !== 'agent') a.total[f] = r3(a.total[f] + c[f]);
    }
  }
  a.netSoftirqsPerReq = r3(a.netSoftirqsPerReq / n);
}

function printAudit(audit: Record<string, Audit>, c: number): void {
  printTable(
    Object.entries(audit).map(([s, a]) => ({
      system: s,
      'read syscalls': a.total.syscr,
      'write syscalls': a.total.syscw,
      'bytes across user/kernel': r3(a.total.rchar + a.total.wchar),
      'context switches': a.total.ctxsw,
      'net softirqs (system)': a.netSoftirqsPerReq,
    })),
    `per-request kernel crossings at c=${c} (Table 5.1/5.2 analogue; gateway/broker + sidecars + functions, client excluded)`,
  );
}

export function renderChain2Plots(chain2: Record<string, Record<string, PointResult>>): string[] {
  const dir = join(resultsDir(), 'spright');
  const cs = Object.keys(chain2);
  const systems = [...new Set(cs.flatMap((c) => Object.keys(chain2[c])))];
  const series = (k: 'rps' | 'p99ms' | 'cpuSecPer1k') => systems.map((s) => ({ name: s, values: cs.map((c) => chain2[c][s]?.[k] ?? NaN) }));
  return [
    writeSvg(join(dir, 'chain2-rps.svg'), barChart({ title: '2-function chain: requests/s (median)', yLabel: 'requests/s', categories: cs, series: series('rps') })),
    writeSvg(join(dir, 'chain2-p99.svg'), barChart({ title: '2-function chain: p99 latency (median)', yLabel: 'ms (log)', categories: cs, series: series('p99ms'), logY: true })),
    writeSvg(join(dir, 'chain2-cpu.svg'), barChart({ title: '2-function chain: CPU seconds per 1k requests', yLabel: 'cpu s / 1k req', categories: cs, series: series('cpuSecPer1k') })),
  ];
}
