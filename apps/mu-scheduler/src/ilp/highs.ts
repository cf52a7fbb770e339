// HiGHS (npm `highs`, WebAssembly) as the fallback MIP solver when CBC is absent. It runs in this
// thread (the Wasm build has no worker threads), takes the same column-wise model and a MIP start.
import highsModule, { type Highs } from 'highs';
import type { Mip } from './model.ts';
import { gapOf, type MipResult, type SolveOptions } from './solve-types.ts';

// The package is CommonJS (module.exports = loader); NodeNext types see it as a namespace.
const highsLoader = ((highsModule as any).default ?? highsModule) as () => Promise<Highs>;
let runtime: Promise<Highs> | undefined;

function load(): Promise<Highs> {
  runtime ??= highsLoader();
  return runtime;
}

export async function solveHighs(mip: Mip, opts: SolveOptions = {}): Promise<MipResult> {
  const h = await load();
  const t0 = performance.now();
  const big = (a: Float64Array) => a.map((v) => (v === Infinity ? h.infinity : v === -Infinity ? -h.infinity : v));
  return h.withModel((model) => {
    model.passModel({
      numCols: mip.numCols,
      numRows: mip.numRows,
      sense: h.constants.objectiveSense.maximize,
      colCost: mip.obj,
      colLower: mip.colLower,
      colUpper: big(mip.colUpper),
      rowLower: big(mip.rowLower),
      rowUpper: big(mip.rowUpper),
      matrix: { format: 'csc', numRows: mip.numRows, numCols: mip.numCols, starts: mip.starts, indices: mip.index, values: mip.value },
      integrality: Int32Array.from(mip.integer),
    });
    model.options.set({ output_flag: false });
    if (opts.timeLimitSec !== undefined) model.options.set('time_limit', opts.timeLimitSec);
    if (opts.start) model.setSolution({ colValue: Float64Array.from(opts.start) } as any);
    const run = model.run();
    const seconds = (performance.now() - t0) / 1000;
    const S = h.constants.modelStatus;
    if (run.modelStatus === S.infeasible) {
      return { solver: 'highs', status: 'infeasible', objective: NaN, bound: NaN, gapPct: NaN, seconds, x: new Float64Array(mip.numCols) } as MipResult;
    }
    const x = Float64Array.from(model.getSolution().colValue);
    const objective = model.getObjectiveValue();
    let raw = objective;
    try {
      const b = Number(model.info.get('mip_dual_bound'));
      if (Number.isFinite(b)) raw = b;
    } catch {
      /* a model solved in presolve has no dual bound: it is optimal */
    }
    const optimal = run.modelStatus === S.optimal;
    const { bound, gapPct } = gapOf(objective, optimal ? objective : raw, mip.integralObjective);
    return { solver: 'highs', status: optimal ? 'optimal' : run.modelStatus === S.timeLimit ? 'time-limit' : 'feasible', objective, bound, gapPct, seconds, x } as MipResult;
  });
}
