// `nx run mu-scheduler:bench`: decision time (p50/p99 over the cases) of every heuristic for 300
// functions x 40 nodes, fairness and efficiency against the Kubernetes default measured in the same run,
// and the ILP gaps after the time limit. Writes docs/results/mu/bench.json.
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { printTable, progress, ratio, writeResult } from '@fastpath/bench';
import { HEURISTICS } from '../src/core/algorithms.ts';
import { cbcVersion } from '../src/ilp/cbc.ts';
import { runSimulation } from '../src/sim/simulate.ts';

const o = new Command('mu-scheduler-bench')
  .description('placement decision time, fairness and ILP gaps (writes docs/results/mu/bench.json)')
  .option('--cases <n>', 'random cases', (v) => Number(v), 500)
  .option('--ilp-cases <n>', 'cases solved with ILP0/ILP1', (v) => Number(v), 5)
  .option('--ilp-time <s>', 'ILP time limit (s)', (v) => Number(v), 2)
  .option('--seed <n>', 'base seed', (v) => Number(v), 1000)
  .parse()
  .opts();

const loadBefore = loadavg() as [number, number, number];
const bar = progress('bench', o.cases);
const r = await runSimulation({ cases: o.cases, seed: o.seed, ilpCases: o.ilpCases, ilpTimeSec: o.ilpTime, onCase: () => bar.tick() });
bar.stop();

const base = r.all['k8s-default'];
const decisionMs: Record<string, { p50: number; p99: number; mean: number }> = {};
const decisionCpuMs: Record<string, { p50: number; p99: number }> = {};
const unfairness: Record<string, { cpu: number; mem: number }> = {};
const unmet: Record<string, { cpu: number; mem: number }> = {};
const rows = [];
for (const h of HEURISTICS) {
  const s = r.all[h];
  decisionMs[h] = { p50: s.decisionMs.p50, p99: s.decisionMs.p99, mean: s.decisionMs.mean };
  decisionCpuMs[h] = { p50: s.decisionCpuMs.p50, p99: s.decisionCpuMs.p99 };
  unfairness[h] = { cpu: s.unfairnessCpu.mean, mem: s.unfairnessMem.mean };
  unmet[h] = { cpu: s.unmetCpu.mean, mem: s.unmetMem.mean };
  rows.push({
    algorithm: h,
    'p50 ms': s.decisionMs.p50,
    'p99 ms': s.decisionMs.p99,
    'p50 vs default': ratio(s.decisionMs.p50, base.decisionMs.p50),
    'cpu p50 ms': s.decisionCpuMs.p50,
    'wall min ms': s.decisionMs.min,
    U_cpu: s.unfairnessCpu.mean,
    'default/U_cpu': ratio(base.unfairnessCpu.mean, s.unfairnessCpu.mean),
    U_mem: s.unfairnessMem.mean,
    'default/U_mem': ratio(base.unfairnessMem.mean, s.unfairnessMem.mean),
    'unmet cpu': s.unmetCpu.mean,
    'unmet mem': s.unmetMem.mean,
  });
}
printTable(rows, `${r.config.cases} cases, ${r.config.functions} functions x ${r.config.nodes} nodes; baseline = k8s-default (same run); load before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);

const ilp: Record<string, { gapPct: number; gapPctMax: number; solveSec: number; objectiveCases: number; solvesWithoutBound: number }> = {};
const unmetVsIlp0Pct: Record<string, number> = {};
const placedCpuBelowIlp0Pct: Record<string, number> = {};
if (o.ilpCases > 0) {
  const sub = r.ilpSubset;
  for (const m of ['ilp0', 'ilp1']) {
    ilp[m] = {
      gapPct: sub[m].gapPct?.mean ?? NaN,
      gapPctMax: sub[m].gapPct?.max ?? NaN,
      solveSec: sub[m].decisionMs.mean / 1000,
      objectiveCases: sub[m].cases,
      solvesWithoutBound: sub[m].solvesWithoutBound ?? 0,
    } as (typeof ilp)[string];
  }
  // Efficiency against the optimum: CPU the algorithm leaves unplaced beyond ILP0's, relative to ILP0's placed CPU.
  const ilp0Unmet = sub.ilp0.unmetCpu.mean;
  const subRows = [];
  for (const a of [...HEURISTICS, 'ilp1']) {
    const placedBelow = sub[a].belowIlp0Cpu?.mean ?? NaN;
    // unmet_alg - unmet_ilp0 = (placed_ilp0 - placed_alg)/|F|; relative to the total demand per function.
    unmetVsIlp0Pct[a] = (100 * (sub[a].unmetCpu.mean - ilp0Unmet)) / Math.max(1e-9, ilp0Unmet);
    placedCpuBelowIlp0Pct[a] = (100 * (sub.ilp0.allocatedCpu.mean - sub[a].allocatedCpu.mean)) / sub.ilp0.allocatedCpu.mean;
    subRows.push({
      algorithm: a,
      'unmet cpu': sub[a].unmetCpu.mean,
      'ILP0 unmet cpu': ilp0Unmet,
      'unmet vs ILP0 %': unmetVsIlp0Pct[a],
      'placed cpu below ILP0 %': placedCpuBelowIlp0Pct[a],
      '|ΣR0-ΣR|/F cpu': placedBelow,
      U_cpu: sub[a].unfairnessCpu.mean,
    });
  }
  printTable(subRows, `First ${o.ilpCases} cases with ILPs (${r.ilpSolver} ${r.ilpSolver === 'cbc' ? cbcVersion() : ''}, ${o.ilpTime} s limit): ILP0 gap ${ilp.ilp0.gapPct.toFixed(2)}%, ILP1 gap ${ilp.ilp1.gapPct.toFixed(2)}%`);
}

const goals = {
  drfCpuP50Le5ms: HEURISTICS.filter((h) => !h.startsWith('k8s')).every((h) => decisionCpuMs[h].p50 <= 5),
  drfP50Le5ms: HEURISTICS.filter((h) => !h.startsWith('k8s')).every((h) => decisionMs[h].p50 <= 5),
  fairness2xVsDefault: HEURISTICS.filter((h) => !h.startsWith('k8s')).every((h) => base.unfairnessCpu.mean / unfairness[h].cpu >= 2 && base.unfairnessMem.mean / unfairness[h].mem >= 2),
  // "Unmet CPU within 2% of ILP0", read as: the CPU a DRF heuristic places is within 2% of what ILP0 places.
  unmetCpuWithin2PctOfIlp0: o.ilpCases > 0 ? ['alignment', 'worstfit', 'bestfit'].every((h) => placedCpuBelowIlp0Pct[h] <= 2) : null,
  ilp1GapLe1Pct: o.ilpCases > 0 ? ilp.ilp1.gapPct <= 1 : null,
};
console.log('goals:', JSON.stringify(goals));
const path = writeResult('mu', 'bench', { config: r.config, ilpSolver: r.ilpSolver, decisionMs, decisionCpuMs, unfairness, unmet, ilp, unmetVsIlp0Pct, placedCpuBelowIlp0Pct, goals, baseline: 'k8s-default' }, { loadBefore });
console.log(`wrote ${path}`);
