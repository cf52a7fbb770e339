// Writes the simulation's JSON (docs/results/mu/simulation.json) and the Fig. 4.5-shaped SVGs.
import { join } from 'node:path';
import { printTable, resultsDir, writeResult } from '@fastpath/bench';
import { barChart, writeSvg } from '@fastpath/plot';
import { goalReport } from './goals.ts';
import type { AlgoStats, SimulationResult } from './simulate.ts';

const LABEL: Record<string, string> = {
  alignment: 'Alignment',
  worstfit: 'WorstFit',
  bestfit: 'BestFit',
  'k8s-default': 'K8s Default',
  'k8s-most': 'K8s MostAllocated',
  'k8s-ratio': 'K8s ReqToCapRatio',
  ilp0: 'ILP0',
  ilp1: 'ILP1',
};

export function simulationRows(block: Record<string, AlgoStats>): Record<string, string | number>[] {
  return Object.entries(block).map(([k, s]) => ({
    algorithm: LABEL[k] ?? k,
    cases: s.cases,
    'U_cpu (cores)': s.unfairnessCpu.mean,
    'U_mem (MiB)': s.unfairnessMem.mean,
    'unmet cpu (cores/fn)': s.unmetCpu.mean,
    'unmet mem (MiB/fn)': s.unmetMem.mean,
    'decision p50 ms': s.decisionMs.p50,
    'decision p99 ms': s.decisionMs.p99,
    'cpu p50 ms': s.decisionCpuMs.p50,
    ...(s.gapPct ? { 'gap %': s.gapPct.mean } : {}),
  }));
}

export function writeSimulation(r: SimulationResult, loadBefore: [number, number, number], outName = 'simulation'): string[] {
  const note =
    r.config.ilpCases < r.config.cases
      ? `ILP0/ILP1 ran on ${r.config.ilpCases} of the ${r.config.cases} cases (seeded subset, config.ilpCaseIndices); the ilpSubset block compares every algorithm on exactly those cases`
      : 'ILP0/ILP1 ran on every case';
  const written = [writeResult('mu', outName, { ...r, note, ...goalReport(r) }, { loadBefore })];
  const dir = join(resultsDir(), 'mu');
  // Fig. 4.5 compares the heuristics and both ILPs; use the ILP subset when there is one.
  const block = Object.keys(r.ilpSubset).length ? r.ilpSubset : r.all;
  const names = Object.keys(block);
  const cats = names.map((n) => LABEL[n] ?? n);
  const bars = (title: string, yLabel: string, pick: (s: AlgoStats) => { mean: number; ci95: [number, number] }) =>
    barChart({ title, yLabel, categories: cats, series: [{ name: yLabel, values: names.map((n) => pick(block[n]).mean), errors: names.map((n) => pick(block[n]).ci95) }] });
  written.push(writeSvg(join(dir, `${outName}-unfairness-cpu.svg`), bars('Fig. 4.5(a) CPU unfairness U_cpu (lower is fairer)', 'cores per function', (s) => s.unfairnessCpu)));
  written.push(writeSvg(join(dir, `${outName}-unfairness-mem.svg`), bars('Fig. 4.5(a) memory unfairness U_mem', 'MiB per function', (s) => s.unfairnessMem)));
  written.push(writeSvg(join(dir, `${outName}-unmet-cpu.svg`), bars('Fig. 4.5(b) unmet CPU demand', 'cores per function', (s) => s.unmetCpu)));
  written.push(writeSvg(join(dir, `${outName}-unmet-mem.svg`), bars('Fig. 4.5(b) unmet memory demand', 'MiB per function', (s) => s.unmetMem)));
  const all = Object.keys(r.all);
  written.push(
    writeSvg(
      join(dir, `${outName}-decision-ms.svg`),
      barChart({
        title: `Decision time, ${r.config.functions} functions x ${r.config.nodes} nodes (p50)`,
        yLabel: 'ms',
        categories: all.map((n) => LABEL[n] ?? n),
        series: [{ name: 'p50 ms', values: all.map((n) => r.all[n].decisionMs.p50) }],
      }),
    ),
  );
  return written;
}

export function printSimulation(r: SimulationResult): void {
  printTable(simulationRows(r.all), `All ${r.config.cases} cases (heuristics)`);
  if (Object.keys(r.ilpSubset).length) printTable(simulationRows(r.ilpSubset), `${r.config.ilpCases} seeded cases with ILPs (${r.ilpSolver}, ${r.config.ilpTimeSec} s wall-clock limit; ILP decision ms = whole solve)`);
  console.log('goals:', JSON.stringify(goalReport(r).goals));
}
