// TCP stream throughput with iperf3 (one stream, default 128 KiB writes), repeated.
import { summarize, type Summary } from '@fastpath/bench';
import { inNs } from '../exec.ts';
import { PORTS } from '../lab/addressing.ts';
import type { Pod } from '../lab/lab.ts';

export interface StreamRun {
  gbps: number;
  retransmits: number;
  bytes: number;
  seconds: number;
}

export interface StreamResult {
  runs: StreamRun[];
  gbps: Summary;
}

export async function streamOnce(client: Pod, ip: string, seconds: number, port: number = PORTS.stream): Promise<StreamRun> {
  // iperf3 reads -t as an integer and treats 0 as "forever": never pass it a fraction.
  const t = Math.max(1, Math.round(seconds));
  const r = await inNs(client.ns, ['iperf3', '-c', ip, '-p', String(port), '-t', String(t), '-J', '--connect-timeout', '5000'], {
    timeoutMs: (t + 30) * 1000,
    allowFail: true,
  });
  const j = JSON.parse(r.stdout || '{}');
  if (r.code !== 0 || j.error) throw new Error(`iperf3 to ${ip}:${port} from ${client.ns} failed (exit ${r.code}): ${j.error ?? (r.stderr || 'no output (killed after the timeout?)')}`);
  const rx = j.end.sum_received;
  return { gbps: rx.bits_per_second / 1e9, retransmits: j.end.sum_sent.retransmits ?? 0, bytes: rx.bytes, seconds: rx.seconds };
}

export async function stream(client: Pod, ip: string, opts: { seconds: number; repeats: number }): Promise<StreamResult & { retries: number }> {
  const runs: StreamRun[] = [];
  let retries = 0;
  for (let i = 0; i < opts.repeats; i++) {
    try {
      runs.push(await streamOnce(client, ip, opts.seconds));
    } catch (err) {
      // One retry per repeat: on a heavily loaded machine iperf3's control connection
      // occasionally times out; the retry count is part of the result.
      if (retries >= opts.repeats) throw err;
      retries++;
      runs.push(await streamOnce(client, ip, opts.seconds));
    }
  }
  return { runs, gbps: summarize(runs.map((r) => r.gbps)), retries };
}
