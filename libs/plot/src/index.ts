// Dependency-free SVG charts rendered from benchmark results (docs/results/**.json).
export { lineChart, barChart, cdfChart, type LineChartSpec, type LineSeries, type BarChartSpec, type CdfChartSpec } from './charts.ts';
export { writeSvg, PALETTE } from './svg.ts';
export { linearScale, logScale, niceStep, fmtTick, type Scale } from './scale.ts';
