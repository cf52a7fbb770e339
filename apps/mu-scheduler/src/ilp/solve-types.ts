export interface SolveOptions {
  /** Wall-clock limit in seconds. */
  timeLimitSec?: number;
  /** MIP start: a full solution vector (e.g. the DRF placement). */
  start?: ArrayLike<number>;
  threads?: number;
  /** Solver log level (0 = silent). */
  logLevel?: number;
}

export interface MipResult {
  solver: 'cbc' | 'highs';
  status: 'optimal' | 'time-limit' | 'feasible' | 'infeasible';
  objective: number;
  /** Best bound proven (≥ objective for a maximisation). */
  bound: number;
  gapPct: number;
  seconds: number;
  x: Float64Array;
}

/**
 * Relative gap in % of a maximisation: (bound − objective) / |objective|. A bound below the objective
 * (solver tolerance) is lifted to it; with an integral objective the bound is rounded down first.
 */
export function gapOf(objective: number, bound: number, integralObjective: boolean): { bound: number; gapPct: number } {
  if (!Number.isFinite(bound)) return { bound: NaN, gapPct: NaN };
  let b = integralObjective ? Math.floor(bound + 1e-6) : bound;
  if (b < objective) b = objective;
  const gapPct = objective !== 0 ? (100 * (b - objective)) / Math.abs(objective) : b === 0 ? 0 : Infinity;
  return { bound: b, gapPct };
}
