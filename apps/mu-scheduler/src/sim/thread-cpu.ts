// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID through koffi). Decision times are measured
// inside worker threads, where process.cpuUsage() would add up every thread of the process; Node 20
// has no process.threadCpuUsage(). Falls back to the process clock if libc cannot be bound.
import { koffi } from '@fastpath/native';

const CLOCK_THREAD_CPUTIME_ID = 3;
let clock: ((id: number, ts: { tv_sec?: number; tv_nsec?: number }) => number) | null | undefined;

function bind(): typeof clock {
  if (clock !== undefined) return clock;
  try {
    const libc = koffi.load('libc.so.6');
    const timespec = koffi.struct('mu_thread_timespec', { tv_sec: 'int64_t', tv_nsec: 'long' });
    clock = libc.func('int clock_gettime(int clk, _Out_ mu_thread_timespec *ts)') as unknown as typeof clock;
    void timespec;
  } catch {
    clock = null;
  }
  return clock;
}

/** Milliseconds of CPU this thread has used (monotonic within the thread). */
export function threadCpuMs(): number {
  const c = bind();
  if (!c) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  const ts: { tv_sec?: number; tv_nsec?: number } = {};
  c(CLOCK_THREAD_CPUTIME_ID, ts);
  return (ts.tv_sec ?? 0) * 1e3 + (ts.tv_nsec ?? 0) / 1e6;
}

export const threadCpuClock = (): 'thread' | 'process' => (bind() ? 'thread' : 'process');
