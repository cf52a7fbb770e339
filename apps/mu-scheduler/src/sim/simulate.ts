// Fig. 4.5 experiment: random cases, every heuristic per case (timed, in worker threads across cases),
// ILP0/ILP1 on a seeded subset of the cases (time-limited, best heuristic placement as MIP start,
// one solve at a time in the main thread: CBC's driver has process-wide state); per algorithm U_cpu,
// U_mem (Eq. 4.2 against water-filling), unmet CPU/memory per function, decision time. The ILP rows
// are compared with the heuristics on the same subset of cases.
import { availableParallelism } from 'node:os';
import { mulberry32, shuffle, summarize, type Summary } from '@fastpath/bench';
import { HEURISTICS, place } from '../core/algorithms.ts';
import type { Placement } from '../core/model.ts';
import { solveIlp, type IlpSolution, type SolverChoice } from '../ilp/solve.ts';
import { sampleOf, type FairnessSample } from '../metrics/fairness.ts';
import type { CaseRequest } from './case-worker.ts';
import { runHeuristicCase, type CaseResult, type CaseShape } from './heuristic-case.ts';
import { threadCpuClock } from './thread-cpu.ts';
import { runOnPool } from './worker-pool.ts';
import { DISSERTATION_CASE, generateCase } from './workload.ts';

export interface SimulationOptions {
  cases: number;
  seed: number;
  nodes?: number;
  functions?: number;
  ilpCases: number;
  ilpTimeSec: number;
  solver?: SolverChoice;
  /** Worker threads for the heuristics (0 = run them in this thread). Default: cores − 1 when ILPs run, else all cores. */
  workers?: number;
  /** Called after each heuristic case and each ILP case. */
  onProgress?: (what: 'case' | 'ilp', index: number) => void;
}

export interface AlgoStats {
  cases: number;
  unfairnessCpu: Summary;
  unfairnessMem: Summary;
  unmetCpu: Summary;
  unmetMem: Summary;
  decisionMs: Summary;
  /** CPU time of the decision (the deciding thread's), robust to other processes competing for the cores. */
  decisionCpuMs: Summary;
  /** Pods placed per case. */
  podsPlaced: Summary;
  /** Σ_f R_f,cpu / |F| per case (cores placed per function). */
  allocatedCpu: Summary;
  /** Only on the ILP subset: |Σ R^ILP0 − Σ R| / |F|. */
  belowIlp0Cpu?: Summary;
  belowIlp0Mem?: Summary;
  /** ILP rows: relative gap (bound − objective) / objective in % after the time limit. */
  gapPct?: Summary;
  /** ILP rows: objective and bound per case. */
  objective?: Summary;
  bound?: Summary;
  /** ILP rows: solves whose incumbent beats the MIP start. */
  improvedOnStart?: number;
  /** ILP solves that ended without a bound (no gap known). */
  solvesWithoutBound?: number;
}

export interface SimulationResult {
  config: Omit<SimulationOptions, 'onProgress'> &
    CaseShape & {
      workers: number;
      /** Which cases the ILPs ran on (seeded subset). */
      ilpCaseIndices: number[];
      cpuClock: 'thread' | 'process';
    };
  all: Record<string, AlgoStats>;
  ilpSubset: Record<string, AlgoStats>;
  ilpSolver?: string;
  /** Wall-clock seconds of the whole run. */
  wallSec: number;
}

interface Acc {
  samples: FairnessSample[];
  ms: number[];
  cpuMs: number[];
  pods: number[];
  gaps: number[];
  objective: number[];
  bound: number[];
  improved: number;
  noBound: number;
}

const newAcc = (): Acc => ({ samples: [], ms: [], cpuMs: [], pods: [], gaps: [], objective: [], bound: [], improved: 0, noBound: 0 });

function stats(a: Acc, ilp: boolean): AlgoStats {
  const per = (pick: (s: FairnessSample) => number) => summarize(a.samples.map((s) => pick(s) / s.functions));
  const out: AlgoStats = {
    cases: a.samples.length,
    unfairnessCpu: per((s) => s.deviation[0]),
    unfairnessMem: per((s) => s.deviation[1]),
    unmetCpu: per((s) => s.unmet[0]),
    unmetMem: per((s) => s.unmet[1]),
    decisionMs: summarize(a.ms),
    decisionCpuMs: summarize(a.cpuMs.length ? a.cpuMs : a.ms),
    podsPlaced: summarize(a.pods),
    allocatedCpu: per((s) => s.allocated[0]),
  };
  if (a.samples.every((s) => s.belowIlp0)) {
    out.belowIlp0Cpu = per((s) => s.belowIlp0![0]);
    out.belowIlp0Mem = per((s) => s.belowIlp0![1]);
  }
  if (ilp) {
    if (a.gaps.length) out.gapPct = summarize(a.gaps);
    out.objective = summarize(a.objective);
    out.bound = summarize(a.bound.filter(Number.isFinite));
    out.improvedOnStart = a.improved;
    out.solvesWithoutBound = a.noBound;
  }
  return out;
}

const podsOf = (p: Placement) => p.placed.reduce((s, x) => s + x, 0);

/** The ILP subset: `count` case indices drawn without replacement with the seed, in increasing order. */
export function ilpCaseIndices(cases: number, count: number, seed: number): number[] {
  if (count >= cases) return Array.from({ length: cases }, (_, i) => i);
  return shuffle(mulberry32(seed ^ 0x9e3779b9), Array.from({ length: cases }, (_, i) => i))
    .slice(0, count)
    .sort((a, b) => a - b);
}

/** Rough duration of a run: both ILPs hit their limit on most cases; a heuristic case takes ~50 ms of CPU. */
export function expectedSeconds(o: { cases: number; ilpCases: number; ilpTimeSec: number; workers: number }): number {
  const ilp = o.ilpCases * 2 * (o.ilpTimeSec + 0.3);
  const heur = (o.cases * 0.05) / Math.max(1, o.workers);
  return Math.max(ilp, heur) + 5;
}

export function defaultWorkers(ilpCases: number): number {
  const cores = availableParallelism();
  return Math.max(1, ilpCases > 0 ? cores - 1 : cores);
}

export async function runSimulation(opts: SimulationOptions): Promise<SimulationResult> {
  if (!Number.isInteger(opts.cases) || opts.cases < 1) throw new RangeError(`cases must be a positive integer (got ${opts.cases})`);
  if (!Number.isInteger(opts.ilpCases) || opts.ilpCases < 0) throw new RangeError(`ilpCases must be an integer >= 0 (got ${opts.ilpCases})`);
  const t0 = performance.now();
  const shape: CaseShape = { ...DISSERTATION_CASE, nodes: opts.nodes ?? DISSERTATION_CASE.nodes, functions: opts.functions ?? DISSERTATION_CASE.functions };
  const ilpCases = Math.min(opts.ilpCases, opts.cases);
  const workers = opts.workers ?? defaultWorkers(ilpCases);
  const ilpIdx = ilpCaseIndices(opts.cases, ilpCases, opts.seed);

  // ILPs one at a time on this thread while the heuristics run across cases in workers (or here).
  const ilps = (async () => {
    const out = new Map<number, { s0: IlpSolution; s1: IlpSolution; vsIlp0: Record<string, FairnessSample> }>();
    for (const i of ilpIdx) {
      const input = generateCase({ ...shape, seed: opts.seed + i });
      const so = { solver: opts.solver, timeLimitSec: opts.ilpTimeSec, seed: opts.seed + i };
      const s0 = await solveIlp(input, 'ilp0', so);
      const s1 = await solveIlp(input, 'ilp1', so);
      const vsIlp0: Record<string, FairnessSample> = { ilp0: sampleOf(input, s0.placement, s0.placement), ilp1: sampleOf(input, s1.placement, s0.placement) };
      for (const h of HEURISTICS) vsIlp0[h] = sampleOf(input, place(h, input, opts.seed + i), s0.placement);
      out.set(i, { s0, s1, vsIlp0 });
      opts.onProgress?.('ilp', i);
    }
    return out;
  })();
  const jobs: CaseRequest[] = Array.from({ length: opts.cases }, (_, index) => ({ index, shape, seed: opts.seed }));
  const heuristics: Promise<CaseResult[]> =
    workers > 0
      ? runOnPool<CaseRequest, CaseResult>(new URL('./case-worker.ts', import.meta.url), workers, jobs, (r) => opts.onProgress?.('case', r.index), ilps)
      : Promise.resolve(
          jobs.map((j) => {
            const r = runHeuristicCase(j.index, j.shape, j.seed);
            opts.onProgress?.('case', j.index);
            return r;
          }),
        );
  const [byCase, ilpByCase] = await Promise.all([heuristics, ilps]);

  const all: Record<string, Acc> = Object.fromEntries(HEURISTICS.map((h) => [h, newAcc()]));
  const sub: Record<string, Acc> = Object.fromEntries([...HEURISTICS, 'ilp0', 'ilp1'].map((h) => [h, newAcc()]));
  let ilpSolver: string | undefined;
  for (const c of byCase) {
    const ilp = ilpByCase.get(c.index);
    for (const h of HEURISTICS) {
      const r = c.runs[h];
      for (const [acc, sample] of ilp ? ([[all[h], r.sample], [sub[h], ilp.vsIlp0[h]]] as const) : ([[all[h], r.sample]] as const)) {
        acc.samples.push(sample);
        acc.ms.push(r.ms);
        acc.cpuMs.push(r.cpuMs);
        acc.pods.push(r.pods);
      }
    }
    if (!ilp) continue;
    for (const [name, s] of [['ilp0', ilp.s0], ['ilp1', ilp.s1]] as const) {
      ilpSolver = s.result.solver;
      const a = sub[name];
      a.samples.push(ilp.vsIlp0[name]);
      a.ms.push(s.result.seconds * 1000);
      a.pods.push(podsOf(s.placement));
      a.objective.push(s.result.objective);
      a.bound.push(s.result.bound);
      if (s.result.objective > s.startObjective + 1e-9) a.improved++;
      // A solve stopped before the solver had a bound has no gap; it is counted, not averaged.
      if (Number.isFinite(s.result.gapPct)) a.gaps.push(s.result.gapPct);
      else a.noBound++;
    }
  }
  const { onProgress: _o, ...cfg } = opts;
  return {
    config: { ...cfg, ...shape, ilpCases, workers, ilpCaseIndices: ilpIdx, cpuClock: threadCpuClock() },
    all: Object.fromEntries(Object.entries(all).map(([k, a]) => [k, stats(a, false)])),
    ilpSubset: ilpCases > 0 ? Object.fromEntries(Object.entries(sub).map(([k, a]) => [k, stats(a, k.startsWith('ilp'))])) : {},
    ilpSolver,
    wallSec: (performance.now() - t0) / 1000,
  };
}
