// InFlightTable: correlation ids that are never reused while their slot's earlier owner could
// still answer, capacity, deadline expiry through the coarse sweep, and no timer while idle.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InFlightTable, sweepPeriodMs } from '../src/inflight.ts';


describe('InFlightTable', () => {
  const tables: InFlightTable<unknown>[] = [];
  const table = <T>(capacity: number, expired: (corr: number, e: T) => void = () => {}) => {
    const t = new InFlightTable<T>({ capacity, expired });
    tables.push(t as InFlightTable<unknown>);
    return t;
  };
  afterEach(() => tables.splice(0).forEach((t) => t.close()));

  it('gives non-zero ids that find their entry once, and never the id of a taken entry again soon', () => {
    const t = table<string>(4);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const a = t.add(`a${i}`, 10_000)!;
      const b = t.add(`b${i}`, 10_000)!;
      expect(a).not.toBe(0);
      expect(seen.has(a) || seen.has(b)).toBe(false);
      seen.add(a).add(b);
      expect(t.get(a)).toBe(`a${i}`);
      expect(t.take(b)).toBe(`b${i}`);
      expect(t.take(b)).toBeUndefined();
      expect(t.take(a)).toBe(`a${i}`);
      expect(t.get(a)).toBeUndefined();
    }
    expect(t.size).toBe(0);
  });

  it('ignores ids that were never given out (0, a free slot, another generation)', () => {
    const t = table<string>(4);
    expect(t.take(0)).toBeUndefined();
    const id = t.add('a', 10_000)!;
    t.take(id);
    expect(t.take(0)).toBeUndefined();
    expect(t.get(0)).toBeUndefined();
    expect(t.take(id)).toBeUndefined();
    expect(t.take(id + 4)).toBeUndefined();
    expect(t.size).toBe(0);
    // The free list holds slot 0 once: four adds fill the table, the fifth is refused.
    for (let i = 0; i < 4; i++) expect(t.add(`x${i}`, 10_000)).toBeDefined();
    expect(t.add('y', 10_000)).toBeUndefined();
  });

  it('refuses entries beyond its capacity and takes them again once one is taken', () => {
    const t = table<number>(3);
    const ids = [1, 2, 3].map((n) => t.add(n, 10_000)!);
    expect(t.full).toBe(true);
    expect(t.add(4, 10_000)).toBeUndefined();
    t.take(ids[1]);
    expect(t.full).toBe(false);
    const id = t.add(5, 10_000)!;
    expect(t.get(id)).toBe(5);
    expect(t.get(ids[1])).toBeUndefined();
    expect([...t.entries()].map(([, e]) => e).sort()).toEqual([1, 3, 5]);
  });

  // The table's clock and sweep timer are the test's (fake), so a loaded machine cannot shift
  // what these two check: the exact moment of expiry, and when the sweep runs.
  const fakeClock = () => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires entries after their timeout, within one sweep period, and not before', () => {
    fakeClock();
    const expired: [number, string][] = [];
    const t = table<string>(8, (corr, e) => expired.push([corr, e]));
    const slow = t.add('slow', 2_000)!;
    const fast = t.add('fast', 60)!;
    vi.advanceTimersByTime(59);
    expect(expired).toEqual([]);
    // The shortest timeout sets the period (6 ms here), not the 2 s one added first (100 ms,
    // which would leave 'fast' in flight until 100 ms).
    vi.advanceTimersByTime(1 + sweepPeriodMs(60));
    expect(expired).toEqual([[fast, 'fast']]);
    expect(t.get(slow)).toBe('slow');
    expect(t.size).toBe(1);
    vi.advanceTimersByTime(2_000 - 60);
    expect(expired.map(([, e]) => e)).toEqual(['fast', 'slow']);
    expect(t.size).toBe(0);
  });

  it('stops its sweep when nothing is in flight', () => {
    fakeClock();
    const t = table<string>(2);
    expect(t.sweeping).toBe(false);
    const id = t.add('x', 50)!;
    expect(t.sweeping).toBe(true);
    vi.advanceTimersByTime(3 * sweepPeriodMs(50));
    expect(t.sweeping).toBe(true);
    t.take(id);
    vi.advanceTimersByTime(sweepPeriodMs(50));
    expect(t.sweeping).toBe(false);
    // And it comes back with the next entry.
    t.add('y', 50);
    expect(t.sweeping).toBe(true);
  });

  it('checks its capacity', () => {
    expect(() => table(0)).toThrow(RangeError);
    expect(() => table(2 ** 25)).toThrow(RangeError);
  });
});
