import { describe, expect, it } from 'vitest';
import { goalReport } from '../src/sim/goals.ts';
import { ilpCaseIndices, runSimulation } from '../src/sim/simulate.ts';
import { threadCpuClock, threadCpuMs } from '../src/sim/thread-cpu.ts';

describe('simulator', () => {
  it('gives the same fairness results on worker threads as in-process (seeded cases)', async () => {
    const opts = { cases: 4, seed: 11, nodes: 8, functions: 40, ilpCases: 0, ilpTimeSec: 1 };
    const ticks: number[] = [];
    const here = await runSimulation({ ...opts, workers: 0 });
    const pooled = await runSimulation({ ...opts, workers: 2, onProgress: (_w, i) => ticks.push(i) });
    expect(ticks.sort()).toEqual([0, 1, 2, 3]);
    for (const h of Object.keys(here.all)) {
      expect(pooled.all[h].unfairnessCpu).toEqual(here.all[h].unfairnessCpu);
      expect(pooled.all[h].unmetMem).toEqual(here.all[h].unmetMem);
      expect(pooled.all[h].podsPlaced).toEqual(here.all[h].podsPlaced);
    }
    expect(pooled.config.workers).toBe(2);
    expect(pooled.wallSec).toBeGreaterThan(0);
  });

  it('runs the ILPs on a seeded subset and reports the goal keys', async () => {
    const r = await runSimulation({ cases: 5, seed: 3, nodes: 4, functions: 12, ilpCases: 2, ilpTimeSec: 1, workers: 0, solver: 'highs' });
    expect(r.config.ilpCaseIndices).toEqual(ilpCaseIndices(5, 2, 3));
    expect(r.ilpSubset.ilp0.cases).toBe(2);
    expect(r.ilpSubset.alignment.cases).toBe(2);
    const g = goalReport(r);
    expect(Object.keys(g.decisionMs)).toEqual(expect.arrayContaining(['alignment', 'k8s-default', 'ilp0', 'ilp1']));
    expect(g.unfairness.alignment.cpu).toBe(r.all.alignment.unfairnessCpu.mean);
    expect(g.ilp.ilp1.gapPct).toBeGreaterThanOrEqual(0);
    // ILP0 maximises pods: no heuristic places more pods on the same cases than its incumbent... unless
    // the solve stopped early, in which case its incumbent is still at least its MIP start.
    expect(r.ilpSubset.ilp0.podsPlaced.mean).toBeGreaterThanOrEqual(Math.max(...['alignment', 'worstfit', 'bestfit'].map((h) => r.ilpSubset[h].podsPlaced.mean)) - 1e-9);
  });

  it('draws the ILP subset deterministically, without repeats, inside the range', () => {
    const a = ilpCaseIndices(500, 100, 1);
    expect(a).toEqual(ilpCaseIndices(500, 100, 1));
    expect(new Set(a).size).toBe(100);
    expect(a.every((i) => i >= 0 && i < 500)).toBe(true);
    expect(a).not.toEqual(ilpCaseIndices(500, 100, 2));
    expect(ilpCaseIndices(3, 10, 1)).toEqual([0, 1, 2]);
  });

  it('rejects a bad case count', async () => {
    await expect(runSimulation({ cases: 0, seed: 1, ilpCases: 0, ilpTimeSec: 1 })).rejects.toThrow(/cases must be a positive integer/);
    await expect(runSimulation({ cases: 2, seed: 1, ilpCases: -1, ilpTimeSec: 1 })).rejects.toThrow(/ilpCases/);
  });

  it('measures this thread’s CPU time', () => {
    expect(threadCpuClock()).toBe('thread');
    const t0 = threadCpuMs();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    expect(threadCpuMs()).toBeGreaterThan(t0);
  });
});
