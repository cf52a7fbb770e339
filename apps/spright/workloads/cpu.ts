// Real CPU work for a given service time: spins on a hash until `ms` of CPU time has passed
// (process.cpuUsage, so time spent preempted by other processes does not count). Workload
// functions use it for the dissertation's per-function CPU service times.
import { createHash } from 'node:crypto';

export function burnCpu(ms: number, seed: Uint8Array | string = 'x'): string {
  if (ms <= 0) return '';
  const start = process.cpuUsage();
  const limit = ms * 1000;
  let h = createHash('sha256').update(seed).digest();
  for (;;) {
    for (let i = 0; i < 64; i++) h = createHash('sha256').update(h).digest();
    const u = process.cpuUsage(start);
    if (u.user + u.system >= limit) return h.toString('hex');
  }
}
