// Arrival-rate predictors for Mu's autoscaler: EWMA and Holt's linear (double exponential) smoothing.

export interface Predictor {
  /** Feed the rate observed over the last epoch. */
  observe(rate: number): void;
  /** Rate expected `steps` epochs ahead (never negative). */
  forecast(steps: number): number;
}

export class Ewma implements Predictor {
  private level?: number;
  constructor(private readonly alpha = 0.5) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`EWMA alpha must be in (0, 1] (got ${alpha})`);
  }
  observe(rate: number): void {
    if (!(rate >= 0)) throw new RangeError(`rate must be >= 0 (got ${rate})`);
    this.level = this.level === undefined ? rate : this.alpha * rate + (1 - this.alpha) * this.level;
  }
  forecast(): number {
    return this.level ?? 0;
  }
}

export class Holt implements Predictor {
  private level?: number;
  private trend = 0;
  constructor(
    private readonly alpha = 0.5,
    private readonly beta = 0.3,
  ) {
    if (!(alpha > 0 && alpha <= 1) || !(beta >= 0 && beta <= 1)) throw new RangeError(`Holt needs alpha in (0,1], beta in [0,1] (got ${alpha}, ${beta})`);
  }
  observe(rate: number): void {
    if (!(rate >= 0)) throw new RangeError(`rate must be >= 0 (got ${rate})`);
    if (this.level === undefined) {
      this.level = rate;
      return;
    }
    const prev = this.level;
    this.level = this.alpha * rate + (1 - this.alpha) * (prev + this.trend);
    this.trend = this.beta * (this.level - prev) + (1 - this.beta) * this.trend;
  }
  forecast(steps: number): number {
    return Math.max(0, (this.level ?? 0) + steps * this.trend);
  }
}
