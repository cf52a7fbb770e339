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

/** Kernel-crossing counters of one process (all its threads). */
export interface IoCounters {
  /** read-type / write-type syscalls (read, recvmsg, ... / write, sendmsg, ...). */
  syscr: number;
  syscw: number;
  /** Bytes through those syscalls: what crossed the user/kernel boundary (each a copy). */
  rchar: number;
  wchar: number;
  /** Voluntary + involuntary context switches of every thread. */
  ctxsw: number;
}

const IO_KEYS = ['syscr', 'syscw', 'rchar', 'wchar', 'ctxsw'] as const;

function ioOf(pid: number): IoCounters | undefined {
  try {
    const io = Object.fromEntries(
      readFileSync(`/proc/${pid}/io`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(':').map((x) => x.trim()))
        .map(([k, v]) => [k, Number(v)]),
    );
    let ctxsw = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const st = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      for (const m of st.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) ctxsw += Number(m[1]);
    }
    return { syscr: io.syscr, syscw: io.syscw, rchar: io.rchar, wchar: io.wchar, ctxsw };
  } catch {
    return undefined;
  }
}

/** Per component, the counters above summed over its process trees since start. */
export function ioMeter(components: Record<string, number[]>, selfOnly: string[] = ['agent']): { read(): Record<string, IoCounters> } {
  const pidsOf = (k: string) => (selfOnly.includes(k) ? components[k] : components[k].flatMap(tree));
  const snap = () => Object.fromEntries(Object.keys(components).map((k) => [k, new Map(pidsOf(k).map((p) => [p, ioOf(p)]))]));
  const t0 = snap();
  return {
    read: () => {
      const now = snap();
      return Object.fromEntries(
        Object.keys(components).map((k) => {
          const sum: IoCounters = { syscr: 0, syscw: 0, rchar: 0, wchar: 0, ctxsw: 0 };
          for (const [p, c] of now[k]) {
            const b = t0[k].get(p);
            if (c) for (const f of IO_KEYS) sum[f] += c[f] - (b?.[f] ?? 0);
          }
          return [k, sum];
        }),
      );
    },
  };
}

/** System-wide NET_RX + NET_TX softirqs (all CPUs): the interrupts-side work of networking. */
export function netSoftirqs(): number {
  try {
    return readFileSync('/proc/softirqs', 'utf8')
      .split('\n')
      .filter((l) => /^\s*NET_(RX|TX):/.test(l))
      .reduce((n, l) => n + l.trim().split(/\s+/).slice(1).reduce((a, x) => a + Number(x), 0), 0);
  } catch {
    return NaN;
  }
}
