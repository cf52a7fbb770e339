// Long-running servers inside pods for the measurements: tcprr (request/response) and
// iperf3 (stream). Started once per lab, stopped before teardown.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@fastpath/native';
import { daemon, inNs, listening, type Daemon } from '../exec.ts';
import { PORTS } from '../lab/addressing.ts';
import type { Pod } from '../lab/lab.ts';

export const TCPRR = join(workspaceRoot, 'dist', 'cni-bench', 'tcprr');

export function requireTcprr(): string {
  if (!existsSync(TCPRR)) throw new Error(`${TCPRR} is not built; run: pnpm nx run cni-bench:build (needs gcc, make)`);
  return TCPRR;
}

export interface Servers {
  stop(): Promise<void>;
}

/** tcprr and iperf3 servers on each of `pods`. */
export async function startServers(pods: Pod[]): Promise<Servers> {
  const ds: Daemon[] = [];
  try {
    for (const p of pods) {
      const rr = daemon(p.ns, [requireTcprr(), '-s', '-p', String(PORTS.rr)]);
      ds.push(rr);
      await rr.ready();
      const ip = daemon(p.ns, ['iperf3', '-s', '-p', String(PORTS.stream)]);
      ds.push(ip);
      await listening(ip, p.ns, PORTS.stream);
    }
  } catch (err) {
    await Promise.all(ds.map((d) => d.stop()));
    throw err;
  }
  return { stop: async () => void (await Promise.all(ds.map((d) => d.stop()))) };
}

/** Interface counters of a pod's interface (for per-packet normalisation). */
export async function ifStats(pod: Pod): Promise<{ txPackets: number; rxPackets: number; txBytes: number; rxBytes: number }> {
  const j = JSON.parse((await inNs(pod.ns, ['ip', '-s', '-j', 'link', 'show', 'dev', pod.podIf])).stdout)[0].stats64;
  return { txPackets: j.tx.packets, rxPackets: j.rx.packets, txBytes: j.tx.bytes, rxBytes: j.rx.bytes };
}
