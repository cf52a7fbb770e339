// Test helpers: root check, bpftool views, waiting.
import { execFileSync } from 'node:child_process';

export const isRoot = process.getuid?.() === 0;
export const notRootReason = 'needs root (CAP_BPF + CAP_NET_ADMIN); run the tests as root';

export function bpftoolJson<T = any>(...args: string[]): T {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }) || 'null') as T;
}

/** Ids of loaded programs whose name starts with `prefix`. */
export function loadedPrograms(prefix: string): number[] {
  return (bpftoolJson<{ id: number; name?: string }[]>('prog', 'show') ?? []).filter((p) => p.name?.startsWith(prefix)).map((p) => p.id);
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether programs with these kernel ids are still loaded. */
export function programsLoaded(ids: number[]): number[] {
  const live = new Set((bpftoolJson<{ id: number }[]>('prog', 'show') ?? []).map((p) => p.id));
  return ids.filter((id) => live.has(id));
}

/**
 * The ids still loaded after waiting up to `timeoutMs` for them to go. The kernel frees a program
 * asynchronously once its last reference is dropped (tc filters after an RCU grace period, links
 * and files through deferred work), so "gone right after close" is a race, not a guarantee.
 */
export async function programsLeft(ids: number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = programsLoaded(ids);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(20);
    left = programsLoaded(ids);
  }
  return left;
}
