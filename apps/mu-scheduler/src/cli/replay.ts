// `mu-scheduler replay`: two scenarios on the Azure Functions 2019 subsets in shared/data.
//   trace-scaled: the 1000-function sample, two variable top-10 functions, invocations / --scale
//                 (the dissertation's scaling; these functions are bursty and light on average);
//   table41-load: the 10-function subset's two variable functions, rescaled so their average rates
//                 equal Table 4.1's (W-1 154 rps, W-2 146 rps), the load regime of Table 4.2.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { printTable, resultsDir, writeResult } from '@fastpath/bench';
import { dataDir } from '@fastpath/native';
import { cdfChart, lineChart, writeSvg } from '@fastpath/plot';
import { runReplay, type ReplayResult } from '../replay/replay.ts';
import { pickWorkloads, readInvocations, type TraceFunction } from '../replay/trace.ts';
import type { Policy } from '../replay/des.ts';

export const TABLE_41_AVG_RPS = [154, 146];

export interface ReplayCliOptions {
  data?: string;
  seconds: number;
  scale: number;
  seed: number;
  out: string;
}

export function traceDir(data?: string): string {
  const dir = data ?? join(dataDir(), 'azure-functions-2019');
  if (!existsSync(join(dir, 'invitro-1000fn-sample', '1000_inv.csv')) || !existsSync(join(dir, 'invitro-10fn-original-format', 'invocations.csv'))) {
    throw new Error(`Azure Functions traces missing under ${dir}: fetch shared/data/azure-functions-2019 (see its README) or pass --data`);
  }
  return dir;
}

export interface Scenario {
  name: 'trace-scaled' | 'table41-load';
  workloads: TraceFunction[];
  scale: number;
  multipliers: number[];
}

export function scenarios(dir: string, scale: number, seconds: number): Scenario[] {
  const big = pickWorkloads(readInvocations(join(dir, 'invitro-1000fn-sample', '1000_inv.csv')));
  const small = pickWorkloads(readInvocations(join(dir, 'invitro-10fn-original-format', 'invocations.csv')));
  const mean = (f: TraceFunction) => f.perMinute.slice(0, seconds).reduce((s, x) => s + x, 0) / Math.min(seconds, f.perMinute.length);
  return [
    { name: 'trace-scaled', workloads: big, scale, multipliers: [1, 1] },
    { name: 'table41-load', workloads: small, scale: 1, multipliers: small.map((f, i) => TABLE_41_AVG_RPS[i] / mean(f)) },
  ];
}

const POLICY_LABEL: Record<Policy, string> = { mu: 'Mu', rps: 'RPS', concurrency: 'Concurrency' };

export function replayRows(r: ReplayResult): Record<string, string | number>[] {
  return (Object.keys(r.policies) as Policy[]).flatMap((p) =>
    r.policies[p].workloads.map((w) => ({
      policy: POLICY_LABEL[p],
      workload: w.name,
      'rps avg (min-max)': `${w.rps.avg.toFixed(1)} (${w.rps.min}-${w.rps.max})`,
      'mean ms': Math.round(w.meanMs),
      'p99 ms': Math.round(w.p99Ms),
      '503 / total': `${w.rejected503} / ${w.total}`,
      'within SLO': `${w.withinSlo} (${w.withinSloPct.toFixed(1)}%)`,
      'requested max/avg': `${w.requestedPods.max} / ${w.requestedPods.avg.toFixed(1)}`,
      'active max/avg': `${w.activePods.max} / ${w.activePods.avg.toFixed(1)}`,
    })),
  );
}

export function writeReplayPlots(r: ReplayResult, prefix: string): string[] {
  const dir = join(resultsDir(), 'mu');
  const out: string[] = [];
  const policies = Object.keys(r.policies) as Policy[];
  const nW = r.series[policies[0]].length;
  for (let w = 0; w < nW; w++) {
    out.push(
      writeSvg(
        join(dir, `${prefix}-fig4.6-cdf-w${w + 1}.svg`),
        cdfChart({ title: `Fig. 4.6 response-time CDF, Workload ${w + 1}`, xLabel: 'response time (ms)', logX: true, series: policies.map((p) => ({ name: POLICY_LABEL[p], samples: r.cdf[p][w].samples.map((x) => Math.max(x, 1)) })) }),
      ),
    );
    out.push(
      writeSvg(
        join(dir, `${prefix}-fig4.7-response-w${w + 1}.svg`),
        lineChart({
          title: `Fig. 4.7 mean response time per second, Workload ${w + 1}`,
          xLabel: 'time (s)',
          yLabel: 'ms',
          logY: true,
          markers: false,
          series: policies.map((p) => ({ name: POLICY_LABEL[p], points: r.series[p][w].meanResponseMs.map((v, t) => [t, v] as [number, number]).filter(([, v]) => v > 0) })),
        }),
      ),
    );
  }
  for (const p of policies) {
    out.push(
      writeSvg(
        join(dir, `${prefix}-fig4.8-pods-${p}.svg`),
        lineChart({
          title: `Fig. 4.8 pods over time, ${POLICY_LABEL[p]}`,
          xLabel: 'time (s)',
          yLabel: 'pods',
          markers: false,
          series: r.series[p].flatMap((s) => [
            { name: `${s.name} requested`, points: s.requested.map((v, t) => [t, v] as [number, number]) },
            { name: `${s.name} active`, points: s.active.map((v, t) => [t, v] as [number, number]) },
          ]),
        }),
      ),
    );
  }
  return out;
}

export async function runReplayCli(o: ReplayCliOptions): Promise<void> {
  const loadBefore = loadavg() as [number, number, number];
  const dir = traceDir(o.data);
  const results: Record<string, Omit<ReplayResult, 'cdf'> & { workloadsFrom: string }> = {};
  const written: string[] = [];
  for (const sc of scenarios(dir, o.scale, o.seconds)) {
    const t0 = performance.now();
    const r = runReplay(sc.workloads, { scale: sc.scale, seconds: o.seconds, seed: o.seed, multipliers: sc.multipliers });
    printTable(replayRows(r), `${sc.name}: ${sc.workloads.map((w) => w.hash.slice(0, 8)).join(', ')} (${((performance.now() - t0) / 1000).toFixed(1)} s simulated in)`);
    for (const p of Object.keys(r.policies) as Policy[]) console.log(`  ${POLICY_LABEL[p]}: ${r.policies[p].withinSloPct.toFixed(1)}% of all requests within the SLO, ${r.policies[p].rejected503} x 503`);
    const { cdf: _cdf, ...rest } = r;
    results[sc.name] = { ...rest, workloadsFrom: sc.name === 'trace-scaled' ? 'invitro-1000fn-sample/1000_inv.csv' : 'invitro-10fn-original-format/invocations.csv' };
    written.push(...writeReplayPlots(r, `${o.out}-${sc.name}`));
  }
  written.unshift(writeResult('mu', o.out, { scenarios: results }, { loadBefore }));
  for (const f of written) console.log(`wrote ${f}`);
}
