// Axis scales and "nice" tick values for charts.

export interface Scale {
  (v: number): number;
  ticks: number[];
  format(v: number): string;
}

/** Tick step of 1, 2 or 5 x 10^k giving about `count` ticks over [lo, hi]. */
export function niceStep(lo: number, hi: number, count = 5): number {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a < 1e-3) return v.toExponential(0);
  return `${+v.toPrecision(3)}`;
}

export function linearScale(domain: [number, number], range: [number, number], zero = false): Scale {
  let [lo, hi] = domain;
  if (zero) {
    lo = Math.min(0, lo);
    hi = Math.max(0, hi);
  }
  if (lo === hi) hi = lo + 1;
  const step = niceStep(lo, hi);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const f = ((v: number) => range[0] + ((v - lo) / (hi - lo)) * (range[1] - range[0])) as Scale;
  f.ticks = [];
  for (let t = lo; t <= hi + step / 2; t += step) f.ticks.push(Number(t.toPrecision(12)));
  f.format = fmtTick;
  return f;
}

export function logScale(domain: [number, number], range: [number, number]): Scale {
  const [dlo, dhi] = domain;
  if (!(dlo > 0)) throw new RangeError(`log scale needs positive values, got ${dlo}`);
  const lo = Math.floor(Math.log10(dlo));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(dhi)));
  const f = ((v: number) => range[0] + ((Math.log10(v) - lo) / (hi - lo)) * (range[1] - range[0])) as Scale;
  f.ticks = [];
  for (let e = lo; e <= hi; e++) f.ticks.push(10 ** e);
  f.format = fmtTick;
  return f;
}
