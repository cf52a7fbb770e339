// One simulated case for every heuristic: generate it from its seed, time each placement (wall and
// this thread's CPU), and reduce it to the Eq. 4.2 sample. Runs in worker threads (case-worker.ts) or
// in-process; the result is plain data so it crosses the thread boundary as is.
import { HEURISTICS, place, type Heuristic } from '../core/algorithms.ts';
import { sampleOf, type FairnessSample } from '../metrics/fairness.ts';
import { threadCpuMs } from './thread-cpu.ts';
import { generateCase, type WorkloadConfig } from './workload.ts';

export interface HeuristicRun {
  sample: FairnessSample;
  ms: number;
  cpuMs: number;
  pods: number;
}

export interface CaseResult {
  index: number;
  runs: Record<Heuristic, HeuristicRun>;
}

export type CaseShape = Omit<WorkloadConfig, 'seed'>;

/** Case i uses seed + i for the workload and for the tie-breaks, as the ILP subset does. */
export function runHeuristicCase(index: number, shape: CaseShape, seed: number): CaseResult {
  const input = generateCase({ ...shape, seed: seed + index });
  const runs = {} as Record<Heuristic, HeuristicRun>;
  for (const h of HEURISTICS) {
    const c0 = threadCpuMs();
    const t0 = performance.now();
    const p = place(h, input, seed + index);
    const ms = performance.now() - t0;
    const cpuMs = threadCpuMs() - c0;
    runs[h] = { sample: sampleOf(input, p), ms, cpuMs, pods: p.placed.reduce((s, x) => s + x, 0) };
  }
  return { index, runs };
}
