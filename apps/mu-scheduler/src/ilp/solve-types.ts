export interface SolveOptions {
  /** Wall-clock limit in seconds. */
  timeLimitSec?: number;
  /** MIP start: a full solution vector (e.g. the DRF placement). */
  start?: ArrayLike<number>;
  threads?: number;
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
