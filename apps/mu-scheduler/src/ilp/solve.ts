// ILP0/ILP1 end to end: build the model, seed it with a heuristic placement (MIP start), solve with
// CBC (or HiGHS when CBC cannot be loaded, or on request), decode the placement.
import { place, type Heuristic } from '../core/algorithms.ts';
import type { Placement, PlacementInput } from '../core/model.ts';
import { cbcLoadError, solveCbc } from './cbc.ts';
import { solveHighs } from './highs.ts';
import { buildIlp, type Ilp1Form, type IlpModel } from './model.ts';
import type { MipResult } from './solve-types.ts';

export type SolverChoice = 'auto' | 'cbc' | 'highs';

export interface IlpOptions {
  solver?: SolverChoice;
  timeLimitSec?: number;
  /** Heuristic whose placement is the MIP start (default alignment); 'none' for no start. */
  start?: Heuristic | 'none';
  seed?: number;
  ilp1Form?: Ilp1Form;
}

export interface IlpSolution {
  placement: Placement;
  result: MipResult;
  /** Objective of the MIP start under the same model (NaN without a start). */
  startObjective: number;
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
  if (opts.start !== 'none') {
    const p = place(opts.start ?? 'alignment', input, opts.seed ?? 1);
    start = built.startFrom(p);
    startObjective = built.objectiveOf(p);
  }
  const so = { timeLimitSec: opts.timeLimitSec ?? 2, start };
  const result = solver === 'cbc' ? await solveCbc(built.mip, so) : await solveHighs(built.mip, so);
  const placement = built.decode(result.x, model);
  return { placement, result, startObjective };
}
