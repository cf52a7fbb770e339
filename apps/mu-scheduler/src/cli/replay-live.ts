// `mu-scheduler replay-live`: the trace replay against a real SPRIGHT chain (see src/live/live-replay.ts).
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { printTable, progress, resultsDir, writeResult } from '@fastpath/bench';
import { lineChart, writeSvg } from '@fastpath/plot';
import { httpSender } from '../live/http-sender.ts';
import { runLiveReplay } from '../live/live-replay.ts';
import { deployWorkChain, type LiveChain } from '../live/spright-chain.ts';
import { TABLE_4_1 } from '../replay/des.ts';
import { arrivalsFrom } from '../replay/replay.ts';
import { scenarios, traceDir } from './replay.ts';

export interface ReplayLiveOptions {
  data?: string;
  url?: string;
  scenario: 'trace-scaled' | 'table41-load';
  seconds: number;
  scale: number;
  seed: number;
  out: string;
}

export async function runReplayLiveCli(o: ReplayLiveOptions): Promise<void> {
  const loadBefore = loadavg() as [number, number, number];
  const sc = scenarios(traceDir(o.data), o.scale, o.seconds).find((s) => s.name === o.scenario)!;
  const seconds = Math.min(o.seconds, ...sc.workloads.map((w) => w.perMinute.length));
  const arrivals = sc.workloads.map((w, i) => arrivalsFrom(w, { scale: sc.scale, seconds, seed: o.seed + i, multiplier: sc.multipliers[i] }));
  const names = sc.workloads.map((_, i) => `Workload-${i + 1}`);
  const cfg = TABLE_4_1;
  const slots = cfg.capacityPods * cfg.concurrency;
  console.log(`replay-live: ${o.scenario}, ${arrivals.map((a) => a.length).join(' + ')} requests over ${seconds} s (expected ~${Math.ceil((seconds + 60) / 60)} min incl. deploy and drain)`);
  let chain: LiveChain | undefined;
  if (!o.url) {
    console.log('deploying a one-function SPRIGHT chain through the spright CLI ...');
    chain = await deployWorkChain({ execMs: cfg.execSec * 1000, slots });
    console.log(`chain ${chain.name} up at ${chain.url}`);
  }
  const stop = () => {
    void chain?.delete().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  const sender = httpSender(o.url ?? chain!.url, slots);
  const bar = progress('replay-live', seconds);
  try {
    const r = await runLiveReplay({ send: sender.send, arrivals, names, cfg, seconds, onSecond: () => bar.tick() });
    bar.stop();
    printTable(
      r.workloads.map((w) => ({
        workload: w.name,
        'mean ms': Math.round(w.meanMs),
        'p99 ms': Math.round(w.p99Ms),
        '503 (Mu) / total': `${w.rejected503} / ${w.total}`,
        'gateway errors': w.gatewayErrors,
        unfinished: w.unfinished,
        'within SLO': `${w.withinSlo} (${w.withinSloPct.toFixed(1)}%)`,
        'requested max/avg': `${w.requestedPods.max} / ${w.requestedPods.avg.toFixed(1)}`,
        'active max/avg': `${w.activePods.max} / ${w.activePods.avg.toFixed(1)}`,
      })),
      `live replay through SPRIGHT (${o.url ? o.url : chain!.url}), Mu admission + autoscaling; ${r.wallSec.toFixed(0)} s wall`,
    );
    console.log(`all requests within SLO: ${r.withinSloPct.toFixed(1)}%`);
    const dir = join(resultsDir(), 'mu');
    const svg = writeSvg(
      join(dir, `${o.out}-pods-response.svg`),
      lineChart({
        title: `Live replay (${o.scenario}): Mu requested / active pods and mean response (s)`,
        xLabel: 'time (s)',
        yLabel: 'pods | seconds',
        markers: false,
        series: r.workloads.flatMap((w) => [
          { name: `${w.name} requested`, points: w.perSecond.requested.map((v, t) => [t, v] as [number, number]) },
          { name: `${w.name} active`, points: w.perSecond.active.map((v, t) => [t, v] as [number, number]) },
          { name: `${w.name} response s`, points: w.perSecond.meanResponseMs.map((v, t) => [t, v / 1000] as [number, number]).filter(([, v]) => v >= 0) },
        ]),
      }),
    );
    const path = writeResult(
      'mu',
      o.out,
      {
        scenario: o.scenario,
        seconds,
        scale: sc.scale,
        multipliers: sc.multipliers,
        config: cfg,
        target: o.url ? 'given gateway' : 'SPRIGHT chain deployed by the spright CLI (one function, EXEC_MS = execSec)',
        podModel: 'a pod = concurrency admission slots in front of the gateway (SPRIGHT cannot scale instances at run time)',
        ...r,
      },
      { loadBefore },
    );
    console.log(`wrote ${path}\nwrote ${svg}`);
  } finally {
    sender.close();
    process.removeListener('SIGINT', stop);
    await chain?.delete();
  }
}
