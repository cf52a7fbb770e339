import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir } from '@fastpath/native';
import { simulateReplay, TABLE_4_1 } from '../src/replay/des.ts';
import { arrivalsFrom, runReplay } from '../src/replay/replay.ts';
import { scenarios } from '../src/cli/replay.ts';

const steady = (rps: number, seconds: number) => Float64Array.from({ length: rps * seconds }, (_, i) => i / rps);

describe('replay discrete-event simulation', () => {
  it('conserves requests, never exceeds 48 active pods, and serves a light steady load within the SLO', () => {
    for (const policy of ['mu', 'rps', 'concurrency'] as const) {
      const res = simulateReplay(policy, [steady(20, 300), steady(10, 300)], ['a', 'b'], TABLE_4_1, 300);
      for (const r of res) {
        expect(r.served + r.rejected503).toBeLessThanOrEqual(r.total);
        expect(r.responses.every((x) => x >= TABLE_4_1.execSec - 1e-9)).toBe(true);
      }
      for (let s = 0; s < 300; s++) expect(res[0].perSecond.active[s] + res[1].perSecond.active[s]).toBeLessThanOrEqual(48);
      // After warm-up everything is served; late requests all meet the SLO.
      const late = res.map((r) => r.perSecond.meanResponse.slice(100, 290).filter(Number.isFinite));
      for (const l of late) expect(Math.max(...l)).toBeLessThan(TABLE_4_1.sloSec);
      if (policy !== 'mu') expect(res.every((r) => r.rejected503 === 0)).toBe(true);
    }
  });
  it('Mu rejects (503) requests that arrive before any pod can serve them within the SLO', () => {
    const res = simulateReplay('mu', [steady(100, 30)], ['a'], TABLE_4_1, 30);
    expect(res[0].rejected503).toBeGreaterThan(0);
    expect(res[0].served + res[0].rejected503).toBe(res[0].total);
    expect(res[0].withinSlo).toBe(res[0].served - res[0].responses.filter((x) => x > 5).length);
  });
  it('turns per-minute counts into seeded arrivals (scaled, fractional remainders sampled)', () => {
    const fn = { hash: 'f', app: '', owner: '', perMinute: [250, 0, 1000] };
    const a = arrivalsFrom(fn, { scale: 100, seconds: 3, seed: 1 });
    expect(a.length).toBeGreaterThanOrEqual(12);
    expect(a.length).toBeLessThanOrEqual(13);
    expect(arrivalsFrom(fn, { scale: 100, seconds: 3, seed: 1 })).toEqual(a);
    expect([...a].every((t, i) => i === 0 || t >= a[i - 1])).toBe(true);
    expect(() => arrivalsFrom(fn, { scale: 0, seconds: 3, seed: 1 })).toThrow(RangeError);
  });
  const dir = join(dataDir(), 'azure-functions-2019');
  const have = existsSync(join(dir, 'invitro-1000fn-sample', '1000_inv.csv'));
  it.skipIf(!have)('short replay of both scenarios from shared/data (skipped without shared/data/azure-functions-2019)', () => {
    for (const sc of scenarios(dir, 100, 60)) {
      const r = runReplay(sc.workloads, { scale: sc.scale, seconds: 60, seed: 1, multipliers: sc.multipliers });
      for (const p of ['mu', 'rps', 'concurrency'] as const) {
        expect(r.policies[p].workloads).toHaveLength(2);
        expect(r.series[p][0].requested).toHaveLength(60);
      }
    }
  });
});
