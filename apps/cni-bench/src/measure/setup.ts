// Pod-network setup latency (Fig. 3.15): one pod at a time with the step breakdown, then N
// pods brought up at once (the kubelet starting several pods together).
import { summarize, type Summary } from '@fastpath/bench';
import type { Lab, PodTiming } from '../lab/lab.ts';

export interface SetupResult {
  single: { runs: PodTiming[]; total: Summary; steps: Record<keyof PodTiming, number> };
  parallel: { n: number; wallMs: number; perPod: Summary }[];
}

export async function setupLatency(lab: Lab, opts: { single: number; parallel: number[] }): Promise<SetupResult> {
  const h = lab.hosts[0];
  const runs: PodTiming[] = [];
  for (let i = 0; i < opts.single; i++) runs.push((await lab.addPod(h)).timing);
  const steps = Object.fromEntries((['netns', 'link', 'ipam', 'routes', 'rules', 'total'] as const).map((k) => [k, summarize(runs.map((r) => r[k])).p50])) as Record<keyof PodTiming, number>;
  const parallel: SetupResult['parallel'] = [];
  for (const n of opts.parallel) {
    const t0 = performance.now();
    const res = await Promise.all(Array.from({ length: n }, () => lab.addPod(h)));
    parallel.push({ n, wallMs: performance.now() - t0, perPod: summarize(res.map((r) => r.timing.total)) });
  }
  return { single: { runs, total: summarize(runs.map((r) => r.total)), steps }, parallel };
}
