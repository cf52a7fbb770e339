// `nx run mu-scheduler:bench`: decision time (p50/p99 over the cases) of every heuristic for 300
// functions x 40 nodes, fairness and efficiency against the Kubernetes default measured in the same run,
// and the ILP gaps after the time limit. Writes docs/results/mu/bench.json.
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { printTable, progress, ratio, writeResult } from '@fastpath/bench';
import { HEURISTICS } from '../src/core/algorithms.ts';
import { cbcVersion } from '../src/ilp/cbc.ts';
import { goalReport } from '../src/sim/goals.ts';
import { defaultWorkers, expectedSeconds, runSimulation } from '../src/sim/simulate.ts';

const o = new Command('mu-scheduler-bench')
  .description('placement decision time, fairness and ILP gaps (writes docs/results/mu/bench.json)')
  .option('--cases <n>', 'random cases', (v) => Number(v), 500)
  .option('--ilp-cases <n>', 'cases (seeded subset) solved with ILP0/ILP1', (v) => Number(v), 10)
  .option('--ilp-time <s>', 'ILP time limit (s, wall clock)', (v) => Number(v), 2)
  .option('--workers <n>', 'worker threads for the heuristics (0 = main thread)', (v) => Number(v))
  .option('--seed <n>', 'base seed', (v) => Number(v), 1000)
  .parse()
  .opts();

const loadBefore = loadavg() as [number, number, number];
const workers = o.workers ?? defaultWorkers(o.ilpCases);
console.log(`bench: ${o.cases} cases on ${workers} worker(s), ILPs on ${o.ilpCases}; expected ~${Math.ceil(expectedSeconds({ cases: o.cases, ilpCases: o.ilpCases, ilpTimeSec: o.ilpTime, workers }))} s`);
const bar = progress('bench', o.cases + o.ilpCases);
const r = await runSimulation({ cases: o.cases, seed: o.seed, ilpCases: o.ilpCases, ilpTimeSec: o.ilpTime, workers, onProgress: () => bar.tick() });
bar.stop();
const g = goalReport(r);

const base = r.all['k8s-default'];
const rows = HEURISTICS.map((h) => {
  const s = r.all[h];
  return {
    algorithm: h,
    'p50 ms': s.decisionMs.p50,
    'p99 ms': s.decisionMs.p99,
    'p50 vs default': ratio(s.decisionMs.p50, base.decisionMs.p50),
    'cpu p50 ms': s.decisionCpuMs.p50,
    'cpu p99 ms': s.decisionCpuMs.p99,
    'wall min ms': s.decisionMs.min,
    U_cpu: s.unfairnessCpu.mean,
    'default/U_cpu': ratio(base.unfairnessCpu.mean, s.unfairnessCpu.mean),
    U_mem: s.unfairnessMem.mean,
    'default/U_mem': ratio(base.unfairnessMem.mean, s.unfairnessMem.mean),
    'unmet cpu': s.unmetCpu.mean,
    'unmet mem': s.unmetMem.mean,
  };
});
printTable(rows, `${r.config.cases} cases, ${r.config.functions} functions x ${r.config.nodes} nodes; baseline = k8s-default (same run); load before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
if (o.ilpCases > 0) {
  printTable(
    ['ilp0', 'ilp1'].map((m) => ({ model: m, ...g.ilp[m] })),
    `ILPs on ${o.ilpCases} seeded cases (${r.ilpSolver} ${r.ilpSolver === 'cbc' ? cbcVersion() : ''}, ${o.ilpTime} s wall-clock limit); solveSec = wall clock incl. model build`,
  );
  printTable(
    [...HEURISTICS, 'ilp1'].map((a) => ({ algorithm: a, 'unmet cpu vs ILP0 %': g.unmetVsIlp0Pct[a], 'placed cpu below ILP0 %': g.placedCpuBelowIlp0Pct[a], U_cpu: r.ilpSubset[a].unfairnessCpu.mean })),
    'Same cases: efficiency against ILP0',
  );
}
console.log('goals:', JSON.stringify(g.goals));
const path = writeResult('mu', 'bench', { config: r.config, wallSec: r.wallSec, ilpSolver: r.ilpSolver, ...g }, { loadBefore });
console.log(`wrote ${path} (${r.wallSec.toFixed(0)} s)`);
