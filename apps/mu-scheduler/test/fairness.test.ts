import { describe, expect, it } from 'vitest';
import { DEFAULT_DIMS, emptyPlacement, type PlacementInput } from '../src/core/model.ts';
import { integrate, maxMinFair, sampleOf } from '../src/metrics/fairness.ts';

describe('max-min fair allocation (water-filling)', () => {
  it('meets small demands in full and splits the rest equally', () => {
    expect(maxMinFair([2, 8, 10], 12)).toEqual([2, 5, 5]);
    expect(maxMinFair([1, 1], 10)).toEqual([1, 1]);
    expect(maxMinFair([6, 6], 6)).toEqual([3, 3]);
    expect(maxMinFair([], 5)).toEqual([]);
  });
  it('rejects negative and NaN inputs', () => {
    expect(() => maxMinFair([1, -1], 3)).toThrow(RangeError);
    expect(() => maxMinFair([1], NaN)).toThrow(RangeError);
  });
});

describe('Eq. 4.2 unfairness and inefficiency', () => {
  // One node [6 cpu, 60 mem]; f0 wants 2 pods of [2, 10] (4 cpu), f1 wants 4 pods of [1, 10] (4 cpu).
  const input: PlacementInput = {
    dims: DEFAULT_DIMS,
    nodes: [{ name: 'n', capacity: [6, 60] }],
    functions: [
      { name: 'f0', demand: [2, 10], pods: 2 },
      { name: 'f1', demand: [1, 10], pods: 4 },
    ],
  };
  it('compares R with M per resource and divides by |F|', () => {
    const p = emptyPlacement('x', input);
    p.placed = [2, 2]; // R_cpu = [4, 2], R_mem = [20, 20]
    const s = sampleOf(input, p);
    // M_cpu = maxmin([4,4], 6) = [3,3] -> |4-3| + |2-3| = 2; M_mem = maxmin([20,40], 60) = [20,40] -> 0 + 20
    expect(s.deviation).toEqual([2, 20]);
    // unmet: demand [8, 60] - allocated [6, 40]
    expect(s.unmet).toEqual([2, 20]);
    const ilp0 = emptyPlacement('ilp0', input);
    ilp0.placed = [1, 4]; // 6 cpu, 50 mem
    expect(sampleOf(input, p, ilp0).belowIlp0).toEqual([0, 10]);
    // integrated over two instants: (2 + 0) / (2 + 2)
    const fair = emptyPlacement('y', input);
    fair.placed = [1.5, 3]; // exactly M_cpu; R_mem = [15, 30] vs M_mem [20, 40]
    const u = integrate([s, sampleOf(input, fair)]);
    expect(u.unfairness[0]).toBeCloseTo(2 / 4, 12);
    expect(u.unfairness[1]).toBeCloseTo((20 + 15) / 4, 12);
    expect(u.unmet[0]).toBeCloseTo((2 + 2) / 4, 12);
    expect(u.inefficiencyVsIlp0).toBeUndefined();
    expect(() => integrate([])).toThrow(RangeError);
  });
});
