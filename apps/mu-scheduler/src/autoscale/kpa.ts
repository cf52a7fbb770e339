// Knative Pod Autoscaler decider (knative/serving pkg/autoscaler/scaling/autoscaler.go), in RPS or
// concurrency mode: stable window 60 s, panic window 6 s (10%), panic threshold 200%, max scale-up
// rate 1000, max scale-down rate 2, target = per-pod target × target utilization. Samples are fed once
// per second; window averages are plain means over the samples in the window.

export interface KpaConfig {
  /** Per-pod target after utilization (e.g. RPS 8 × 0.7, or concurrency 4 × 0.4). */
  target: number;
  stableWindowSec?: number;
  panicWindowSec?: number;
  panicThreshold?: number;
  maxScaleUpRate?: number;
  maxScaleDownRate?: number;
  /** Scale to zero only after this long at zero desired (scale-to-zero-grace-period). */
  scaleToZeroGraceSec?: number;
}

export class KpaDecider {
  private readonly samples: { t: number; v: number }[] = [];
  private panicTime?: number;
  private maxPanicPods = 0;
  private zeroSince?: number;
  readonly cfg: Required<KpaConfig>;

  constructor(cfg: KpaConfig) {
    if (!(cfg.target > 0)) throw new RangeError(`KPA target must be > 0 (got ${cfg.target})`);
    this.cfg = {
      stableWindowSec: 60,
      panicWindowSec: 6,
      panicThreshold: 2,
      maxScaleUpRate: 1000,
      maxScaleDownRate: 2,
      scaleToZeroGraceSec: 30,
      ...cfg,
    };
  }

  get panicking(): boolean {
    return this.panicTime !== undefined;
  }

  /** One metric sample (requests in the last second, or average concurrency) at time t seconds. */
  record(t: number, value: number): void {
    this.samples.push({ t, v: value });
    while (this.samples.length && this.samples[0].t <= t - this.cfg.stableWindowSec) this.samples.shift();
  }

  private avg(now: number, window: number): number {
    let s = 0;
    let n = 0;
    for (const x of this.samples) {
      if (x.t > now - window) {
        s += x.v;
        n++;
      }
    }
    return n ? s / n : 0;
  }

  /** Desired pod count at time `now` given the ready pods. */
  decide(now: number, readyPods: number): number {
    const c = this.cfg;
    const ready = Math.max(1, readyPods);
    const maxUp = Math.ceil(c.maxScaleUpRate * ready);
    const maxDown = Math.floor(ready / c.maxScaleDownRate);
    const dspc = Math.ceil(this.avg(now, c.stableWindowSec) / c.target);
    const dppc = Math.ceil(this.avg(now, c.panicWindowSec) / c.target);
    const stable = Math.min(Math.max(dspc, maxDown), maxUp);
    const panic = Math.min(Math.max(dppc, maxDown), maxUp);
    const over = dppc / ready >= c.panicThreshold;
    if (over) this.panicTime = now;
    else if (this.panicTime !== undefined && this.panicTime + c.stableWindowSec < now) {
      this.panicTime = undefined;
      this.maxPanicPods = 0;
    }
    let desired = stable;
    if (this.panicTime !== undefined) {
      desired = Math.max(desired, panic);
      if (desired > this.maxPanicPods) this.maxPanicPods = desired;
      else desired = this.maxPanicPods;
    }
    // With no traffic at all the stable value reaches 0; hold the last pods for the grace period.
    if (dspc === 0 && dppc === 0) {
      this.zeroSince ??= now;
      if (now - this.zeroSince < c.scaleToZeroGraceSec) desired = Math.max(desired, Math.min(1, readyPods));
    } else this.zeroSince = undefined;
    return desired;
  }
}
