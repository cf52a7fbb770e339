import { describe, expect, it } from 'vitest';
import { barChart, cdfChart, fmtTick, lineChart, linearScale, logScale, niceStep } from '../src/index.ts';

const wellFormed = (svg: string) => {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
};

describe('scales', () => {
  it('nice steps are 1, 2 or 5 x 10^k', () => {
    expect(niceStep(0, 10)).toBe(2);
    expect(niceStep(0, 1000)).toBe(200);
    expect(niceStep(0, 0.7)).toBe(0.2);
  });
  it('a linear scale maps its domain onto the range and includes zero on request', () => {
    const s = linearScale([3, 97], [0, 100], true);
    expect(s.ticks[0]).toBe(0);
    expect(s.ticks.at(-1)).toBe(100);
    expect(s(50)).toBeCloseTo(50);
  });
  it('a log scale spans decades and rejects non-positive values', () => {
    const s = logScale([2, 900], [0, 300]);
    expect(s.ticks).toEqual([1, 10, 100, 1000]);
    expect(s(10)).toBeCloseTo(100);
    expect(() => logScale([0, 10], [0, 1])).toThrow(/positive/);
  });
  it('formats ticks compactly', () => {
    expect(fmtTick(12000)).toBe('12k');
    expect(fmtTick(2_500_000)).toBe('2.5M');
    expect(fmtTick(0.25)).toBe('0.25');
  });
});

describe('charts', () => {
  it('line chart draws one path per series and a legend entry', () => {
    const svg = lineChart({ title: 'lookup vs PDRs', xLabel: 'PDRs', yLabel: 'ns', series: [{ name: 'LL', points: [[2, 10], [100, 400]] }, { name: 'PS <fast>', points: [[2, 12], [100, 40]] }] });
    wellFormed(svg);
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(svg).toContain('PS &lt;fast&gt;');
  });
  it('bar chart checks series length and draws bars with error bars', () => {
    const svg = barChart({ title: 'rps', yLabel: 'req/s', categories: ['c1', 'c32'], series: [{ name: 's', values: [1000, 9000], errors: [[900, 1100], [8000, 9500]] }] });
    wellFormed(svg);
    expect(svg.match(/<rect x=/g)?.length).toBe(2 + 1); // 2 bars + 1 legend swatch
    expect(() => barChart({ title: 't', yLabel: 'y', categories: ['a'], series: [{ name: 's', values: [1, 2] }] })).toThrow(/2 values for 1/);
  });
  it('cdf chart ends at 1 and rejects empty input', () => {
    const svg = cdfChart({ title: 'latency', xLabel: 'ms', series: [{ name: 'p', samples: [3, 1, 2] }] });
    wellFormed(svg);
    expect(() => cdfChart({ title: 't', xLabel: 'x', series: [{ name: 'p', samples: [] }] })).toThrow(/no finite/);
  });
});
