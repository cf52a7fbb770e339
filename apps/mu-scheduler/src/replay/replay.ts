// Table 4.2 / Figs. 4.6-4.8: arrivals from the trace (invocations / scale per minute, one minute
// replayed as one second, times uniform within the second, seeded), the three policies simulated on
// the same arrivals, summaries per policy and workload.
import { summarize } from '@fastpath/bench';
import { mulberry32 } from '@fastpath/bench';
import { simulateReplay, TABLE_4_1, type FunctionResult, type Policy, type ReplayConfig } from './des.ts';
import type { TraceFunction } from './trace.ts';

export function arrivalsFrom(fn: TraceFunction, opts: { scale: number; seconds: number; seed: number; multiplier?: number }): Float64Array {
  if (!(opts.scale > 0)) throw new RangeError(`scale must be > 0 (got ${opts.scale})`);
  const rng = mulberry32(opts.seed);
  const out: number[] = [];
  const n = Math.min(opts.seconds, fn.perMinute.length);
  for (let s = 0; s < n; s++) {
    const x = (fn.perMinute[s] / opts.scale) * (opts.multiplier ?? 1);
    let k = Math.floor(x);
    if (rng() < x - k) k++;
    const ts: number[] = [];
    for (let i = 0; i < k; i++) ts.push(s + rng());
    ts.sort((a, b) => a - b);
    out.push(...ts);
  }
  return Float64Array.from(out);
}

/** What simulated and live replays both report per workload (Table 4.2's columns). */
export interface SloSummary {
  name: string;
  total: number;
  served: number;
  rejected503: number;
  withinSlo: number;
  withinSloPct: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  requestedPods: { max: number; avg: number };
  activePods: { max: number; avg: number };
}

export interface WorkloadSummary extends SloSummary {
  hash: string;
  unserved: number;
  rps: { min: number; max: number; avg: number };
}

export interface ReplayResult {
  config: ReplayConfig & { scale: number; seconds: number; seed: number; multipliers: number[] };
  policies: Record<Policy, { workloads: WorkloadSummary[]; withinSloPct: number; rejected503: number; total: number }>;
  series: Record<Policy, { name: string; meanResponseMs: number[]; rejected: number[]; requested: number[]; active: number[] }[]>;
  /** Response-time samples (ms) for CDFs, down-sampled to at most 2000 per workload. */
  cdf: Record<Policy, { name: string; samples: number[] }[]>;
}

function summarizeFn(r: FunctionResult, hash: string, arrivals: Float64Array, seconds: number): WorkloadSummary {
  const s = r.responses.length ? summarize(r.responses) : undefined;
  const active = r.perSecond.active.slice(0, seconds);
  const requested = r.perSecond.requested.slice(0, seconds);
  const perSec = new Array(seconds).fill(0);
  for (const t of arrivals) perSec[Math.min(seconds - 1, Math.floor(t))]++;
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  return {
    name: r.name,
    hash,
    total: r.total,
    served: r.served,
    unserved: r.total - r.served - r.rejected503,
    rejected503: r.rejected503,
    withinSlo: r.withinSlo,
    withinSloPct: (100 * r.withinSlo) / Math.max(1, r.total),
    meanMs: s ? s.mean * 1000 : NaN,
    p50Ms: s ? s.p50 * 1000 : NaN,
    p99Ms: s ? s.p99 * 1000 : NaN,
    requestedPods: { max: Math.max(...requested), avg: avg(requested) },
    activePods: { max: Math.max(...active), avg: avg(active) },
    rps: { min: Math.min(...perSec), max: Math.max(...perSec), avg: avg(perSec) },
  };
}

function downsample(a: Float64Array, n: number): number[] {
  const sorted = Float64Array.from(a).sort();
  if (sorted.length <= n) return [...sorted].map((x) => x * 1000);
  return Array.from({ length: n }, (_, i) => sorted[Math.floor((i * (sorted.length - 1)) / (n - 1))] * 1000);
}

export function runReplay(
  workloads: TraceFunction[],
  opts: { scale: number; seconds: number; seed: number; config?: ReplayConfig; multipliers?: number[]; policies?: Policy[] },
): ReplayResult {
  const cfg = opts.config ?? TABLE_4_1;
  const multipliers = opts.multipliers ?? workloads.map(() => 1);
  const arrivals = workloads.map((w, i) => arrivalsFrom(w, { scale: opts.scale, seconds: opts.seconds, seed: opts.seed + i, multiplier: multipliers[i] }));
  const names = workloads.map((_, i) => `Workload-${i + 1}`);
  const seconds = Math.min(opts.seconds, ...workloads.map((w) => w.perMinute.length));
  const out = { config: { ...cfg, scale: opts.scale, seconds, seed: opts.seed, multipliers }, policies: {}, series: {}, cdf: {} } as ReplayResult;
  for (const policy of opts.policies ?? (['mu', 'rps', 'concurrency'] as Policy[])) {
    const res = simulateReplay(policy, arrivals, names, cfg, seconds);
    const ws = res.map((r, i) => summarizeFn(r, workloads[i].hash, arrivals[i], seconds));
    const total = ws.reduce((s, w) => s + w.total, 0);
    out.policies[policy] = {
      workloads: ws,
      total,
      rejected503: ws.reduce((s, w) => s + w.rejected503, 0),
      withinSloPct: (100 * ws.reduce((s, w) => s + w.withinSlo, 0)) / Math.max(1, total),
    };
    out.series[policy] = res.map((r) => ({
      name: r.name,
      meanResponseMs: r.perSecond.meanResponse.slice(0, seconds).map((x) => (Number.isFinite(x) ? Math.round(x * 1000) : -1)),
      rejected: r.perSecond.rejected.slice(0, seconds),
      requested: r.perSecond.requested.slice(0, seconds),
      active: r.perSecond.active.slice(0, seconds),
    }));
    out.cdf[policy] = res.map((r) => ({ name: r.name, samples: downsample(r.responses, 2000) }));
  }
  return out;
}
