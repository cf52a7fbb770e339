// Test flow under background connections (Figs. 3.12/3.13): K rate-limited iperf3 flows
// between another pod pair, then the test pair's RR latency and stream throughput. iperf3
// caps -P at 128, so flows are spread over ceil(K/125) client/server processes. The total
// background rate is K x rate, bounded by the caller (default 1 Mbit/s per flow).
import { daemon, listening, tcpCount, waitFor, type Daemon } from '../exec.ts';
import { PORTS } from '../lab/addressing.ts';
import type { Pod } from '../lab/lab.ts';
import { busyShare, cpuTimes } from './cpuload.ts';
import { rr, type RrResult } from './rr.ts';
import { stream, type StreamResult } from './stream.ts';

export interface BackgroundPoint {
  flows: number;
  rateMbit: number;
  rr: RrResult;
  stream: StreamResult;
  /** Machine CPU busy share while measuring (0..1). */
  cpuBusy: number;
  /** Background iperf3 client processes still running at the end (each carries <= 125 flows). */
  bgProcesses: number;
  /** Seconds until every background flow was established, and for the whole point. */
  connectSeconds: number;
  seconds: number;
}

const PER_PROC = 125;

export async function backgroundPoint(
  test: { client: Pod; ip: string },
  bg: { client: Pod; server: Pod },
  flows: number,
  opts: { rateMbit: number; seconds: number; repeats: number },
): Promise<BackgroundPoint> {
  if (!(flows >= 0 && flows <= 5000)) throw new RangeError(`background flows must be 0..5000 (got ${flows})`);
  const procs = Math.ceil(flows / PER_PROC);
  const servers: Daemon[] = [];
  const clients: Daemon[] = [];
  // Longer than connecting + measuring can take; the flows are stopped right after.
  const duration = Math.ceil(60 + flows / 25 + opts.repeats * (opts.seconds + 2) * 2);
  const t0 = performance.now();
  try {
    for (let i = 0; i < procs; i++) {
      const s = daemon(bg.server.ns, ['iperf3', '-s', '-p', String(PORTS.bgBase + i)]);
      servers.push(s);
      await listening(s, bg.server.ns, PORTS.bgBase + i);
    }
    for (let i = 0; i < procs; i++) {
      const p = Math.min(PER_PROC, flows - i * PER_PROC);
      clients.push(daemon(bg.client.ns, ['iperf3', '-c', bg.server.ip, '-p', String(PORTS.bgBase + i), '-P', String(p), '-b', `${opts.rateMbit}M`, '-t', String(duration), '-i', '0']));
    }
    // Every flow (plus each process's control connection) established before measuring.
    if (procs) {
      await waitFor(`${flows} background flows to connect`, async () => {
        const dead = clients.find((c) => c.child.exitCode !== null);
        if (dead) throw new Error(`background iperf3 exited early: ${dead.output().slice(-400)}`);
        return (await tcpCount(bg.client.ns, 'established')) >= flows + procs;
      }, 30_000 + flows * 20, 200);
    }
    const connectSeconds = (performance.now() - t0) / 1000;
    const c0 = cpuTimes();
    const r = await rr(test.client, test.ip, { seconds: opts.seconds, repeats: opts.repeats });
    const s = await stream(test.client, test.ip, { seconds: opts.seconds, repeats: opts.repeats });
    const cpuBusy = busyShare(c0, cpuTimes());
    const alive = clients.filter((c) => c.child.exitCode === null).length;
    return { flows, rateMbit: opts.rateMbit, rr: r, stream: s, cpuBusy, bgProcesses: alive, connectSeconds, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await Promise.all([...clients, ...servers].map((d) => d.stop()));
  }
}
