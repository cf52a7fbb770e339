// Fig. 4.5 experiment: random cases, every heuristic per case (timed), ILP0/ILP1 on the first
// `ilpCases` cases (time-limited, DRF MIP start); per algorithm U_cpu, U_mem (Eq. 4.2 against
// water-filling), unmet CPU/memory per function, decision time. The ILP rows are compared with the
// heuristics on the same subset of cases.
import { summarize, type Summary } from '@fastpath/bench';
import { HEURISTICS, place, type Heuristic } from '../core/algorithms.ts';
import type { Placement, PlacementInput } from '../core/model.ts';
import { solveIlp, type SolverChoice } from '../ilp/solve.ts';
import { sampleOf, type FairnessSample } from '../metrics/fairness.ts';
import { DISSERTATION_CASE, generateCase, type WorkloadConfig } from './workload.ts';

export interface SimulationOptions {
  cases: number;
  seed: number;
  nodes?: number;
  functions?: number;
  ilpCases: number;
  ilpTimeSec: number;
  solver?: SolverChoice;
  onCase?: (i: number) => void;
}

export interface AlgoStats {
  cases: number;
  unfairnessCpu: Summary;
  unfairnessMem: Summary;
  unmetCpu: Summary;
  unmetMem: Summary;
  decisionMs: Summary;
  /** CPU time of the decision (process user+system), robust to other processes competing for the cores. */
  decisionCpuMs: Summary;
  /** Pods placed per case. */
  podsPlaced: Summary;
  /** Σ_f R_f,cpu / |F| per case (cores placed per function). */
  allocatedCpu: Summary;
  /** Only on the ILP subset: |Σ R^ILP0 − Σ R| / |F|. */
  belowIlp0Cpu?: Summary;
  belowIlp0Mem?: Summary;
  gapPct?: Summary;
  /** ILP solves that ended without a bound (no gap known). */
  solvesWithoutBound?: number;
}

export interface SimulationResult {
  config: Omit<SimulationOptions, 'onCase'> & Omit<WorkloadConfig, 'seed'>;
  all: Record<string, AlgoStats>;
  ilpSubset: Record<string, AlgoStats>;
  ilpSolver?: string;
}

interface Acc {
  samples: FairnessSample[];
  ms: number[];
  cpuMs: number[];
  pods: number[];
  gaps: number[];
  noBound: number;
}

const newAcc = (): Acc => ({ samples: [], ms: [], cpuMs: [], pods: [], gaps: [], noBound: 0 });

function stats(a: Acc): AlgoStats {
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
  if (a.gaps.length) out.gapPct = summarize(a.gaps);
  if (a.noBound) out.solvesWithoutBound = a.noBound;
  return out;
}

const podsOf = (p: Placement) => p.placed.reduce((s, x) => s + x, 0);

export async function runSimulation(opts: SimulationOptions): Promise<SimulationResult> {
  if (!Number.isInteger(opts.cases) || opts.cases < 1) throw new RangeError(`cases must be a positive integer (got ${opts.cases})`);
  const shape = { ...DISSERTATION_CASE, nodes: opts.nodes ?? DISSERTATION_CASE.nodes, functions: opts.functions ?? DISSERTATION_CASE.functions };
  const all: Record<string, Acc> = Object.fromEntries(HEURISTICS.map((h) => [h, newAcc()]));
  const sub: Record<string, Acc> = Object.fromEntries([...HEURISTICS, 'ilp0', 'ilp1'].map((h) => [h, newAcc()]));
  let ilpSolver: string | undefined;
  for (let i = 0; i < opts.cases; i++) {
    const input: PlacementInput = generateCase({ ...shape, seed: opts.seed + i });
    const placements = new Map<Heuristic, { p: Placement; ms: number; cpuMs: number }>();
    for (const h of HEURISTICS) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const p = place(h, input, opts.seed + i);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      placements.set(h, { p, ms, cpuMs: (c.user + c.system) / 1000 });
    }
    let ilp0: Placement | undefined;
    if (i < opts.ilpCases) {
      const s0 = await solveIlp(input, 'ilp0', { solver: opts.solver, timeLimitSec: opts.ilpTimeSec, seed: opts.seed + i });
      const s1 = await solveIlp(input, 'ilp1', { solver: opts.solver, timeLimitSec: opts.ilpTimeSec, seed: opts.seed + i });
      ilpSolver = s0.result.solver;
      ilp0 = s0.placement;
      for (const [name, s] of [['ilp0', s0], ['ilp1', s1]] as const) {
        const a = sub[name];
        a.samples.push(sampleOf(input, s.placement, ilp0));
        a.ms.push(s.result.seconds * 1000);
        a.pods.push(podsOf(s.placement));
        // A solve stopped before CBC had a bound has no gap; it is counted, not averaged.
        if (Number.isFinite(s.result.gapPct)) a.gaps.push(s.result.gapPct);
        else a.noBound++;
      }
    }
    for (const [h, { p, ms, cpuMs }] of placements) {
      all[h].samples.push(sampleOf(input, p));
      all[h].ms.push(ms);
      all[h].cpuMs.push(cpuMs);
      all[h].pods.push(podsOf(p));
      if (ilp0) {
        sub[h].samples.push(sampleOf(input, p, ilp0));
        sub[h].ms.push(ms);
        sub[h].cpuMs.push(cpuMs);
        sub[h].pods.push(podsOf(p));
      }
    }
    opts.onCase?.(i);
  }
  const { onCase: _o, ...cfg } = opts;
  return {
    config: { ...cfg, ...shape },
    all: Object.fromEntries(Object.entries(all).map(([k, a]) => [k, stats(a)])),
    ilpSubset: opts.ilpCases > 0 ? Object.fromEntries(Object.entries(sub).map(([k, a]) => [k, stats(a)])) : {},
    ilpSolver,
  };
}
