// TCP request/response latency (1-byte, netperf TCP_RR shape) with tcprr, repeated: each
// repeat gives a p50/p99; the summary is over repeats, so its CI reflects run-to-run spread.
import { summarize, type Summary } from '@fastpath/bench';
import { inNs } from '../exec.ts';
import { PORTS } from '../lab/addressing.ts';
import type { Pod } from '../lab/lab.ts';
import { requireTcprr } from './servers.ts';

export interface RrRun {
  transactions: number;
  seconds: number;
  tps: number;
  mean_us: number;
  min_us: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}

export interface RrResult {
  runs: RrRun[];
  p50: Summary;
  p99: Summary;
  tps: Summary;
}

export async function rrOnce(client: Pod, ip: string, seconds: number, size = 1): Promise<RrRun> {
  const r = await inNs(client.ns, [requireTcprr(), '-c', ip, '-p', String(PORTS.rr), '-d', String(seconds), '-w', '0.2', '-z', String(size)], {
    timeoutMs: (seconds + 20) * 1000,
  });
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export async function rr(client: Pod, ip: string, opts: { seconds: number; repeats: number }): Promise<RrResult> {
  const runs: RrRun[] = [];
  for (let i = 0; i < opts.repeats; i++) runs.push(await rrOnce(client, ip, opts.seconds));
  return { runs, p50: summarize(runs.map((r) => r.p50_us)), p99: summarize(runs.map((r) => r.p99_us)), tps: summarize(runs.map((r) => r.tps)) };
}
