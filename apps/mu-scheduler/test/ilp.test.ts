import { describe, expect, it } from 'vitest';
import { DEFAULT_DIMS, type PlacementInput } from '../src/core/model.ts';
import { mulberry32, randInt } from '@fastpath/bench';
import { cbcLoadError, cbcVersion, solveCbc } from '../src/ilp/cbc.ts';
import { solveHighs } from '../src/ilp/highs.ts';
import { buildIlp, type Ilp1Form, type IlpModel } from '../src/ilp/model.ts';
import { solveIlp } from '../src/ilp/solve.ts';
import { smallestFirstPlacement } from '../src/ilp/greedy-start.ts';
import { gapOf } from '../src/ilp/solve-types.ts';

function smallCase(seed: number): PlacementInput {
  const r = mulberry32(seed);
  return {
    dims: DEFAULT_DIMS,
    nodes: Array.from({ length: 2 }, (_, n) => ({ name: `n${n}`, capacity: [randInt(r, 3, 6), randInt(r, 300, 800)] })),
    functions: Array.from({ length: 3 }, (_, f) => ({ name: `f${f}`, demand: [randInt(r, 1, 3), randInt(r, 50, 400)], pods: randInt(r, 1, 3) })),
  };
}

/** Exhaustive search over every w_fn, written independently of the model builder. */
function bruteForce(input: PlacementInput, model: IlpModel, form: Ilp1Form): number {
  const F = input.functions.length;
  const N = input.nodes.length;
  const total = [0, 1].map((j) => input.nodes.reduce((s, n) => s + n.capacity[j], 0));
  const D = input.functions.map((f) => Math.max(...f.demand.map((d, j) => (d * f.pods) / total[j])));
  const H = (k: number) => Array.from({ length: k }, (_, i) => 1 / (i + 1)).reduce((s, x) => s + x, 0);
  const w = input.functions.map(() => new Array(N).fill(0));
  let best = -Infinity;
  const rec = (cell: number) => {
    if (cell === F * N) {
      for (let n = 0; n < N; n++)
        for (let j = 0; j < 2; j++) if (input.functions.reduce((s, f, i) => s + f.demand[j] * w[i][n], 0) > input.nodes[n].capacity[j]) return;
      let obj = 0;
      for (let f = 0; f < F; f++) {
        const tot = w[f].reduce((s, x) => s + x, 0);
        if (tot > input.functions[f].pods) return;
        if (model === 'ilp0') obj += tot;
        else if (form === 'per-function') obj += H(tot) / D[f];
        else obj += w[f].reduce((s, x) => s + H(x), 0) / D[f];
      }
      best = Math.max(best, obj);
      return;
    }
    const f = Math.floor(cell / N);
    const n = cell % N;
    for (let k = 0; k <= input.functions[f].pods; k++) {
      w[f][n] = k;
      rec(cell + 1);
    }
    w[f][n] = 0;
  };
  rec(0);
  return best;
}

const cbcMissing = cbcLoadError();

describe('ILP0/ILP1 against brute force', () => {
  const cases = [1, 2, 3, 4, 5, 6].map(smallCase);
  const combos: [IlpModel, Ilp1Form][] = [
    ['ilp0', 'per-function'],
    ['ilp1', 'per-function'],
    ['ilp1', 'per-node'],
  ];
  it.skipIf(cbcMissing)(`CBC (${cbcVersion() ?? 'absent'}) finds the brute-force optimum`, async () => {
    for (const input of cases) {
      for (const [model, form] of combos) {
        const built = buildIlp(input, model, form);
        const r = await solveCbc(built.mip, { timeLimitSec: 10 });
        expect(r.status).toBe('optimal');
        expect(r.objective).toBeCloseTo(bruteForce(input, model, form), 6);
        expect(r.gapPct).toBeCloseTo(0, 6);
        expect(built.objectiveOf(built.decode(r.x, model))).toBeCloseTo(r.objective, 6);
      }
    }
  });
  it('HiGHS finds the brute-force optimum', async () => {
    for (const input of cases) {
      for (const [model, form] of combos) {
        const built = buildIlp(input, model, form);
        const r = await solveHighs(built.mip, { timeLimitSec: 10 });
        expect(r.status).toBe('optimal');
        expect(r.objective).toBeCloseTo(bruteForce(input, model, form), 6);
      }
    }
  });
});

describe('solveIlp', () => {
  const input: PlacementInput = {
    dims: DEFAULT_DIMS,
    nodes: [
      { name: 'a', capacity: [4, 1000] },
      { name: 'b', capacity: [3, 1000] },
    ],
    functions: [
      { name: 'f', demand: [2, 100], pods: 3 },
      { name: 'g', demand: [1, 600], pods: 2 },
      { name: 'huge', demand: [9, 1], pods: 1 },
    ],
  };
  it('uses the DRF placement as MIP start (its objective is a lower bound) and reports infeasible pods', async () => {
    for (const solver of cbcMissing ? (['highs'] as const) : (['cbc', 'highs'] as const)) {
      const s = await solveIlp(input, 'ilp0', { solver, timeLimitSec: 5 });
      expect(s.result.solver).toBe(solver);
      expect(s.result.objective).toBe(4);
      expect(s.startObjective).toBeLessThanOrEqual(s.result.objective);
      expect(s.placement.placed).toEqual([s.placement.placed[0], s.placement.placed[1], 0]);
      expect(s.placement.unplaced.find((u) => u.name === 'huge')?.reason).toBe('infeasible-demand');
      for (const free of s.placement.free) for (const x of free) expect(x).toBeGreaterThanOrEqual(0);
    }
  });
  it('a time-limited solve reports a bound at least the objective and a finite gap', async () => {
    const r = mulberry32(99);
    const big: PlacementInput = {
      dims: DEFAULT_DIMS,
      nodes: Array.from({ length: 8 }, (_, n) => ({ name: `n${n}`, capacity: [randInt(r, 20, 40), randInt(r, 2000, 4000)] })),
      functions: Array.from({ length: 40 }, (_, f) => ({ name: `f${f}`, demand: [randInt(r, 1, 8), randInt(r, 50, 900)], pods: randInt(r, 1, 16) })),
    };
    const s = await solveIlp(big, 'ilp1', { timeLimitSec: 0.5 });
    expect(s.result.bound).toBeGreaterThanOrEqual(s.result.objective - 1e-9);
    expect(Number.isFinite(s.result.gapPct)).toBe(true);
    expect(s.result.objective).toBeGreaterThanOrEqual(s.startObjective - 1e-9);
  });
});

describe('ILP helpers', () => {
  it('rounds the bound of an integral objective down and never reports a bound below the objective', () => {
    expect(gapOf(2140, 2209.056, true)).toEqual({ bound: 2209, gapPct: (100 * 69) / 2140 });
    expect(gapOf(100, 100.4, false).gapPct).toBeCloseTo(0.4, 9);
    expect(gapOf(100, 99.9999, false)).toEqual({ bound: 100, gapPct: 0 });
    expect(Number.isNaN(gapOf(5, NaN, true).gapPct)).toBe(true);
    expect(buildIlp(smallCase(1), 'ilp0').mip.integralObjective).toBe(true);
    expect(buildIlp(smallCase(1), 'ilp1').mip.integralObjective).toBe(false);
  });

  it('ILP1 has no per-pod binaries: only the w_fn are integer', () => {
    const b = buildIlp(smallCase(3), 'ilp1');
    const intCols = b.mip.integer.reduce((s, x) => s + x, 0);
    expect(intCols).toBe(b.wCol.reduce((s, row) => s + row.filter((c) => c >= 0).length, 0));
  });

  it('the smallest-first start places small pods first, never overflows and drops nothing', () => {
    const input: PlacementInput = {
      dims: DEFAULT_DIMS,
      nodes: [{ name: 'n', capacity: [4, 1000] }],
      functions: [
        { name: 'big', demand: [3, 100], pods: 1 },
        { name: 'small', demand: [1, 100], pods: 4 },
        { name: 'huge', demand: [9, 1], pods: 2 },
      ],
    };
    const p = smallestFirstPlacement(input);
    expect(p.placed).toEqual([0, 4, 0]);
    expect(p.unplaced).toEqual([
      { fn: 0, name: 'big', pods: 1, reason: 'no-feasible-node' },
      { fn: 2, name: 'huge', pods: 2, reason: 'infeasible-demand' },
    ]);
    expect(p.free).toEqual([[0, 600]]);
  });
});
