import { describe, expect, it } from 'vitest';
import { place, HEURISTICS } from '../src/core/algorithms.ts';
import { placeDrf } from '../src/core/drf.ts';
import { DEFAULT_DIMS, InvalidInputError, type PlacementInput } from '../src/core/model.ts';
import { placeQueue } from '../src/core/queue-scheduler.ts';
import { alignment, worstFit } from '../src/core/scoring-mu.ts';
import { generateCase } from '../src/sim/workload.ts';

// Worked example of Algorithm 1 (checked by hand, see README "Worked example"):
// nodes n0 [4,4], n1 [2,2] (C = [6,6]); a: d=[1,2] ×2, b: d=[2,1] ×2.
const worked = (): PlacementInput => ({
  dims: DEFAULT_DIMS,
  nodes: [
    { name: 'n0', capacity: [4, 4] },
    { name: 'n1', capacity: [2, 2] },
  ],
  functions: [
    { name: 'a', demand: [1, 2], pods: 2 },
    { name: 'b', demand: [2, 1], pods: 2 },
  ],
});

describe('Algorithm 1 (DRF pod selection + node score)', () => {
  it('follows the worked example step by step with Alignment', () => {
    const p = placeDrf(worked(), alignment, { name: 'alignment' });
    // 1: D=0,0; Σd tie (3,3) -> a; Alignment n0 .75 < n1 1.5 -> n1.   2: D_b=0 < D_a=1/3 -> b; only n0 fits.
    // 3: D_a = D_b = 1/3, Σd tie -> a; only n0 fits.                   4: b fits nowhere -> removed from F.
    expect(p.order).toEqual([
      { fn: 0, node: 1 },
      { fn: 1, node: 0 },
      { fn: 0, node: 0 },
    ]);
    expect(p.w).toEqual([
      [1, 1],
      [1, 0],
    ]);
    expect(p.unplaced).toEqual([{ fn: 1, name: 'b', pods: 1, reason: 'no-feasible-node' }]);
    expect(p.free).toEqual([
      [1, 1],
      [1, 0],
    ]);
  });

  it('with WorstFit the first pod goes to the emptier node n0 instead', () => {
    const p = placeDrf(worked(), worstFit);
    expect(p.order[0]).toEqual({ fn: 0, node: 0 });
  });

  it('picks the smaller demand sum on equal dominant shares', () => {
    const input: PlacementInput = {
      dims: DEFAULT_DIMS,
      nodes: [{ name: 'n', capacity: [10, 10] }],
      functions: [
        { name: 'big', demand: [2, 2], pods: 1 },
        { name: 'small', demand: [1, 1], pods: 1 },
      ],
    };
    expect(placeDrf(input, alignment).order[0].fn).toBe(1);
  });

  it('counts already-running pods towards the dominant share', () => {
    const input: PlacementInput = {
      dims: DEFAULT_DIMS,
      nodes: [{ name: 'n', capacity: [3, 30] }],
      functions: [
        { name: 'old', demand: [1, 1], pods: 2, existing: 2 },
        { name: 'new', demand: [1, 1], pods: 2 },
      ],
    };
    const p = placeDrf(input, alignment);
    expect(p.placed).toEqual([1, 2]);
  });

  it('is deterministic for a seed and never overflows a node', () => {
    const c = generateCase({ nodes: 10, functions: 60, cpuShare: 0.8, memShare: 0.6, seed: 7 });
    for (const h of HEURISTICS) {
      const a = place(h, c, 3);
      expect(place(h, c, 3)).toEqual(a);
      for (const free of a.free) for (const x of free) expect(x).toBeGreaterThanOrEqual(-1e-9);
      const total = a.placed.reduce((s, x) => s + x, 0) + a.unplaced.reduce((s, u) => s + u.pods, 0);
      expect(total).toBe(c.functions.reduce((s, f) => s + f.pods, 0)); // nothing silently dropped
    }
  });
});

describe('Kubernetes queue scheduler baseline', () => {
  it('breaks ties between equal nodes at random (seeded), as selectHost does', () => {
    const input: PlacementInput = {
      dims: DEFAULT_DIMS,
      nodes: [
        { name: 'x', capacity: [4, 4096] },
        { name: 'y', capacity: [4, 4096] },
      ],
      functions: [{ name: 'f', demand: [1, 256], pods: 1 }],
    };
    const chosen = new Set<number>();
    for (let s = 1; s <= 40; s++) chosen.add(placeQueue(input, { strategy: 'LeastAllocated' }, { seed: s }).order[0].node);
    expect(chosen).toEqual(new Set([0, 1]));
  });

  it('LeastAllocated spreads and MostAllocated packs', () => {
    const input: PlacementInput = {
      dims: DEFAULT_DIMS,
      nodes: [
        { name: 'x', capacity: [8, 8192] },
        { name: 'y', capacity: [8, 8192] },
      ],
      functions: [{ name: 'f', demand: [1, 1024], pods: 4 }],
    };
    expect(placeQueue(input, { strategy: 'LeastAllocated' }, { queue: [0] }).w[0]).toEqual([2, 2]);
    expect(placeQueue(input, { strategy: 'MostAllocated' }, { queue: [0] }).w[0].sort()).toEqual([0, 4]);
  });
});

describe('bad input', () => {
  const base = worked();
  it('rejects NaN, negative, fractional and ill-shaped values with the field name', () => {
    const bad = (mut: (i: PlacementInput) => void) => {
      const i = structuredClone(base) as PlacementInput;
      mut(i);
      return () => placeDrf(i, alignment);
    };
    expect(bad((i) => (i.functions[0].demand[1] = NaN))).toThrow(/functions\[0\]\.demand\[1\] must be a finite number/);
    expect(bad((i) => (i.nodes[1].capacity[0] = -1))).toThrow(/nodes\[1\]\.capacity\[0\] must be >= 0/);
    expect(bad((i) => (i.functions[1].pods = 1.5))).toThrow(/functions\[1\]\.pods/);
    expect(bad((i) => (i.functions[0].demand = [1]))).toThrow(/expected 2/);
    expect(bad((i) => (i.dims = []))).toThrow(InvalidInputError);
    expect(() => placeQueue({ ...base, functions: [{ name: 'x', demand: [Infinity, 1], pods: 1 }] }, { strategy: 'LeastAllocated' })).toThrow(InvalidInputError);
  });

  it('reports a pod bigger than every node as infeasible and still places the others', () => {
    const i = structuredClone(base) as PlacementInput;
    i.functions.push({ name: 'huge', demand: [5, 1], pods: 3 });
    for (const h of HEURISTICS) {
      const p = place(h, i);
      expect(p.unplaced.find((u) => u.name === 'huge')).toEqual({ fn: 2, name: 'huge', pods: 3, reason: 'infeasible-demand' });
      expect(p.placed[0]).toBeGreaterThan(0);
    }
  });

  it('never uses zero-capacity nodes; a zero-capacity cluster places nothing and says so', () => {
    const i = structuredClone(base) as PlacementInput;
    i.nodes.push({ name: 'empty', capacity: [0, 0] });
    for (const h of HEURISTICS) expect(place(h, i).w.every((row) => row[2] === 0)).toBe(true);
    const none: PlacementInput = { ...base, nodes: [{ name: 'z', capacity: [0, 0] }] };
    const p = placeDrf(none, alignment);
    expect(p.placed).toEqual([0, 0]);
    expect(p.unplaced.map((u) => u.reason)).toEqual(['infeasible-demand', 'infeasible-demand']);
  });
});
