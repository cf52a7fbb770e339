// CPU accounting of benchmark components from /proc/<pid>/stat (utime + stime, clock ticks),
// including descendants (nginx workers under their master, tsx children).
import { readdirSync, readFileSync } from 'node:fs';

export const CLK_TCK = 100;

function stat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** pid and every descendant alive now. */
export function tree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    const p = Number(e);
    if (!Number.isInteger(p)) continue;
    const s = stat(p);
    if (s) parent.set(p, s.ppid);
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [c, pp] of parent) if (pp === out[i]) out.push(c);
  return out;
}

export interface Meter {
  /** CPU seconds per component name since start(). */
  read(): Record<string, number>;
}

/** Snapshots the CPU ticks of each component's process tree (only the process itself for the
 * `selfOnly` components, e.g. the in-process agent whose children are the chain); read() gives
 * seconds used since. */
export function meter(components: Record<string, number[]>, selfOnly: string[] = ['agent']): Meter {
  const pids = Object.fromEntries(Object.entries(components).map(([k, roots]) => [k, selfOnly.includes(k) ? roots : roots.flatMap(tree)]));
  const ticks = (k: string) => pids[k].reduce((n, p) => n + (stat(p)?.ticks ?? 0), 0);
  const t0 = Object.fromEntries(Object.keys(pids).map((k) => [k, ticks(k)]));
  return { read: () => Object.fromEntries(Object.keys(pids).map((k) => [k, (ticks(k) - t0[k]) / CLK_TCK])) };
}
