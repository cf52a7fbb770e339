// Live replay: Mu's admission control and autoscaling in front of a real HTTP target. First against a
// local HTTP server (checks in-flight limits exactly), then against a real SPRIGHT chain deployed by
// the spright CLI (skipped, with the reason, when the chain cannot be started on this machine).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { httpSender } from '../src/live/http-sender.ts';
import { runLiveReplay } from '../src/live/live-replay.ts';
import { ChainUnavailableError, deployWorkChain } from '../src/live/spright-chain.ts';
import { TABLE_4_1, type ReplayConfig } from '../src/replay/des.ts';

// Shortened Table 4.1 so a test takes seconds: 200 ms execution, 1 s epochs, 2 s start-up, 3 s SLO.
const cfg: ReplayConfig = { ...TABLE_4_1, execSec: 0.2, epochSec: 1, startupSec: 2, sloSec: 3, graceSec: 4 };
const steady = (rps: number, seconds: number, phase = 0) => Float64Array.from({ length: rps * seconds }, (_, i) => phase + i / rps);

function checkConservation(r: Awaited<ReturnType<typeof runLiveReplay>>, totals: number[]) {
  r.workloads.forEach((w, f) => {
    expect(w.total).toBe(totals[f]);
    expect(w.served + w.rejected503 + w.gatewayErrors + w.unfinished).toBe(w.total);
    expect(w.unfinished).toBe(0);
    expect(w.served).toBeGreaterThan(0);
    expect(w.p50Ms).toBeGreaterThanOrEqual(cfg.execSec * 1000 - 5);
    for (let s = 0; s < w.perSecond.active.length; s++) expect(w.perSecond.active[s]).toBeLessThanOrEqual(w.perSecond.requested[s]);
  });
  for (let s = 0; s < r.workloads[0].perSecond.active.length; s++) expect(r.workloads.reduce((a, w) => a + w.perSecond.requested[s], 0)).toBeLessThanOrEqual(cfg.capacityPods);
}

describe('live replay (Mu in front of a real HTTP gateway)', () => {
  it('against a local HTTP server: admits, queues and never exceeds ready pods x concurrency in flight', async () => {
    let inflight = 0;
    let maxInflight = 0;
    const server = createServer((req, res) => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      req.resume();
      setTimeout(() => {
        inflight--;
        res.end('ok');
      }, cfg.execSec * 1000);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sender = httpSender(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 256);
    try {
      const arrivals = [steady(30, 8), steady(10, 8, 0.05)];
      const r = await runLiveReplay({ send: sender.send, arrivals, names: ['a', 'b'], cfg, seconds: 8, drainSec: 30 });
      checkConservation(
        r,
        arrivals.map((a) => a.length),
      );
      // Nothing can be served before the first pod is ready: the first requests are 503 by admission.
      expect(r.workloads[0].rejected503).toBeGreaterThan(0);
      expect(r.workloads.every((w) => w.gatewayErrors === 0)).toBe(true);
      expect(maxInflight).toBeLessThanOrEqual(cfg.capacityPods * cfg.concurrency);
    } finally {
      sender.close();
      server.close();
    }
  });

  it('against a SPRIGHT chain deployed through the spright CLI', async (ctx) => {
    let chain;
    try {
      chain = await deployWorkChain({ execMs: cfg.execSec * 1000, slots: cfg.capacityPods * cfg.concurrency });
    } catch (err) {
      if (err instanceof ChainUnavailableError) {
        console.warn(`skipping the SPRIGHT live replay: ${err.message}`);
        ctx.skip();
      }
      throw err;
    }
    const sender = httpSender(chain.url, cfg.capacityPods * cfg.concurrency);
    try {
      const arrivals = [steady(20, 10), steady(8, 10, 0.05)];
      const r = await runLiveReplay({ send: sender.send, arrivals, names: ['a', 'b'], cfg, seconds: 10, drainSec: 60 });
      checkConservation(
        r,
        arrivals.map((a) => a.length),
      );
      expect(r.workloads.every((w) => w.gatewayErrors === 0)).toBe(true);
    } finally {
      sender.close();
      await chain.delete();
    }
  }, 300_000);
});
