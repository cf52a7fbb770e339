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
  const pidsOf = (k: string) => (selfOnly.includes(k) ? components[k] : components[k].flatMap(tree));
  const snap = () => Object.fromEntries(Object.keys(components).map((k) => [k, new Map(pidsOf(k).map((p) => [p, stat(p)?.ticks ?? 0]))]));
  const t0 = snap();
  // Process trees are re-read at read(): a process born since start() (a scale-from-zero start)
  // counts from 0 ticks; one that exited in between is lost (its ticks went to its reaper's cutime).
  return {
    read: () => {
      const now = snap();
      return Object.fromEntries(Object.keys(components).map((k) => [k, [...now[k]].reduce((n, [p, t]) => n + t - (t0[k].get(p) ?? 0), 0) / CLK_TCK]));
    },
  };
}
