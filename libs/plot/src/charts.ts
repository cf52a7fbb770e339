// The three chart kinds benchmarks need: lines (series over x), grouped bars, and CDFs.
import { linearScale, logScale } from './scale.ts';
import { frame, H, M, PALETTE, W, esc } from './svg.ts';

export interface LineSeries {
  name: string;
  points: [number, number][];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logX?: boolean;
  logY?: boolean;
  /** Draw point markers (default when a series has ≤ 40 points). */
  markers?: boolean;
  /** Step lines (for CDFs). */
  step?: boolean;
}

function extent(values: number[], what: string): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) throw new RangeError(`chart has no finite ${what} values`);
  return [Math.min(...finite), Math.max(...finite)];
}

export function lineChart(spec: LineChartSpec): string {
  const pts = spec.series.flatMap((s) => s.points);
  const range: [number, number] = [M.left, W - M.right];
  const x = spec.logX ? logScale(extent(pts.map((p) => p[0]), 'x'), range) : linearScale(extent(pts.map((p) => p[0]), 'x'), range);
  const yr: [number, number] = [H - M.bottom, M.top];
  const y = spec.logY ? logScale(extent(pts.map((p) => p[1]), 'y'), yr) : linearScale(extent(pts.map((p) => p[1]), 'y'), yr, true);
  const body = spec.series
    .map((s, i) => {
      const color = PALETTE[i % PALETTE.length];
      const p = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
      let d = '';
      p.forEach(([a, b], k) => {
        const px = x(a).toFixed(1), py = y(b).toFixed(1);
        if (k === 0) d += `M${px},${py}`;
        else if (spec.step) d += `H${px}V${py}`;
        else d += `L${px},${py}`;
      });
      const marks = (spec.markers ?? p.length <= 40)
        ? p.map(([a, b]) => `<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="2.5" fill="${color}"/>`).join('')
        : '';
      return `<g><title>${esc(s.name)}</title><path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>${marks}</g>`;
    })
    .join('\n');
  return frame({ title: spec.title, xLabel: spec.xLabel, yLabel: spec.yLabel, x, y, legend: spec.series.map((s) => s.name), body });
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  categories: string[];
  series: { name: string; values: number[]; /** optional [lo, hi] error bars */ errors?: [number, number][] }[];
  logY?: boolean;
}

export function barChart(spec: BarChartSpec): string {
  for (const s of spec.series) {
    if (s.values.length !== spec.categories.length) throw new RangeError(`bar series ${s.name} has ${s.values.length} values for ${spec.categories.length} categories`);
  }
  const all = spec.series.flatMap((s) => [...s.values, ...(s.errors?.flat() ?? [])]);
  const yr: [number, number] = [H - M.bottom, M.top];
  const y = spec.logY ? logScale(extent(all, 'y'), yr) : linearScale(extent(all, 'y'), yr, true);
  const base = spec.logY ? y(y.ticks[0]) : y(0);
  const plotW = W - M.right - M.left;
  const groupW = plotW / spec.categories.length;
  const barW = (groupW * 0.8) / spec.series.length;
  const parts: string[] = [];
  spec.series.forEach((s, i) => {
    s.values.forEach((v, c) => {
      if (!Number.isFinite(v)) return;
      const px = M.left + c * groupW + groupW * 0.1 + i * barW;
      const py = y(v);
      parts.push(`<rect x="${px.toFixed(1)}" y="${Math.min(py, base).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${Math.abs(base - py).toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(`${s.name} ${spec.categories[c]}: ${v}`)}</title></rect>`);
      const e = s.errors?.[c];
      if (e) {
        const cx = (px + barW / 2).toFixed(1);
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(e[0]).toFixed(1)}" y2="${y(e[1]).toFixed(1)}" stroke="black"/>`);
      }
    });
  });
  const xCategories = spec.categories.map((c, k) => [c, M.left + (k + 0.5) * groupW] as [string, number]);
  return frame({ title: spec.title, yLabel: spec.yLabel, y, xCategories, legend: spec.series.map((s) => s.name), body: parts.join('\n') });
}

export interface CdfChartSpec {
  title: string;
  xLabel: string;
  series: { name: string; samples: ArrayLike<number> }[];
  logX?: boolean;
}

/** Empirical CDF: fraction of samples ≤ x, one step per (down-sampled) sample. */
export function cdfChart(spec: CdfChartSpec): string {
  const series = spec.series.map((s) => {
    const sorted = Float64Array.from(s.samples).sort();
    const n = sorted.length;
    const stride = Math.max(1, Math.floor(n / 400));
    const points: [number, number][] = [];
    for (let i = 0; i < n; i += stride) points.push([sorted[i], (i + 1) / n]);
    if (n > 0) points.push([sorted[n - 1], 1]);
    return { name: s.name, points };
  });
  return lineChart({ title: spec.title, xLabel: spec.xLabel, yLabel: 'CDF', series, logX: spec.logX, step: true, markers: false });
}
