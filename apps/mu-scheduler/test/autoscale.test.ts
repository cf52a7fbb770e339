import { describe, expect, it } from 'vitest';
import { KpaDecider } from '../src/autoscale/kpa.ts';
import { MuAutoscaler, estimateResponseSec } from '../src/autoscale/mu-autoscaler.ts';
import { Ewma, Holt } from '../src/autoscale/predictor.ts';

describe('predictors', () => {
  it('Holt follows a linear ramp and forecasts ahead; EWMA smooths', () => {
    const h = new Holt(0.8, 0.8);
    for (let t = 0; t < 30; t++) h.observe(10 + 2 * t);
    expect(h.forecast(3)).toBeCloseTo(10 + 2 * 29 + 6, 0);
    const e = new Ewma(0.5);
    e.observe(10);
    e.observe(20);
    expect(e.forecast()).toBe(15);
    expect(() => new Holt(0, 0.1)).toThrow(RangeError);
    expect(() => e.observe(NaN)).toThrow(RangeError);
  });
});

describe('Knative KPA decider', () => {
  it('stable mode: desired = ceil(window average / target)', () => {
    const k = new KpaDecider({ target: 5.6 });
    for (let t = 1; t <= 60; t++) k.record(t, 28);
    expect(k.decide(60, 5)).toBe(5);
    expect(k.panicking).toBe(false);
  });
  it('panics when the 6 s window needs >= 2x the ready pods, never scales down while panicking, exits after 60 s', () => {
    const k = new KpaDecider({ target: 1 });
    for (let t = 1; t <= 60; t++) k.record(t, 2);
    expect(k.decide(60, 2)).toBe(2);
    for (let t = 61; t <= 66; t++) k.record(t, 10); // panic window avg 10 -> 10 pods = 5x ready
    expect(k.decide(66, 2)).toBe(10);
    expect(k.panicking).toBe(true);
    for (let t = 67; t <= 80; t++) k.record(t, 2);
    expect(k.decide(80, 10)).toBe(10); // stable average dropped, but no scale-down in panic
    for (let t = 81; t <= 140; t++) k.record(t, 2);
    expect(k.decide(140, 10)).toBe(5); // panic over; max scale-down rate 2 -> floor(10/2)
    expect(k.panicking).toBe(false);
  });
  it('caps scale-up at 1000x ready and holds the last pod for the scale-to-zero grace period', () => {
    const k = new KpaDecider({ target: 1, maxScaleUpRate: 3 });
    for (let t = 1; t <= 6; t++) k.record(t, 100);
    expect(k.decide(6, 2)).toBe(6);
    const z = new KpaDecider({ target: 1 });
    expect(z.decide(0, 1)).toBe(1);
    expect(z.decide(31, 1)).toBe(0);
    expect(() => new KpaDecider({ target: 0 })).toThrow(RangeError);
  });
});

describe('Mu autoscaler', () => {
  const cfg = {
    execSec: 0.5,
    concurrency: 4,
    sloSec: 5,
    epochSec: 2,
    startupSec: 4,
    graceSec: 16,
    podDemand: [7, 30720] as [number, number],
    nodes: Array.from({ length: 12 }, (_, i) => ({ name: `w${i}`, capacity: [28, 122880] as [number, number] })),
  };
  it('sizes for predicted load x exec / concurrency plus the backlog to drain within the SLO', () => {
    const m = new MuAutoscaler(['a', 'b'], cfg);
    const d = m.decide(0, [80, 8], [0, 100]);
    expect(d.desired).toEqual([10, 4]); // 80 rps * .5 s / 4 = 10; (8 + 100 queued / 5 s) * .5 s / 4 = 3.5 -> 4
    expect(d.requested).toEqual(d.desired);
  });
  it('caps the total at the 48-pod capacity fairly (DRF) and keeps pods for the grace period', () => {
    const m = new MuAutoscaler(['a', 'b'], cfg);
    const d = m.decide(0, [400, 400], [0, 0]);
    expect(d.desired).toEqual([50, 50]);
    expect(d.requested).toEqual([24, 24]);
    const later = m.decide(10, [8, 8], [0, 0]);
    expect(later.desired).toEqual([50, 50]); // within 16 s grace
    const after = m.decide(30, [8, 8], [0, 0]);
    expect(after.desired[0]).toBeLessThan(50);
  });
  it('admission estimate: free slot -> exec; queue -> waves of exec; no pods -> startup + waves or infinity', () => {
    const base = { concurrency: 4, execSec: 0.5 };
    expect(estimateResponseSec({ ...base, queued: 0, freeSlots: 2, readySlots: 8, startingIn: [] })).toBe(0.5);
    expect(estimateResponseSec({ ...base, queued: 15, freeSlots: 0, readySlots: 8, startingIn: [] })).toBe(2 * 0.5 + 0.5);
    expect(estimateResponseSec({ ...base, queued: 3, freeSlots: 0, readySlots: 0, startingIn: [3, 1] })).toBe(1 + 0.5);
    expect(estimateResponseSec({ ...base, queued: 0, freeSlots: 0, readySlots: 0, startingIn: [] })).toBe(Infinity);
  });
});
