import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { machineInfo, mulberry32, percentile, progress, randInt, ratio, renderTable, shuffle, summarize, writeResult } from '../src/index.ts';

describe('statistics', () => {
  it('percentiles interpolate between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10], 99)).toBe(10);
    expect(percentile([0, 100], 99)).toBeCloseTo(99);
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 101)).toThrow(/outside/);
  });

  it('summarize computes order statistics and a t-based CI', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ n: 5, mean: 3, min: 1, max: 5, p50: 3 });
    expect(s.stddev).toBeCloseTo(Math.sqrt(2.5));
    // t(4, .975) = 2.776 -> half width 2.776 * 1.5811 / sqrt(5) = 1.963
    expect(s.ci95[0]).toBeCloseTo(3 - 1.963, 2);
    expect(s.ci95[1]).toBeCloseTo(3 + 1.963, 2);
    expect(summarize([7]).ci95).toEqual([7, 7]);
    expect(() => summarize([])).toThrow(/no samples/);
    expect(() => summarize([1, NaN])).toThrow(/non-finite/);
  });

  it('ratio rounds and refuses a zero baseline', () => {
    expect(ratio(3, 1.5)).toBe(2);
    expect(ratio(1, 3)).toBe(0.333);
    expect(ratio(1, 0)).toBeNaN();
  });
});

describe('results and output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes docs/results/<system>/<name>.json with machine info and top-level keys', () => {
    process.env.FASTPATH_RESULTS_DIR = dir;
    try {
      const p = writeResult('demo', 'bench', { ring: { burst32: { ratio: 1.2 } } });
      const j = JSON.parse(readFileSync(p, 'utf8'));
      expect(j.ring.burst32.ratio).toBe(1.2);
      expect(j.data.ring.burst32.ratio).toBe(1.2);
      expect(j.machine.cores).toBeGreaterThan(0);
      expect(() => writeResult('../x', 'y', {})).toThrow(/bad result name/);
    } finally {
      delete process.env.FASTPATH_RESULTS_DIR;
    }
  });

  it('machine info names cpu, cores and kernel', () => {
    const m = machineInfo();
    expect(m.cores).toBeGreaterThan(0);
    expect(m.kernel).toMatch(/\d+\.\d+/);
  });

  it('renders an aligned table', () => {
    const t = renderTable([{ system: 'ours', rps: 12000.5 }, { system: 'baseline', rps: 800 }], 'chain2');
    const lines = t.trimEnd().split('\n');
    expect(lines[0]).toBe('chain2');
    expect(lines[1]).toMatch(/^system\s+rps$/);
    expect(lines[3]).toMatch(/^ours\s+12,000\.5$|^ours\s+12,001$/);
    expect(lines[4].length).toBe(lines[3].length);
  });

  it('progress prints deciles when not on a terminal', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const p = progress('runs', 20, out as unknown as NodeJS.WriteStream);
    for (let i = 0; i < 20; i++) p.tick();
    p.stop();
    expect(text).toContain('runs: 20/20 (100%)');
    expect(text.split('\n').filter(Boolean).length).toBe(11);
  });
});

describe('seeded randomness', () => {
  it('mulberry32 is reproducible from a seed and uniform enough', () => {
    const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
    const xa = Array.from({ length: 1000 }, a);
    expect(Array.from({ length: 1000 }, b)).toEqual(xa);
    expect(Array.from({ length: 1000 }, c)).not.toEqual(xa);
    expect(xa.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xa.reduce((s, x) => s + x, 0) / xa.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
  it('randInt stays in [lo, hi] and shuffle permutes', () => {
    const r = mulberry32(1);
    const ints = Array.from({ length: 500 }, () => randInt(r, 3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    const xs = shuffle(r, [1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...xs].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
