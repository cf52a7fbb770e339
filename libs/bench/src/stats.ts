// Order statistics for benchmark samples. Percentiles use linear interpolation between
// closest ranks (the same definition as numpy's default), so p50 of [1,2,3,4] is 2.5.

export interface Summary {
  n: number;
  mean: number;
  stddev: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** 95% confidence interval of the mean (Student t). [mean, mean] when n < 2. */
  ci95: [number, number];
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0..100`);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

// Two-sided 97.5% quantiles of Student's t for small samples; 1.96 beyond 30.
const T975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  return df < T975.length ? T975[df] : 1.96;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const n = samples.length;
  if (n === 0) throw new RangeError('summarize: no samples');
  const sorted = Float64Array.from(samples).sort();
  for (const v of sorted) if (!Number.isFinite(v)) throw new RangeError(`summarize: non-finite sample ${v}`);
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  const stddev = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  const half = n > 1 ? (tQuantile975(n - 1) * stddev) / Math.sqrt(n) : 0;
  return {
    n,
    mean,
    stddev,
    min: sorted[0],
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[n - 1],
    ci95: [mean - half, mean + half],
  };
}

/** ours / baseline, rounded to 3 significant digits; NaN when the baseline is 0 or missing. */
export function ratio(ours: number, baseline: number): number {
  if (!Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return NaN;
  return Number((ours / baseline).toPrecision(3));
}
