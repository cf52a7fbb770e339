// CPU accounting from /proc (utime + stime in clock ticks), for status and the idle-CPU check.
import { readFileSync } from 'node:fs';

export const CLK_TCK = 100; // USER_HZ on Linux

export function readCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/** Share of one core a set of processes used over `ms` (e.g. 0.002 = 0.2 %). */
export async function cpuShare(pids: number[], ms: number): Promise<Record<number, number>> {
  const before = new Map(pids.map((p) => [p, readCpuTicks(p) ?? 0]));
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const out: Record<number, number> = {};
  for (const p of pids) out[p] = ((readCpuTicks(p) ?? 0) - before.get(p)!) / CLK_TCK / secs;
  return out;
}
