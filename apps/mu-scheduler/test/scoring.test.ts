import { describe, expect, it } from 'vitest';
import { alignment, bestFit, worstFit } from '../src/core/scoring-mu.ts';
import {
  balancedAllocation,
  brokenLinear,
  k8sNodeScore,
  leastAllocated,
  mostAllocated,
  requestedToCapacityRatio,
} from '../src/core/scoring-k8s.ts';

const Gi = 1 << 30;

describe('Mu node scores (§4.3.2), hand-computed', () => {
  // Node capacity [4 cores, 4 GB], free [4, 4] and [2, 2] of [2, 2]; pod [1, 2].
  it('Alignment = Σ (a/c)(d/c)', () => {
    expect(alignment([4, 4], [4, 4], [1, 2])).toBeCloseTo(1 * 0.25 + 1 * 0.5, 12);
    expect(alignment([2, 2], [2, 2], [1, 2])).toBeCloseTo(0.5 + 1, 12);
    expect(alignment([1, 3], [4, 4], [1, 2])).toBeCloseTo(0.25 * 0.25 + 0.75 * 0.5, 12);
  });
  it('WorstFit = Σ (a−d)/c', () => {
    expect(worstFit([4, 4], [4, 4], [1, 2])).toBeCloseTo(0.75 + 0.5, 12);
    expect(worstFit([2, 2], [2, 2], [1, 2])).toBeCloseTo(0.5 + 0, 12);
  });
  it('BestFit = Σ (a−d)/a', () => {
    expect(bestFit([4, 4], [8, 8], [1, 2])).toBeCloseTo(0.75 + 0.5, 12);
    expect(bestFit([2, 3], [8, 8], [1, 2])).toBeCloseTo(0.5 + 1 / 3, 12);
  });
  it('skips resources the node does not have instead of dividing by zero', () => {
    expect(alignment([0, 4], [0, 4], [0, 2])).toBeCloseTo(0.5, 12);
    expect(worstFit([0, 4], [0, 4], [0, 2])).toBeCloseTo(0.5, 12);
    expect(bestFit([0, 4], [0, 4], [0, 2])).toBeCloseTo(0.5, 12);
  });
});

describe('kube-scheduler scores (upstream integer formulas), hand-computed', () => {
  const req = [2500, 1 * Gi];
  const cap = [4000, 4 * Gi];
  it('LeastAllocated: per resource (c−r)·100/c truncated, weighted mean truncated', () => {
    // cpu 1500*100/4000 = 37.5 -> 37; mem 75; (37+75)/2 = 56
    expect(leastAllocated(req, cap, [1, 1])).toBe(56);
    // weights 3:1 -> (37*3 + 75)/4 = 46.5 -> 46
    expect(leastAllocated(req, cap, [3, 1])).toBe(46);
    expect(leastAllocated([5000, Gi], cap, [1, 1])).toBe(37); // over capacity scores 0: (0+75)/2
    expect(leastAllocated([100, 5], [0, 10], [1, 1])).toBe(50); // zero-capacity resources are skipped
  });
  it('MostAllocated: r·100/c, clamped at capacity', () => {
    expect(mostAllocated(req, cap, [1, 1])).toBe(43); // (62 + 25)/2 = 43.5 -> 43
    expect(mostAllocated([5000, Gi], cap, [1, 1])).toBe(62); // (100 + 25)/2
  });
  it('RequestedToCapacityRatio: broken-linear shape scaled ×10, rounded weighted mean', () => {
    expect(requestedToCapacityRatio(req, cap, [1, 1])).toBe(44); // default shape: (62 + 25)/2 = 43.5 -> 44
    const shape = [
      { utilization: 0, score: 10 },
      { utilization: 50, score: 5 },
      { utilization: 100, score: 0 },
    ];
    // cpu util 62: 50 + trunc(-50*12/50) = 38; mem util 25: 100 + trunc(-50*25/50) = 75
    expect(requestedToCapacityRatio(req, cap, [1, 1], shape)).toBe(57); // 56.5 -> 57
    expect(requestedToCapacityRatio(req, cap, [3, 1], shape)).toBe(47); // 189/4 = 47.25
    expect(brokenLinear(shape)(120)).toBe(0);
    expect(brokenLinear(shape)(0)).toBe(100);
  });
  it('BalancedAllocation: (1 − std of fractions)·100 truncated', () => {
    expect(balancedAllocation(req, cap)).toBe(81); // fractions .625 .25 -> std .1875 -> 81.25
    expect(balancedAllocation([2, 1, 5], [4, 4, 4])).toBe(68); // fractions .5 .25 1(clamped): std .3118
    expect(balancedAllocation([1, 1], [2, 2])).toBe(100);
  });
  it('framework score = fit × weight + balanced × weight', () => {
    expect(k8sNodeScore({ strategy: 'LeastAllocated' }, req, cap)).toBe(56 + 81);
    expect(k8sNodeScore({ strategy: 'MostAllocated', fitWeight: 2, balancedWeight: 1 }, req, cap)).toBe(2 * 43 + 81);
  });
});
