// Whole-machine CPU busy share between two points in time, from /proc/stat.
import { readFileSync } from 'node:fs';

export function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function busyShare(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  const dt = b.total - a.total;
  return dt > 0 ? (b.busy - a.busy) / dt : 0;
}
