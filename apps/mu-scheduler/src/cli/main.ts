#!/usr/bin/env -S npx tsx
// mu-scheduler CLI: run (Kubernetes scheduler), simulate (Fig. 4.5), replay (Table 4.2, Figs. 4.6-4.8),
// place (one placement from a JSON file).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { HEURISTICS, MU_DEFAULT_ALGORITHM, isHeuristic, place } from '../core/algorithms.ts';
import { DEFAULT_DIMS, InvalidInputError, type PlacementInput } from '../core/model.ts';

const int = (name: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const load3 = () => loadavg() as [number, number, number];

export function buildCli(): Command {
  const program = new Command('mu-scheduler')
    .description('Mu: fair (DRF) placement of serverless functions — scheduler, simulator and trace replay (dissertation ch. 4)')
    .showHelpAfterError();

  program
    .command('run')
    .description('run the out-of-tree Kubernetes scheduler for pods with spec.schedulerName = --scheduler-name')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--in-cluster', 'use the pod service account')
    .option('--scheduler-name <name>', 'spec.schedulerName to serve', 'mu-scheduler')
    .addOption(new Option('--algorithm <name>', 'placement algorithm').choices([...HEURISTICS]).default(MU_DEFAULT_ALGORITHM))
    .option('--epoch-ms <ms>', 'batching epoch', int('epoch-ms', 1), 2000)
    .option('--metrics-port <port>', 'Prometheus /metrics port (0 = off)', int('metrics-port'), 10260)
    .option('--metrics-host <host>', 'address for /metrics', '0.0.0.0')
    .option('--once', 'run a single epoch after the initial list and exit')
    .option('--seed <n>', 'tie-break seed', int('seed'), 1)
    .action(async (o) => {
      const { runScheduler } = await import('./run.ts');
      await runScheduler(o);
    });

  program
    .command('simulate')
    .description('Fig. 4.5: random placement cases (heuristics on worker threads, ILPs on a seeded subset); writes docs/results/mu/simulation.json and SVGs')
    .option('--cases <n>', 'number of random cases', int('cases', 1), 500)
    .option('--nodes <n>', 'nodes per case', int('nodes', 1), 40)
    .option('--functions <n>', 'functions per case', int('functions', 1), 300)
    .option('--ilp-cases <n>', 'solve ILP0/ILP1 on a seeded subset of n cases (each solve up to --ilp-time)', int('ilp-cases'), 100)
    .option('--ilp-time <s>', 'ILP wall-clock limit per solve (seconds)', num('ilp-time'), 2)
    .addOption(new Option('--solver <s>', 'MIP solver').choices(['auto', 'cbc', 'highs']).default('auto'))
    .option('--workers <n>', 'worker threads for the heuristics (0 = main thread; default cores-1 with ILPs, else cores)', int('workers'))
    .option('--seed <n>', 'base seed (case i uses seed + i)', int('seed'), 1)
    .option('--out <name>', 'result name under docs/results/mu/', 'simulation')
    .action(async (o) => {
      const { progress } = await import('@fastpath/bench');
      const { defaultWorkers, expectedSeconds, runSimulation } = await import('../sim/simulate.ts');
      const { writeSimulation, printSimulation } = await import('../sim/report.ts');
      const loadBefore = load3();
      const ilpCases = Math.min(o.ilpCases, o.cases);
      const workers = o.workers ?? defaultWorkers(ilpCases);
      const eta = expectedSeconds({ cases: o.cases, ilpCases, ilpTimeSec: o.ilpTime, workers });
      console.log(
        `simulate: ${o.cases} cases x ${o.functions} functions x ${o.nodes} nodes on ${workers} worker thread(s); ILP0+ILP1 on ${ilpCases} seeded cases ` +
          `(${o.ilpTime} s each); expected ~${Math.ceil(eta / 60)} min (${Math.ceil(eta)} s) on an idle 2-core machine`,
      );
      const bar = progress('simulate', o.cases + ilpCases);
      const r = await runSimulation({ cases: o.cases, seed: o.seed, nodes: o.nodes, functions: o.functions, ilpCases, ilpTimeSec: o.ilpTime, solver: o.solver, workers, onProgress: () => bar.tick() });
      bar.stop();
      printSimulation(r);
      for (const f of writeSimulation(r, loadBefore, o.out)) console.log(`wrote ${f}`);
      console.log(`wall time ${r.wallSec.toFixed(0)} s`);
    });

  program
    .command('replay')
    .description('Table 4.2 / Figs. 4.6-4.8: discrete-event replay of Azure Functions traces, Mu vs Knative RPS vs concurrency')
    .option('--data <dir>', 'azure-functions-2019 folder (default: <dataDir>/azure-functions-2019)')
    .option('--seconds <n>', 'replay length in seconds (= trace minutes)', int('seconds', 1), 1440)
    .option('--scale <n>', 'divide invocations by', num('scale'), 100)
    .option('--seed <n>', 'arrival-time seed', int('seed'), 1)
    .option('--out <name>', 'result name under docs/results/mu/', 'replay')
    .action(async (o) => {
      const { runReplayCli } = await import('./replay.ts');
      await runReplayCli(o);
    });

  program
    .command('replay-live')
    .description('the trace replay in real time against a real SPRIGHT chain (deployed through the spright CLI) with Mu admission control and autoscaling in front of its gateway')
    .option('--data <dir>', 'azure-functions-2019 folder (default: <dataDir>/azure-functions-2019)')
    .option('--url <url>', 'use this running gateway instead of deploying a chain')
    .addOption(new Option('--scenario <name>', 'workloads').choices(['trace-scaled', 'table41-load']).default('trace-scaled'))
    .option('--seconds <n>', 'replay length in seconds (= trace minutes)', int('seconds', 1), 1440)
    .option('--scale <n>', 'divide invocations by (trace-scaled)', num('scale'), 100)
    .option('--seed <n>', 'arrival-time seed', int('seed'), 1)
    .option('--out <name>', 'result name under docs/results/mu/', 'replay-live')
    .action(async (o) => {
      const { runReplayLiveCli } = await import('./replay-live.ts');
      await runReplayLiveCli(o);
    });

  program
    .command('place')
    .description('place one input (JSON: {nodes:[{name,capacity:[cpu,memMiB]}], functions:[{name,demand,pods}]}) and print the placement')
    .argument('<file>', 'input JSON')
    .addOption(new Option('--algorithm <name>', 'placement algorithm').choices([...HEURISTICS]).default(MU_DEFAULT_ALGORITHM))
    .option('--seed <n>', 'tie-break seed', int('seed'), 1)
    .action((file: string, o) => {
      let input: PlacementInput;
      try {
        const raw = JSON.parse(readFileSync(file, 'utf8'));
        input = { dims: DEFAULT_DIMS, nodes: raw.nodes, functions: raw.functions };
      } catch (err) {
        throw new InvalidArgumentError(`cannot read ${file}: ${(err as Error).message}`);
      }
      if (!isHeuristic(o.algorithm)) throw new InvalidArgumentError(`unknown algorithm ${o.algorithm}`);
      const p = place(o.algorithm, input, o.seed);
      console.log(JSON.stringify({ algorithm: p.algorithm, w: p.w, placed: p.placed, unplaced: p.unplaced }, null, 2));
    });
  return program;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err) => {
      if (err instanceof InvalidInputError || err instanceof InvalidArgumentError) {
        console.error(`mu-scheduler: ${err.message}`);
        process.exit(2);
      }
      console.error(err?.stack ?? err);
      process.exit(1);
    });
}
