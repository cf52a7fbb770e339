// COIN-OR CBC through its C interface (Debian coinor-libcbc-dev: /usr/include/coin/Cbc_C_Interface.h,
// libCbcSolver.so.3), bound directly with koffi: no C shim is needed because the API takes plain
// arrays and an opaque model pointer. Cbc_solve runs on koffi's worker thread (async) so a time-limited
// solve does not block the event loop.
import { koffi } from '@fastpath/native';
import type { Mip } from './model.ts';
import { gapOf, type MipResult, type SolveOptions } from './solve-types.ts';

export const CBC_LIBRARY = 'libCbcSolver.so.3';

interface CbcApi {
  version: () => string;
  newModel: () => unknown;
  deleteModel: (m: unknown) => void;
  loadProblem: (...a: unknown[]) => void;
  setInteger: (m: unknown, i: number) => void;
  setObjSense: (m: unknown, s: number) => void;
  setMIPStartI: (m: unknown, n: number, idx: Int32Array, v: Float64Array) => void;
  setMaximumSeconds: (m: unknown, s: number) => void;
  setLogLevel: (m: unknown, l: number) => void;
  setParameter: (m: unknown, name: string, value: string) => void;
  solve: { async: (m: unknown, cb: (err: unknown, res: number) => void) => void };
  getColSolution: (m: unknown) => unknown;
  getObjValue: (m: unknown) => number;
  getBestPossibleObjValue: (m: unknown) => number;
  isProvenOptimal: (m: unknown) => number;
  isProvenInfeasible: (m: unknown) => number;
  isSecondsLimitReached: (m: unknown) => number;
  numberSavedSolutions: (m: unknown) => number;
}

let api: CbcApi | undefined;
let loadError: Error | undefined;

/** The bound CBC API, or undefined (with cbcLoadError() explaining why) when the library is absent. */
export function loadCbc(): CbcApi | undefined {
  if (api || loadError) return api;
  try {
    const lib = koffi.load(CBC_LIBRARY);
    koffi.opaque('Cbc_Model');
    api = {
      version: lib.func('const char *Cbc_getVersion(void)'),
      newModel: lib.func('Cbc_Model *Cbc_newModel(void)'),
      deleteModel: lib.func('void Cbc_deleteModel(Cbc_Model *model)'),
      loadProblem: lib.func(
        'void Cbc_loadProblem(Cbc_Model *model, int numcols, int numrows, const int *start, const int *index, const double *value, const double *collb, const double *colub, const double *obj, const double *rowlb, const double *rowub)',
      ),
      setInteger: lib.func('void Cbc_setInteger(Cbc_Model *model, int iColumn)'),
      setObjSense: lib.func('void Cbc_setObjSense(Cbc_Model *model, double sense)'),
      setMIPStartI: lib.func('void Cbc_setMIPStartI(Cbc_Model *model, int count, const int *colIdxs, const double *colValues)'),
      setMaximumSeconds: lib.func('void Cbc_setMaximumSeconds(Cbc_Model *model, double maxSeconds)'),
      setLogLevel: lib.func('void Cbc_setLogLevel(Cbc_Model *model, int logLevel)'),
      setParameter: lib.func('void Cbc_setParameter(Cbc_Model *model, const char *name, const char *value)'),
      solve: lib.func('int Cbc_solve(Cbc_Model *model)') as unknown as CbcApi['solve'],
      getColSolution: lib.func('const double *Cbc_getColSolution(Cbc_Model *model)'),
      getObjValue: lib.func('double Cbc_getObjValue(Cbc_Model *model)'),
      getBestPossibleObjValue: lib.func('double Cbc_getBestPossibleObjValue(Cbc_Model *model)'),
      isProvenOptimal: lib.func('int Cbc_isProvenOptimal(Cbc_Model *model)'),
      isProvenInfeasible: lib.func('int Cbc_isProvenInfeasible(Cbc_Model *model)'),
      isSecondsLimitReached: lib.func('int Cbc_isSecondsLimitReached(Cbc_Model *model)'),
      numberSavedSolutions: lib.func('int Cbc_numberSavedSolutions(Cbc_Model *model)'),
    };
  } catch (err) {
    loadError = new Error(`CBC is not available (${CBC_LIBRARY}): ${(err as Error).message}; apt-get install coinor-libcbc-dev`);
  }
  return api;
}

export function cbcLoadError(): Error | undefined {
  loadCbc();
  return loadError;
}

// CBC keeps per-process global state in its solver driver; solving two models at once is not safe.
let queue: Promise<unknown> = Promise.resolve();

export function solveCbc(mip: Mip, opts: SolveOptions = {}): Promise<MipResult> {
  const run = queue.then(() => solveCbcNow(mip, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function solveCbcNow(mip: Mip, opts: SolveOptions): Promise<MipResult> {
  const cbc = loadCbc();
  if (!cbc) throw loadError!;
  const t0 = performance.now();
  const m = cbc.newModel();
  try {
    const inf = (a: Float64Array) => a.map((v) => (v === Infinity ? 1e30 : v === -Infinity ? -1e30 : v));
    cbc.loadProblem(m, mip.numCols, mip.numRows, mip.starts, mip.index, mip.value, mip.colLower, inf(mip.colUpper), mip.obj, inf(mip.rowLower), inf(mip.rowUpper));
    for (let i = 0; i < mip.numCols; i++) if (mip.integer[i]) cbc.setInteger(m, i);
    cbc.setObjSense(m, -1); // maximise
    cbc.setLogLevel(m, opts.logLevel ?? 0);
    // threads=1 makes CBC 2.10 run its search through a worker thread it then waits on; with no
    // threads parameter it searches in the calling thread (koffi's async worker), which wastes nothing.
    if ((opts.threads ?? 1) > 1) cbc.setParameter(m, 'threads', String(opts.threads));
    // CBC 2.10 crashes (SIGSEGV) in the next Cbc_solve of the process after a time limit expired inside
    // CglPreProcess (the solve then reports "infeasible"); found on a loaded machine. Our models are
    // small and already tight (bounds from capacities), so preprocessing is off.
    cbc.setParameter(m, 'preprocess', 'off');
    if (opts.timeLimitSec !== undefined) {
      // Cbc_setMaximumSeconds only reaches CbcModel's branch and bound; Cbc_solve runs CbcMain1, which
      // honours the command-line 'sec' for the whole run (preprocessing, root cuts, heuristics too).
      // 'timeMode elapsed' makes it wall clock (CPU seconds by default), and what we spent building
      // the model here is taken off the budget.
      const left = Math.max(0.05, opts.timeLimitSec - (performance.now() - t0) / 1000);
      cbc.setParameter(m, 'timeMode', 'elapsed');
      cbc.setParameter(m, 'sec', left.toFixed(3));
      cbc.setMaximumSeconds(m, left);
    }
    if (opts.start) {
      const idx = Int32Array.from({ length: mip.numCols }, (_, i) => i);
      cbc.setMIPStartI(m, mip.numCols, idx, Float64Array.from(opts.start));
    }
    await new Promise<number>((resolve, reject) => cbc.solve.async(m, (err, res) => (err ? reject(err) : resolve(res))));
    const seconds = (performance.now() - t0) / 1000;
    if (cbc.isProvenInfeasible(m)) {
      // A placement model is never infeasible (w = 0 fits); CBC reports this when the time limit hits
      // during preprocessing. Fall back to the MIP start with an unknown bound.
      if (opts.start) {
        const x = Float64Array.from(opts.start);
        const objective = x.reduce((acc, v, i) => acc + v * mip.obj[i], 0);
        return { solver: 'cbc', status: 'feasible', objective, bound: NaN, gapPct: NaN, seconds, x };
      }
      return { solver: 'cbc', status: 'infeasible', objective: NaN, bound: NaN, gapPct: NaN, seconds, x: new Float64Array(mip.numCols) };
    }
    const ptr = cbc.getColSolution(m);
    const x = Float64Array.from(koffi.decode(ptr, 'double', mip.numCols) as number[]);
    const objective = cbc.getObjValue(m);
    const optimal = cbc.isProvenOptimal(m) === 1;
    const { bound, gapPct } = gapOf(objective, optimal ? objective : cbc.getBestPossibleObjValue(m), mip.integralObjective);
    return { solver: 'cbc', status: optimal ? 'optimal' : cbc.isSecondsLimitReached(m) ? 'time-limit' : 'feasible', objective, bound, gapPct, seconds, x };
  } finally {
    cbc.deleteModel(m);
  }
}

export function cbcVersion(): string | undefined {
  return loadCbc()?.version();
}
