// ILP0/ILP1 end to end: build the model, seed it with a heuristic placement (MIP start), solve with
// CBC (or HiGHS when CBC cannot be loaded, or on request), decode the placement.
import { place, type Heuristic } from '../core/algorithms.ts';
import type { Placement, PlacementInput } from '../core/model.ts';
import { cbcLoadError, solveCbc } from './cbc.ts';
import { solveHighs } from './highs.ts';
import { smallestFirstPlacement } from './greedy-start.ts';
import { buildIlp, type Ilp1Form, type IlpModel } from './model.ts';
import type { MipResult } from './solve-types.ts';

export type SolverChoice = 'auto' | 'cbc' | 'highs';

export interface IlpOptions {
  solver?: SolverChoice;
  timeLimitSec?: number;
  /**
   * MIP start: 'best' (default) = whichever of the three DRF placements and the smallest-first
   * packing scores highest under the model; a heuristic's name for that one; 'none' for no start.
   */
  start?: Heuristic | 'best' | 'none';
  seed?: number;
  ilp1Form?: Ilp1Form;
  /** Solver log level (0 = silent). */
  logLevel?: number;
}

export interface IlpSolution {
  placement: Placement;
  result: MipResult;
  /** Objective of the MIP start under the same model (NaN without a start). */
  startObjective: number;
  /** Which placement was the MIP start. */
  startFrom?: string;
}

export function resolveSolver(choice: SolverChoice = 'auto'): 'cbc' | 'highs' {
  if (choice === 'highs') return 'highs';
  const err = cbcLoadError();
  if (choice === 'cbc' && err) throw err;
  return err ? 'highs' : 'cbc';
}

export async function solveIlp(input: PlacementInput, model: IlpModel, opts: IlpOptions = {}): Promise<IlpSolution> {
  const built = buildIlp(input, model, opts.ilp1Form);
  const solver = resolveSolver(opts.solver);
  let start: Float64Array | undefined;
  let startObjective = NaN;
  let startFrom: string | undefined;
  if (opts.start !== 'none') {
    const seed = opts.seed ?? 1;
    const candidates: Placement[] =
      opts.start === undefined || opts.start === 'best'
        ? [...(['alignment', 'worstfit', 'bestfit'] as const).map((h) => place(h, input, seed)), smallestFirstPlacement(input)]
        : [place(opts.start, input, seed)];
    for (const p of candidates) {
      const obj = built.objectiveOf(p);
      if (!(obj <= startObjective)) {
        startObjective = obj;
        startFrom = p.algorithm;
        start = built.startFrom(p);
      }
    }
  }
  const so = { timeLimitSec: opts.timeLimitSec ?? 2, start, logLevel: opts.logLevel };
  const result = solver === 'cbc' ? await solveCbc(built.mip, so) : await solveHighs(built.mip, so);
  const placement = built.decode(result.x, model);
  return { placement, result, startObjective, startFrom };
}
